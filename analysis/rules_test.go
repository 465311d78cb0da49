package analysis

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/threatls/threatls/dsl"
)

var testParser = dsl.NewParser()

// testToday is the date the tests judge expiry and due dates by.
var testToday = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

// analyzeFiles parses name→text pairs (in name order) and analyzes them as one model.
func analyzeFiles(t testing.TB, files map[string]string, opts Options) *Result {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	parsed := make([]*dsl.File, 0, len(names))
	for _, n := range names {
		parsed = append(parsed, testParser.Parse(n, files[n]))
	}
	if opts.Today.IsZero() {
		opts.Today = testToday
	}
	return Analyze(parsed, opts)
}

func analyzeText(t testing.TB, src string) *Result {
	t.Helper()
	return analyzeFiles(t, map[string]string{"model.threat": src}, Options{})
}

// modelErrors are the finding codes that mean a test model is itself wrong.
var modelErrors = map[string]bool{"syntax": true, "schema": true, "unknown-ref": true, "wrong-kind": true, "duplicate-id": true, "unknown-rule": true}

// requireClean fails when the model has syntax, schema or reference errors, so a typo in a
// test model cannot make a test pass vacuously.
func requireClean(t testing.TB, res *Result) {
	t.Helper()
	for _, f := range res.Findings {
		if modelErrors[f.Code] {
			t.Fatalf("the test model has an error: %s: %s [%s]", f.File, f.Message(), f.Code)
		}
	}
}

type ruleCase struct {
	// id is the generated threat's id, RULE@target.
	id string
	// fire is a model where the rule fires; severity is the expected severity.
	fire     string
	severity Risk
	// clear is the same model with the clearing control declared.
	clear string
	// cleared is true when the rule still matches the clear model structurally and so
	// reports the instance as mitigated by design in Result.Cleared.
	cleared bool
}

// Shared declarations: a browser on the internet, a low-trust DMZ and a high-trust zone.
const (
	zones    = "boundary dmz { trust low }\nboundary app { trust high }\n"
	browser  = "actor customer { kind browser }\n"
	confData = "data order { classification confidential }\n"
)

