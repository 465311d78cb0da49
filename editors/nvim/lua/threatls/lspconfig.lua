-- threatls for nvim-lspconfig's setup() framework (Neovim 0.7-0.10 and
-- nvim-lspconfig versions that still have require('lspconfig').X.setup{}):
--
--   require('threatls.lspconfig').register()
--   require('lspconfig').threatls.setup({})
--
-- On Neovim 0.11+ nvim-lspconfig reads lsp/threatls.lua from this plugin
-- instead: just call vim.lsp.enable('threatls').

local Root = require('threatls.root')

local M = {}

M.name = 'threatls'

--- The server definition in nvim-lspconfig's format.
function M.config()
  return {
    default_config = {
      cmd = { 'threatls', 'serve' },
      filetypes = { 'threat' },
      -- nvim-lspconfig passes the buffer's file name.
      root_dir = function(fname)
        return Root.find(fname, Root.default_markers)
      end,
      single_file_support = true,
      settings = {},
    },
    docs = {
      description = [[
threatls: language server for threat models (*.threat), started with `threatls serve`.
The root is the nearest folder holding `.git`, else the nearest folder holding
*.threat files, else the file's folder.
]],
    },
  }
end

--- Adds threatls to require('lspconfig.configs') unless it is already there.
--- Returns the entry, so require('threatls.lspconfig').register().setup{} works.
function M.register()
  local configs = require('lspconfig.configs')
  if not rawget(configs, M.name) and not configs[M.name] then
    configs[M.name] = M.config()
  end
  return configs[M.name]
end

return M
