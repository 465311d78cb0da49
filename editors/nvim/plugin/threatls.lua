-- threatls: filetype detection and commands (Neovim 0.7+).
-- The language server starts after require('threatls').setup{} or, on Neovim
-- 0.11+, vim.lsp.enable('threatls'); see :help threatls.

if vim.g.loaded_threatls or vim.fn.has('nvim-0.7') == 0 then
  return
end
vim.g.loaded_threatls = 1

require('threatls.commands').register()
