package taxonomy

import (
	"sort"
	"strings"
	"testing"
)

func TestCWELookup(t *testing.T) {
	tests := []struct {
		id          int
		name        string
		status      string
		abstraction string
	}{
		{89, "Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')", StatusNormal, "Base"},
		{79, "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')", StatusNormal, "Base"},
		{20, "Improper Input Validation", StatusNormal, "Class"},
		{125, "Out-of-bounds Read", StatusNormal, "Base"},
		{190, "Integer Overflow or Wraparound", StatusNormal, "Base"},
		{416, "Use After Free", StatusNormal, "Variant"},
		{476, "NULL Pointer Dereference", StatusNormal, "Base"},
		{601, "URL Redirection to Untrusted Site ('Open Redirect')", StatusNormal, "Base"},
		{942, "Permissive Cross-domain Policy with Untrusted Domains", StatusNormal, "Variant"},
		{1021, "Improper Restriction of Rendered UI Layers or Frames", StatusNormal, "Base"},
		{1333, "Inefficient Regular Expression Complexity", StatusNormal, "Base"},
		{1390, "Weak Authentication", StatusNormal, "Class"},
		{1127, "Compilation with Insufficient Warnings or Errors", StatusNormal, "Base"},
		{1008, "Architectural Concepts", StatusView, ""},
		{16, "Configuration", StatusObsolete, ""},
		{713, "OWASP Top Ten 2007 Category A2 - Injection Flaws", StatusObsolete, ""},
		{714, "OWASP Top Ten 2007 Category A3 - Malicious File Execution", StatusObsolete, ""},
		{719, "OWASP Top Ten 2007 Category A8 - Insecure Cryptographic Storage", StatusObsolete, ""},
		{133, "String Errors", StatusCategory, ""},
		{227, "7PK - API Abuse", StatusCategory, ""},
		{132, "DEPRECATED: Miscalculated Null Termination", StatusDeprecated, "Base"},
	}
	for _, tt := range tests {
		e, ok := CWE(tt.id)
		if !ok {
			t.Errorf("CWE(%d) not found", tt.id)
			continue
		}
		want := Entry{Catalog: "CWE", ID: tt.id, Name: tt.name, Status: tt.status, Abstraction: tt.abstraction}
		if e != want {
			t.Errorf("CWE(%d) = %+v, want %+v", tt.id, e, want)
		}
	}
	for _, id := range []int{0, -1, 99999, 999999} {
		if e, ok := CWE(id); ok {
			t.Errorf("CWE(%d) = %+v, want not found", id, e)
		}
	}
}

func TestCAPECLookup(t *testing.T) {
	tests := []struct {
		id          int
		name        string
		status      string
		abstraction string
	}{
		{66, "SQL Injection", StatusNormal, "Standard"},
		{1, "Accessing Functionality Not Properly Constrained by ACLs", StatusNormal, "Standard"},
		{94, "Adversary in the Middle (AiTM)", StatusNormal, "Meta"},
		{93, "Log Injection-Tampering-Forging", StatusNormal, "Detailed"},
		{676, "NoSQL Injection", StatusNormal, "Standard"},
		{588, "DOM-Based XSS", StatusNormal, "Detailed"},
		{591, "Reflected XSS", StatusNormal, "Detailed"},
		{592, "Stored XSS", StatusNormal, "Detailed"},
		{89, "Pharming", StatusNormal, "Standard"},
		{236, "DEPRECATED: Catching exception throw/signal from privileged block", StatusDeprecated, "Detailed"},
		{5, "Blue Boxing", StatusObsolete, "Detailed"},
	}
	for _, tt := range tests {
		e, ok := CAPEC(tt.id)
		if !ok {
			t.Errorf("CAPEC(%d) not found", tt.id)
			continue
		}
		want := Entry{Catalog: "CAPEC", ID: tt.id, Name: tt.name, Status: tt.status, Abstraction: tt.abstraction}
		if e != want {
			t.Errorf("CAPEC(%d) = %+v, want %+v", tt.id, e, want)
		}
	}
	if e, ok := CAPEC(0); ok {
		t.Errorf("CAPEC(0) = %+v, want not found", e)
	}
}

