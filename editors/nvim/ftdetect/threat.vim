" Filetype detection for threatls models (*.threat).
" Works in Vim 8/9 and every Neovim. Neovim 0.8+ also detects the extension
" through vim.filetype.add() in plugin/threatls.lua; both set the same name.
autocmd BufRead,BufNewFile *.threat setfiletype threat
