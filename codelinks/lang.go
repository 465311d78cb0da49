package codelinks

import (
	"bytes"
	"path"
	"strings"
	"unicode/utf8"
)

// delim is a multi-line string delimiter: the string closes with the same text.
type delim struct {
	text string
	// escapes is true when a backslash escapes the next character inside the string.
	escapes bool
}

// syntax describes how one language writes comments and strings, which is all the lexer
// needs to find comments without mistaking a `//` inside a string for one.
type syntax struct {
	// name is the language name, used as the Markdown code-fence language.
	name string
	// line are the line-comment markers, longest first.
	line []string
	// block are the block-comment delimiters, [open, close].
	block [][2]string
	// quotes are the single-line string quotes; a backslash escapes the next character.
	quotes string
	// multi are the multi-line string delimiters, longest first.
	multi []delim
	// charLit is set when `'` opens a character literal ('a', '\n') rather than a string;
	// a `'` that does not close a short literal is an ordinary character (Rust lifetimes).
	charLit bool
	// hashAtWord is set when `#` starts a comment only at the start of a word (shell, YAML).
	hashAtWord bool
	// symbols finds the functions and types of a file in this language; nil when the
	// language has no symbol finder.
	symbols func(lines []string) []symbol
}

var (
	cBlock   = [][2]string{{"/*", "*/"}}
	backtick = []delim{{"`", true}}
)

var (
	synGo     = &syntax{name: "go", line: []string{"//"}, block: cBlock, quotes: `"`, multi: []delim{{"`", false}}, charLit: true, symbols: goSymbols}
	synTS     = &syntax{name: "typescript", line: []string{"//"}, block: cBlock, quotes: `"'`, multi: backtick, symbols: tsSymbols}
	synJS     = &syntax{name: "javascript", line: []string{"//"}, block: cBlock, quotes: `"'`, multi: backtick, symbols: tsSymbols}
	synJava   = &syntax{name: "java", line: []string{"//"}, block: cBlock, quotes: `"`, multi: []delim{{`"""`, true}}, charLit: true, symbols: javaSymbols}
	synKotlin = &syntax{name: "kotlin", line: []string{"//"}, block: cBlock, quotes: `"`, multi: []delim{{`"""`, false}}, charLit: true, symbols: kotlinSymbols}
	synCS     = &syntax{name: "csharp", line: []string{"//"}, block: cBlock, quotes: `"`, charLit: true, symbols: csharpSymbols}
	synC      = &syntax{name: "c", line: []string{"//"}, block: cBlock, quotes: `"`, charLit: true, symbols: cSymbols}
	synCpp    = &syntax{name: "cpp", line: []string{"//"}, block: cBlock, quotes: `"`, charLit: true, symbols: cSymbols}
	synRust   = &syntax{name: "rust", line: []string{"//"}, block: cBlock, quotes: `"`, charLit: true, symbols: rustSymbols}
	synSwift  = &syntax{name: "swift", line: []string{"//"}, block: cBlock, quotes: `"`, multi: []delim{{`"""`, true}}, symbols: swiftSymbols}
	synScala  = &syntax{name: "scala", line: []string{"//"}, block: cBlock, quotes: `"`, multi: []delim{{`"""`, false}}, charLit: true, symbols: scalaSymbols}
	synDart   = &syntax{name: "dart", line: []string{"//"}, block: cBlock, quotes: `"'`, multi: []delim{{`"""`, true}, {`'''`, true}}, symbols: javaSymbols}
	synGroovy = &syntax{name: "groovy", line: []string{"//"}, block: cBlock, quotes: `"'`, multi: []delim{{`"""`, true}, {`'''`, true}}, symbols: javaSymbols}
	synProto  = &syntax{name: "protobuf", line: []string{"//"}, block: cBlock, quotes: `"'`}
	synCSS    = &syntax{name: "css", block: cBlock, quotes: `"'`}
	synSCSS   = &syntax{name: "scss", line: []string{"//"}, block: cBlock, quotes: `"'`}
	synPHP    = &syntax{name: "php", line: []string{"//", "#"}, block: cBlock, quotes: `"'`, symbols: phpSymbols}
	synPython = &syntax{name: "python", line: []string{"#"}, quotes: `"'`, multi: []delim{{`"""`, true}, {`'''`, true}}, symbols: pythonSymbols}
	synRuby   = &syntax{name: "ruby", line: []string{"#"}, quotes: `"'`, symbols: rubySymbols}
	synShell  = &syntax{name: "sh", line: []string{"#"}, quotes: `"'`, hashAtWord: true, symbols: shellSymbols}
	synYAML   = &syntax{name: "yaml", line: []string{"#"}, quotes: `"'`, hashAtWord: true}
	synTOML   = &syntax{name: "toml", line: []string{"#"}, quotes: `"'`, multi: []delim{{`"""`, true}, {`'''`, false}}}
	synHash   = &syntax{name: "text", line: []string{"#"}, quotes: `"'`, hashAtWord: true}
	synTF     = &syntax{name: "hcl", line: []string{"#", "//"}, block: cBlock, quotes: `"`}
	synSQL    = &syntax{name: "sql", line: []string{"--"}, block: cBlock, quotes: `'`, symbols: sqlSymbols}
	synLua    = &syntax{name: "lua", line: []string{"--"}, block: [][2]string{{"--[[", "]]"}}, quotes: `"'`, symbols: luaSymbols}
	synHaskel = &syntax{name: "haskell", line: []string{"--"}, block: [][2]string{{"{-", "-}"}}, quotes: `"`, symbols: haskellSymbols}
	synElm    = &syntax{name: "elm", line: []string{"--"}, block: [][2]string{{"{-", "-}"}}, quotes: `"`, symbols: haskellSymbols}
	synMarkup = &syntax{name: "html", block: [][2]string{{"<!--", "-->"}}}
	synVue    = &syntax{name: "vue", line: []string{"//"}, block: [][2]string{{"<!--", "-->"}, {"/*", "*/"}}}
)

