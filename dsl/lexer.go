package dsl

import (
	"io"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// Token types produced by Lex. They follow participle's convention of negative numbers.
const (
	TokEOF        lexer.TokenType = lexer.EOF
	TokComment    lexer.TokenType = -2 - iota
	TokNewline                    // one or more line breaks
	TokKeyword                    // a reserved declaration keyword
	TokIdent                      // an identifier: letters, digits, _, and - between them
	TokString                     // "..."
	TokRawString                  // """..."""
	TokDate                       // 2027-06-30
	TokNumber                     // 89, 1.2
	TokPunct                      // { } , ; : @ -> <->
	TokBadString                  // a string with no closing quote
	TokBadComment                 // a /* comment with no closing */
	TokInvalid                    // a character the language does not use
)

var symbols = map[string]lexer.TokenType{
	"EOF": TokEOF, "Comment": TokComment, "NL": TokNewline, "Keyword": TokKeyword, "Ident": TokIdent,
	"String": TokString, "RawString": TokRawString, "Date": TokDate, "Number": TokNumber, "Punct": TokPunct,
	"BadString": TokBadString, "BadComment": TokBadComment, "Invalid": TokInvalid,
}

// TokenName returns a user-facing name for a token type.
func TokenName(t lexer.TokenType) string {
	switch t {
	case TokEOF:
		return "end of file"
	case TokComment, TokBadComment:
		return "comment"
	case TokNewline:
		return "end of line"
	case TokKeyword:
		return "keyword"
	case TokIdent:
		return "identifier"
	case TokString, TokRawString, TokBadString:
		return "string"
	case TokDate:
		return "date"
	case TokNumber:
		return "number"
	}
	return "character"
}

// definition is the participle lexer definition for .threat files: a hand-written
// scanner that accepts every byte.
type definition struct{}

// Symbols implements lexer.Definition.
func (definition) Symbols() map[string]lexer.TokenType { return symbols }

// Lex implements lexer.Definition.
func (definition) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return &sliceLexer{toks: Lex(string(b))}, nil
}

// sliceLexer replays a token slice to participle.
type sliceLexer struct {
	toks []lexer.Token
	i    int
}

func (l *sliceLexer) Next() (lexer.Token, error) {
	if l.i >= len(l.toks) {
		var pos lexer.Position
		if n := len(l.toks); n > 0 {
			pos = l.toks[n-1].Pos
			pos.Offset += len(l.toks[n-1].Value)
		}
		return lexer.EOFToken(pos), nil
	}
	t := l.toks[l.i]
	l.i++
	return t, nil
}

// Lex splits src into tokens. It accepts every byte: characters the language does not use
// become TokInvalid tokens and unterminated strings or comments become TokBadString and
// TokBadComment tokens, for the parser to report. Whitespace other than line breaks is
// dropped; comments are kept. The last token is TokEOF.
func Lex(src string) []lexer.Token {
	// Two passes: the first counts the tokens, so that the slice is allocated once with
	// the exact length. Tokens are 64 bytes and the slice is kept by the File; growing it
	// (or over-estimating it) costs more than scanning the text twice.
	n, _ := lex(src, nil, true)
	_, toks := lex(src, make([]lexer.Token, 0, n), false)
	return toks
}

// lex scans src. With counting set it only counts the tokens; else it appends them to toks.
func lex(src string, toks []lexer.Token, counting bool) (int, []lexer.Token) {
	return lexRange(src, 0, len(src), 1, 0, toks, counting, true)
}

