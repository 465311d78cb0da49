package analysis

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/threatls/threatls/dsl"
)

// findingsWith returns the findings with the given code.
func findingsWith(res *Result, code string) []Finding {
	var out []Finding
	for _, f := range res.Findings {
		if f.Code == code {
			out = append(out, f)
		}
	}
	return out
}

// oneFinding returns the only finding with code, failing the test otherwise.
func oneFinding(t *testing.T, res *Result, code string) Finding {
	t.Helper()
	fs := findingsWith(res, code)
	if len(fs) != 1 {
		t.Fatalf("want one %s finding, got %d:\n%s", code, len(fs), dump(res))
	}
	return fs[0]
}

// position returns the 1-based line and column of a finding in its file.
func position(res *Result, f Finding) (int, int) {
	for _, file := range res.Model.Files {
		if file.Name == f.File {
			return file.Lines.Position(int(f.Span.Start))
		}
	}
	return 0, 0
}

// textAt returns the text a finding's span covers.
func textAt(res *Result, f Finding) string {
	for _, file := range res.Model.Files {
		if file.Name == f.File {
			return file.Text[f.Span.Start:f.Span.End]
		}
	}
	return ""
}

func dump(res *Result) string {
	var b strings.Builder
	for _, f := range res.Findings {
		line, col := position(res, f)
		fmt.Fprintf(&b, "  %s:%d:%d: %s: %s [%s]\n", f.File, line, col, f.Level, f.Message(), f.Code)
	}
	for _, t := range res.Threats {
		fmt.Fprintf(&b, "  threat %s %s (%s): %s\n", t.ID, t.State, t.Rating.Severity, t.StateWhy)
	}
	return b.String()
}

func wantContains(t *testing.T, what, got string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(got, p) {
			t.Errorf("%s %q does not contain %q", what, got, p)
		}
	}
}

const statesModel = `boundary dmz { trust low }
actor customer { kind browser }
data order { classification confidential }
service api { in dmz; handles order; rate_limited; validates_input; audit_logging }
flow customer -> api { carries order; encrypted; authenticated token; authorized rbac }

threat mit "Mitigated" { on api; likelihood high; impact high }
threat plan "Planned" { on api; likelihood high; impact high }
threat overdue "Overdue" { on api; likelihood high; impact high }
threat acc "Accepted" { on api; likelihood high; impact high }
threat expired "Expired acceptance" { on api; likelihood high; impact high }
threat moved "Transferred" { on api; likelihood high; impact high }
threat na "Not applicable" { on api; likelihood high; impact high }
threat open "Open" { on api; likelihood high; impact high }
threat both "Mitigated and planned" { on api; likelihood high; impact high }

mitigation m-mit { mitigates mit; status verified }
mitigation m-plan { mitigates plan; status planned; due 2027-03-01 }
mitigation m-overdue { mitigates overdue; status in_progress; due 2026-06-01 }
mitigation m-both1 { mitigates both; status planned }
mitigation m-both2 { mitigates both; status implemented }
accept acc { reason "Low value"; owner "alice@example.com"; until 2027-06-30 }
accept expired { reason "Until the rewrite"; owner "bob@example.com"; until 2026-01-31 }
transfer moved { to "Insurer" }
not_applicable na { reason "No such feature" }
`

func TestStates(t *testing.T) {
	res := analyzeText(t, statesModel)
	requireClean(t, res)
	want := map[string]State{
		"mit": StateMitigated, "plan": StatePlanned, "overdue": StatePlanned, "acc": StateAccepted,
		"expired": StateOpen, "moved": StateTransferred, "na": StateNotApplicable, "open": StateOpen,
		"both": StateMitigated,
	}
	if len(res.Threats) != len(want) {
		t.Fatalf("want %d threats (no generated ones), got:\n%s", len(want), dump(res))
	}
	for id, st := range want {
		th := res.Threat(id)
		if th == nil {
			t.Fatalf("no threat %s", id)
		}
		if th.State != st {
			t.Errorf("%s is %s (%s), want %s", id, th.State, th.StateWhy, st)
		}
		if th.StateWhy == "" {
			t.Errorf("%s has no state reason", id)
		}
	}
	wantContains(t, "state reason", res.Threat("mit").StateWhy, "`m-mit` (verified)")
	wantContains(t, "state reason", res.Threat("acc").StateWhy, "alice@example.com", "2027-06-30", "Low value")
	wantContains(t, "state reason", res.Threat("moved").StateWhy, "Insurer")
	wantContains(t, "state reason", res.Threat("na").StateWhy, "No such feature")
	wantContains(t, "state reason", res.Threat("plan").StateWhy, "`m-plan` (planned)")

	if got, want := res.Summary(), "threats: 2 open, 2 planned, 2 mitigated, 1 accepted, 1 transferred, 1 not applicable"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}

	od := oneFinding(t, res, "overdue-mitigation")
	if od.Level != dsl.SeverityWarning || textAt(res, od) != "m-overdue" {
		t.Errorf("overdue-mitigation at %q, level %s", textAt(res, od), od.Level)
	}
	wantContains(t, "message", od.Message(), "`m-overdue`", "due on 2026-06-01", "in_progress")

	ex := oneFinding(t, res, "expired-acceptance")
	if ex.Level != dsl.SeverityWarning || ex.ThreatID != "expired" || textAt(res, ex) != "expired" {
		t.Errorf("expired-acceptance: level %s, threat %q, at %q", ex.Level, ex.ThreatID, textAt(res, ex))
	}
	wantContains(t, "message", ex.Message(), "expired on 2026-01-31", "open again")

	open := map[string]Finding{}
	for _, f := range findingsWith(res, "open-threat") {
		open[f.ThreatID] = f
	}
	if len(open) != 2 || open["open"].Level != dsl.SeverityError || open["expired"].Level != dsl.SeverityError {
		t.Errorf("open-threat findings: %v", open)
	}
	if f := open["open"]; f.Risk != RiskCritical || !strings.Contains(f.Message(), "Open") || !strings.Contains(Explain(res.Threat(f.ThreatID)), "State: open") {
		t.Errorf("open-threat finding for `open`: %+v", f)
	}
	planned := findingsWith(res, "planned-threat")
	if len(planned) != 2 {
		t.Errorf("want 2 planned-threat findings, got %d", len(planned))
	}
	for _, f := range planned {
		if f.Level != dsl.SeverityInfo {
			t.Errorf("planned-threat %s is %s, want info", f.ThreatID, f.Level)
		}
	}
	for _, f := range res.Findings {
		switch f.ThreatID {
		case "mit", "acc", "moved", "na", "both":
			t.Errorf("a finding for %s, which is answered: %s", f.ThreatID, f.Message())
		}
	}
}