// TestDesignCatalogIDs checks that every id the rule catalogue (shared design,
// sections 6.2 to 6.4) relies on is in the tables.
func TestDesignCatalogIDs(t *testing.T) {
	cwe := []int{15, 20, 22, 73, 74, 77, 78, 79, 89, 90, 94, 116, 117, 119, 120, 200, 209, 223,
		250, 256, 269, 284, 285, 287, 290, 294, 295, 297, 306, 307, 308, 311, 312, 319, 326, 327,
		345, 346, 352, 353, 359, 384, 400, 434, 441, 494, 501, 502, 521, 522, 523, 532, 611, 614,
		639, 653, 693, 732, 757, 770, 776, 778, 787, 798, 829, 862, 912, 916, 918, 943, 1004,
		1275, 1390}
	if len(cwe) != 73 {
		t.Fatalf("test lists %d CWE ids, want 73", len(cwe))
	}
	for _, id := range cwe {
		if e, ok := CWE(id); !ok || e.Status != StatusNormal {
			t.Errorf("CWE-%d: got %+v, %v; want a normal entry", id, e, ok)
		}
	}
	capec := []int{1, 17, 21, 37, 49, 55, 60, 62, 63, 66, 88, 93, 94, 100, 102, 114, 115, 116,
		117, 122, 125, 126, 136, 148, 151, 153, 157, 184, 186, 191, 194, 197, 201, 217, 220, 221,
		233, 242, 248, 268, 384, 469, 480, 538, 555, 565, 571, 586, 593, 600, 650, 664, 676}
	if len(capec) != 53 {
		t.Fatalf("test lists %d CAPEC ids, want 53", len(capec))
	}
	for _, id := range capec {
		if e, ok := CAPEC(id); !ok || e.Status != StatusNormal || e.Abstraction == "" {
			t.Errorf("CAPEC-%d: got %+v, %v; want a normal entry with an abstraction", id, e, ok)
		}
	}
}

func TestLabelAndURL(t *testing.T) {
	sqli, _ := CWE(89)
	if got, want := sqli.Label(), "CWE-89: Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')"; got != want {
		t.Errorf("Label() = %q, want %q", got, want)
	}
	if got, want := sqli.URL(), "https://cwe.mitre.org/data/definitions/89.html"; got != want {
		t.Errorf("URL() = %q, want %q", got, want)
	}
	capec66, _ := CAPEC(66)
	if got, want := capec66.Label(), "CAPEC-66: SQL Injection"; got != want {
		t.Errorf("Label() = %q, want %q", got, want)
	}
	if got, want := capec66.URL(), "https://capec.mitre.org/data/definitions/66.html"; got != want {
		t.Errorf("URL() = %q, want %q", got, want)
	}
	if got := (Entry{Catalog: "ATTACK", ID: 1}).URL(); got != "" {
		t.Errorf("URL() of an unknown catalog = %q, want empty", got)
	}
}

func TestProblem(t *testing.T) {
	tests := []struct {
		catalog string
		id      int
		want    string // exact, or "" for no problem
	}{
		{"CWE", 89, ""},
		{"CWE", 1127, ""},
		{"CAPEC", 66, ""},
		{"CWE", 1008, "CWE-1008 is a view, not a weakness; name a Base or Variant weakness instead"},
		{"CWE", 133, "CWE-133 is a category, not a weakness; name a Base or Variant weakness instead"},
		{"CWE", 227, "CWE-227 is a category, not a weakness; name a Base or Variant weakness instead"},
		{"CWE", 16, "CWE-16 is an obsolete category, not a weakness; name a current Base or Variant weakness instead"},
		{"CWE", 713, "CWE-713 is an obsolete category, not a weakness; name a current Base or Variant weakness instead"},
		{"CWE", 630, "CWE-630 is a deprecated view, not a weakness; name a current Base or Variant weakness instead"},
		{"CWE", 132, "CWE-132 is deprecated; name the current weakness that replaces it instead (see https://cwe.mitre.org/data/definitions/132.html)"},
		{"CAPEC", 236, "CAPEC-236 is deprecated; name the current attack pattern that replaces it instead (see https://capec.mitre.org/data/definitions/236.html)"},
		{"CAPEC", 5, "CAPEC-5 is obsolete; name a current attack pattern instead (see https://capec.mitre.org/data/definitions/5.html)"},
	}
	for _, tt := range tests {
		var e Entry
		var ok bool
		if tt.catalog == "CWE" {
			e, ok = CWE(tt.id)
		} else {
			e, ok = CAPEC(tt.id)
		}
		if !ok {
			t.Errorf("%s-%d not found", tt.catalog, tt.id)
			continue
		}
		if got := e.Problem(); got != tt.want {
			t.Errorf("%s-%d Problem() = %q, want %q", tt.catalog, tt.id, got, tt.want)
		}
	}
}

func TestEveryNonNormalEntryHasAProblem(t *testing.T) {
	for _, e := range append(AllCWE(), AllCAPEC()...) {
		if (e.Status == StatusNormal) != (e.Problem() == "") {
			t.Errorf("%s: status %q but Problem() = %q", e.Label(), e.Status, e.Problem())
		}
	}
}

func TestParseID(t *testing.T) {
	tests := []struct {
		catalog, text string
		id            int
		ok            bool
	}{
		{"CWE", "89", 89, true},
		{"CWE", "CWE-89", 89, true},
		{"CWE", "cwe-89", 89, true},
		{"cwe", "Cwe-89", 89, true},
		{"CWE", " CWE-1390 ", 1390, true},
		{"CAPEC", "66", 66, true},
		{"CAPEC", "CAPEC-66", 66, true},
		{"capec", "capec-66", 66, true},
		{"CWE", "CAPEC-66", 0, false},
		{"CAPEC", "CWE-89", 0, false},
		{"CWE", "", 0, false},
		{"CWE", "CWE-", 0, false},
		{"CWE", "CWE89", 0, false},
		{"CWE", "CWE 89", 0, false},
		{"CWE", "0", 0, false},
		{"CWE", "CWE-0", 0, false},
		{"CWE", "-89", 0, false},
		{"CWE", "+89", 0, false},
		{"CWE", "89a", 0, false},
		{"CWE", "8 9", 0, false},
		{"CWE", "٨٩", 0, false}, // Arabic-Indic digits
		{"CWE", "99999999999999999999", 0, false},
		{"ATTACK", "89", 0, false},
		{"", "89", 0, false},
	}
	for _, tt := range tests {
		id, ok := ParseID(tt.catalog, tt.text)
		if id != tt.id || ok != tt.ok {
			t.Errorf("ParseID(%q, %q) = %d, %v; want %d, %v", tt.catalog, tt.text, id, ok, tt.id, tt.ok)
		}
	}
}