// lexRange scans src[from:to] as lex scans src, with the positions tokens have in the whole
// of src: from is on line line, which starts at lineStart. No token reaches past to (a
// string or comment still open there is bad). With eof set, a TokEOF at to ends the tokens.
func lexRange(src string, from, to, line, lineStart int, toks []lexer.Token, counting, eof bool) (int, []lexer.Token) {
	count := 0
	// Columns count characters (runes) from the line start, as LineIndex.Position does. They
	// are computed incrementally from the last token on the line so long lines stay linear.
	colOff, colN := lineStart, 1
	col := func(off int) int {
		if colOff < lineStart || colOff > off {
			colOff, colN = lineStart, 1
		}
		colN += utf8.RuneCountInString(src[colOff:off])
		colOff = off
		return colN
	}
	// put appends a token field by field: the slice is new (zeroed, Filename stays empty),
	// and storing the fields costs one write barrier for Value where copying a whole Token
	// during a GC costs a bulk barrier over it.
	put := func(t lexer.TokenType, value string, off, line, col int) {
		if len(toks) < cap(toks) {
			toks = toks[:len(toks)+1]
		} else {
			toks = append(toks, lexer.Token{}) // not when the count is right
		}
		tok := &toks[len(toks)-1]
		tok.Type, tok.Value = t, value
		tok.Pos.Offset, tok.Pos.Line, tok.Pos.Column = off, line, col
	}
	emit := func(t lexer.TokenType, start, end int) {
		if counting {
			count++
			return
		}
		put(t, src[start:end], start, line, col(start))
	}
	// isBreak reports whether src[i] ends a line: "\n", or "\r" not followed by "\n" (a lone
	// CR ends a line too, as in LineIndex).
	isBreak := func(i int) bool {
		return src[i] == '\n' || (src[i] == '\r' && (i+1 >= len(src) || src[i+1] != '\n'))
	}
	// advanceLines accounts for line breaks inside src[start:end] (multi-line tokens).
	advanceLines := func(start, end int) {
		for i := start; i < end; i++ {
			if isBreak(i) {
				line++
				lineStart = i + 1
			}
		}
	}
	i, n := from, to
	for i < n {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\f' || c == '\v':
			i++
		case c == '\n' || c == '\r':
			start := i
			startLine, startCol := line, 0
			if !counting {
				startCol = col(i)
			}
			for i < n && (src[i] == '\n' || src[i] == '\r' || src[i] == ' ' || src[i] == '\t') {
				if isBreak(i) {
					line++
					lineStart = i + 1
				}
				i++
			}
			// Trailing spaces after the last line break are not part of the token.
			end := i
			for end > start && (src[end-1] == ' ' || src[end-1] == '\t') {
				end--
			}
			if counting {
				count++
				continue
			}
			put(TokNewline, src[start:end], start, startLine, startCol)
		case c == '/' && i+1 < n && src[i+1] == '/':
			start := i
			for i < n && src[i] != '\n' && src[i] != '\r' {
				i++
			}
			emit(TokComment, start, i)
		case c == '/' && i+1 < n && src[i+1] == '*':
			start := i
			end := indexFrom(src, "*/", i+2)
			typ := TokComment
			if end < 0 || end+2 > n {
				end, typ = n, TokBadComment
			} else {
				end += 2
			}
			emit(typ, start, end)
			advanceLines(start, end)
			i = end
		case c == '"':
			start := i
			if i+2 < n && src[i+1] == '"' && src[i+2] == '"' {
				end := indexFrom(src, `"""`, i+3)
				typ := TokRawString
				if end < 0 || end+3 > n {
					end, typ = n, TokBadString
				} else {
					end += 3
					// """a"""" : the closing run may be longer; the last three close it.
					for end < n && src[end] == '"' {
						end++
					}
				}
				emit(typ, start, end)
				advanceLines(start, end)
				i = end
				continue
			}
			i++
			typ := TokBadString
			for i < n {
				if src[i] == '\\' && i+1 < n && src[i+1] != '\n' && src[i+1] != '\r' {
					i += 2
					continue
				}
				if src[i] == '"' {
					i++
					typ = TokString
					break
				}
				if src[i] == '\n' || src[i] == '\r' {
					break
				}
				i++
			}
			emit(typ, start, i)
		case isIdentStart(c) || (c >= utf8.RuneSelf && isWordRuneAt(src, i)):
			start := i
			i = scanIdent(src, i)
			typ := TokIdent
			if j := scanWord(src, i); j > i || c >= utf8.RuneSelf {
				// An identifier with letters outside ASCII (café): one bad token, which the
				// parser reports and reads as an identifier.
				i, typ = j, TokInvalid
			} else if IsKeyword(src[start:i]) {
				typ = TokKeyword
			}
			emit(typ, start, i)
		case c >= '0' && c <= '9':
			start := i
			typ := TokNumber
			if isDateAt(src, i) {
				i += 10
				typ = TokDate
			} else {
				for i < n && src[i] >= '0' && src[i] <= '9' {
					i++
				}
				if i+1 < n && src[i] == '.' && src[i+1] >= '0' && src[i+1] <= '9' {
					i++
					for i < n && src[i] >= '0' && src[i] <= '9' {
						i++
					}
				}
			}
			// 12abc, 2027-6-30 and 1.2.3 are not a number followed by something else: keep
			// each as one bad token.
			if j := scanWord(src, i); j > i {
				i, typ = j, TokInvalid
			}
			emit(typ, start, i)
		case c == '#':
			// A comment in another language's syntax: one bad token to the end of the line,
			// so that its words are not read as attributes.
			start := i
			for i < n && src[i] != '\n' && src[i] != '\r' {
				i++
			}
			emit(TokInvalid, start, i)
		case c == '-' && i+1 < n && src[i+1] == '>':
			emit(TokPunct, i, i+2)
			i += 2
		case c == '<' && i+2 < n && src[i+1] == '-' && src[i+2] == '>':
			emit(TokPunct, i, i+3)
			i += 3
		case c == '{' || c == '}' || c == ',' || c == ';' || c == ':' || c == '@':
			emit(TokPunct, i, i+1)
			i++
		default:
			_, size := utf8.DecodeRuneInString(src[i:])
			emit(TokInvalid, i, i+size)
			i += size
		}
	}
	if !eof {
		return count, toks
	}
	if counting {
		return count + 1, nil
	}
	put(TokEOF, "", n, line, col(n))
	return len(toks), toks
}