// TestStatesDependOnToday: before the dates pass, nothing is overdue or expired.
func TestStatesDependOnToday(t *testing.T) {
	res := analyzeFiles(t, map[string]string{"model.threat": statesModel}, Options{Today: time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)})
	if th := res.Threat("expired"); th.State != StateAccepted {
		t.Errorf("before its until date the acceptance holds; state %s", th.State)
	}
	if fs := findingsWith(res, "overdue-mitigation"); len(fs) != 0 {
		t.Errorf("before its due date a mitigation is not overdue: %v", fs)
	}
	if fs := findingsWith(res, "expired-acceptance"); len(fs) != 0 {
		t.Errorf("before its until date an acceptance has not expired: %v", fs)
	}
	// The day itself still counts.
	res = analyzeFiles(t, map[string]string{"model.threat": statesModel}, Options{Today: time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)})
	if th := res.Threat("expired"); th.State != StateAccepted {
		t.Errorf("on its until date the acceptance holds; state %s", th.State)
	}
}

func TestIncompleteAcceptanceDoesNotCount(t *testing.T) {
	res := analyzeText(t, `actor a {}
service s {}
flow a -> s {}
threat t { on s }
accept t { reason "later" }
`)
	if th := res.Threat("t"); th.State != StateOpen {
		t.Errorf("an acceptance without owner and until counts: %s", th.State)
	}
	var schema []string
	for _, f := range findingsWith(res, "schema") {
		schema = append(schema, f.Message())
	}
	all := strings.Join(schema, "\n")
	wantContains(t, "schema findings", all, "needs `owner`", "needs `until`")
}

func TestGeneratedThreatStates(t *testing.T) {
	res := analyzeText(t, `boundary dmz { trust low }
actor customer { kind browser }
data order { classification confidential }
service api { in dmz; handles order; validates_input; audit_logging }
flow customer -> api { carries order; encrypted; authenticated token; authorized rbac }
accept unthrottled-internet-entry@api { reason "The CDN absorbs floods"; owner "alice"; until 2027-06-30 }
`)
	requireClean(t, res)
	th := res.Threat("unthrottled-internet-entry@api")
	if th == nil || th.State != StateAccepted || len(th.Responses) != 1 {
		t.Fatalf("generated threat not accepted:\n%s", dump(res))
	}
	if fs := findingsWith(res, "unthrottled-internet-entry"); len(fs) != 0 {
		t.Errorf("an accepted threat is still reported: %v", fs)
	}
}

