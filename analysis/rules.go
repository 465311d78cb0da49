package analysis

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/threatls/threatls/dsl"
)

// Rule is one entry of the built-in catalog: a structural condition on the model plus a
// missing control. When the condition holds and the control is absent, the rule generates
// a threat with the stable id `RULE@target`.
type Rule struct {
	ID    string
	Title string
	// Stride is the rule's STRIDE category.
	Stride string
	// Subjects are the kinds of declaration the rule looks at (service, store, actor, flow).
	Subjects []dsl.Kind
	// Condition says in words when the rule fires.
	Condition string
	// Clears names the control that stops it.
	Clears string
	// Hint is a one-line mitigation hint.
	Hint       string
	CWE, CAPEC []int
	// Fix is the model change that clears the rule, when one attribute does.
	Fix *Fix
	// OptIn rules run only when enabled.
	OptIn bool

	eval func(s *Symbol) hit
	// about is what the rule's threats say of themselves, shared by them all (Catalog).
	about threatAbout
	// index numbers the rule in the catalog, for ruleSet.
	index int
	// rank is the rule's place in the order of its threats' ids (rankRules), from 1.
	rank int
}

// Fix is a model change that clears a generated threat: set Attr (with Value, if any) on
// the declaration Fix.On names ("self", "source" or "target" of a flow).
type Fix struct {
	On    string
	Attr  string
	Value string
}

// hit is a rule's verdict on one subject: the zero hit when its structural condition does
// not hold. Rules return it by value, so the verdicts cost no allocation.
type hit struct {
	holds   bool   // the structural condition holds
	cleared bool   // the clearing control is declared: mitigated by design
	why     string // why the condition holds
	rating  Rating
	// fixTarget is the declaration the fix applies to.
	fixTarget *Symbol
	// fix overrides the rule's Fix when this instance is cleared by another attribute
	// (an unencrypted session flow needs `encrypted` before `secure_cookies` matters).
	fix *Fix
}

func fires(why string, r Rating, fixOn *Symbol) hit {
	return hit{holds: true, why: why, rating: r, fixTarget: fixOn}
}

// firesFix is fires with an instance-specific fix.
func firesFix(why string, r Rating, fixOn *Symbol, fix *Fix) hit {
	return hit{holds: true, why: why, rating: r, fixTarget: fixOn, fix: fix}
}

func clearedBy(why string) hit { return hit{holds: true, cleared: true, why: why} }

// eachDirection evaluates fn on each direction of a flow and returns the first firing hit,
// else the first cleared one.
func eachDirection(fn func(d direction) hit) func(*Symbol) hit {
	return func(f *Symbol) hit {
		var cleared hit
		for _, d := range directions(f) {
			h := fn(d)
			if !h.holds {
				continue
			}
			if !h.cleared {
				return h
			}
			if !cleared.holds {
				cleared = h
			}
		}
		return cleared
	}
}

// loweredNote explains a likelihood lowered by flowLikelihood.
const loweredNote = "; lowered one step as the attack needs a network position or the victim's help"

func flowLikelihood(d direction, shift int) (int, string) {
	l, why := d.exposure()
	if shift < 0 && l > levelLow {
		if d.known {
			why = d.whyLowered
		} else {
			why += loweredNote
		}
	}
	return clampLevel(l + shift), why
}

func elementLikelihood(s *Symbol, shift int) (int, string) {
	l, why := elementExposure(s)
	return clampLevel(l + shift), why
}

func classImpact(data []*Symbol) (int, string) { return impactOf(data) }

func fixed(level int, why string) (int, string) { return level, why }

func isStoreKind(s *Symbol, kinds ...string) bool {
	return s != nil && s.Kind == dsl.KindStore && contains(kinds, s.kindWord())
}

func isService(s *Symbol) bool { return s != nil && s.Kind == dsl.KindService }

func senderIsHuman(d direction) bool {
	return d.src.Kind == dsl.KindActor && (d.src.has(flagHuman) || contains([]string{"user", "browser", "mobile", "admin"}, d.src.kindWord()))
}

// authMethod returns a flow's `authenticated` method ("" when none is named) and whether
// the flow is authenticated.
func authMethod(f *Symbol) (string, bool) {
	if !f.attrs.cached {
		return declMethod(f.Decl, "authenticated")
	}
	return f.attrs.authn, f.attrs.on.has(flagAuthenticated)
}

// authzMethod is authMethod for `authorized`.
func authzMethod(f *Symbol) (string, bool) {
	if !f.attrs.cached {
		return declMethod(f.Decl, "authorized")
	}
	return f.attrs.authz, f.attrs.on.has(flagAuthorized)
}

// declMethod reads a flag that may name a method: `authenticated oidc`.
func declMethod(d *dsl.Decl, key string) (string, bool) {
	a := d.Attr(key)
	if a == nil || (len(a.Values) > 0 && a.Values[0].Text == "false") {
		return "", false
	}
	if len(a.Values) == 0 {
		return "", true
	}
	return a.Values[0].Text, true
}