var ruleCases = map[string]ruleCase{
	"unauthenticated-entry": {
		id:       "unauthenticated-entry@customer->api",
		fire:     zones + browser + confData + "service api { in dmz; handles order }\nflow customer -> api { carries order; encrypted }",
		severity: RiskHigh,
		clear:    zones + browser + confData + "service api { in dmz; handles order }\nflow customer -> api { carries order; encrypted; authenticated token }",
		cleared:  true,
	},
	"single-factor-human-login": {
		id:       "single-factor-human-login@customer->api",
		fire:     zones + "actor customer { human }\n" + confData + "service api { in dmz; handles order }\nflow customer -> api { carries order; encrypted; authenticated password }",
		severity: RiskMedium,
		clear:    zones + "actor customer { human }\n" + confData + "service api { in dmz; handles order }\nflow customer -> api { carries order; encrypted; authenticated password; mfa }",
		cleared:  true,
	},
	"no-brute-force-protection": {
		id:       "no-brute-force-protection@api",
		fire:     zones + "actor customer { human }\n" + confData + "service api { in dmz; handles order }\nflow customer -> api { carries order; encrypted; authenticated password }",
		severity: RiskHigh,
		clear:    zones + "actor customer { human }\n" + confData + "service api { in dmz; handles order; login_throttling }\nflow customer -> api { carries order; encrypted; authenticated password }",
		cleared:  true,
	},
	"unverified-server-identity": {
		// Public data: with internal data unencrypted-flow fires and supersedes it.
		id:       "unverified-server-identity@customer->api",
		fire:     zones + browser + "data catalog { classification public }\nservice api { in dmz }\nflow customer -> api { carries catalog }",
		severity: RiskLow,
		clear:    zones + browser + "data catalog { classification public }\nservice api { in dmz }\nflow customer -> api { carries catalog; encrypted }",
		cleared:  true,
	},
	"session-token-theft": {
		id:       "session-token-theft@customer->api",
		fire:     zones + browser + confData + "service api { in dmz; handles order }\nflow customer -> api { carries order; encrypted; authenticated session }",
		severity: RiskMedium,
		clear:    zones + browser + confData + "service api { in dmz; handles order; secure_cookies }\nflow customer -> api { carries order; encrypted; authenticated session }",
		cleared:  true,
	},
	"cross-site-request-forgery": {
		id:       "cross-site-request-forgery@customer->api",
		fire:     zones + browser + confData + "service api { in dmz; handles order }\nflow customer -> api { carries order; encrypted; authenticated session }",
		severity: RiskMedium,
		clear:    zones + browser + confData + "service api { in dmz; handles order; csrf_protection }\nflow customer -> api { carries order; encrypted; authenticated session }",
		cleared:  true,
	},
	"spoofable-data-source": {
		id:       "spoofable-data-source@partner->api",
		fire:     zones + "actor partner { kind partner }\n" + confData + "service api { in dmz }\nflow partner -> api { carries order; encrypted }",
		severity: RiskHigh,
		clear:    zones + "actor partner { kind partner }\n" + confData + "service api { in dmz }\nflow partner -> api { carries order; encrypted; signed }",
		cleared:  true,
	},
	"unprotected-flow-integrity": {
		// Public data whose integrity matters: unencrypted-flow does not fire, and the
		// integrity rating drives the impact.
		id:       "unprotected-flow-integrity@customer->api",
		fire:     zones + browser + "data prices { classification public; integrity high }\nservice api { in dmz }\nflow customer -> api { carries prices }",
		severity: RiskHigh,
		clear:    zones + browser + "data prices { classification public; integrity high }\nservice api { in dmz }\nflow customer -> api { carries prices; signed }",
		cleared:  true,
	},
	"missing-input-validation": {
		id:       "missing-input-validation@api",
		fire:     zones + browser + confData + "service api { in dmz; handles order }\nflow customer -> api { carries order; encrypted }",
		severity: RiskMedium,
		clear:    zones + browser + confData + "service api { in dmz; handles order; validates_input }\nflow customer -> api { carries order; encrypted }",
		cleared:  true,
	},
	"query-injection": {
		id:       "query-injection@api->db",
		fire:     zones + browser + confData + "service api { in dmz }\nstore db { in dmz; kind sql; stores order }\nflow customer -> api { carries order; encrypted }\nflow api -> db { carries order }",
		severity: RiskHigh,
		clear:    zones + browser + confData + "service api { in dmz; parameterized_queries }\nstore db { in dmz; kind sql; stores order }\nflow customer -> api { carries order; encrypted }\nflow api -> db { carries order }",
		cleared:  true,
	},
	"command-injection": {
		id:       "command-injection@api",
		fire:     zones + browser + "service api { in dmz; executes_commands }\nflow customer -> api { encrypted }",
		severity: RiskHigh,
		clear:    zones + browser + "service api { in dmz; executes_commands; validates_input }\nflow customer -> api { encrypted }",
		cleared:  true,
	},
	"cross-site-scripting": {
		id:       "cross-site-scripting@web",
		fire:     zones + browser + confData + "service web { in dmz; kind web; handles order }\nflow customer -> web { carries order; encrypted }",
		severity: RiskMedium,
		clear:    zones + browser + confData + "service web { in dmz; kind web; handles order; encodes_output }\nflow customer -> web { carries order; encrypted }",
		cleared:  true,
	},
	"unsafe-deserialization": {
		id:       "unsafe-deserialization@api",
		fire:     zones + browser + "service api { in dmz; parses json, java_serialized }\nflow customer -> api { encrypted }",
		severity: RiskCritical,
		clear:    zones + browser + "service api { in dmz; parses json }\nflow customer -> api { encrypted }",
		cleared:  true,
	},
	"unrestricted-file-upload": {
		id:       "unrestricted-file-upload@api",
		fire:     zones + browser + "service api { in dmz; accepts_uploads }\nflow customer -> api { encrypted }",
		severity: RiskHigh,
		clear:    zones + browser + "service api { in dmz; accepts_uploads; validates_uploads }\nflow customer -> api { encrypted }",
		cleared:  true,
	},
	"datastore-write-from-untrusted": {
		id:       "datastore-write-from-untrusted@api->db",
		fire:     zones + confData + "service api { in dmz }\nstore db { in app; stores order }\nflow api -> db { carries order; encrypted }",
		severity: RiskMedium,
		clear:    zones + confData + "service api { in dmz }\nstore db { in app; stores order; access_control }\nflow api -> db { carries order; encrypted; authenticated mtls }",
		cleared:  true,
	},
	"unverified-deployment": {
		id:       "unverified-deployment@ci->api",
		fire:     zones + "service ci { in app; kind build }\nservice api { in app }\nflow ci -> api { purpose deploy }",
		severity: RiskMedium,
		clear:    zones + "service ci { in app; kind build }\nservice api { in app }\nflow ci -> api { purpose deploy; signed_artifacts }",
		cleared:  true,
	},
	"missing-audit-logging": {
		id:       "missing-audit-logging@api",
		fire:     zones + confData + "service api { in app; handles order }",
		severity: RiskMedium,
		clear:    zones + confData + "service api { in app; handles order; audit_logging }",
		cleared:  true,
	},
	"log-store-tampering": {
		id:       "log-store-tampering@logs",
		fire:     zones + "store logs { in app; kind log }",
		severity: RiskLow,
		clear:    zones + "store logs { in app; kind log; append_only }",
		cleared:  true,
	},
	"unauthenticated-log-source": {
		id:       "unauthenticated-log-source@api->logs",
		fire:     zones + "service api { in dmz }\nstore logs { in app; kind log }\nflow api -> logs { encrypted }",
		severity: RiskLow,
		clear:    zones + "service api { in dmz }\nstore logs { in app; kind log }\nflow api -> logs { encrypted; authenticated token }",
		cleared:  true,
	},
	"local-only-audit-trail": {
		id:       "local-only-audit-trail@api",
		fire:     zones + "service api { in app; audit_logging }\nstore logs { in app; kind log }\nflow api -> logs {}",
		severity: RiskLow,
		clear:    zones + "boundary audit { trust high }\nservice api { in app; audit_logging }\nstore logs { in audit; kind log }\nflow api -> logs {}",
		cleared:  true,
	},
	"cleartext-credentials-in-transit": {
		id:       "cleartext-credentials-in-transit@customer->api",
		fire:     zones + browser + "data password { classification confidential; tags credential }\nservice api { in dmz }\nflow customer -> api { carries password }",
		severity: RiskCritical,
		clear:    zones + browser + "data password { classification confidential; tags credential }\nservice api { in dmz }\nflow customer -> api { carries password; encrypted }",
		cleared:  true,
	},
	"unencrypted-flow": {
		id:       "unencrypted-flow@customer->api",
		fire:     zones + browser + confData + "service api { in dmz }\nflow customer -> api { carries order }",
		severity: RiskHigh,
		clear:    zones + browser + confData + "service api { in dmz }\nflow customer -> api { carries order; encrypted }",
		cleared:  true,
	},
	"weak-transport-crypto": {
		id:       "weak-transport-crypto@customer->api",
		fire:     zones + browser + confData + "service api { in dmz }\nflow customer -> api { carries order; encrypted; tls_min 1.0 }",
		severity: RiskMedium,
		clear:    zones + browser + confData + "service api { in dmz }\nflow customer -> api { carries order; encrypted; tls_min 1.2 }",
		cleared:  true,
	},
	"unencrypted-datastore": {
		id:       "unencrypted-datastore@db",
		fire:     zones + confData + "store db { in app; stores order }",
		severity: RiskLow,
		clear:    zones + confData + "store db { in app; stores order; encrypted_at_rest }",
		cleared:  true,
	},
	"weak-password-storage": {
		id:       "weak-password-storage@db",
		fire:     zones + "data password { classification confidential; tags credential }\nstore db { in app; stores password; password_hashing md5 }",
		severity: RiskHigh,
		clear:    zones + "data password { classification confidential; tags credential }\nstore db { in app; stores password; password_hashing argon2id }",
		cleared:  true,
	},
	"secrets-outside-vault": {
		id:       "secrets-outside-vault@api",
		fire:     zones + "service api { in app; uses_secrets; secret_source env }",
		severity: RiskHigh,
		clear:    zones + "service api { in app; uses_secrets; secret_source vault }",
		cleared:  true,
	},
	"classification-exceeds-clearance": {
		id:       "classification-exceeds-clearance@api->reports",
		fire:     zones + "boundary analytics { trust medium; clearance internal }\ndata card { classification restricted }\nservice api { in app }\nservice reports { in analytics }\nflow api -> reports { carries card; encrypted }",
		severity: RiskCritical,
		clear:    zones + "boundary analytics { trust medium; clearance restricted }\ndata card { classification restricted }\nservice api { in app }\nservice reports { in analytics }\nflow api -> reports { carries card; encrypted }",
		cleared:  true,
	},
	"personal-data-to-third-party": {
		id:       "personal-data-to-third-party@api->crm",
		fire:     zones + "actor crm { kind partner }\ndata contact { classification confidential; tags pii }\nservice api { in app }\nflow api -> crm { carries contact; encrypted }",
		severity: RiskHigh,
		clear:    zones + "actor crm { kind partner }\ndata contact { classification confidential; tags pii }\nservice api { in app }\nflow api -> crm { carries contact; encrypted; dpa \"DPA-2026-04\" }",
		cleared:  true,
	},
	"sensitive-data-in-logs": {
		id:       "sensitive-data-in-logs@api->logs",
		fire:     zones + "data password { classification confidential; tags credential }\nservice api { in app; handles password }\nstore logs { in app; kind log; append_only }\nflow api -> logs {}",
		severity: RiskHigh,
		clear:    zones + "data password { classification confidential; tags credential }\nservice api { in app; handles password; log_redaction }\nstore logs { in app; kind log; append_only }\nflow api -> logs {}",
		cleared:  true,
	},
	"server-side-request-forgery": {
		id:       "server-side-request-forgery@api",
		fire:     zones + browser + "service api { in dmz; fetches_urls }\nflow customer -> api { encrypted }",
		severity: RiskHigh,
		clear:    zones + browser + "service api { in dmz; fetches_urls; egress_allowlist }\nflow customer -> api { encrypted }",
		cleared:  true,
	},
	"path-traversal": {
		id:       "path-traversal@api->files",
		fire:     zones + browser + confData + "service api { in dmz }\nstore files { in dmz; kind file; stores order }\nflow customer -> api { encrypted }\nflow api -> files { carries order }",
		severity: RiskHigh,
		clear:    zones + browser + confData + "service api { in dmz; validates_input }\nstore files { in dmz; kind file; stores order }\nflow customer -> api { encrypted }\nflow api -> files { carries order }",
		cleared:  true,
	},
	"xml-external-entities": {
		id:       "xml-external-entities@api",
		fire:     zones + browser + confData + "service api { in dmz; parses xml; handles order }\nflow customer -> api { carries order; encrypted }",
		severity: RiskMedium,
		clear:    zones + browser + confData + "service api { in dmz; parses xml; handles order; xml_hardened }\nflow customer -> api { carries order; encrypted }",
		cleared:  true,
	},
	"unthrottled-internet-entry": {
		id:       "unthrottled-internet-entry@api",
		fire:     zones + browser + "service api { in dmz }\nflow customer -> api { encrypted }",
		severity: RiskHigh,
		clear:    zones + browser + "service api { in dmz; rate_limited }\nflow customer -> api { encrypted }",
		cleared:  true,
	},
	"single-instance-critical-asset": {
		id:       "single-instance-critical-asset@db",
		fire:     zones + "store db { in app; availability critical }",
		severity: RiskMedium,
		clear:    zones + "store db { in app; availability critical; redundant }",
		cleared:  true,
	},
	"missing-backup": {
		id:       "missing-backup@db",
		fire:     zones + "data ledger { classification internal; integrity high }\nstore db { in app; stores ledger }",
		severity: RiskMedium,
		clear:    zones + "data ledger { classification internal; integrity high }\nstore db { in app; stores ledger; backup }",
		cleared:  true,
	},
	"missing-authorization": {
		id:       "missing-authorization@customer->api",
		fire:     zones + browser + confData + "service api { in dmz; handles order }\nflow customer -> api { carries order; encrypted; authenticated token }",
		severity: RiskHigh,
		clear:    zones + browser + confData + "service api { in dmz; handles order }\nflow customer -> api { carries order; encrypted; authenticated token; authorized rbac }",
		cleared:  true,
	},
	"missing-identity-propagation": {
		id:       "missing-identity-propagation@web->api",
		fire:     zones + confData + "service web { in app }\nservice api { in app; handles order }\nflow web -> api { carries order; encrypted; authenticated mtls; authorized technical_user }",
		severity: RiskMedium,
		clear:    zones + confData + "service web { in app }\nservice api { in app; handles order }\nflow web -> api { carries order; encrypted; authenticated mtls; authorized owner_check }",
	},
	"excessive-process-privilege": {
		id:       "excessive-process-privilege@api",
		fire:     zones + browser + "service api { in dmz; runs_as root }\nflow customer -> api { encrypted }",
		severity: RiskHigh,
		clear:    zones + browser + "service api { in dmz; runs_as user }\nflow customer -> api { encrypted }",
		cleared:  true,
	},
	"memory-unsafe-input-handling": {
		id:       "memory-unsafe-input-handling@api",
		fire:     zones + browser + "service api { in dmz; tech c }\nflow customer -> api { encrypted }",
		severity: RiskHigh,
		clear:    zones + browser + "service api { in dmz; tech c; memory_safe }\nflow customer -> api { encrypted }",
		cleared:  true,
	},
	"direct-datastore-exposure": {
		id:       "direct-datastore-exposure@customer->db",
		fire:     zones + browser + confData + "store db { in app; stores order }\nflow customer -> db { carries order; encrypted }",
		severity: RiskHigh,
		clear:    zones + browser + confData + "service api { in app }\nstore db { in app; stores order }\nflow customer -> api { carries order; encrypted }\nflow api -> db { carries order; encrypted }",
	},
	"admin-interface-exposed": {
		id:       "admin-interface-exposed@operator->console",
		fire:     zones + "actor operator { kind admin; human }\nservice console { in app; kind admin_console }\nflow operator -> console { encrypted; purpose admin }",
		severity: RiskCritical,
		clear:    zones + "actor operator { kind admin; human }\nservice console { in app; kind admin_console }\nflow operator -> console { encrypted; purpose admin; vpn }",
		cleared:  true,
	},
	"mixed-trust-shared-runtime": {
		id:       "mixed-trust-shared-runtime@web",
		fire:     zones + "service web { in dmz; runtime cluster1 }\nservice api { in app; runtime cluster1 }",
		severity: RiskMedium,
		clear:    zones + "service web { in dmz; runtime cluster1 }\nservice api { in app; runtime cluster2 }",
		cleared:  true,
	},
	"flat-network-sensitive-store": {
		id:       "flat-network-sensitive-store@db",
		fire:     zones + "data card { classification restricted }\nservice web { in dmz; internet_facing }\nstore db { in dmz; stores card }",
		severity: RiskMedium,
		clear:    zones + "data card { classification restricted }\nservice web { in dmz; internet_facing }\nstore db { in app; stores card }",
		cleared:  true,
	},
}