func TestOrphanResponses(t *testing.T) {
	const base = `boundary dmz { trust low }
boundary app { trust high }
actor customer { kind browser }
data password { classification confidential; tags credential }
service api { in dmz; rate_limited }
service worker { in app }
flow customer -> api { carries password }
flow api -> worker { encrypted }
`
	tests := []struct {
		name, src, code string
		level           dsl.Severity
		at              string
		want            []string
	}{
		{
			name: "control declared", code: "orphan-response", level: dsl.SeverityWarning,
			src:  `accept unthrottled-internet-entry@api { reason "CDN"; owner "alice"; until 2027-06-30 }`,
			at:   "unthrottled-internet-entry@api",
			want: []string{"`unthrottled-internet-entry@api` no longer fires", "the service is rate_limited", "this accept answers nothing", "remove it"},
		},
		{
			name: "condition not met", code: "orphan-response", level: dsl.SeverityWarning,
			src:  `mitigation waf { mitigates unthrottled-internet-entry@worker; status implemented }`,
			at:   "unthrottled-internet-entry@worker",
			want: []string{"does not fire", "service `worker` does not meet the condition of `unthrottled-internet-entry`", "reachable from the internet", "this mitigation answers nothing"},
		},
		{
			name: "superseded", code: "orphan-response", level: dsl.SeverityWarning,
			src:  `not_applicable unencrypted-flow@customer->api { reason "x" }`,
			at:   "unencrypted-flow@customer->api",
			want: []string{"covered by `cleartext-credentials-in-transit@customer->api`", "answer `cleartext-credentials-in-transit@customer->api`"},
		},
		{
			name: "unknown rule", code: "unknown-rule", level: dsl.SeverityError,
			src:  `accept unthrotled-internet-entry@api { reason "CDN"; owner "alice"; until 2027-06-30 }`,
			at:   "unthrotled-internet-entry@api",
			want: []string{"unknown rule `unthrotled-internet-entry`: did you mean `unthrottled-internet-entry`?"},
		},
		{
			name: "unknown rule without suggestion", code: "unknown-rule", level: dsl.SeverityError,
			src:  `transfer sharks@api { to "Aquarium" }`,
			at:   "sharks@api",
			want: []string{"unknown rule `sharks`", "docs/rules.md"},
		},
		{
			name: "unknown flow in generated id", code: "unknown-ref", level: dsl.SeverityError,
			src:  `mitigation tls { mitigates cleartext-credentials-in-transit@customer->ap; status implemented }`,
			at:   "cleartext-credentials-in-transit@customer->ap",
			want: []string{"names no flow `customer->ap`", "did you mean `cleartext-credentials-in-transit@customer->api`?"},
		},
		{
			name: "unknown element in generated id", code: "unknown-ref", level: dsl.SeverityError,
			src:  `accept unthrottled-internet-entry@apu { reason "CDN"; owner "alice"; until 2027-06-30 }`,
			at:   "unthrottled-internet-entry@apu",
			want: []string{"names no service `apu`", "did you mean `unthrottled-internet-entry@api`?"},
		},
		{
			name: "flow the other way", code: "unknown-ref", level: dsl.SeverityError,
			src:  `accept unencrypted-flow@worker->api { reason "x"; owner "y"; until 2027-06-30 }`,
			at:   "unencrypted-flow@worker->api",
			want: []string{"names no flow", "goes the other way", "did you mean `unencrypted-flow@api->worker`?"},
		},
		{
			name: "no flow between declared elements", code: "unknown-ref", level: dsl.SeverityError,
			src:  `accept unencrypted-flow@customer->worker { reason "x"; owner "y"; until 2027-06-30 }`,
			at:   "unencrypted-flow@customer->worker",
			want: []string{"no flow from `customer` to `worker` is declared"},
		},
		{
			name: "rule of another kind", code: "wrong-kind", level: dsl.SeverityError,
			src:  `accept unencrypted-flow@api { reason "x"; owner "y"; until 2027-06-30 }`,
			at:   "unencrypted-flow@api",
			want: []string{"rule `unencrypted-flow` applies to flows; `api` is a service"},
		},
		{
			name: "unknown declared threat", code: "unknown-ref", level: dsl.SeverityError,
			src:  "threat sqli { on api }\nmitigation pq { mitigates sqlj; status implemented }",
			at:   "sqlj",
			want: []string{"unknown threat `sqlj`: did you mean `sqli`?"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := analyzeText(t, base+tc.src)
			f := oneFinding(t, res, tc.code)
			if f.Level != tc.level {
				t.Errorf("level %s, want %s", f.Level, tc.level)
			}
			if got := textAt(res, f); got != tc.at {
				t.Errorf("reported at %q, want %q", got, tc.at)
			}
			if line, _ := position(res, f); line != 8+strings.Count(tc.src, "\n")+1 {
				t.Errorf("reported on line %d, want the response's line", line)
			}
			wantContains(t, "message", f.Message(), tc.want...)
		})
	}
}

