" Filetype plugin for threatls models (*.threat).
" Comments are // line comments and /* */ block comments; the recommended
" style is two-space indentation (set g:threat_recommended_style = 0 to keep
" your own tab settings).

if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1

let s:cpo_save = &cpo
set cpo&vim

setlocal commentstring=//\ %s
setlocal comments=s1:/*,mb:*,ex:*/,://
setlocal formatoptions-=t formatoptions+=croql
let b:undo_ftplugin = 'setlocal commentstring< comments< formatoptions<'

if get(g:, 'threat_recommended_style', 1)
  setlocal expandtab shiftwidth=2 softtabstop=2
  let b:undo_ftplugin .= ' | setlocal expandtab< shiftwidth< softtabstop<'
endif

" % jumps between the braces of a declaration body (they are in 'matchpairs'
" by default); matchit is not needed.

let &cpo = s:cpo_save
unlet s:cpo_save