// Catalog returns the built-in rules, sorted by STRIDE category then id.
func Catalog() []*Rule {
	rules := []*Rule{
		// Spoofing
		{ID: "unauthenticated-entry", Title: "Unauthenticated entry from a less trusted zone", Stride: "spoofing", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "a flow from a less trusted sender into a service or store that handles internal or more sensitive data (or declares no data) is not authenticated",
			Clears:    "`authenticated` on the flow", Hint: "Authenticate the caller (OIDC/OAuth2 tokens, mTLS, signed requests).",
			CWE: []int{306, 287}, CAPEC: []int{115, 151}, Fix: &Fix{On: "self", Attr: "authenticated"},
			eval: eachDirection(func(d direction) hit {
				if d.dst.Kind == dsl.KindActor || !d.inboundUntrusted() {
					return hit{}
				}
				data := dataOf(d.dst)
				if len(data) > 0 && maxClassRank(data) < 1 {
					return hit{}
				}
				_, ok := authMethod(d.flow)
				l, lw := flowLikelihood(d, 0)
				i, iw := classImpact(data)
				if ok {
					return clearedBy("the flow is authenticated")
				}
				return fires("`"+d.dst.ID+"` accepts unauthenticated requests from `"+d.src.ID+"`, in "+zoneName(d.src), rate(l, lw, i, iw), d.flow)
			})},
		{ID: "single-factor-human-login", Title: "Human login with a single factor", Stride: "spoofing", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "a person logs in with a password or session over a flow to an element with confidential data (or an admin flow) without MFA",
			Clears:    "`mfa` on the flow", Hint: "Require a second factor (phishing-resistant for administrators), or single sign-on through an identity provider with MFA.",
			CWE: []int{308, 1390}, CAPEC: []int{600, 49}, Fix: &Fix{On: "self", Attr: "mfa"},
			eval: eachDirection(func(d direction) hit {
				m, ok := authMethod(d.flow)
				if !senderIsHuman(d) || !ok || (m != "password" && m != "session") {
					return hit{}
				}
				data := dataOf(d.dst)
				if maxClassRank(data) < 2 && d.flow.purpose() != "admin" {
					return hit{}
				}
				l, lw := flowLikelihood(d, -1)
				i, iw := classImpact(data)
				if d.flow.has(flagMFA) {
					return clearedBy("the flow requires mfa")
				}
				return fires("`"+d.src.ID+"` logs in to `"+d.dst.ID+"` with "+m+" only", rate(l, lw, i, iw), d.flow)
			})},
		{ID: "no-brute-force-protection", Title: "Password login without brute-force protection", Stride: "spoofing", Subjects: []dsl.Kind{dsl.KindService},
			Condition: "a service receives password logins and does not throttle failed attempts",
			Clears:    "`login_throttling` on the service", Hint: "Throttle and lock out repeated failures, check breached passwords, offer MFA.",
			CWE: []int{307, 521}, CAPEC: []int{49, 565}, Fix: &Fix{On: "self", Attr: "login_throttling"},
			eval: func(s *Symbol) hit {
				for _, f := range s.Inbound {
					if m, ok := authMethod(f); ok && m == "password" {
						l, lw := elementLikelihood(s, 0)
						i, iw := classImpact(dataOf(s))
						if s.has(flagLoginThrottling) {
							return clearedBy("the service declares login_throttling")
						}
						return fires("flow `"+f.ID+"` logs in to `"+s.ID+"` with a password", rate(l, lw, i, iw), s)
					}
				}
				return hit{}
			}},
		{ID: "unverified-server-identity", Title: "Server identity not verified across a boundary", Stride: "spoofing", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "a flow crosses a trust boundary without an encrypted channel that verifies the server's identity",
			Clears:    "`encrypted` on the flow (TLS with certificate and host-name checks)", Hint: "Use TLS or mTLS with certificate and host-name validation; never disable verification.",
			CWE: []int{295, 297}, CAPEC: []int{94}, Fix: &Fix{On: "self", Attr: "encrypted"},
			eval: eachDirection(func(d direction) hit {
				if !crosses(d.flow) || d.src.Kind == dsl.KindActor && d.dst.Kind == dsl.KindActor {
					return hit{}
				}
				if d.dst.Kind == dsl.KindActor && d.src.Kind != dsl.KindActor {
					// The service is the client here: it must verify the remote server.
				} else if d != directions(d.flow)[0] {
					return hit{}
				}
				l, lw := flowLikelihood(d, -1)
				i, iw := classImpact(d.flow.Data)
				if d.flow.has(flagEncrypted) {
					return clearedBy("the flow is encrypted")
				}
				return fires("the flow crosses from "+zoneName(d.src)+" to "+zoneName(d.dst), rate(l, lw, i, iw), d.flow)
			})},
		{ID: "session-token-theft", Title: "Session token exposed to theft", Stride: "spoofing", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "a flow authenticated by session is not encrypted, or the receiving service's cookies are not secured",
			Clears:    "`encrypted` on the flow and `secure_cookies` on the service", Hint: "TLS everywhere; Secure, HttpOnly, SameSite cookies; short session timeouts.",
			CWE: []int{614, 1004, 319}, CAPEC: []int{593, 102}, Fix: &Fix{On: "target", Attr: "secure_cookies"},
			eval: eachDirection(func(d direction) hit {
				if m, ok := authMethod(d.flow); !ok || m != "session" || !isService(d.dst) {
					return hit{}
				}
				l, lw := flowLikelihood(d, -1)
				i, iw := classImpact(dataOf(d.dst))
				enc := d.flow.has(flagEncrypted)
				why := "`" + d.dst.ID + "` keeps a session for `" + d.src.ID + "`"
				if !enc {
					return firesFix(why+" over an unencrypted flow", rate(l, lw, i, iw), d.flow, &Fix{On: "self", Attr: "encrypted"})
				}
				if d.dst.has(flagSecureCookies) {
					return clearedBy("the flow is encrypted and the service sets secure_cookies")
				}
				return fires(why+" without secure_cookies", rate(l, lw, i, iw), d.dst)
			})},
		{ID: "cross-site-request-forgery", Title: "Cross-site request forgery", Stride: "spoofing", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "a browser reaches a service with a session and the service has no CSRF protection",
			Clears:    "`csrf_protection` on the service", Hint: "Synchronizer or double-submit tokens, SameSite cookies, origin checks.",
			CWE: []int{352, 1275}, CAPEC: []int{62}, Fix: &Fix{On: "target", Attr: "csrf_protection"},
			eval: eachDirection(func(d direction) hit {
				m, ok := authMethod(d.flow)
				if !ok || m != "session" || d.src.kindWord() != "browser" || !isService(d.dst) {
					return hit{}
				}
				l, lw := flowLikelihood(d, -1)
				i, iw := classImpact(dataOf(d.dst))
				if d.dst.has(flagCSRFProtection) {
					return clearedBy("the service declares csrf_protection")
				}
				return fires("browser `"+d.src.ID+"` sends session-authenticated requests to `"+d.dst.ID+"`", rate(l, lw, i, iw), d.dst)
			})},
		{ID: "spoofable-data-source", Title: "Data from an external system can be forged", Stride: "spoofing", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "an external system (service or partner actor) sends data that is neither authenticated nor signed",
			Clears:    "`signed` or `authenticated` on the flow", Hint: "Sign messages (HMAC, JWS) or use mTLS; check replay windows.",
			CWE: []int{345, 290}, CAPEC: []int{194, 148}, Fix: &Fix{On: "self", Attr: "signed"},
			eval: eachDirection(func(d direction) hit {
				k := d.src.kindWord()
				if d.src.Kind != dsl.KindActor || (k != "service" && k != "partner") || d.src.has(flagTrusted) {
					return hit{}
				}
				_, auth := authMethod(d.flow)
				l, lw := flowLikelihood(d, 0)
				i, iw := integrityImpact(d.flow.Data)
				if auth || d.flow.has(flagSigned) {
					return clearedBy("the flow is authenticated or signed")
				}
				return fires("external `"+d.src.ID+"` sends data to `"+d.dst.ID+"`", rate(l, lw, i, iw), d.flow)
			})},

		// Tampering
		{ID: "unprotected-flow-integrity", Title: "Flow across a boundary can be modified in transit", Stride: "tampering", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "a flow crosses a trust boundary and is neither encrypted nor signed",
			Clears:    "`encrypted` or `signed` on the flow", Hint: "TLS or mTLS, or message signatures for store-and-forward paths.",
			CWE: []int{345, 353}, CAPEC: []int{94, 384}, Fix: &Fix{On: "self", Attr: "encrypted"},
			eval: func(f *Symbol) hit {
				if !crosses(f) {
					return hit{}
				}
				d := directions(f)[0]
				l, lw := flowLikelihood(d, -1)
				i, iw := integrityImpact(f.Data)
				if f.has(flagEncrypted) || f.has(flagSigned) {
					return clearedBy("the flow is encrypted or signed")
				}
				return fires("the flow crosses from "+zoneName(f.From)+" to "+zoneName(f.To), rate(l, lw, i, iw), f)
			}},
		{ID: "missing-input-validation", Title: "Untrusted input not validated", Stride: "tampering", Subjects: []dsl.Kind{dsl.KindService},
			Condition: "a service receives input from a less trusted sender and does not declare input validation",
			Clears:    "`validates_input` on the service", Hint: "Validate input at the boundary against schemas or allow-lists.",
			CWE: []int{20}, CAPEC: []int{153}, Fix: &Fix{On: "self", Attr: "validates_input"},
			eval: func(s *Symbol) hit {
				in := untrustedInputs(s)
				if len(in) == 0 {
					return hit{}
				}
				l, lw := elementLikelihood(s, -1)
				i, iw := classImpact(dataOf(s))
				if s.has(flagValidatesInput) {
					return clearedBy("the service declares validates_input")
				}
				return fires("`"+s.ID+"` receives input from `"+in[0].src.ID+"`", rate(l, lw, i, iw), s)
			}},
		{ID: "query-injection", Title: "Query injection into a data store", Stride: "tampering", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "a service with untrusted input queries a SQL, NoSQL, LDAP or search store without parameterized queries",
			Clears:    "`parameterized_queries` on the service", Hint: "Prepared statements or safe query builders; a least-privilege database account.",
			CWE: []int{89, 943, 90}, CAPEC: []int{66, 676, 136}, Fix: &Fix{On: "source", Attr: "parameterized_queries"},
			eval: eachDirection(func(d direction) hit {
				if !isService(d.src) || !isStoreKind(d.dst, "sql", "nosql", "ldap", "search") || len(untrustedInputs(d.src)) == 0 {
					return hit{}
				}
				l, lw := elementLikelihood(d.src, 0)
				i, iw := classImpact(dataOf(d.dst))
				if d.src.has(flagParameterizedQueries) {
					return clearedBy("the service declares parameterized_queries")
				}
				return fires("`"+d.src.ID+"` takes untrusted input and queries "+d.dst.kindWord()+" store `"+d.dst.ID+"`", rate(l, lw, i, iw), d.src)
			})},
		{ID: "command-injection", Title: "OS command injection", Stride: "tampering", Subjects: []dsl.Kind{dsl.KindService},
			Condition: "a service with untrusted input runs operating-system commands and does not validate input",
			Clears:    "`validates_input` on the service (and no shell)", Hint: "Avoid shells; pass argument vectors; allow-list arguments; least privilege.",
			CWE: []int{78, 77}, CAPEC: []int{88, 248}, Fix: &Fix{On: "self", Attr: "validates_input"},
			eval: func(s *Symbol) hit {
				if !s.has(flagExecutesCommands) || len(untrustedInputs(s)) == 0 {
					return hit{}
				}
				l, lw := elementLikelihood(s, -1)
				i, iw := fixed(levelHigh, "commands run with the service's privileges")
				if s.has(flagValidatesInput) {
					return clearedBy("the service declares validates_input")
				}
				return fires("`"+s.ID+"` runs commands and takes untrusted input", rate(l, lw, i, iw), s)
			}},
		{ID: "cross-site-scripting", Title: "Cross-site scripting", Stride: "tampering", Subjects: []dsl.Kind{dsl.KindService},
			Condition: "a web service with untrusted input does not encode its output",
			Clears:    "`encodes_output` on the service", Hint: "Context-aware encoding, auto-escaping templates, a Content Security Policy.",
			CWE: []int{79, 116}, CAPEC: []int{63}, Fix: &Fix{On: "self", Attr: "encodes_output"},
			eval: func(s *Symbol) hit {
				if s.kindWord() != "web" || len(untrustedInputs(s)) == 0 {
					return hit{}
				}
				l, lw := elementLikelihood(s, -1)
				i, iw := classImpact(dataOf(s))
				if s.has(flagEncodesOutput) {
					return clearedBy("the service declares encodes_output")
				}
				return fires("web service `"+s.ID+"` renders pages from untrusted input", rate(l, lw, i, iw), s)
			}},
		{ID: "unsafe-deserialization", Title: "Unsafe deserialization of untrusted data", Stride: "tampering", Subjects: []dsl.Kind{dsl.KindService},
			Condition: "a service with untrusted input parses a native object format (Java serialization, .NET binary, pickle, PHP)",
			Clears:    "only data formats (json, protobuf) in `parses`", Hint: "Use data-only formats, or signed payloads with type allow-lists.",
			CWE: []int{502}, CAPEC: []int{586},
			eval: func(s *Symbol) hit {
				if len(untrustedInputs(s)) == 0 {
					return hit{}
				}
				for _, p := range words(s.Decl, "parses") {
					if contains([]string{"java_serialized", "dotnet_binary", "pickle", "php_serialized"}, p) {
						l, lw := elementLikelihood(s, 0)
						return fires("`"+s.ID+"` parses "+p+" from untrusted input", rate(l, lw, levelHigh, "deserialization gadgets run code"), s)
					}
				}
				if len(words(s.Decl, "parses")) > 0 {
					return clearedBy("the service parses only data formats")
				}
				return hit{}
			}},
		{ID: "unrestricted-file-upload", Title: "Unrestricted file upload", Stride: "tampering", Subjects: []dsl.Kind{dsl.KindService},
			Condition: "a service with untrusted input accepts uploads and does not validate them",
			Clears:    "`validates_uploads` on the service", Hint: "Check type and size, rename, store outside the web root, scan, serve from another origin.",
			CWE: []int{434}, CAPEC: []int{17, 650}, Fix: &Fix{On: "self", Attr: "validates_uploads"},
			eval: func(s *Symbol) hit {
				if !s.has(flagAcceptsUploads) || len(untrustedInputs(s)) == 0 {
					return hit{}
				}
				l, lw := elementLikelihood(s, -1)
				if s.has(flagValidatesUploads) {
					return clearedBy("the service declares validates_uploads")
				}
				return fires("`"+s.ID+"` accepts uploads from untrusted senders", rate(l, lw, levelHigh, "an uploaded web shell runs code"), s)
			}},
		{ID: "datastore-write-from-untrusted", Title: "Writes into a store across a boundary without access control", Stride: "tampering", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "a flow writes into a store across a trust boundary and is unauthenticated or the store has no access control",
			Clears:    "`authenticated` on the flow and `access_control` on the store", Hint: "Least-privilege accounts per writer; writes only through the owning service.",
			CWE: []int{732, 284}, CAPEC: []int{122, 1}, Fix: &Fix{On: "target", Attr: "access_control"},
			eval: eachDirection(func(d direction) hit {
				if d.dst.Kind != dsl.KindStore || !crosses(d.flow) {
					return hit{}
				}
				_, auth := authMethod(d.flow)
				l, lw := flowLikelihood(d, 0)
				i, iw := integrityImpact(dataOf(d.dst))
				if !auth {
					return firesFix("`"+d.src.ID+"` writes into `"+d.dst.ID+"` across a boundary without authentication", rate(l, lw, i, iw), d.flow, &Fix{On: "self", Attr: "authenticated"})
				}
				if d.dst.has(flagAccessControl) {
					return clearedBy("the flow is authenticated and the store declares access_control")
				}
				return fires("`"+d.src.ID+"` writes into `"+d.dst.ID+"`, which declares no access_control", rate(l, lw, i, iw), d.dst)
			})},
		{ID: "unverified-deployment", Title: "Deployment of unverified artifacts", Stride: "tampering", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "a deploy flow does not sign and verify the artifacts it delivers",
			Clears:    "`signed_artifacts` on the flow", Hint: "Sign artifacts and verify provenance at deploy time; pin dependencies.",
			CWE: []int{494, 829}, CAPEC: []int{184, 186, 538}, Fix: &Fix{On: "self", Attr: "signed_artifacts"},
			eval: func(f *Symbol) hit {
				if f.purpose() != "deploy" {
					return hit{}
				}
				if f.has(flagSignedArtifacts) {
					return clearedBy("the flow declares signed_artifacts")
				}
				return fires("`"+f.ID+"` deploys artifacts", rate(levelLow, "supply-chain attacks need a foothold upstream", levelHigh, "deployed code runs with full privileges"), f)
			}},

		// Repudiation
		{ID: "missing-audit-logging", Title: "No audit trail", Stride: "repudiation", Subjects: []dsl.Kind{dsl.KindService},
			Condition: "a service handles confidential data or acts for people and does not keep an audit log",
			Clears:    "`audit_logging` on the service", Hint: "Record who did what, when and from where, in a protected store.",
			CWE: []int{778, 223}, Fix: &Fix{On: "self", Attr: "audit_logging"},
			eval: func(s *Symbol) hit {
				human := false
				for _, f := range s.Inbound {
					for _, d := range directions(f) {
						if d.dst == s && senderIsHuman(d) {
							human = true
						}
					}
				}
				data := dataOf(s)
				if !human && maxClassRank(data) < 2 {
					return hit{}
				}
				i, iw := classImpact(data)
				why := "`" + s.ID + "` handles confidential data"
				if human {
					why = "people act through `" + s.ID + "`"
				}
				if s.has(flagAuditLogging) {
					return clearedBy("the service declares audit_logging")
				}
				return fires(why, rate(levelMedium, "insiders and attackers deny actions no record proves", i, iw), s)
			}},
		{ID: "log-store-tampering", Title: "Log store can be altered", Stride: "repudiation", Subjects: []dsl.Kind{dsl.KindStore},
			Condition: "a log store is not append-only",
			Clears:    "`append_only` on the store", Hint: "WORM or immutable storage, hash chaining, separate writer identities.",
			CWE: []int{117, 732}, CAPEC: []int{268, 93}, Fix: &Fix{On: "self", Attr: "append_only"},
			eval: func(s *Symbol) hit {
				if s.kindWord() != "log" {
					return hit{}
				}
				l, lw := elementLikelihood(s, 0)
				for _, f := range s.Inbound {
					if f.From != nil {
						if wl, ww := elementLikelihood(f.From, 0); wl > l {
							l, lw = wl, "a writer: "+ww
						}
					}
				}
				if s.has(flagAppendOnly) {
					return clearedBy("the store is append_only")
				}
				return fires("`"+s.ID+"` holds logs that writers can change", rate(l, lw, levelMedium, "altered logs hide what happened"), s)
			}},
		{ID: "unauthenticated-log-source", Title: "Log entries from unauthenticated sources", Stride: "repudiation", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "a flow into a log store crosses a boundary without authentication",
			Clears:    "`authenticated` on the flow", Hint: "Authenticate log shippers (mTLS, tokens) and tag entries with the source.",
			CWE: []int{117, 345}, CAPEC: []int{93}, Fix: &Fix{On: "self", Attr: "authenticated"},
			eval: eachDirection(func(d direction) hit {
				if !isStoreKind(d.dst, "log") || !crosses(d.flow) {
					return hit{}
				}
				_, auth := authMethod(d.flow)
				l, lw := flowLikelihood(d, 0)
				if auth {
					return clearedBy("the flow is authenticated")
				}
				return fires("`"+d.src.ID+"` ships logs to `"+d.dst.ID+"` across a boundary", rate(l, lw, levelLow, "forged entries confuse investigations"), d.flow)
			})},
		{ID: "local-only-audit-trail", Title: "Audit trail kept beside the service it audits", Stride: "repudiation", Subjects: []dsl.Kind{dsl.KindService},
			Condition: "a service with audit logging writes its logs only to log stores in its own boundary",
			Clears:    "a flow to a log store in another boundary", Hint: "Forward audit events to a central store in a separate trust boundary.",
			CWE: []int{778}, CAPEC: []int{571},
			eval: func(s *Symbol) hit {
				if !s.has(flagAuditLogging) {
					return hit{}
				}
				local, remote := 0, 0
				for _, f := range s.Outbound {
					for _, d := range directions(f) {
						if d.src == s && isStoreKind(d.dst, "log") {
							if d.dst.Boundary == s.Boundary {
								local++
							} else {
								remote++
							}
						}
					}
				}
				if local == 0 && remote == 0 {
					return hit{}
				}
				if remote > 0 {
					return clearedBy("audit events leave the service's boundary")
				}
				return fires("`"+s.ID+"` keeps its audit logs inside its own boundary", rate(levelLow, "an attacker on the host must first take it over", levelMedium, "the attacker can erase their traces"), s)
			}},

		// Information disclosure
		{ID: "cleartext-credentials-in-transit", Title: "Credentials sent in clear text", Stride: "information_disclosure", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "a flow carries credentials, keys, secrets or session tokens and is not encrypted",
			Clears:    "`encrypted` on the flow", Hint: "Encrypt the channel; prefer short-lived, audience-bound tokens.",
			CWE: []int{523, 319}, CAPEC: []int{102, 157}, Fix: &Fix{On: "self", Attr: "encrypted"},
			eval: func(f *Symbol) hit {
				d := dataTagged(f.Data, "credential", "key", "secret", "session")
				if d == nil || len(directions(f)) == 0 {
					return hit{}
				}
				l, lw := flowLikelihood(directions(f)[0], 0)
				if f.has(flagEncrypted) {
					return clearedBy("the flow is encrypted")
				}
				return fires("the flow carries `"+d.ID+"`", rate(l, lw, levelHigh, "`"+d.ID+"` is a credential"), f)
			}},
		{ID: "unencrypted-flow", Title: "Unencrypted flow across a trust boundary", Stride: "information_disclosure", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "a flow crosses a trust boundary, carries internal or more sensitive data (or undeclared data), and is not encrypted",
			Clears:    "`encrypted` on the flow", Hint: "Encrypt the channel: TLS, mTLS, or message encryption.",
			CWE: []int{319, 311}, CAPEC: []int{157, 117}, Fix: &Fix{On: "self", Attr: "encrypted"},
			eval: func(f *Symbol) hit {
				if !crosses(f) || (len(f.Data) > 0 && maxClassRank(f.Data) < 1) {
					return hit{}
				}
				l, lw := flowLikelihood(directions(f)[0], 0)
				i, iw := classImpact(f.Data)
				if f.has(flagEncrypted) {
					return clearedBy("the flow is encrypted")
				}
				return fires("the flow crosses from "+zoneName(f.From)+" to "+zoneName(f.To)+" in clear text", rate(l, lw, i, iw), f)
			}},
		{ID: "weak-transport-crypto", Title: "Weak transport encryption", Stride: "information_disclosure", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "an encrypted flow accepts TLS versions below 1.2",
			Clears:    "`tls_min 1.2` (or 1.3) on the flow", Hint: "Accept TLS 1.2 or later only; disable legacy protocols and cipher suites.",
			CWE: []int{326, 327, 757}, CAPEC: []int{217, 220}, Fix: &Fix{On: "self", Attr: "tls_min", Value: "1.2"},
			eval: func(f *Symbol) hit {
				v := word(f.Decl, "tls_min")
				if !f.has(flagEncrypted) || v == "" || len(directions(f)) == 0 {
					return hit{}
				}
				n, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return hit{}
				}
				l, lw := flowLikelihood(directions(f)[0], -1)
				i, iw := classImpact(f.Data)
				if n >= 1.2 {
					return clearedBy("the flow requires TLS 1.2 or later")
				}
				return fires("the flow accepts TLS "+v, rate(l, lw, i, iw), f)
			}},
		{ID: "unencrypted-datastore", Title: "Sensitive data stored unencrypted", Stride: "information_disclosure", Subjects: []dsl.Kind{dsl.KindStore},
			Condition: "a store keeps confidential or restricted data and is not encrypted at rest",
			Clears:    "`encrypted_at_rest` on the store", Hint: "Encrypt at rest with managed keys; field-level encryption for restricted data.",
			CWE: []int{311, 312}, CAPEC: []int{37}, Fix: &Fix{On: "self", Attr: "encrypted_at_rest"},
			eval: func(s *Symbol) hit {
				if maxClassRank(s.Data) < 2 {
					return hit{}
				}
				i, iw := classImpact(s.Data)
				if s.has(flagEncryptedAtRest) {
					return clearedBy("the store is encrypted_at_rest")
				}
				return fires("`"+s.ID+"` stores "+dsl.Classifications[maxClassRank(s.Data)]+" data", rate(levelLow, "the attacker needs the disks, backups or snapshots", i, iw), s)
			}},
		{ID: "weak-password-storage", Title: "Passwords stored with weak hashing", Stride: "information_disclosure", Subjects: []dsl.Kind{dsl.KindStore},
			Condition: "a store keeps credentials without argon2id, scrypt, bcrypt or pbkdf2",
			Clears:    "`password_hashing argon2id` on the store", Hint: "argon2id (or scrypt, bcrypt, PBKDF2) with current parameters.",
			CWE: []int{256, 916}, CAPEC: []int{55}, Fix: &Fix{On: "self", Attr: "password_hashing", Value: "argon2id"},
			eval: func(s *Symbol) hit {
				d := dataTagged(s.Data, "credential")
				if d == nil {
					return hit{}
				}
				h := word(s.Decl, "password_hashing")
				why := "`" + s.ID + "` stores `" + d.ID + "` and declares no password_hashing"
				if h != "" {
					why = "`" + s.ID + "` hashes `" + d.ID + "` with " + h
				}
				if contains([]string{"argon2id", "scrypt", "bcrypt", "pbkdf2"}, h) {
					return clearedBy("the store uses an adequate password hash")
				}
				return fires(why, rate(levelMedium, "password databases leak", levelHigh, "cracked passwords are reused elsewhere"), s)
			}},
		{ID: "secrets-outside-vault", Title: "Secrets kept outside a secret manager", Stride: "information_disclosure", Subjects: []dsl.Kind{dsl.KindService},
			Condition: "a service uses secrets that do not come from a secret manager",
			Clears:    "`secret_source vault` on the service", Hint: "Inject secrets at run time from a secret manager, and rotate them.",
			CWE: []int{798, 522}, CAPEC: []int{191}, Fix: &Fix{On: "self", Attr: "secret_source", Value: "vault"},
			eval: func(s *Symbol) hit {
				if !s.has(flagUsesSecrets) {
					return hit{}
				}
				src := word(s.Decl, "secret_source")
				why := "`" + s.ID + "` uses secrets and does not say where they come from"
				if src != "" {
					why = "`" + s.ID + "` takes its secrets from " + src
				}
				if src == "vault" {
					return clearedBy("secrets come from a vault")
				}
				return fires(why, rate(levelMedium, "secrets in files, environments and repositories leak", levelHigh, "secrets open other systems"), s)
			}},
		{ID: "classification-exceeds-clearance", Title: "Data sent where it is not cleared", Stride: "information_disclosure", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "a flow carries data classified above the clearance of the receiver's boundary",
			Clears:    "only data within the receiving boundary's `clearance` on the flow (or a raised clearance)", Hint: "Redact or tokenise the data, or raise the clearance explicitly.",
			CWE: []int{200, 501},
			eval: eachDirection(func(d direction) hit {
				c, by := clearance(d.dst)
				if c < 0 || len(d.flow.Data) == 0 {
					return hit{}
				}
				mc := maxClassRank(d.flow.Data)
				i, iw := classImpact(d.flow.Data)
				if mc <= c {
					return clearedBy("the data is within the boundary's clearance")
				}
				return fires("the flow carries "+dsl.Classifications[mc]+" data into boundary `"+by.ID+"`, cleared for "+dsl.Classifications[c], rate(levelHigh, "the data is sent there by design", i, iw), d.flow)
			})},
		{ID: "personal-data-to-third-party", Title: "Personal data sent to a third party without an agreement", Stride: "information_disclosure", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "a flow sends personal data to an external actor and names no data-processing agreement",
			Clears:    "`dpa \"reference\"` on the flow", Hint: "Minimise or pseudonymise; record the legal basis or processing agreement.",
			CWE: []int{359}, Fix: &Fix{On: "self", Attr: "dpa", Value: `"DPA reference"`},
			eval: eachDirection(func(d direction) hit {
				p := dataTagged(d.flow.Data, "pii")
				if p == nil || d.dst.Kind != dsl.KindActor || d.dst.has(flagTrusted) {
					return hit{}
				}
				i, iw := classImpact(d.flow.Data)
				if word(d.flow.Decl, "dpa") != "" {
					return clearedBy("the flow names a dpa")
				}
				return fires("`"+d.dst.ID+"` receives personal data `"+p.ID+"`", rate(levelHigh, "the data is sent by design", i, iw), d.flow)
			})},
		{ID: "sensitive-data-in-logs", Title: "Sensitive data written to logs", Stride: "information_disclosure", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "a service that handles credentials or personal data writes to a log store without redaction",
			Clears:    "`log_redaction` on the service", Hint: "Structured logging with deny-listed fields and token masking.",
			CWE: []int{532}, Fix: &Fix{On: "source", Attr: "log_redaction"},
			eval: eachDirection(func(d direction) hit {
				if !isService(d.src) || !isStoreKind(d.dst, "log") {
					return hit{}
				}
				s := dataTagged(d.src.Data, "credential", "pii", "session", "key", "secret")
				if s == nil {
					return hit{}
				}
				i, iw := classImpact([]*Symbol{s})
				if d.src.has(flagLogRedaction) {
					return clearedBy("the service declares log_redaction")
				}
				return fires("`"+d.src.ID+"` handles `"+s.ID+"` and logs to `"+d.dst.ID+"`", rate(levelMedium, "logs are read by many and kept long", i, iw), d.src)
			})},
		{ID: "server-side-request-forgery", Title: "Server-side request forgery", Stride: "information_disclosure", Subjects: []dsl.Kind{dsl.KindService},
			Condition: "a service with untrusted input fetches URLs without an egress allow-list",
			Clears:    "`egress_allowlist` on the service", Hint: "Allow-list destinations; block link-local and metadata ranges.",
			CWE: []int{918}, CAPEC: []int{664}, Fix: &Fix{On: "self", Attr: "egress_allowlist"},
			eval: func(s *Symbol) hit {
				if !s.has(flagFetchesURLs) || len(untrustedInputs(s)) == 0 {
					return hit{}
				}
				l, lw := elementLikelihood(s, -1)
				if s.has(flagEgressAllowlist) {
					return clearedBy("the service declares egress_allowlist")
				}
				return fires("`"+s.ID+"` fetches URLs that untrusted senders name", rate(l, lw, levelHigh, "internal services and cloud metadata are reachable"), s)
			}},
		{ID: "path-traversal", Title: "Path traversal into a file store", Stride: "information_disclosure", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "a service with untrusted input reads or writes a file store without validating input",
			Clears:    "`validates_input` on the service", Hint: "Canonicalise and confine paths; map user input to identifiers, not file names.",
			CWE: []int{22, 73}, CAPEC: []int{126}, Fix: &Fix{On: "source", Attr: "validates_input"},
			eval: eachDirection(func(d direction) hit {
				if !isService(d.src) || !isStoreKind(d.dst, "file") || len(untrustedInputs(d.src)) == 0 {
					return hit{}
				}
				l, lw := elementLikelihood(d.src, 0)
				i, iw := classImpact(dataOf(d.dst))
				if d.src.has(flagValidatesInput) {
					return clearedBy("the service declares validates_input")
				}
				return fires("`"+d.src.ID+"` takes untrusted input and uses file store `"+d.dst.ID+"`", rate(l, lw, i, iw), d.src)
			})},
		{ID: "xml-external-entities", Title: "XML external entities", Stride: "information_disclosure", Subjects: []dsl.Kind{dsl.KindService},
			Condition: "a service with untrusted input parses XML with parsers that are not hardened",
			Clears:    "`xml_hardened` on the service", Hint: "Disable DTDs and external entities; limit entity expansion.",
			CWE: []int{611, 776}, CAPEC: []int{221, 201, 197}, Fix: &Fix{On: "self", Attr: "xml_hardened"},
			eval: func(s *Symbol) hit {
				if !contains(words(s.Decl, "parses"), "xml") || len(untrustedInputs(s)) == 0 {
					return hit{}
				}
				l, lw := elementLikelihood(s, -1)
				i, iw := classImpact(dataOf(s))
				if s.has(flagXMLHardened) {
					return clearedBy("the service declares xml_hardened")
				}
				return fires("`"+s.ID+"` parses XML from untrusted senders", rate(l, lw, i, iw), s)
			}},

		// Denial of service
		{ID: "unthrottled-internet-entry", Title: "Internet-facing service without rate limiting", Stride: "denial_of_service", Subjects: []dsl.Kind{dsl.KindService},
			Condition: "a service reachable from the internet does not limit request rates",
			Clears:    "`rate_limited` on the service", Hint: "Quotas, timeouts, and a gateway, WAF or CDN in front.",
			CWE: []int{770, 400}, CAPEC: []int{125, 469}, Fix: &Fix{On: "self", Attr: "rate_limited"},
			eval: func(s *Symbol) hit {
				if !internetFacing(s) {
					return hit{}
				}
				i, iw := availabilityImpact(s)
				if s.has(flagRateLimited) {
					return clearedBy("the service is rate_limited")
				}
				return fires("`"+s.ID+"` is reachable from the internet", rate(levelHigh, "anyone on the internet can send requests", i, iw), s)
			}},
		{ID: "single-instance-critical-asset", Title: "Critical element without redundancy", Stride: "denial_of_service", Subjects: []dsl.Kind{dsl.KindService, dsl.KindStore},
			Condition: "a service or store whose availability is critical is not redundant",
			Clears:    "`redundant` on the element", Hint: "Replicas or failover across zones; tested recovery objectives.",
			CWE: []int{400}, Fix: &Fix{On: "self", Attr: "redundant"},
			eval: func(s *Symbol) hit {
				if word(s.Decl, "availability") != "critical" {
					return hit{}
				}
				if s.has(flagRedundant) {
					return clearedBy("the element is redundant")
				}
				return fires("`"+s.ID+"` has availability critical", rate(levelLow, "single instances fail now and then", levelHigh, "availability is critical"), s)
			}},
		{ID: "missing-backup", Title: "Important data without backups", Stride: "denial_of_service", Subjects: []dsl.Kind{dsl.KindStore},
			Condition: "a store keeps data whose integrity matters (integrity high or critical; without a rating, restricted data or data tagged credential, key, secret, financial or health) and has no backup",
			Clears:    "`backup` on the store", Hint: "Immutable, off-boundary backups with restore tests.",
			Fix: &Fix{On: "self", Attr: "backup"},
			eval: func(s *Symbol) hit {
				if len(s.Data) == 0 {
					return hit{}
				}
				i, iw := integrityImpact(s.Data)
				if i < levelHigh {
					return hit{}
				}
				if s.has(flagBackup) {
					return clearedBy("the store has backups")
				}
				return fires("`"+s.ID+"` keeps data that must not be lost", rate(levelLow, "ransomware, deletion and corruption are rare but real", i, iw), s)
			}},

		// Elevation of privilege
		{ID: "missing-authorization", Title: "Authenticated but not authorized", Stride: "elevation_of_privilege", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "an authenticated flow into an element with confidential data does not check what the sender may do",
			Clears:    "`authorized` on the flow", Hint: "Deny by default; role, attribute or object-level checks.",
			CWE: []int{862, 639, 285}, CAPEC: []int{1, 122}, Fix: &Fix{On: "self", Attr: "authorized"},
			eval: eachDirection(func(d direction) hit {
				if _, ok := authMethod(d.flow); !ok || d.dst.Kind == dsl.KindActor {
					return hit{}
				}
				data := dataOf(d.dst)
				if maxClassRank(data) < 2 {
					return hit{}
				}
				_, authz := authzMethod(d.flow)
				l, lw := flowLikelihood(d, 0)
				i, iw := classImpact(data)
				if authz {
					return clearedBy("the flow is authorized")
				}
				return fires("`"+d.dst.ID+"` authenticates `"+d.src.ID+"` but checks no permissions", rate(l, lw, i, iw), d.flow)
			})},
		{ID: "missing-identity-propagation", Title: "Backend trusts a technical user", Stride: "elevation_of_privilege", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "a flow authorized as a technical user reaches confidential data from a service that is not a gateway",
			Clears:    "`authorized rbac` (or abac, owner_check) with the end user's identity", Hint: "Propagate the end user's identity (token exchange, on-behalf-of) and authorise in the backend.",
			CWE: []int{441, 284}, Fix: &Fix{On: "self", Attr: "authorized", Value: "owner_check"},
			eval: eachDirection(func(d direction) hit {
				m, ok := authzMethod(d.flow)
				if !ok || m != "technical_user" || !isService(d.src) || d.src.kindWord() == "gateway" {
					return hit{}
				}
				data := dataOf(d.dst)
				if maxClassRank(data) < 2 {
					return hit{}
				}
				i, iw := classImpact(data)
				return fires("`"+d.src.ID+"` reaches `"+d.dst.ID+"` as a technical user", rate(levelMedium, "a flaw in the caller exposes every user's data", i, iw), d.flow)
			})},
		{ID: "excessive-process-privilege", Title: "Service with untrusted input runs privileged", Stride: "elevation_of_privilege", Subjects: []dsl.Kind{dsl.KindService},
			Condition: "a service with untrusted input runs as root, admin or system",
			Clears:    "`runs_as user` on the service (an unprivileged identity)", Hint: "A dedicated low-privilege identity, dropped capabilities, a read-only file system.",
			CWE: []int{250, 269}, CAPEC: []int{233}, Fix: &Fix{On: "self", Attr: "runs_as", Value: "user"},
			eval: func(s *Symbol) hit {
				r := word(s.Decl, "runs_as")
				if r == "" || len(untrustedInputs(s)) == 0 {
					return hit{}
				}
				l, lw := elementLikelihood(s, -1)
				if !contains([]string{"root", "admin", "system"}, r) {
					return clearedBy("the service runs unprivileged")
				}
				return fires("`"+s.ID+"` runs as "+r+" and takes untrusted input", rate(l, lw, levelHigh, "a compromise owns the host"), s)
			}},
		{ID: "memory-unsafe-input-handling", Title: "Memory-unsafe code parses untrusted input", Stride: "elevation_of_privilege", Subjects: []dsl.Kind{dsl.KindService},
			Condition: "a service with untrusted input is written in C or C++ or declares `memory_safe false`",
			Clears:    "a memory-safe language (`memory_safe`), or a sandboxed parser", Hint: "Memory-safe language or sandboxed parser; fuzzing; exploit mitigations.",
			CWE: []int{119, 787}, CAPEC: []int{100},
			eval: func(s *Symbol) hit {
				if len(untrustedInputs(s)) == 0 {
					return hit{}
				}
				tech := words(s.Decl, "tech")
				unsafeTech := contains(tech, "c") || contains(tech, "cpp") || contains(tech, "c_plus_plus")
				if s.has(flagMemorySafe) {
					if unsafeTech {
						return clearedBy("the service declares memory_safe (a sandboxed or memory-safe parser)")
					}
					return hit{}
				}
				if !s.declaredFalse(flagMemorySafe) && !unsafeTech {
					return hit{}
				}
				l, lw := elementLikelihood(s, -1)
				return fires("`"+s.ID+"` is not memory-safe and takes untrusted input", rate(l, lw, levelHigh, "memory corruption runs the attacker's code"), s)
			}},
		{ID: "direct-datastore-exposure", Title: "Store reached directly from a less trusted zone", Stride: "elevation_of_privilege", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "an actor or a less trusted element talks to a store directly",
			Clears:    "a service in front of the store", Hint: "Put an owning service in front of the store and network-restrict the store to it.",
			CWE: []int{284, 653}, CAPEC: []int{1},
			eval: eachDirection(func(d direction) hit {
				if d.dst.Kind != dsl.KindStore || !d.inboundUntrusted() {
					return hit{}
				}
				l, lw := flowLikelihood(d, 0)
				i, iw := classImpact(dataOf(d.dst))
				return fires("`"+d.src.ID+"` reaches store `"+d.dst.ID+"` directly", rate(l, lw, i, iw), d.flow)
			})},
		{ID: "admin-interface-exposed", Title: "Administrative interface exposed", Stride: "elevation_of_privilege", Subjects: []dsl.Kind{dsl.KindFlow},
			Condition: "an admin flow comes from a less trusted zone without VPN and without MFA",
			Clears:    "`vpn` or `mfa` on the flow", Hint: "A VPN or zero-trust access proxy plus MFA; a separate admin plane.",
			CWE: []int{284, 308}, CAPEC: []int{555}, Fix: &Fix{On: "self", Attr: "vpn"},
			eval: eachDirection(func(d direction) hit {
				if d.flow.purpose() != "admin" || !d.inboundUntrusted() {
					return hit{}
				}
				l, lw := flowLikelihood(d, 1)
				if d.flow.has(flagVPN) || d.flow.has(flagMFA) {
					return clearedBy("the flow requires vpn or mfa")
				}
				return fires("the admin flow comes from `"+d.src.ID+"`, in "+zoneName(d.src), rate(l, lw+"; raised one step for an admin interface", levelHigh, "administrators control everything"), d.flow)
			})},
		{ID: "mixed-trust-shared-runtime", Title: "Services of different trust share a runtime", Stride: "elevation_of_privilege", Subjects: []dsl.Kind{dsl.KindService},
			Condition: "a service shares its `runtime` with a service in another boundary",
			Clears:    "separate runtimes per trust level", Hint: "Separate runtimes, hosts or clusters per trust level, or model the runtime as its own boundary.",
			CWE: []int{653}, CAPEC: []int{480},
			eval: func(s *Symbol) hit {
				rt := word(s.Decl, "runtime")
				if rt == "" {
					return hit{}
				}
				for _, o := range s.model.byRuntime[rt] {
					if o != s && o.Boundary != s.Boundary {
						return fires("`"+s.ID+"` shares runtime "+rt+" with `"+o.ID+"` in "+zoneName(o), rate(levelLow, "escaping a runtime takes a second exploit", levelHigh, "the attacker lands in a more trusted zone"), s)
					}
				}
				return clearedBy("no service of another boundary shares the runtime")
			},
		},
		{ID: "flat-network-sensitive-store", Title: "Restricted store next to an internet-facing service", Stride: "elevation_of_privilege", Subjects: []dsl.Kind{dsl.KindStore},
			Condition: "a store with restricted data sits in the same boundary as an internet-facing service",
			Clears:    "a boundary between internet-facing tiers and restricted stores", Hint: "Add a network boundary between internet-facing services and restricted stores.",
			CWE: []int{653},
			eval: func(s *Symbol) hit {
				if maxClassRank(s.Data) < 3 || s.Boundary == nil {
					return hit{}
				}
				if o := s.model.facingService(s.Boundary); o != nil {
					i, iw := classImpact(s.Data)
					return fires("restricted store `"+s.ID+"` shares boundary `"+s.Boundary.ID+"` with internet-facing `"+o.ID+"`", rate(levelLow, "the attacker must first take over the internet-facing service", i, iw), s)
				}
				return clearedBy("no internet-facing service shares the store's boundary")
			},
		},
	}
	if len(rules) > len(ruleSet{})*64 {
		panic("threatls: more rules than a ruleSet holds; make it larger")
	}
	for i, r := range rules {
		r.about = threatAbout{title: r.Title, stride: []string{r.Stride}, cwe: r.CWE, capec: r.CAPEC}
		r.index = i
	}
	rankRules(rules)
	return rules
}

