" Vim indent file
" Language:    threatls threat model (*.threat)
"
" One level ('shiftwidth') inside each { } body; a list continued after a
" trailing comma gets one extra level; a line starting with } goes back one
" level. Lines inside """text blocks""" and /* block comments */ keep their
" indentation.

if exists('b:did_indent')
  finish
endif
let b:did_indent = 1

setlocal autoindent nosmartindent nocindent
setlocal indentexpr=GetThreatIndent(v:lnum)
setlocal indentkeys=0{,0},!^F,o,O,e
let b:undo_indent = 'setlocal autoindent< smartindent< cindent< indentexpr< indentkeys<'

if exists('*GetThreatIndent')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

function! s:ShiftWidth() abort
  return exists('*shiftwidth') ? shiftwidth() : &shiftwidth
endfunction

" True when line lnum starts inside a """text block""" or /* comment */ that
" began on an earlier line (needs syntax highlighting; without it, never).
function! s:InRegion(lnum) abort
  if a:lnum <= 1 || !exists('b:current_syntax') || b:current_syntax !=# 'threat'
    return 0
  endif
  let prev = a:lnum - 1
  " The position just after the last character is valid for synstack() and
  " gives the state at the end of the previous line.
  for id in synstack(prev, col([prev, '$']))
    if synIDattr(id, 'name') =~# '^threat\%(TextBlock\|BlockComment\)$'
      return 1
    endif
  endfor
  return 0
endfunction

" The code of a line: strings, comments and text blocks removed.
function! s:Code(lnum) abort
  let line = getline(a:lnum)
  let line = substitute(line, '"""\%([^"]\|"[^"]\|""[^"]\)*"""', '""', 'g')
  let line = substitute(line, '"\%([^"\\]\|\\.\)*"', '""', 'g')
  let line = substitute(line, '/\*.\{-}\*/', ' ', 'g')
  let line = substitute(line, '/\*.*$', '', '')
  let line = substitute(line, '//.*$', '', '')
  let line = substitute(line, '""".*$', '', '')
  return line
endfunction

" The nearest line above lnum that holds code (skips blank lines, comment
" lines, and the inside of text blocks and block comments).
function! s:PrevCode(lnum) abort
  let lnum = a:lnum - 1
  while lnum > 0
    if getline(lnum) !~ '^\s*$' && !s:InRegion(lnum) && s:Code(lnum) !~ '^\s*$'
      return lnum
    endif
    let lnum -= 1
  endwhile
  return 0
endfunction

function! s:EndsWithComma(lnum) abort
  return a:lnum > 0 && s:Code(a:lnum) =~ ',\s*$'
endfunction

" The first line of the statement that line lnum belongs to (walks back over
" list continuation lines).
function! s:StatementStart(lnum) abort
  let lnum = a:lnum
  let prev = s:PrevCode(lnum)
  while prev > 0 && s:EndsWithComma(prev)
    let lnum = prev
    let prev = s:PrevCode(lnum)
  endwhile
  return lnum
endfunction

function! GetThreatIndent(lnum) abort
  if s:InRegion(a:lnum)
    return -1
  endif
  let prev = s:PrevCode(a:lnum)
  if prev == 0
    return 0
  endif
  let sw = s:ShiftWidth()
  let code = s:Code(prev)
  " Braces opened minus braces closed on the previous line; leading closing
  " braces were already accounted for when that line was indented.
  let lead = strlen(matchstr(code, '^\s*\zs}*'))
  let opened = strlen(substitute(code, '[^{]', '', 'g'))
  let closed = strlen(substitute(code, '[^}]', '', 'g')) - lead
  let net = opened - closed
  if net != 0
    let ind = indent(s:StatementStart(prev)) + net * sw
  elseif s:EndsWithComma(prev)
    " A list continues: one extra level, once.
    let ind = s:EndsWithComma(s:PrevCode(prev)) ? indent(prev) : indent(prev) + sw
  else
    let ind = indent(s:StatementStart(prev))
  endif
  if getline(a:lnum) =~ '^\s*}'
    let ind -= sw
  endif
  return ind < 0 ? 0 : ind
endfunction

let &cpo = s:cpo_save
unlet s:cpo_save
