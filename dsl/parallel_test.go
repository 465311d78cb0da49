package dsl

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestReadAndParseKeepsOrderAndReportsReadErrors(t *testing.T) {
	var names []string
	texts := map[string]string{}
	for i := range 20 {
		name := fmt.Sprintf("f%02d.threat", i)
		names = append(names, name)
		texts[name] = fmt.Sprintf("service s%d \"Ünïcode %d\" {\n  tech go\n}\n", i, i)
	}
	unreadable := errors.New("permission denied")
	p := NewParser()
	parsed, errs := p.ReadAndParseDiscardingTokens(names, func(i int) (string, error) {
		if i == 7 {
			return "", unreadable
		}
		return texts[names[i]], nil
	})
	if len(parsed) != len(names) || len(errs) != len(names) {
		t.Fatalf("got %d files and %d errors; want %d of each", len(parsed), len(errs), len(names))
	}
	for i, f := range parsed {
		if i == 7 {
			if f != nil || !errors.Is(errs[7], unreadable) {
				t.Errorf("file 7: got %v, %v; want nil and the read error", f, errs[7])
			}
			continue
		}
		if errs[i] != nil {
			t.Errorf("file %d: error %v", i, errs[i])
		}
		want := p.ParseDiscardingTokens(names[i], texts[names[i]], &Scratch{})
		if f.Name != names[i] || !reflect.DeepEqual(f.Decls, want.Decls) || len(f.Diagnostics) != 0 {
			t.Errorf("file %d (%s) differs from parsing it alone: %+v", i, f.Name, f.Diagnostics)
		}
	}
	_, errs = p.ReadAndParseDiscardingTokens(names[:3], func(i int) (string, error) { return texts[names[i]], nil })
	if errs != nil {
		t.Errorf("errs = %v; want nil when every file was read", errs)
	}
}