// TestEveryRuleHasACase fails when a rule is added to the catalog without a case in
// ruleCases, or a case names a rule that no longer exists.
func TestEveryRuleHasACase(t *testing.T) {
	ids := map[string]bool{}
	for _, r := range Catalog() {
		ids[r.ID] = true
		if _, ok := ruleCases[r.ID]; !ok {
			t.Errorf("rule %s has no case in ruleCases: add a model where it fires and one where its control clears it", r.ID)
		}
	}
	for id := range ruleCases {
		if !ids[id] {
			t.Errorf("ruleCases has a case for %s, which is not in Catalog()", id)
		}
	}
}

func TestRules(t *testing.T) {
	for _, r := range Catalog() {
		c, ok := ruleCases[r.ID]
		if !ok {
			continue // reported by TestEveryRuleHasACase
		}
		t.Run(r.ID, func(t *testing.T) {
			if !strings.HasPrefix(c.id, r.ID+"@") {
				t.Fatalf("case id %s does not start with %s@", c.id, r.ID)
			}
			res := analyzeText(t, c.fire)
			requireClean(t, res)
			th := res.Threat(c.id)
			if th == nil {
				t.Fatalf("%s does not fire; threats: %s", c.id, threatIDs(res.Threats))
			}
			if th.State != StateOpen {
				t.Errorf("%s is %s, want open", c.id, th.State)
			}
			if th.Rating.Severity != c.severity {
				t.Errorf("%s has severity %s, want %s (%s)", c.id, th.Rating.Severity, c.severity, th.Rating.Why())
			}
			if th.Rule == nil || th.Rule.ID != r.ID || th.Why == "" || th.Title() != r.Title {
				t.Errorf("%s: generated %v, why %q, title %q", c.id, th.Rule != nil, th.Why, th.Title())
			}
			if !hasFinding(res, r.ID, c.id) {
				t.Errorf("no finding with code %s for open threat %s", r.ID, c.id)
			}

			res = analyzeText(t, c.clear)
			requireClean(t, res)
			if th := res.Threat(c.id); th != nil {
				t.Fatalf("%s still fires with the clearing control (%s): %s", c.id, r.Clears, th.Why)
			}
			if got := inCleared(res, c.id); got != c.cleared {
				t.Errorf("%s in Result.Cleared = %v, want %v", c.id, got, c.cleared)
			}
			if hasFinding(res, r.ID, c.id) {
				t.Errorf("a finding for %s remains after clearing it", c.id)
			}
		})
	}
}