// byExt maps a lower-case file extension to its syntax.
var byExt = map[string]*syntax{
	".go": synGo,
	".ts": synTS, ".tsx": synTS, ".mts": synTS, ".cts": synTS,
	".js": synJS, ".jsx": synJS, ".mjs": synJS, ".cjs": synJS,
	".java": synJava, ".kt": synKotlin, ".kts": synKotlin, ".cs": synCS,
	".c": synC, ".h": synC, ".cc": synCpp, ".cpp": synCpp, ".cxx": synCpp, ".hpp": synCpp, ".hh": synCpp, ".hxx": synCpp,
	".rs": synRust, ".swift": synSwift, ".scala": synScala, ".sc": synScala, ".dart": synDart,
	".groovy": synGroovy, ".gradle": synGroovy, ".proto": synProto,
	".css": synCSS, ".scss": synSCSS, ".less": synSCSS, ".php": synPHP,
	".py": synPython, ".pyi": synPython, ".rb": synRuby, ".rake": synRuby,
	".sh": synShell, ".bash": synShell, ".zsh": synShell, ".ksh": synShell,
	".yaml": synYAML, ".yml": synYAML, ".toml": synTOML,
	".pl": synHash, ".pm": synHash, ".r": synHash, ".ex": synHash, ".exs": synHash, ".ps1": synHash,
	".cfg": synHash, ".conf": synHash, ".ini": synHash, ".properties": synHash, ".nix": synHash,
	".cmake": synHash, ".mk": synShell, ".graphql": synHash, ".gql": synHash, ".dockerfile": synShell,
	".tf": synTF, ".tfvars": synTF, ".hcl": synTF,
	".sql": synSQL, ".lua": synLua, ".hs": synHaskel, ".elm": synElm,
	".html": synMarkup, ".htm": synMarkup, ".xml": synMarkup, ".svg": synMarkup,
	".vue": synVue, ".svelte": synVue,
}

// byName maps file names without a telling extension to their syntax.
var byName = map[string]*syntax{
	"Dockerfile": synShell, "Containerfile": synShell, "Makefile": synShell, "GNUmakefile": synShell,
	"Jenkinsfile": synGroovy, "Rakefile": synRuby, "Gemfile": synRuby, "Vagrantfile": synRuby,
	"BUILD": synShell, "BUILD.bazel": synShell, "WORKSPACE": synShell, "CMakeLists.txt": synHash,
}

// syntaxFor returns the syntax of a file by its name, or nil for files threatls does not
// read (unknown languages, data files).
func syntaxFor(name string) *syntax {
	base := path.Base(name)
	if s, ok := byName[base]; ok {
		return s
	}
	if strings.HasPrefix(base, "Dockerfile.") {
		return synShell
	}
	return byExt[strings.ToLower(path.Ext(base))]
}

