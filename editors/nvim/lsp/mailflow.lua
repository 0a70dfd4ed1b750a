-- `mailflow lsp` for Neovim 0.11+ (vim.lsp.config). With editors/nvim on 'runtimepath'
-- Neovim finds this file by its name; enable it in init.lua:
--
--   vim.opt.runtimepath:append('/path/to/mailflow/editors/nvim')
--   vim.lsp.enable('mailflow')
--
-- Settings (section `mailflow`: select, ignore, docsUrl) can be changed with
-- vim.lsp.config('mailflow', { settings = { mailflow = { ignore = { 'MF014' } } } }).

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

---@type vim.lsp.Config
return {
  cmd = { 'mailflow', 'lsp' },
  filetypes = { 'mailflow', 'yaml' },
  -- Called for each buffer of those filetypes: only mail-flow files get the server, in the
  -- folder of their git checkout (or their own folder).
  root_dir = function(bufnr, on_dir)
    if is_mailflow(bufnr) then
      local root = vim.fs.root(bufnr, { '.git' })
      on_dir(root or vim.fs.dirname(vim.api.nvim_buf_get_name(bufnr)))
    end
  end,
  settings = { mailflow = {} },
}