func indexFrom(s, sub string, from int) int {
	if from > len(s) {
		return -1
	}
	for i := from; i+len(sub) <= len(s); i++ {
		if s[i] == sub[0] && s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || (c >= '0' && c <= '9')
}

// scanIdent returns the end of the identifier starting at i: letters, digits and _, with
// single dashes between them (so a->b stays three tokens).
func scanIdent(src string, i int) int {
	n := len(src)
	for i < n {
		if isIdentPart(src[i]) {
			i++
			continue
		}
		if src[i] == '-' && i+1 < n && isIdentPart(src[i+1]) {
			i++
			continue
		}
		break
	}
	return i
}

// isWordRuneAt reports whether a letter, digit or combining mark outside ASCII starts at i.
func isWordRuneAt(src string, i int) bool {
	r, size := utf8.DecodeRuneInString(src[i:])
	return size > 1 && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
}

// scanWord returns the end of the word characters at i that continue a token which should
// have ended there: letters and digits (ASCII or not), `_`, and `-` or `.` between them.
// It returns i when nothing continues the token.
func scanWord(src string, i int) int {
	n := len(src)
	for i < n {
		c := src[i]
		switch {
		case isIdentPart(c):
			i++
		case (c == '-' || c == '.') && i+1 < n && (isIdentPart(src[i+1]) || (src[i+1] >= utf8.RuneSelf && isWordRuneAt(src, i+1))):
			i++
		case c >= utf8.RuneSelf && isWordRuneAt(src, i):
			_, size := utf8.DecodeRuneInString(src[i:])
			i += size
		default:
			return i
		}
	}
	return i
}

// IsIdent reports whether s is a valid identifier.
func IsIdent(s string) bool {
	return s != "" && isIdentStart(s[0]) && scanIdent(s, 0) == len(s) && !IsKeyword(s)
}

func isDateAt(s string, i int) bool {
	if i+10 > len(s) {
		return false
	}
	d := s[i : i+10]
	for k := 0; k < 10; k++ {
		if k == 4 || k == 7 {
			if d[k] != '-' {
				return false
			}
		} else if d[k] < '0' || d[k] > '9' {
			return false
		}
	}
	return i+10 == len(s) || !isIdentPart(s[i+10])
}