func TestUnknownIDs(t *testing.T) {
	res := analyzeText(t, `boundary dmz { trust low }
actor customer {}
data order { classification internal }
service payments { in dzm; handles ordr }
flow customer -> paymnts {}
threat fraud { on paymentz }
mitigation check { mitigates frad; status implemented }
`)
	want := map[string]string{
		"dzm":      "unknown boundary `dzm`: did you mean `dmz`?",
		"ordr":     "unknown data `ordr`: did you mean `order`?",
		"paymnts":  "unknown element `paymnts`: did you mean `payments`?",
		"paymentz": "unknown element or flow `paymentz`: did you mean `payments`?",
		"frad":     "unknown threat `frad`: did you mean `fraud`?",
	}
	got := map[string]string{}
	for _, f := range findingsWith(res, "unknown-ref") {
		got[textAt(res, f)] = f.Message()
		if f.Level != dsl.SeverityError {
			t.Errorf("%s: level %s", f.Message(), f.Level)
		}
	}
	for at, msg := range want {
		if got[at] != msg {
			t.Errorf("at %q: got %q, want %q", at, got[at], msg)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d unknown-ref findings, want %d:\n%s", len(got), len(want), dump(res))
	}

	// Nothing close: the message lists what exists, or says nothing of the kind exists.
	res = analyzeText(t, "boundary dmz { trust low }\nservice api { in zzzzzz }\nstore db { stores nothing }\n")
	msgs := map[string]string{}
	for _, f := range findingsWith(res, "unknown-ref") {
		msgs[textAt(res, f)] = f.Message()
	}
	wantContains(t, "message", msgs["zzzzzz"], "unknown boundary `zzzzzz`", "declare it, or name one of `dmz`")
	wantContains(t, "message", msgs["nothing"], "unknown data `nothing`", "no data is declared in this model")
}

func TestWrongKinds(t *testing.T) {
	res := analyzeText(t, `boundary dmz { trust low }
data order { classification internal }
service api { in dmz }
store db { in api; stores order }
flow api -> order {}
threat t { on order }
mitigation m { mitigates db; status implemented }
accept dmz { reason "x"; owner "y"; until 2027-06-30 }
`)
	want := map[int]string{
		4: "`in` expects a boundary; `api` is a service",
		5: "a flow connects elements (actors, services, stores); `order` is data",
		6: "`on` expects an element or flow; `order` is data",
		7: "`mitigates` expects a threat; `db` is a store",
		8: "`accept` expects a threat; `dmz` is a boundary",
	}
	got := map[int]string{}
	for _, f := range findingsWith(res, "wrong-kind") {
		line, _ := position(res, f)
		got[line] = f.Message()
	}
	for line, msg := range want {
		if !strings.HasPrefix(got[line], msg) {
			t.Errorf("line %d: got %q, want it to start with %q", line, got[line], msg)
		}
	}
	wantContains(t, "message", got[7], "`RULE@db`", "`unencrypted-datastore@db`")
	if len(got) != len(want) {
		t.Errorf("got %d wrong-kind findings, want %d:\n%s", len(got), len(want), dump(res))
	}
}

func TestDuplicateIDsAcrossFiles(t *testing.T) {
	res := analyzeFiles(t, map[string]string{
		"a.threat": "boundary dmz { trust low }\nservice api { in dmz }\n",
		"b.threat": "// the same id again\nstore api { in dmz }\n",
	}, Options{})
	fs := findingsWith(res, "duplicate-id")
	if len(fs) != 2 {
		t.Fatalf("want a duplicate-id finding at each place, got:\n%s", dump(res))
	}
	byFile := map[string]Finding{}
	for _, f := range fs {
		byFile[f.File] = f
		if f.Level != dsl.SeverityError || textAt(res, f) != "api" {
			t.Errorf("%s: level %s at %q", f.File, f.Level, textAt(res, f))
		}
		if len(f.Related()) != 1 {
			t.Fatalf("%s: want one related location, got %v", f.File, f.Related())
		}
	}
	a, b := byFile["a.threat"], byFile["b.threat"]
	if a.Related()[0].File != "b.threat" || b.Related()[0].File != "a.threat" {
		t.Errorf("related locations do not point at the other file: %v / %v", a.Related(), b.Related())
	}
	wantContains(t, "message", b.Message(), "`api` is already declared as a service at a.threat:2:9", "rename one")
	wantContains(t, "message", a.Message(), "`api` is declared again as a store at b.threat:2:7", "rename one")
	// The first declaration wins; the model still works.
	if s := res.Model.Symbols["api"]; s == nil || s.Kind != dsl.KindService {
		t.Errorf("api resolves to %v", s)
	}
}

func TestCrossFileResolution(t *testing.T) {
	const flows = `actor customer { kind browser }
flow customer -> payments-api { encrypted }
threat fraud { on payments-api; likelihood low; impact low }
mitigation review { mitigates fraud; status implemented }
accept unthrottled-internet-entry@payments-api { reason "CDN"; owner "alice"; until 2027-06-30 }
`
	res := analyzeFiles(t, map[string]string{
		"services.threat": "boundary dmz { trust low }\nservice payments-api \"Payments API\" { in dmz }\n",
		"flows.threat":    flows,
	}, Options{})
	requireClean(t, res)
	api := res.Model.Symbols["payments-api"]
	if api == nil || api.File.Name != "services.threat" {
		t.Fatalf("payments-api: %v", api)
	}
	fl := res.Model.Symbols["customer->payments-api"]
	if fl == nil || fl.To != api || len(api.Inbound) != 1 {
		t.Fatalf("the flow in flows.threat does not resolve to payments-api in services.threat")
	}
	refs := res.Model.ReferencesTo("payments-api")
	inFlows := 0
	for _, r := range refs {
		if r.File.Name == "flows.threat" {
			inFlows++
		}
	}
	if inFlows < 3 {
		t.Errorf("want the flow end, the `on` and the accept in flows.threat to reference payments-api, got %d of %d refs", inFlows, len(refs))
	}
	if th := res.Threat("fraud"); th.Target != api || th.State != StateMitigated {
		t.Errorf("fraud: target %v, state %s", th.Target, th.State)
	}
	if th := res.Threat("unthrottled-internet-entry@payments-api"); th == nil || th.State != StateAccepted {
		t.Errorf("the cross-file accept does not apply:\n%s", dump(res))
	}

	// Rename the service in one file: every reference in the other file fails clearly.
	res = analyzeFiles(t, map[string]string{
		"services.threat": "boundary dmz { trust low }\nservice payments \"Payments API\" { in dmz }\n",
		"flows.threat":    flows,
	}, Options{})
	got := map[int]string{}
	for _, f := range res.Findings {
		if f.Level == dsl.SeverityError && f.File == "flows.threat" && f.ThreatID == "" {
			line, _ := position(res, f)
			got[line] = f.Message() + " [" + f.Code + "]"
		}
	}
	want := map[int]string{
		2: "unknown element `payments-api`: did you mean `payments`? [unknown-ref]",
		3: "unknown element or flow `payments-api`: did you mean `payments`? [unknown-ref]",
		5: "`unthrottled-internet-entry@payments-api` names no service `payments-api`: did you mean `unthrottled-internet-entry@payments`? [unknown-ref]",
	}
	for line, msg := range want {
		if got[line] != msg {
			t.Errorf("flows.threat line %d: got %q, want %q", line, got[line], msg)
		}
	}
	if len(got) != len(want) {
		t.Errorf("want %d errors in flows.threat, got:\n%s", len(want), dump(res))
	}
}

func TestNamedFlowThreatIDs(t *testing.T) {
	res := analyzeText(t, `boundary dmz { trust low }
actor customer { kind browser }
data order { classification confidential }
service api { in dmz }
flow checkout: customer -> api { carries order }
accept unencrypted-flow@customer->api { reason "Legacy client"; owner "alice"; until 2027-06-30 }
mitigation auth { mitigates unauthenticated-entry@checkout; status planned }
`)
	requireClean(t, res)
	if res.Threat("unencrypted-flow@customer->api") != nil {
		t.Errorf("a named flow's threats use its name, not its endpoints")
	}
	th := res.Threat("unencrypted-flow@checkout")
	if th == nil || th.State != StateAccepted {
		t.Fatalf("the accept written with the endpoints does not answer unencrypted-flow@checkout:\n%s", dump(res))
	}
	if r := res.Model.Responses[0]; r.ThreatID != "unencrypted-flow@checkout" {
		t.Errorf("response ThreatID %q, want the canonical id", r.ThreatID)
	}
	if th := res.Threat("unauthenticated-entry@checkout"); th == nil || th.State != StatePlanned {
		t.Errorf("unauthenticated-entry@checkout not planned:\n%s", dump(res))
	}

	// Two flows join the same elements: the endpoints are ambiguous.
	res = analyzeText(t, `boundary dmz { trust low }
actor customer { kind browser }
service api { in dmz }
flow browse: customer -> api {}
flow buy: customer -> api {}
accept unencrypted-flow@customer->api { reason "x"; owner "y"; until 2027-06-30 }
`)
	f := oneFinding(t, res, "unknown-ref")
	wantContains(t, "message", f.Message(), "ambiguous", "2 flows join `customer` and `api`", "`unencrypted-flow@browse`", "`unencrypted-flow@buy`")
}

func TestBidirectionalFlows(t *testing.T) {
	res := analyzeText(t, `boundary dmz { trust low }
actor partner { kind partner }
data feed { classification internal }
service api { in dmz; validates_input; rate_limited }
flow api <-> partner { carries feed; encrypted }
not_applicable spoofable-data-source@partner->api { reason "The partner only reads" }
mitigation mtls { mitigates unauthenticated-entry@api<->partner; status planned }
`)
	requireClean(t, res)
	fl := res.Model.Symbols["api<->partner"]
	if fl == nil {
		t.Fatalf("no flow api<->partner")
	}
	api, partner := res.Model.Symbols["api"], res.Model.Symbols["partner"]
	for _, s := range []*Symbol{api, partner} {
		if len(s.Inbound) != 1 || len(s.Outbound) != 1 {
			t.Errorf("%s: a two-way flow is inbound and outbound of both ends: %d in, %d out", s.ID, len(s.Inbound), len(s.Outbound))
		}
	}
	if got := res.Model.FlowBetween("partner", "api"); len(got) != 1 || got[0] != fl {
		t.Errorf("FlowBetween(partner, api) = %v", got)
	}
	// The rules look at the partner->api direction of the flow.
	if th := res.Threat("spoofable-data-source@api<->partner"); th == nil || th.State != StateNotApplicable {
		t.Errorf("spoofable-data-source on the reverse direction, answered with the endpoints reversed:\n%s", dump(res))
	}
	if th := res.Threat("unauthenticated-entry@api<->partner"); th == nil || th.State != StatePlanned {
		t.Errorf("unauthenticated-entry@api<->partner:\n%s", dump(res))
	}
}

// TestCoverageMessage checks the coverage hint's message, made when asked for, against
// the sentence it stands for, for every kind and every set of categories considered.
func TestCoverageMessage(t *testing.T) {
	const src = `actor user
service api
store db
store audit { kind log }
flow user -> api
`
	res := analyzeFiles(t, map[string]string{"m.threat": src}, Options{})
	joinAnd := func(s []string) string {
		if len(s) < 2 {
			return strings.Join(s, "")
		}
		return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
	}
	for _, id := range []string{"user", "api", "db", "audit", "user->api"} {
		s := res.Model.Symbols[id]
		if s == nil {
			t.Fatalf("no symbol %q", id)
		}
		for considered := range strideSet(1 << len(dsl.StrideCats)) {
			s.considered = considered
			var missing []string
			for _, c := range strideApplies(s) {
				if considered&strideBit(c) == 0 {
					missing = append(missing, strings.ReplaceAll(c, "_", " "))
				}
			}
			if len(missing) == 0 {
				if uncovered(s) != 0 {
					t.Errorf("%s considering %06b: uncovered %06b", id, considered, uncovered(s))
				}
				continue
			}
			want := fmt.Sprintf("STRIDE coverage: no %s threat considered for %s `%s`; declare a threat (or not_applicable) for each, or turn coverage hints off", joinAnd(missing), s.Kind, s.ID)
			if got := (Finding{subject: s}).Message(); got != want {
				t.Errorf("%s considering %06b:\n got %s\nwant %s", id, considered, got, want)
			}
		}
	}
}

func TestCoverage(t *testing.T) {
	const src = `boundary app { trust high }
service api { in app }
threat forge { on api; stride spoofing, tampering }
threat deny { on api; stride repudiation, denial_of_service }
mitigation m { mitigates forge, deny; status implemented }
`
	res := analyzeFiles(t, map[string]string{"m.threat": src}, Options{Coverage: true})
	f := oneFinding(t, res, "coverage")
	if f.Level != dsl.SeverityHint || textAt(res, f) != "api" {
		t.Errorf("coverage: level %s at %q", f.Level, textAt(res, f))
	}
	wantContains(t, "message", f.Message(), "no information disclosure or elevation of privilege threat considered for service `api`")

	res = analyzeFiles(t, map[string]string{"m.threat": src + "threat rest { on api; stride information_disclosure, elevation_of_privilege }\naccept rest { reason \"x\"; owner \"y\"; until 2027-06-30 }\n"}, Options{Coverage: true})
	if fs := findingsWith(res, "coverage"); len(fs) != 0 {
		t.Errorf("every category is considered, yet: %v", fs)
	}
	res = analyzeFiles(t, map[string]string{"m.threat": src}, Options{})
	if fs := findingsWith(res, "coverage"); len(fs) != 0 {
		t.Errorf("coverage hints without Options.Coverage: %v", fs)
	}
	// Generated threats, cleared ones included, count as considered.
	res = analyzeFiles(t, map[string]string{"m.threat": `boundary dmz { trust low }
actor customer { kind browser }
service api { in dmz; rate_limited }
flow customer -> api { encrypted }
`}, Options{Coverage: true})
	for _, f := range findingsWith(res, "coverage") {
		if textAt(res, f) == "api" && strings.Contains(f.Message(), "denial of service") {
			t.Errorf("the cleared unthrottled-internet-entry rule considered denial of service: %s", f.Message())
		}
	}
}

func TestRiskMatrix(t *testing.T) {
	// OWASP Risk Rating: rows likelihood low, medium, high; columns impact low, medium, high.
	want := [3][3]Risk{
		{RiskNote, RiskLow, RiskMedium},
		{RiskLow, RiskMedium, RiskHigh},
		{RiskMedium, RiskHigh, RiskCritical},
	}
	for l := 0; l < 3; l++ {
		for i := 0; i < 3; i++ {
			r := rate(l, "lw", i, "iw")
			if r.Severity != want[l][i] {
				t.Errorf("likelihood %s × impact %s = %s, want %s", levelNames[l], levelNames[i], r.Severity, want[l][i])
			}
			wantContains(t, "rating", r.Why(), fmt.Sprintf("likelihood %s (lw) × impact %s (iw)", levelNames[l], levelNames[i]))
		}
	}
	if r := rate(7, "", -3, ""); r.Likelihood != "high" || r.Impact != "low" {
		t.Errorf("levels are not clamped: %+v", r)
	}
	if why := (Rating{}).Why(); why != "" {
		t.Errorf("an unrated threat (cleared by design) explains a rating: %q", why)
	}

	res := analyzeText(t, `service api {}
threat a { on api; likelihood low; impact high }
threat b { on api }
threat c { on api; likelihood high; impact high }
threat d { on api; likelihood low; impact low }
`)
	for id, w := range map[string]Risk{"a": RiskMedium, "b": RiskMedium, "c": RiskCritical, "d": RiskNote} {
		if got := res.Threat(id).Rating.Severity; got != w {
			t.Errorf("threat %s: %s, want %s", id, got, w)
		}
	}
	wantContains(t, "rating", res.Threat("b").Rating.Why(), "not declared, assumed medium")
	levels := map[string]dsl.Severity{}
	for _, f := range findingsWith(res, "open-threat") {
		levels[f.ThreatID] = f.Level
	}
	if levels["c"] != dsl.SeverityError || levels["a"] != dsl.SeverityWarning || levels["d"] != dsl.SeverityHint {
		t.Errorf("open threats are reported at their severity's level: %v", levels)
	}

	// The threshold hides findings below it, not the threats.
	res = analyzeFiles(t, map[string]string{"m.threat": `service api {}
threat a { on api; likelihood low; impact high }
threat c { on api; likelihood high; impact high }
`}, Options{Threshold: RiskHigh})
	if fs := findingsWith(res, "open-threat"); len(fs) != 1 || fs[0].ThreatID != "c" {
		t.Errorf("with threshold high, want only c reported: %v", fs)
	}
	if res.Threat("a") == nil {
		t.Errorf("threat a is gone from Threats")
	}

	for _, tc := range []struct {
		r     Risk
		level dsl.Severity
	}{{RiskCritical, dsl.SeverityError}, {RiskHigh, dsl.SeverityError}, {RiskMedium, dsl.SeverityWarning}, {RiskLow, dsl.SeverityInfo}, {RiskNote, dsl.SeverityHint}} {
		if got := tc.r.Level(); got != tc.level {
			t.Errorf("%s.Level() = %s, want %s", tc.r, got, tc.level)
		}
	}
	if r, err := ParseRisk("HIGH"); err != nil || r != RiskHigh {
		t.Errorf("ParseRisk(HIGH) = %v, %v", r, err)
	}
	if _, err := ParseRisk("severe"); err == nil || !strings.Contains(err.Error(), "note, low, medium, high, critical") {
		t.Errorf("ParseRisk(severe) error %v", err)
	}
}

func TestModelChecks(t *testing.T) {
	tests := []struct {
		name, src, code, at string
		want                string
	}{
		{"boundary cycle", "boundary a { trust low; in b }\nboundary b { in a }\n", "boundary-cycle", "", "nested inside itself"},
		{"self flow", "service api {}\nflow api -> api {}\n", "self-flow", "api -> api", "flow from `api` to itself"},
		{"conflicting boundary", "boundary a { trust low }\nboundary b { trust high }\nboundary a2 { trust low\n service api { in b }\n}\n", "conflicting-boundary", "b", "declared inside boundary `a2` but says `in b`"},
		{"duplicate model", "model \"One\" {}\nmodel \"Two\" {}\n", "duplicate-model", "model", "more than once"},
		{"unclassified data", "data d {}\nservice s { handles d }\n", "unclassified-data", "d", "no classification"},
		{"unused data", "data d { classification public }\n", "unused-data", "d", "not carried, handled or stored"},
		{"outside boundary", "service s {}\n", "outside-boundary", "s", "in no boundary"},
		{"isolated element", "boundary b { trust high }\nservice s { in b }\n", "isolated-element", "s", "has no flows"},
		{"boundary without trust", "boundary b {}\n", "boundary-without-trust", "b", "has no `trust`"},
		{"flow without data", "actor a {}\nservice s {}\nflow a -> s {}\n", "flow-without-data", "a -> s", "carries no data"},
		{"mitigation without status", "service s {}\nthreat t { on s }\nmitigation m { mitigates t }\n", "mitigation-without-status", "m", "counts as planned"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := analyzeText(t, tc.src)
			fs := findingsWith(res, tc.code)
			if len(fs) == 0 {
				t.Fatalf("no %s finding:\n%s", tc.code, dump(res))
			}
			if tc.at != "" && textAt(res, fs[0]) != tc.at {
				t.Errorf("at %q, want %q", textAt(res, fs[0]), tc.at)
			}
			wantContains(t, "message", fs[0].Message(), tc.want)
			if _, ok := CheckTitles[tc.code]; !ok {
				t.Errorf("%s is not described in CheckTitles", tc.code)
			}
		})
	}
}

