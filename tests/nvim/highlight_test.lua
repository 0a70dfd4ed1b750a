-- Loads editors/nvim/queries/mailflow/highlights.scm in Neovim (editors/nvim and a folder
-- holding parser/mailflow.so on 'runtimepath', set by test_nvim.py), parses
-- MAILFLOW_NVIM_FILE with the grammar and writes, as JSON to MAILFLOW_NVIM_RESULTS, the
-- capture Neovim's highlighter shows for each node: the last one of the query that matches it.
local file = assert(os.getenv('MAILFLOW_NVIM_FILE'))
local results = assert(os.getenv('MAILFLOW_NVIM_RESULTS'))

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  local parser = vim.treesitter.get_parser(bufnr, 'mailflow')
  local tree = parser:parse()[1]
  local query = vim.treesitter.get_query('mailflow', 'highlights')
  assert(query ~= nil, 'no highlights query for mailflow on runtimepath')
  vim.treesitter.highlighter.new(parser) -- what a user's config starts: must not fail
  local shown = {}
  for id, node in query:iter_captures(tree:root(), bufnr, 0, -1) do
    local row, col, end_row, end_col = node:range()
    local key = string.format('%d:%d-%d:%d', row, col, end_row, end_col)
    shown[key] = { capture = query.captures[id], text = vim.treesitter.get_node_text(node, bufnr) }
  end
  local out = {}
  for _, value in pairs(shown) do
    out[#out + 1] = value
  end
  vim.fn.writefile({ vim.fn.json_encode(out) }, results)
end)
if not ok then
  vim.fn.writefile({ 'FAIL ' .. tostring(err) }, results)
  vim.cmd('cquit 1')
end
vim.cmd('qall!')