// rankRules numbers rules in the order of the ids of their threats, `RULE@target`: as
// their ids followed by `@` sort, since a rule id may be a prefix of another.
func rankRules(rules []*Rule) {
	sorted := slices.Clone(rules)
	slices.SortFunc(sorted, func(x, y *Rule) int { return strings.Compare(x.ID+"@", y.ID+"@") })
	for i, r := range sorted {
		r.rank = i + 1
	}
}

// rulesByRank returns the rules in rank order (rankRules).
func rulesByRank(rules []*Rule) []*Rule {
	sorted := slices.Clone(rules)
	slices.SortStableFunc(sorted, func(x, y *Rule) int { return cmp.Compare(x.rank, y.rank) })
	return sorted
}

// sortSubjects sorts each list of subjects by id.
func sortSubjects(bySubject map[dsl.Kind][]*Symbol) {
	for _, list := range bySubject {
		slices.SortFunc(list, bySymbolID)
	}
}

// subjectsOf returns the subjects of rule r in id order, from bySubject's lists sorted by
// sortSubjects: the list of the rule's kind, or for a rule of several kinds, the lists
// merged.
func subjectsOf(r *Rule, bySubject map[dsl.Kind][]*Symbol) []*Symbol {
	if len(r.Subjects) == 1 {
		return bySubject[r.Subjects[0]]
	}
	var all []*Symbol
	for _, k := range r.Subjects {
		all = mergeByID(all, bySubject[k])
	}
	return all
}

