-- Filetype detection and user commands; called from plugin/threatls.lua and
-- again by setup() (for plugin managers that put editors/nvim on
-- 'runtimepath' after startup, when plugin/ is no longer sourced).

local M = {}

local done = false

function M.register()
  if done then
    return
  end
  done = true

  -- 0.8+ detects filetypes in Lua; 0.7 only when g:do_filetype_lua is set.
  -- ftdetect/threat.vim covers every version either way.
  if vim.filetype and vim.filetype.add then
    vim.filetype.add({ extension = { threat = 'threat' } })
  end
  if vim.fn.has('nvim-0.8') == 0 then
    -- Same as ftdetect/threat.vim, for when that file was not sourced.
    vim.cmd([[
      augroup threatls_ftdetect
        autocmd!
        autocmd BufRead,BufNewFile *.threat setfiletype threat
      augroup END
    ]])
  end

  vim.api.nvim_create_user_command('ThreatlsRestart', function()
    require('threatls').restart()
  end, { desc = 'threatls: restart the language server' })

  vim.api.nvim_create_user_command('ThreatlsLog', function(args)
    require('threatls').show_log(args.bang)
  end, { bang = true, desc = "threatls: show the server's log (! opens Neovim's LSP log)" })
end

return M