// comment is one comment found by the lexer: the byte range of the whole comment,
// markers included, and the range of its text between the markers.
type comment struct {
	start, end         int
	textStart, textEnd int
	block              bool
}

// lex returns the comments of src. When code is not nil it must have src's length; the
// lexer copies src into it with comments and the contents of strings blanked out (line
// breaks kept), which is what the symbol finders read.
func lex(src []byte, syn *syntax, code []byte) []comment {
	var out []comment
	if code != nil {
		copy(code, src)
	}
	blank := func(from, to int) {
		if code == nil {
			return
		}
		for i := from; i < to && i < len(code); i++ {
			if code[i] != '\n' && code[i] != '\r' {
				code[i] = ' '
			}
		}
	}
	var starters [256]bool
	for _, m := range syn.line {
		starters[m[0]] = true
	}
	for _, b := range syn.block {
		starters[b[0][0]] = true
	}
	for i := 0; i < len(syn.quotes); i++ {
		starters[syn.quotes[i]] = true
	}
	for _, d := range syn.multi {
		starters[d.text[0]] = true
	}
	if syn.charLit {
		starters['\''] = true
	}
	n := len(src)
	i := 0
next:
	for i < n {
		c := src[i]
		if !starters[c] {
			i++
			continue
		}
		for _, b := range syn.block {
			if hasAt(src, i, b[0]) {
				ts := i + len(b[0])
				end := indexFrom(src, ts, b[1])
				te, ce := n, n
				if end >= 0 {
					te, ce = end, end+len(b[1])
				}
				out = append(out, comment{start: i, end: ce, textStart: ts, textEnd: te, block: true})
				blank(i, ce)
				i = ce
				continue next
			}
		}
		for _, m := range syn.line {
			if !hasAt(src, i, m) {
				continue
			}
			if m == "#" && syn.hashAtWord && i > 0 && !isSpace(src[i-1]) {
				continue
			}
			end := indexFrom(src, i, "\n")
			if end < 0 {
				end = n
			}
			te := end
			if te > i && src[te-1] == '\r' {
				te--
			}
			out = append(out, comment{start: i, end: te, textStart: i + len(m), textEnd: te})
			blank(i, te)
			i = end
			continue next
		}
		for _, d := range syn.multi {
			if !hasAt(src, i, d.text) {
				continue
			}
			j := i + len(d.text)
			for j < n && !hasAt(src, j, d.text) {
				if d.escapes && src[j] == '\\' {
					j++
				}
				j++
			}
			end := min(j+len(d.text), n)
			blank(i+len(d.text), min(j, n))
			i = end
			continue next
		}
		if c == '\'' && syn.charLit {
			if l := charLitLen(src[i:]); l > 0 {
				blank(i+1, i+l-1)
				i += l
			} else {
				i++
			}
			continue
		}
		if strings.IndexByte(syn.quotes, c) >= 0 {
			j := i + 1
			for j < n && src[j] != c && src[j] != '\n' {
				if src[j] == '\\' && j+1 < n && src[j+1] != '\n' {
					j++
				}
				j++
			}
			blank(i+1, j)
			if j < n && src[j] == c {
				j++
			}
			i = j
			continue
		}
		i++
	}
	return out
}

// charLitLen returns the length of the character literal at the start of s ('a', '\n',
// '\u00e9'), or 0 when s does not start with one.
func charLitLen(s []byte) int {
	if len(s) < 3 {
		return 0
	}
	if s[1] == '\\' {
		for j := 2; j < len(s) && j < 12; j++ {
			if s[j] == '\n' {
				return 0
			}
			if s[j] == '\'' && j > 2 {
				return j + 1
			}
		}
		return 0
	}
	if s[1] == '\'' || s[1] == '\n' {
		return 0
	}
	_, size := utf8.DecodeRune(s[1:])
	if 1+size < len(s) && s[1+size] == '\'' {
		return size + 2
	}
	return 0
}

func hasAt(src []byte, i int, s string) bool {
	return len(src)-i >= len(s) && string(src[i:i+len(s)]) == s
}

func indexFrom(src []byte, from int, s string) int {
	if from > len(src) {
		return -1
	}
	if k := bytes.Index(src[from:], []byte(s)); k >= 0 {
		return from + k
	}
	return -1
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
