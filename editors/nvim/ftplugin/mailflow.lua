-- The mail-flow DSL buffer: `#` comments, two-space blocks, and highlighting by the
-- tree-sitter grammar when its parser (parser/mailflow.so on 'runtimepath', see
-- editors/nvim/README.md) is installed; without it the buffer is plain text, and the
-- language server's semantic tokens (Neovim 0.9+) colour it.
vim.bo.commentstring = '# %s'
vim.bo.comments = ':#'
vim.bo.shiftwidth = 2
vim.bo.expandtab = true

pcall(function()
  if vim.treesitter.start then
    vim.treesitter.start(0, 'mailflow')
  else -- Neovim 0.7-0.8
    vim.treesitter.highlighter.new(vim.treesitter.get_parser(0, 'mailflow'))
  end
end)