// TestRuleCatalogShape checks what every rule must carry for users.
func TestRuleCatalogShape(t *testing.T) {
	seen := map[string]bool{}
	strides := map[string]bool{}
	for _, s := range dsl.StrideCats {
		strides[s] = true
	}
	prevCat := -1
	for _, r := range Catalog() {
		if seen[r.ID] {
			t.Errorf("rule %s appears twice", r.ID)
		}
		seen[r.ID] = true
		if !dsl.IsIdent(r.ID) || strings.ToLower(r.ID) != r.ID {
			t.Errorf("rule id %q is not a lower-case identifier", r.ID)
		}
		if !strides[r.Stride] {
			t.Errorf("rule %s: unknown STRIDE category %q", r.ID, r.Stride)
		}
		cat := dsl.Rank(dsl.StrideCats, r.Stride)
		if cat < prevCat {
			t.Errorf("rule %s: the catalog is not ordered by STRIDE category", r.ID)
		}
		prevCat = cat
		if r.Title == "" || r.Condition == "" || r.Clears == "" || r.Hint == "" || len(r.Subjects) == 0 || r.eval == nil {
			t.Errorf("rule %s lacks a title, condition, clearing control, hint, subject or evaluator", r.ID)
		}
		if strings.HasSuffix(r.Condition, ".") || strings.HasSuffix(r.Clears, ".") || !strings.HasSuffix(r.Hint, ".") {
			t.Errorf("rule %s: Condition and Clears are clauses without a final period, Hint a sentence with one", r.ID)
		}
		for _, k := range r.Subjects {
			if !k.IsElement() || k == dsl.KindActor {
				t.Errorf("rule %s: subject %s is not a service, store or flow", r.ID, k)
			}
		}
		if r.Fix != nil {
			if r.Fix.On != "self" && r.Fix.On != "source" && r.Fix.On != "target" {
				t.Errorf("rule %s: Fix.On %q", r.ID, r.Fix.On)
			}
			found := false
			for _, k := range []dsl.Kind{dsl.KindService, dsl.KindStore, dsl.KindFlow} {
				if _, ok := dsl.LookupAttribute(k, r.Fix.Attr); ok {
					found = true
				}
			}
			if !found {
				t.Errorf("rule %s: Fix.Attr %q is no attribute of a service, store or flow", r.ID, r.Fix.Attr)
			}
			if !strings.Contains(r.Clears, r.Fix.Attr) {
				t.Errorf("rule %s: Clears %q does not mention the fix attribute %s", r.ID, r.Clears, r.Fix.Attr)
			}
		}
	}
}

