-- `mailflow lsp` for Neovim 0.7 to 0.10 (on 0.11+ use lsp/mailflow.lua). Load it from
-- init.lua, with editors/nvim on 'runtimepath' for the `*.mailflow` filetype:
--
--   vim.opt.runtimepath:append('/path/to/mailflow/editors/nvim')
--   dofile('/path/to/mailflow/editors/nvim/legacy.lua')
--
-- It starts one `mailflow lsp` per project folder when a mail-flow buffer is opened and
-- attaches it to that buffer and to each later one in the same folder (starting a client
-- without attaching it, as vim.lsp.start_client alone does, shows nothing). Settings go in
-- vim.g.mailflow_settings, e.g. { mailflow = { ignore = { 'MF014' } } }, and the command in
-- vim.g.mailflow_cmd (default { 'mailflow', 'lsp' }).

local clients = {} -- project folder -> client id

-- A YAML buffer is a mail-flow file when it is named *.mailflow.yaml/.yml or its first key is
-- `mailflow` (as `mailflow check` decides for a folder); other YAML files get no server.
local function is_mailflow(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if vim.bo[bufnr].filetype == 'mailflow' or name:match('%.mailflow%.ya?ml$') then
    return true
  end
  for _, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, 50, false)) do
    if not (line:match('^%s*$') or line:match('^%s*#') or line:match('^%-%-%-') or line:match('^%%')) then
      return line:match('^mailflow%s*:') ~= nil
    end
  end
  return false
end

-- The folder of the buffer's git checkout, else the buffer's own folder.
local function root_of(bufnr)
  local folder = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':p:h')
  local git = vim.fn.finddir('.git', folder .. ';')
  if git == '' then
    git = vim.fn.findfile('.git', folder .. ';')
  end
  return git ~= '' and vim.fn.fnamemodify(git, ':p:h:h') or folder
end

local function attach(args)
  local bufnr = args.buf
  if vim.bo[bufnr].buftype ~= '' or not is_mailflow(bufnr) then
    return
  end
  local root = root_of(bufnr)
  local id = clients[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    local capabilities = vim.lsp.protocol.make_client_capabilities()
    -- Neovim answers workspace/configuration but 0.7 does not say so.
    capabilities.workspace.configuration = true
    id = vim.lsp.start_client({
      name = 'mailflow',
      cmd = vim.g.mailflow_cmd or { 'mailflow', 'lsp' },
      root_dir = root,
      capabilities = capabilities,
      settings = vim.g.mailflow_settings or { mailflow = {} },
      on_exit = function()
        clients[root] = nil
      end,
    })
    if id == nil then
      return
    end
    clients[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
end

vim.api.nvim_create_autocmd('FileType', {
  group = vim.api.nvim_create_augroup('mailflow_lsp', { clear = true }),
  pattern = { 'mailflow', 'yaml' },
  callback = attach,
})