// TestUnresolvedFlowEnds: rules skip a flow whose ends do not resolve instead of failing.
func TestUnresolvedFlowEnds(t *testing.T) {
	res := analyzeText(t, "data pw { tags credential }\nactor a {}\nflow a -> ghost { carries pw; encrypted; tls_min 1.0 }\nflow ghost -> a { carries pw }\n")
	if fs := findingsWith(res, "unknown-ref"); len(fs) != 2 {
		t.Errorf("want two unknown-ref findings:\n%s", dump(res))
	}
	for _, th := range res.Threats {
		t.Errorf("a rule fired on a flow with an unknown end: %s", th.ID)
	}
}

func TestExplain(t *testing.T) {
	res := analyzeText(t, ruleCases["query-injection"].fire)
	th := res.Threat("query-injection@api->db")
	ex := Explain(th)
	wantContains(t, "explanation", ex, "**Query injection into a data store** `query-injection@api->db`",
		"Generated by rule `query-injection` (Tampering)", "Why it fired: `api` takes untrusted input",
		"What clears it: `parameterized_queries` on the service", "Severity: high = likelihood high",
		"State: open", "[CWE-89: ", "https://cwe.mitre.org/data/definitions/89.html", "CAPEC-66")
}

// TestDeterministic analyzes the same model many times: threats, cleared instances and
// findings come out identical and in order.
func TestDeterministic(t *testing.T) {
	files := map[string]string{}
	var b strings.Builder
	b.WriteString("boundary dmz { trust low }\nboundary app { trust high }\nactor customer { kind browser; human }\n")
	b.WriteString("data password { classification confidential; tags credential }\ndata order { classification restricted; integrity high }\n")
	for i := 0; i < 8; i++ {
		fmt.Fprintf(&b, "service api%d { in dmz; handles order; runtime k8s }\nstore db%d { in app; kind sql; stores order, password }\n", i, i)
		fmt.Fprintf(&b, "flow customer -> api%d { carries password, order; authenticated password }\nflow api%d -> db%d { carries order }\n", i, i, i)
		fmt.Fprintf(&b, "accept unencrypted-flow@customer->api%d { reason \"x\"; owner \"y\"; until 2027-01-01 }\n", i)
	}
	files["one.threat"] = b.String()
	files["two.threat"] = "service other { in app; runtime k8s }\nthreat t { on db0 }\n"
	render := func(res *Result) string {
		var s strings.Builder
		s.WriteString(dump(res))
		for _, c := range res.Cleared() {
			fmt.Fprintf(&s, "cleared %s\n", c.ID)
		}
		return s.String()
	}
	first := analyzeFiles(t, files, Options{Coverage: true})
	want := render(first)
	for i := 0; i < 30; i++ {
		if got := render(analyzeFiles(t, files, Options{Coverage: true})); got != want {
			t.Fatalf("run %d differs:\n%s\nfirst:\n%s", i, got, want)
		}
	}
	for i := 1; i < len(first.Threats); i++ {
		if first.Threats[i-1].ID >= first.Threats[i].ID {
			t.Errorf("threats not sorted by id: %s before %s", first.Threats[i-1].ID, first.Threats[i].ID)
		}
	}
	for i := 1; i < len(first.Findings); i++ {
		x, y := first.Findings[i-1], first.Findings[i]
		if x.File > y.File || (x.File == y.File && x.Span.Start > y.Span.Start) {
			t.Errorf("findings not sorted by place: %s:%d before %s:%d", x.File, x.Span.Start, y.File, y.Span.Start)
		}
	}
}