// TestRuleFixClears applies each instance's Fix to its FixTarget in the firing model and
// checks that the threat goes away: the quick fix editors offer really clears the rule.
// A threat with two causes (an unauthenticated write into a store without access control)
// may need a second fix, which must then be offered.
func TestRuleFixClears(t *testing.T) {
	for _, r := range Catalog() {
		c, ok := ruleCases[r.ID]
		if !ok || r.Fix == nil {
			continue
		}
		t.Run(r.ID, func(t *testing.T) {
			src := c.fire
			for step := 0; ; step++ {
				res := analyzeText(t, src)
				requireClean(t, res)
				th := res.Threat(c.id)
				if th == nil {
					if step == 0 {
						t.Fatalf("%s does not fire", c.id)
					}
					return
				}
				if step == 2 {
					t.Fatalf("two fixes leave %s open: %s\n%s", c.id, th.Why, src)
				}
				if th.FixTarget == nil || th.Fix == nil {
					t.Fatalf("%s has no fix or fix target, though its rule has a fix", c.id)
				}
				fix, d := th.Fix, th.FixTarget.Decl
				if _, ok := dsl.LookupAttribute(th.FixTarget.Kind, fix.Attr); !ok {
					t.Fatalf("the fix %s is not an attribute of %s %s", fix.Attr, th.FixTarget.Kind, th.FixTarget.ID)
				}
				if d.RBrace < 0 {
					t.Fatalf("fix target %s has no closing brace", th.FixTarget.ID)
				}
				line := fix.Attr
				if fix.Value != "" {
					line += " " + fix.Value
				}
				// Replace an attribute of the same name (`secret_source env`), else add one.
				if a := d.Attr(fix.Attr); a != nil {
					src = src[:a.Span.Start] + line + src[a.Span.End:]
				} else {
					src = src[:d.RBrace] + "; " + line + " " + src[d.RBrace:]
				}
			}
		})
	}
}

