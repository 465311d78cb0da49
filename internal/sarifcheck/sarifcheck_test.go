package sarifcheck

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"
)

// minimal is a small but realistic SARIF 2.1.0 log: one run, one rule, one result.
const minimal = `{
  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
  "version": "2.1.0",
  "runs": [
    {
      "tool": {
        "driver": {
          "name": "threatls",
          "informationUri": "https://example.com/threatls",
          "rules": [
            {
              "id": "TLS-S-001",
              "name": "SpoofedExternalEntity",
              "shortDescription": { "text": "External entity can be spoofed" },
              "helpUri": "https://cwe.mitre.org/data/definitions/290.html",
              "properties": { "tags": ["security", "CWE-290"] }
            }
          ]
        }
      },
      "results": [
        {
          "ruleId": "TLS-S-001",
          "ruleIndex": 0,
          "level": "warning",
          "message": { "text": "Browser can be spoofed." },
          "locations": [
            {
              "physicalLocation": {
                "artifactLocation": { "uri": "models/shop.tm" },
                "region": { "startLine": 3, "startColumn": 1 }
              }
            }
          ],
          "partialFingerprints": { "threatId/v1": "abc123" }
        }
      ]
    }
  ]
}`

func TestEmbeddedSchemaIsTheVendoredFile(t *testing.T) {
	sum := sha256.Sum256(schemaJSON)
	// README.md records this digest; update both together.
	const want = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("sarif-schema-2.1.0.json sha256 = %s, want %s", got, want)
	}
	if _, err := compiled(); err != nil {
		t.Fatalf("schema does not compile: %v", err)
	}
}

func TestValidLogs(t *testing.T) {
	for name, doc := range map[string]string{
		"minimal":     minimal,
		"no results":  `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "threatls"}}, "results": []}]}`,
		"no runs yet": `{"version": "2.1.0", "runs": []}`,
	} {
		if err := Validate([]byte(doc)); err != nil {
			t.Errorf("%s: Validate() = %v, want nil", name, err)
		}
	}
}

func TestInvalidLogs(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string // substrings that must all appear in the error
	}{
		{
			name: "missing version",
			doc:  strings.Replace(minimal, `"version": "2.1.0",`, "", 1),
			want: []string{"at '': missing property 'version'"},
		},
		{
			name: "wrong level",
			doc:  strings.Replace(minimal, `"level": "warning"`, `"level": "high"`, 1),
			want: []string{"at '/runs/0/results/0/level'", "'none'", "'note'", "'warning'", "'error'"},
		},
		{
			name: "both at once",
			doc: strings.Replace(strings.Replace(minimal, `"level": "warning"`, `"level": "high"`, 1),
				`"version": "2.1.0",`, "", 1),
			want: []string{"missing property 'version'", "at '/runs/0/results/0/level'", "2 problem(s)"},
		},
		{
			name: "wrong version",
			doc:  strings.Replace(minimal, `"version": "2.1.0"`, `"version": "2.0.0"`, 1),
			want: []string{"at '/version'", "2.1.0"},
		},
		{
			name: "tool without driver name",
			doc:  strings.Replace(minimal, `"name": "threatls",`, "", 1),
			want: []string{"at '/runs/0/tool/driver': missing property 'name'"},
		},
		{
			name: "unknown property",
			doc:  strings.Replace(minimal, `"ruleIndex": 0,`, `"ruleIndex": 0, "severity": "high",`, 1),
			want: []string{"at '/runs/0/results/0'", "severity"},
		},
		{
			name: "line numbers start at 1",
			doc:  strings.Replace(minimal, `"startLine": 3`, `"startLine": 0`, 1),
			want: []string{"at '/runs/0/results/0/locations/0/physicalLocation/region/startLine'"},
		},
		{
			name: "bad uri format",
			doc:  strings.Replace(minimal, `"helpUri": "https://cwe.mitre.org/data/definitions/290.html"`, `"helpUri": "not a uri"`, 1),
			want: []string{"at '/runs/0/tool/driver/rules/0/helpUri'", "uri"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.doc == minimal {
				t.Fatal("test document unchanged; fix the replacement")
			}
			err := Validate([]byte(tt.doc))
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			var serr *Error
			if !errors.As(err, &serr) || len(serr.Problems) == 0 {
				t.Fatalf("Validate() = %T %v, want *Error with problems", err, err)
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not mention %q:\n%s", w, msg)
				}
			}
		})
	}
}

func TestNotJSON(t *testing.T) {
	for _, doc := range []string{"", "{", `{"version": "2.1.0", "runs": []} trailing`} {
		err := Validate([]byte(doc))
		if err == nil {
			t.Errorf("Validate(%q) = nil, want an error", doc)
			continue
		}
		var serr *Error
		if errors.As(err, &serr) {
			t.Errorf("Validate(%q) = schema error %v, want a JSON error", doc, err)
		}
		if !strings.Contains(err.Error(), "not valid JSON") {
			t.Errorf("Validate(%q) = %v, want it to say the document is not valid JSON", doc, err)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := Validate([]byte(minimal)); err != nil {
				t.Errorf("Validate() = %v", err)
			}
		}()
	}
	wg.Wait()
}
