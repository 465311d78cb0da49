package render

import (
	"strings"
	"testing"
)

const diffBase = `
boundary net { trust untrusted }
boundary dmz { trust low }
actor user { in net }
service api { in dmz; rate_limited; validates_input; audit_logging }
service old { in dmz }
flow user -> api { encrypted; authenticated token; authorized rbac }
threat a "A" { on api; stride spoofing; likelihood high; impact high }
threat b "B" { on api; stride tampering }
threat c "C" { on api; stride repudiation }
threat d "D" { on api; stride tampering }
threat gone "Gone" { on api; stride tampering }
mitigation ma { mitigates a; status implemented }
mitigation mc { mitigates c; status implemented }
accept d { reason "r"; owner "o"; until 2026-06-01 }
`

// Each kind of change, between two versions given as text.
func TestDiff(t *testing.T) {
	head := strings.NewReplacer(
		"mitigation ma { mitigates a; status implemented }", "", // a: mitigated -> open
		"mitigation mc { mitigates c; status implemented }", "mitigation mc { mitigates c; status planned }", // c: mitigated -> planned
		"until 2026-06-01", "until 2027-06-01", // d: expired (open) -> accepted, renewed
		`threat gone "Gone" { on api; stride tampering }`, "", // gone: removed
		"service old { in dmz }", "service new { in dmz }\nflow user -> nowhere {}", // elements; a new model error
	).Replace(diffBase)
	c := Diff(loadText(t, "m.threat", diffBase), loadText(t, "m.threat", head))
	ids := func(list []ThreatChange) string {
		var s []string
		for _, x := range list {
			s = append(s, x.ID+":"+string(x.From)+">"+string(x.To))
		}
		return strings.Join(s, " ")
	}
	if got := ids(c.Opened); got != "a:mitigated>open" {
		t.Errorf("Opened = %s", got)
	}
	if got := ids(c.Closed); got != "gone:open>" {
		t.Errorf("Closed = %s", got)
	}
	if got := ids(c.Accepted); got != "d:open>accepted" || c.Accepted[0].OldUntil != "2026-06-01" || c.Accepted[0].Until != "2027-06-01" {
		t.Errorf("Accepted = %s %+v", got, c.Accepted)
	}
	if got := ids(c.StateChanged); got != "c:mitigated>planned" {
		t.Errorf("StateChanged = %s", got)
	}
	if len(c.Added) != 2 || c.Added[0].ID != "new" || len(c.Removed) != 1 || c.Removed[0].ID != "old" {
		t.Errorf("Added %v Removed %v", c.Added, c.Removed)
	}
	if len(c.Unconsidered) != 2 || c.Unconsidered[0].ID != "new" {
		t.Errorf("Unconsidered = %v", c.Unconsidered)
	}
	if len(c.NewErrors) == 0 {
		t.Error("the new unknown reference is not reported")
	}
	md := DiffMarkdown(c, DiffOptions{Base: "main", Head: "pr"})
	for _, want := range []string{"<!-- threatls-diff -->", "was mitigated", "renewed; was until 2026-06-01", "#### Other state changes", "gone: the threat was removed", "New model errors", "removed service `old`"} {
		if !strings.Contains(md, want) {
			t.Errorf("DiffMarkdown has no %q:\n%s", want, md)
		}
	}
	if len(c.NewOpen(0)) != 1 {
		t.Errorf("NewOpen = %v", c.NewOpen(0))
	}
	same := Diff(loadText(t, "m.threat", diffBase), loadText(t, "m.threat", diffBase))
	if !same.Empty() || !strings.Contains(DiffMarkdown(same, DiffOptions{}), "No change to the model's security") || !strings.Contains(DiffText(same, DiffOptions{}), "no change") {
		t.Errorf("a model compared with itself changed: %+v", same)
	}
}
