-- Highlighting of the DSL in Neovim as a user gets it: test_nvim.py starts Neovim with an
-- init.lua that puts editors/nvim and a folder holding parser/mailflow.so on 'runtimepath',
-- then runs this file, which opens MAILFLOW_NVIM_FILE (filetype `mailflow` from ftdetect),
-- checks that ftplugin/mailflow.lua started tree-sitter highlighting in the buffer, and
-- writes, as JSON to MAILFLOW_NVIM_RESULTS, the capture Neovim's highlighter shows for each
-- node of editors/nvim/queries/mailflow/highlights.scm: the last one of the query that matches
-- it.
local file = assert(os.getenv('MAILFLOW_NVIM_FILE'))
local results = assert(os.getenv('MAILFLOW_NVIM_RESULTS'))

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  assert(vim.bo[bufnr].filetype == 'mailflow', 'filetype is ' .. vim.bo[bufnr].filetype .. ', not mailflow')
  assert(vim.treesitter.highlighter.active[bufnr] ~= nil, 'ftplugin/mailflow.lua started no tree-sitter highlighter')
  local parser = vim.treesitter.get_parser(bufnr, 'mailflow')
  local tree = parser:parse()[1]
  -- vim.treesitter.query.get came in 0.9, get_query went in 0.10.
  local query = (vim.treesitter.query.get or vim.treesitter.get_query)('mailflow', 'highlights')
  assert(query ~= nil, 'no highlights query for mailflow on runtimepath')
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