func TestTablesWellFormed(t *testing.T) {
	for _, c := range []struct {
		catalog string
		all     []Entry
		min     int
		abstr   map[string]bool
	}{
		{"CWE", AllCWE(), 1400, map[string]bool{"Pillar": true, "Class": true, "Base": true, "Variant": true, "Compound": true}},
		{"CAPEC", AllCAPEC(), 100, map[string]bool{"Meta": true, "Standard": true, "Detailed": true}},
	} {
		if len(c.all) < c.min {
			t.Errorf("%s: %d entries, want at least %d", c.catalog, len(c.all), c.min)
		}
		if !sort.SliceIsSorted(c.all, func(i, j int) bool { return c.all[i].ID < c.all[j].ID }) {
			t.Errorf("%s: entries not sorted by id", c.catalog)
		}
		seen := map[int]bool{}
		for _, e := range c.all {
			if seen[e.ID] {
				t.Errorf("%s: duplicate id %d", c.catalog, e.ID)
			}
			seen[e.ID] = true
			if e.Catalog != c.catalog {
				t.Errorf("%s-%d: catalog %q", c.catalog, e.ID, e.Catalog)
			}
			if strings.TrimSpace(e.Name) == "" || e.Name != strings.TrimSpace(e.Name) {
				t.Errorf("%s-%d: bad name %q", c.catalog, e.ID, e.Name)
			}
			if !validStatus[e.Status] {
				t.Errorf("%s-%d: bad status %q", c.catalog, e.ID, e.Status)
			}
			if (e.Status == StatusDeprecated) != strings.HasPrefix(e.Name, "DEPRECATED:") {
				t.Errorf("%s-%d: status %q but name %q", c.catalog, e.ID, e.Status, e.Name)
			}
			kind := kindOf(e)
			switch {
			case kind == "weakness" || kind == "pattern":
				if !c.abstr[e.Abstraction] {
					t.Errorf("%s-%d: bad abstraction %q", c.catalog, e.ID, e.Abstraction)
				}
				if e.Status == StatusCategory || e.Status == StatusView {
					t.Errorf("%s-%d: a %s with status %q", c.catalog, e.ID, kind, e.Status)
				}
			case c.catalog == "CWE" && (kind == "category" || kind == "view"):
				if e.Abstraction != "" {
					t.Errorf("%s-%d: a %s with abstraction %q", c.catalog, e.ID, kind, e.Abstraction)
				}
			default:
				t.Errorf("%s-%d: bad kind %q", c.catalog, e.ID, kind)
			}
			if got, ok := lookup(c.catalog, e.ID); !ok || got != e {
				t.Errorf("%s-%d: lookup gives %+v, %v; want %+v", c.catalog, e.ID, got, ok, e)
			}
		}
	}
}

func TestAllReturnsCopy(t *testing.T) {
	all := AllCWE()
	all[0].Name = "changed"
	if AllCWE()[0].Name == "changed" {
		t.Error("AllCWE shares its backing array with the table")
	}
	caps := AllCAPEC()
	caps[0].Name = "changed"
	if AllCAPEC()[0].Name == "changed" {
		t.Error("AllCAPEC shares its backing array with the table")
	}
}

func TestParseRejectsMalformedTables(t *testing.T) {
	for _, data := range []string{
		"1\tnormal\tBase\tweakness",                          // 4 fields
		"x\tnormal\tBase\tweakness\tName",                    // bad id
		"1\tfine\tBase\tweakness\tName",                      // bad status
		"1\tnormal\tBase\tweakness\t",                        // empty name
		"1\tnormal\t\tweakness\tA\n1\tnormal\t\tweakness\tB", // duplicate
		"2\tnormal\t\tweakness\tA\n1\tnormal\t\tweakness\tB", // out of order
	} {
		if _, err := parse("CWE", data); err == nil {
			t.Errorf("parse(%q) succeeded, want an error", data)
		}
	}
	tab, err := parse("CWE", "# comment\n\n7\tnormal\tBase\tweakness\tName\r\n")
	if err != nil || len(tab.entries) != 1 || tab.entries[0].Name != "Name" {
		t.Errorf("parse with comment, blank line and CRLF: %+v, %v", tab, err)
	}
}

func lookup(catalog string, id int) (Entry, bool) {
	if catalog == "CWE" {
		return CWE(id)
	}
	return CAPEC(id)
}
