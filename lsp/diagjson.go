package lsp

import (
	"encoding/json"
	"slices"
	"strconv"
	utf8p "unicode/utf8"

	"go.lsp.dev/protocol"
)

// Diagnostics are most of what the server writes: a keystroke in a file with a thousand
// open threats republishes a thousand diagnostics. Encoding them by hand into one buffer
// is several times quicker than the reflective encoder, and the result is handed on as a
// json.RawMessage, which is copied rather than encoded again.

// encodeDiagnostics appends params as JSON to dst: the same document encoding/json makes
// (a test compares them). Values of a type it does not know (a numeric code, other data)
// make it fall back to encoding/json.
func encodeDiagnostics(dst []byte, p protocol.PublishDiagnosticsParams) ([]byte, error) {
	return encodeDiagnosticsOf(dst, p.URI, p.Version, len(p.Diagnostics), func(i int) protocol.Diagnostic { return p.Diagnostics[i] }, nil)
}

// encodeDiagnosticsOf is encodeDiagnostics for the n diagnostics diag returns, made one at a
// time: a file of a large model has a thousand, which need not all be held at once. When
// message is not nil, it gives each diagnostic's message instead of its Message field
// (analysis.Finding.AppendMessage into a reused buffer: no string per message).
func encodeDiagnosticsOf(dst []byte, uri protocol.DocumentURI, version uint32, n int, diag func(i int) protocol.Diagnostic, message func(i int) []byte) ([]byte, error) {
	start := len(dst)
	b := slices.Grow(dst, 64+len(uri)+400*n)
	b = append(b, `{"uri":`...)
	b = appendJSONString(b, string(uri))
	if version != 0 {
		b = append(b, `,"version":`...)
		b = strconv.AppendUint(b, uint64(version), 10)
	}
	b = append(b, `,"diagnostics":[`...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		var msg []byte
		if message != nil {
			msg = message(i)
		}
		if b, ok = appendDiagnostic(b, diag(i), msg); !ok {
			p := protocol.PublishDiagnosticsParams{URI: uri, Version: version, Diagnostics: make([]protocol.Diagnostic, n)}
			for k := range n {
				p.Diagnostics[k] = diag(k)
				if message != nil {
					p.Diagnostics[k].Message = string(message(k))
				}
			}
			doc, err := json.Marshal(p)
			return append(b[:start], doc...), err
		}
	}
	return append(b, "]}"...), nil
}

// threatData is the data of a diagnostic about a threat: its id, for clients' code actions.
type threatData struct {
	Threat string `json:"threat"`
}

// appendDiagnostic appends d, with msg for its message when not nil.
func appendDiagnostic(b []byte, d protocol.Diagnostic, msg []byte) ([]byte, bool) {
	b = append(b, `{"range":`...)
	b = appendRange(b, d.Range)
	if d.Severity != 0 {
		b = append(b, `,"severity":`...)
		b = strconv.AppendFloat(b, float64(d.Severity), 'f', -1, 64)
	}
	switch c := d.Code.(type) {
	case nil:
	case string:
		b = append(b, `,"code":`...)
		b = appendJSONString(b, c)
	default:
		return b, false
	}
	if d.CodeDescription != nil {
		b = append(b, `,"codeDescription":{"href":`...)
		b = appendJSONString(b, string(d.CodeDescription.Href))
		b = append(b, '}')
	}
	if d.Source != "" {
		b = append(b, `,"source":`...)
		b = appendJSONString(b, d.Source)
	}
	b = append(b, `,"message":`...)
	if msg != nil {
		b = appendJSONString(b, msg)
	} else {
		b = appendJSONString(b, d.Message)
	}
	if len(d.Tags) > 0 {
		b = append(b, `,"tags":[`...)
		for i, t := range d.Tags {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendFloat(b, float64(t), 'f', -1, 64)
		}
		b = append(b, ']')
	}
	if len(d.RelatedInformation) > 0 {
		b = append(b, `,"relatedInformation":[`...)
		for i, r := range d.RelatedInformation {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"location":{"uri":`...)
			b = appendJSONString(b, string(r.Location.URI))
			b = append(b, `,"range":`...)
			b = appendRange(b, r.Location.Range)
			b = append(b, `},"message":`...)
			b = appendJSONString(b, r.Message)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	switch data := d.Data.(type) {
	case nil:
	case threatData:
		b = append(b, `,"data":{"threat":`...)
		b = appendJSONString(b, data.Threat)
		b = append(b, '}')
	default:
		return b, false
	}
	return append(b, '}'), true
}

func appendRange(b []byte, r protocol.Range) []byte {
	b = append(b, `{"start":{"line":`...)
	b = strconv.AppendUint(b, uint64(r.Start.Line), 10)
	b = append(b, `,"character":`...)
	b = strconv.AppendUint(b, uint64(r.Start.Character), 10)
	b = append(b, `},"end":{"line":`...)
	b = strconv.AppendUint(b, uint64(r.End.Line), 10)
	b = append(b, `,"character":`...)
	b = strconv.AppendUint(b, uint64(r.End.Character), 10)
	return append(b, "}}"...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string, escaping as encoding/json does (control
// characters, quotes, backslashes, <, >, &, U+2028 and U+2029; invalid UTF-8 becomes
// U+FFFD).
func appendJSONString[S ~string | ~[]byte](b []byte, s S) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8p.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		// (A conversion of four bytes at most, which does not escape: no allocation.)
		r, size := utf8p.DecodeRuneInString(string(s[i:min(len(s), i+utf8p.UTFMax)]))
		if r == utf8p.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
