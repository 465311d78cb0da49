" Vim syntax file
" Language:    threatls threat model (*.threat)
" Maintainer:  threatls (editors/nvim)
"
" Regex highlighting that works in Vim 8/9 and every Neovim without
" tree-sitter. Keywords, attributes and values follow dsl/schema.go; the
" headless test (editors/nvim/test) checks this file against that schema.

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match
" Identifiers may contain '-' (payments-api), so '-' is a keyword character
" here: `low-risk` is an id, not the level `low`.
syn iskeyword @,48-57,_,192-255,-
syn spell notoplevel
syn sync fromstart

" An identifier: letters, digits, '_', and '-' between letters/digits.
" `api->db` is `api` `->` `db`.
let s:id = '\h\w*\%(-\w\+\)*'
" Start of a statement: start of line, or after '{' or ';'.
let s:stmt = '\%(\%(^\|[{;]\)\s*\)\@<='

let s:decls = ['model', 'boundary', 'data', 'actor', 'service', 'store',
      \ 'threat', 'mitigation']
let s:responses = ['accept', 'transfer', 'not_applicable']

" Attribute names of every declaration kind (dsl/schema.go).
let s:attributes = [
      \ 'accepts_uploads', 'access_control', 'append_only', 'approved_by',
      \ 'audit_logging', 'authenticated', 'authorized', 'availability',
      \ 'backup', 'capec', 'carries', 'classification', 'clearance', 'code',
      \ 'csrf_protection', 'cwe', 'description', 'dpa', 'due',
      \ 'egress_allowlist', 'encodes_output', 'encrypted', 'encrypted_at_rest',
      \ 'evidence', 'executes_commands', 'fetches_urls', 'handles', 'human',
      \ 'impact', 'in', 'integrity', 'internet_facing', 'kind', 'likelihood',
      \ 'log_redaction', 'login_throttling', 'memory_safe', 'mfa', 'mitigates',
      \ 'on', 'owner', 'parameterized_queries', 'parses', 'password_hashing',
      \ 'protocol', 'purpose', 'rate_limited', 'reason', 'redundant',
      \ 'reviewed', 'runs_as', 'runtime', 'secret_source', 'secure_cookies',
      \ 'signed', 'signed_artifacts', 'source', 'status', 'stores', 'stride',
      \ 'tags', 'tech', 'ticket', 'tls_min', 'to', 'trust', 'trusted', 'until',
      \ 'uses_secrets', 'validates_input', 'validates_uploads', 'version',
      \ 'vpn', 'xml_hardened']

" Values. Keywords win over matches at the same position, so these are only
" the words that are unambiguous values: STRIDE categories, levels (trust,
" classification, likelihood, impact, criticality), mitigation states and
" booleans.
syn keyword threatStride spoofing tampering repudiation information_disclosure
syn keyword threatStride denial_of_service elevation_of_privilege
syn keyword threatLevel untrusted low medium high critical
syn keyword threatLevel public internal confidential restricted
syn keyword threatStatus planned in_progress implemented verified
syn keyword threatBoolean true false

" Dates and numbers ('-' is a keyword character, so CWE-89 and api-2 are not
" numbers and 2027-06-30 is one date).
syn match threatDate '\<\d\{4}-\d\d-\d\d\>'
syn match threatNumber '\<\d\+\%(\.\d\+\)\?\>'

" Flow arrows.
syn match threatArrow '<\?->'
syn match threatBrace '[{}]'

" Generated threat ids: RULE@ELEMENT, RULE@A->B, RULE@FLOWNAME.
exe 'syn match threatGeneratedRef "\<' . s:id . '@' . s:id
      \ . '\%(\s*<\?->\s*' . s:id . '\)\='
      \ . '"'

" Declaration headers: keyword, then the id (or a flow's name before ':').
exe 'syn match threatDeclaration "' . s:stmt . '\<\%(' . join(s:decls, '\|') . '\)\>"'
      \ . ' nextgroup=threatDeclName skipwhite'
exe 'syn match threatDeclaration "' . s:stmt . '\<flow\>"'
      \ . ' nextgroup=threatFlowName skipwhite'
exe 'syn match threatResponse "' . s:stmt . '\<\%(' . join(s:responses, '\|') . '\)\>"'
      \ . ' nextgroup=threatGeneratedRef,threatRef skipwhite'
exe 'syn match threatDeclName contained "\<' . s:id . '\>"'
exe 'syn match threatFlowName contained "\<' . s:id . '\>\ze\s*:"'
exe 'syn match threatRef contained "\<' . s:id . '\>@\@!"'

" Attribute names, at the start of a statement.
exe 'syn match threatAttribute "' . s:stmt . '\<\%(' . join(s:attributes, '\|') . '\)\>"'

" Strings: "..." with \" \\ \n \t escapes, and """...""" text blocks (defined
" after "..." so that they win where both start).
syn match threatEscape contained +\\["\\nt]+
syn region threatString start=+"+ skip=+\\\\\|\\"+ end=+"+ oneline
      \ contains=threatEscape,@Spell
syn region threatTextBlock start=+"""+ end=+"""+ contains=@Spell

" Comments.
syn keyword threatTodo contained TODO FIXME XXX NOTE
syn match threatLineComment '//.*$' contains=threatTodo,@Spell
syn region threatBlockComment start='/\*' end='\*/' contains=threatTodo,@Spell

hi def link threatLineComment  threatComment
hi def link threatBlockComment threatComment
hi def link threatComment      Comment
hi def link threatTodo         Todo
hi def link threatString       String
hi def link threatTextBlock    String
hi def link threatEscape       SpecialChar
hi def link threatDeclaration  Keyword
hi def link threatResponse     Keyword
hi def link threatDeclName     Function
hi def link threatFlowName     Function
hi def link threatRef          Identifier
hi def link threatAttribute    Identifier
hi def link threatStride       Type
hi def link threatLevel        Constant
hi def link threatStatus       Constant
hi def link threatBoolean      Boolean
hi def link threatDate         Number
hi def link threatNumber       Number
hi def link threatArrow        Operator
hi def link threatBrace        Delimiter
hi def link threatGeneratedRef Special

let b:current_syntax = 'threat'

let &cpo = s:cpo_save
unlet s:cpo_save s:id s:stmt s:decls s:responses s:attributes
