-- threatls config for Neovim 0.11+ (vim.lsp.config / vim.lsp.enable).
--
-- With this plugin on 'runtimepath', enable the server with:
--
--   vim.lsp.enable('threatls')
--
-- and change settings with vim.lsp.config('threatls', { cmd = { ... } }).
-- The root is the nearest folder with a root marker (default `.git`), else the
-- nearest folder holding *.threat files, else the file's folder.

local ok, threatls = pcall(require, 'threatls')
if ok then
  return threatls.lsp_config()
end

-- Copied without the rest of the plugin: plain markers, file folder fallback.
return {
  cmd = { 'threatls', 'serve' },
  filetypes = { 'threat' },
  root_markers = { '.git' },
}
