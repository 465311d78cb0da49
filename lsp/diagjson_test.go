package lsp

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"go.lsp.dev/protocol"
)

// TestEncodeDiagnosticsMatchesEncodingJSON: the hand-written encoder makes the document
// encoding/json makes, for every field and for text that needs escaping.
func TestEncodeDiagnosticsMatchesEncodingJSON(t *testing.T) {
	rng := protocol.Range{Start: protocol.Position{Line: 3, Character: 7}, End: protocol.Position{Line: 4, Character: 1}}
	tricky := "quote \" backslash \\ tab \t newline \n cr \r nul \x00 bell \x07 <b>&amp; emoji 😀 ü line\u2028sep bad \xff\xfe end"
	cases := []protocol.PublishDiagnosticsParams{
		{URI: "file:///m/a.threat", Diagnostics: []protocol.Diagnostic{}},
		{URI: "file:///m/%C3%BC.threat", Version: 42, Diagnostics: []protocol.Diagnostic{
			{Range: rng, Message: ""},
			{Range: rng, Severity: protocol.DiagnosticSeverityError, Code: "missing-authorization", Source: "threatls", Message: tricky,
				CodeDescription: &protocol.CodeDescription{Href: "https://example.com/rules.md#x"},
				Tags:            []protocol.DiagnosticTag{protocol.DiagnosticTagUnnecessary, protocol.DiagnosticTagDeprecated},
				RelatedInformation: []protocol.DiagnosticRelatedInformation{
					{Location: protocol.Location{URI: "file:///m/b.threat", Range: rng}, Message: "the threatened service `api`"},
					{Location: protocol.Location{URI: "untitled:Untitled-1", Range: rng}, Message: tricky},
				},
				Data: threatData{Threat: "rule@a->b"}},
			{Range: rng, Severity: protocol.DiagnosticSeverityHint, Code: 12, Message: "numeric code falls back"},
			{Range: rng, Data: map[string]any{"x": 1}, Message: "other data falls back"},
		}},
	}
	for i, p := range cases {
		got, err := encodeDiagnostics([]byte("prefix"), p)
		if err != nil {
			t.Fatal(err)
		}
		if string(got[:6]) != "prefix" {
			t.Fatalf("case %d: the encoding did not append to what the buffer held: %.20s", i, got)
		}
		got = got[6:]
		want, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("case %d: invalid JSON %s: %v", i, got, err)
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("case %d:\ngot  %s\nwant %s", i, got, want)
		}
		// The same, each message given as bytes (as findings write theirs).
		bare := func(k int) protocol.Diagnostic { d := p.Diagnostics[k]; d.Message = "fields, not this"; return d }
		got, err = encodeDiagnosticsOf(nil, p.URI, p.Version, len(p.Diagnostics), bare, func(k int) []byte { return []byte(p.Diagnostics[k].Message) })
		if err != nil {
			t.Fatal(err)
		}
		g = nil
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("case %d, messages as bytes: invalid JSON %s: %v", i, got, err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("case %d, messages as bytes:\ngot  %s\nwant %s", i, got, want)
		}
	}
}

// TestEncodeDiagnosticsIntoReusedBuffer: a long message, then a short one, encoded into the
// same buffer as the server reuses it, each as encoding/json makes it.
func TestEncodeDiagnosticsIntoReusedBuffer(t *testing.T) {
	rng := protocol.Range{Start: protocol.Position{Line: 1, Character: 2}, End: protocol.Position{Line: 1, Character: 9}}
	long := protocol.PublishDiagnosticsParams{URI: "file:///m/a.threat", Version: 3}
	for i := 0; i < 200; i++ {
		long.Diagnostics = append(long.Diagnostics, protocol.Diagnostic{Range: rng, Severity: protocol.DiagnosticSeverityError, Code: "open-threat",
			Message: fmt.Sprintf("open threat `t%d` — ünïcode", i), Data: threatData{Threat: fmt.Sprint("t", i)}})
	}
	short := protocol.PublishDiagnosticsParams{URI: "file:///m/b.threat", Diagnostics: []protocol.Diagnostic{{Range: rng, Message: "one"}}}
	var buf []byte
	for _, p := range []protocol.PublishDiagnosticsParams{long, short, long} {
		var err error
		if buf, err = encodeDiagnostics(buf[:0], p); err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var g, w any
		if err := json.Unmarshal(buf, &g); err != nil {
			t.Fatalf("%s: invalid JSON: %v", p.URI, err)
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s encoded into a reused buffer differs from encoding/json:\ngot  %.200s\nwant %.200s", p.URI, buf, want)
		}
	}
}

func BenchmarkEncodeDiagnostics(b *testing.B) {
	rng := protocol.Range{Start: protocol.Position{Line: 300, Character: 7}, End: protocol.Position{Line: 300, Character: 21}}
	p := protocol.PublishDiagnosticsParams{URI: "file:///m/services-001.threat", Version: 7}
	for i := 0; i < 1500; i++ {
		p.Diagnostics = append(p.Diagnostics, protocol.Diagnostic{Range: rng, Severity: protocol.DiagnosticSeverityError, Code: "missing-authorization", Source: "threatls",
			CodeDescription:    &protocol.CodeDescription{Href: "https://github.com/threatls/threatls/blob/main/docs/rules.md#missing-authorization"},
			Message:            "open threat `missing-authorization@customer->payments-0` (critical): Authenticated but not authorized; `payments-0` authenticates `customer` but checks no permissions. Clear it with `authorized` on the flow, or answer it with a mitigation or an accept",
			RelatedInformation: []protocol.DiagnosticRelatedInformation{{Location: protocol.Location{URI: "file:///m/model.threat", Range: rng}, Message: "`customer` is in boundary `internet` (trust untrusted)"}},
			Data:               threatData{Threat: "missing-authorization@customer->payments-0"}})
	}
	b.Run("hand", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte // reused, as the server reuses it
		for b.Loop() {
			var err error
			if buf, err = encodeDiagnostics(buf[:0], p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