// mergeByID merges two lists of symbols sorted by id.
func mergeByID(x, y []*Symbol) []*Symbol {
	out := make([]*Symbol, 0, len(x)+len(y))
	for len(x) > 0 && len(y) > 0 {
		if bySymbolID(x[0], y[0]) <= 0 {
			out, x = append(out, x[0]), x[1:]
		} else {
			out, y = append(out, y[0]), y[1:]
		}
	}
	return append(append(out, x...), y...)
}

func bySymbolID(x, y *Symbol) int { return strings.Compare(x.ID, y.ID) }

// sortGenerated sorts generated threats by id; runRules makes them in that order already.
func sortGenerated(ts []*Threat) {
	if !slices.IsSortedFunc(ts, byGeneratedID) {
		slices.SortFunc(ts, byGeneratedID)
	}
}

// sortMerging sorts threats by id when those from index sorted on are sorted already: it
// sorts the others and merges the two runs.
func sortMerging(ts []*Threat, sorted int) []*Threat {
	head, tail := ts[:sorted], ts[sorted:]
	slices.SortFunc(head, byThreatID)
	if len(head) == 0 || len(tail) == 0 || byThreatID(head[len(head)-1], tail[0]) < 0 {
		return ts
	}
	out := make([]*Threat, 0, len(ts))
	for len(head) > 0 && len(tail) > 0 {
		if byThreatID(head[0], tail[0]) < 0 {
			out, head = append(out, head[0]), head[1:]
		} else {
			out, tail = append(out, tail[0]), tail[1:]
		}
	}
	return append(append(out, head...), tail...)
}

// byGeneratedID orders generated threats as byThreatID does, but cheaper: `RULE@target`
// ids of different rules compare as their rules' ranks, and those of one rule as their
// targets' ids.
func byGeneratedID(x, y *Threat) int {
	if x.Rule == y.Rule {
		return strings.Compare(x.Target.ID, y.Target.ID)
	}
	if x.Rule.rank > 0 && y.Rule.rank > 0 && x.Rule.rank != y.Rule.rank {
		return cmp.Compare(x.Rule.rank, y.Rule.rank)
	}
	return strings.Compare(x.ID, y.ID)
}