// TestSortFindingsMatchesSortSlice checks that sortFindings leaves findings exactly as
// sort.Slice does, ties included.
func TestSortFindingsMatchesSortSlice(t *testing.T) {
	less := func(x, y *Finding) bool {
		if x.File != y.File {
			return x.File < y.File
		}
		return x.Span.Start < y.Span.Start
	}
	for _, n := range []int{0, 1, 2, 13, 100, 1000} {
		fs := make([]Finding, n)
		for i := range fs {
			fs[i] = Finding{File: fmt.Sprint(i * 7 % 5), Span: dsl.Span{Start: int32(i * 13 % 11)}, message: fmt.Sprint(i)}
		}
		want := slices.Clone(fs)
		sort.Slice(want, func(i, j int) bool { return less(&want[i], &want[j]) })
		sortFindings(fs, less)
		if !reflect.DeepEqual(fs, want) {
			t.Fatalf("n=%d: sortFindings differs from sort.Slice", n)
		}
	}
}

// TestThreatAccessors: a declared threat's title, STRIDE, CWE and CAPEC are its
// declaration's (its id when untitled); a generated one's are its rule's.
func TestThreatAccessors(t *testing.T) {
	const src = `actor user
service api
flow user -> api
threat forge "Forged requests" { on api; stride spoofing, tampering; cwe 352; capec 62 }
threat bare { on api }
`
	res := analyzeFiles(t, map[string]string{"m.threat": src}, Options{})
	forge, bare := res.Threat("forge"), res.Threat("bare")
	if forge == nil || bare == nil {
		t.Fatal("the declared threats are missing")
	}
	if forge.Title() != "Forged requests" || fmt.Sprint(forge.Stride()) != "[spoofing tampering]" || fmt.Sprint(forge.CWE(), forge.CAPEC()) != "[352] [62]" {
		t.Errorf("forge: %q %v %v %v", forge.Title(), forge.Stride(), forge.CWE(), forge.CAPEC())
	}
	if bare.Title() != "bare" || bare.Stride() != nil || bare.CWE() != nil {
		t.Errorf("bare: %q %v %v", bare.Title(), bare.Stride(), bare.CWE())
	}
	generated := 0
	for _, th := range res.Threats {
		if r := th.Rule; r != nil {
			generated++
			if th.Title() != r.Title || fmt.Sprint(th.Stride()) != fmt.Sprint([]string{r.Stride}) || fmt.Sprint(th.CWE()) != fmt.Sprint(r.CWE) || fmt.Sprint(th.CAPEC()) != fmt.Sprint(r.CAPEC) {
				t.Errorf("%s: %q %v %v %v, not its rule's", th.ID, th.Title(), th.Stride(), th.CWE(), th.CAPEC())
			}
		}
	}
	if generated == 0 {
		t.Error("no generated threat to check")
	}
}

// TestGroupBy: groups hold their values in the order yielded, and a stop ends the pairs.
func TestGroupBy(t *testing.T) {
	pairs := [][2]string{{"b", "1"}, {"a", "2"}, {"b", "3"}, {"c", "4"}, {"a", "5"}, {"b", "6"}}
	got := groupBy(func(yield func(string, string) bool) {
		for _, p := range pairs {
			if !yield(p[0], p[1]) {
				return
			}
		}
	})
	if want := map[string][]string{"a": {"2", "5"}, "b": {"1", "3", "6"}, "c": {"4"}}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("groupBy = %v; want %v", got, want)
	}
	// Appending to a group must not write into the next one.
	a := append(got["a"], "x")
	if fmt.Sprint(got["b"]) != "[1 3 6]" || len(a) != 3 {
		t.Errorf("appending to a group changed another: %v", got)
	}
	if empty := groupBy(func(func(int, int) bool) {}); len(empty) != 0 {
		t.Errorf("no pairs: %v", empty)
	}
}
