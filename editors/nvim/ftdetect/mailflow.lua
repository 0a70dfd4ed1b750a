-- Filetype detection for the mail-flow DSL: `*.mailflow` is filetype `mailflow` (Neovim
-- would otherwise guess `conf` from the `#` comments). `*.mailflow.yaml` stays `yaml`.
-- Neovim sources ftdetect/*.lua from every folder on 'runtimepath' (0.7 and later):
--   vim.opt.runtimepath:append('/path/to/mailflow/editors/nvim')
if vim.filetype and vim.filetype.add and vim.fn.has('nvim-0.8') == 1 then
  vim.filetype.add({ extension = { mailflow = 'mailflow' } })
else
  -- Neovim 0.7: Lua filetype detection is opt-in there; an autocmd works either way.
  vim.api.nvim_create_autocmd({ 'BufNewFile', 'BufRead' }, {
    pattern = '*.mailflow',
    command = 'setfiletype mailflow',
  })
end