func threatIDs(ts []*Threat) string {
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = fmt.Sprintf("%s(%s)", t.ID, t.State)
	}
	return strings.Join(ids, ", ")
}

func inCleared(res *Result, id string) bool {
	for _, c := range res.Cleared() {
		if c.ID == id {
			return true
		}
	}
	return false
}

func hasFinding(res *Result, code, threatID string) bool {
	for _, f := range res.Findings {
		if f.Code == code && f.ThreatID == threatID {
			return true
		}
	}
	return false
}

// TestByGeneratedIDOrdersAsIDs checks that the cheaper comparison of generated threats
// agrees with comparing their ids, for every pair of rules, including rule ids that are
// prefixes of others.
func TestByGeneratedIDOrdersAsIDs(t *testing.T) {
	rules := Catalog()
	rules = append(rules, &Rule{ID: "unencrypted-flow-x"}, &Rule{ID: "unencrypted"})
	rankRules(rules)
	var threats []*Threat
	for _, r := range rules {
		for _, id := range []string{"a", "a-b", "b", "A", "a->b"} {
			threats = append(threats, &Threat{ID: r.ID + "@" + id, Rule: r, Target: &Symbol{ID: id}})
		}
	}
	sign := func(n int) int { return min(max(n, -1), 1) }
	for _, x := range threats {
		for _, y := range threats {
			if got, want := sign(byGeneratedID(x, y)), strings.Compare(x.ID, y.ID); got != want {
				t.Fatalf("byGeneratedID(%s, %s) = %d, want %d", x.ID, y.ID, got, want)
			}
		}
	}
}

// TestSortMerging checks sortMerging against a plain sort for every split of a list whose
// tail is sorted.
func TestSortMerging(t *testing.T) {
	ids := []string{"t9", "a@x", "t1", "z@y", "m@a", "b", "c@c"}
	for k := 0; k <= len(ids); k++ {
		var ts []*Threat
		for _, id := range ids[:k] {
			ts = append(ts, &Threat{ID: id})
		}
		tail := slices.Clone(ids[k:])
		slices.Sort(tail)
		for _, id := range tail {
			ts = append(ts, &Threat{ID: id})
		}
		var got []string
		for _, th := range sortMerging(ts, k) {
			got = append(got, th.ID)
		}
		want := slices.Sorted(slices.Values(ids))
		if !slices.Equal(got, want) {
			t.Errorf("split %d: got %v, want %v", k, got, want)
		}
	}
}
