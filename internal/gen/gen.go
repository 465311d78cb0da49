// Package gen writes large, realistic and valid threat models for tests and benchmarks.
package gen

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Model returns a generated model of n services as file name -> text: "model.threat"
// holds the model, the boundaries, the shared actors and data, and n services are split
// over max(1, n/100) files "services-NNN.threat". Each service comes with its data, a
// store, about three flows (one of them named, to a service that may sit in another file),
// a declared threat with a mitigation, and responses to threats the analysis generates.
// One service in ten is declared inside a nested boundary block. Comments of every form are
// spread through the text. The same n and seed give the same files; every file parses
// without diagnostics and every reference names a declared element.
func Model(n int, seed int64) map[string]string {
	g := &gen{r: rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15)), n: n}
	files := map[string]string{"model.threat": g.base()}
	nFiles := max(1, n/100)
	for f := 0; f < nFiles; f++ {
		var b strings.Builder
		fmt.Fprintf(&b, "// Services %d to %d of the generated model.\n// Generated: do not edit by hand.\n", f*n/nFiles, (f+1)*n/nFiles-1)
		for i := f * n / nFiles; i < (f+1)*n/nFiles; i++ {
			g.service(&b, i)
		}
		files[fmt.Sprintf("services-%03d.threat", f)] = b.String()
	}
	return files
}

type gen struct {
	r *rand.Rand
	n int
}

var (
	words = []string{"payments", "orders", "catalog", "search", "accounts", "billing", "shipping", "inventory",
		"reviews", "recommend", "notify", "reports", "identity", "pricing", "returns", "loyalty"}
	titles = []string{"Zahlungsdienst – Kartenzahlung 💳", "Commandes", "Catálogo de productos", "検索サービス",
		"Accounts", "Rechnungen", "Versand 📦", "Inventory", "Reviews", "Empfehlungen", "Notifications", "Reports"}
	techs       = []string{"go", "java", "kotlin", "python", "node", "rust", "postgres", "redis", "kafka", "nginx"}
	serviceKind = []string{"api", "web", "worker", "gateway", "function"}
	storeKinds  = []string{"sql", "nosql", "cache", "object", "queue", "search"}
	protocols   = []string{"https", "grpc", "amqp", "http"}
	classes     = []string{"public", "internal", "confidential", "restricted"}
	dataTags    = []string{"pii", "financial", "credential", "health", "session"}
	strides     = []string{"spoofing", "tampering", "repudiation", "information_disclosure", "denial_of_service", "elevation_of_privilege"}
	levels      = []string{"low", "medium", "high"}
	flags       = []string{"validates_input", "encodes_output", "parameterized_queries", "audit_logging", "log_redaction", "csrf_protection", "secure_cookies", "uses_secrets"}
	statuses    = []string{"planned", "in_progress", "implemented", "verified"}
)

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *gen) base() string {
	var b strings.Builder
	b.WriteString(`// Generated threat model.
model "Generated shop" {
  owner "security@example.com"
  description """
    A generated model of an online shop:
      services, stores, flows, threats and their answers.
    """
  version "1.0"
  reviewed 2026-10-01
}

/* Trust boundaries, from the internet inwards. */
boundary internet "Internet" { trust untrusted; kind network }
boundary dmz "DMZ"           { trust low; kind network }
boundary corp "Corporate"    { trust medium; kind network }
boundary vault "Data vault" {
  trust high
  in corp
  clearance restricted
  kind network
}

actor customer "Customer" { in internet; kind browser; human }
actor partner "Partner"   { in internet; kind partner }
actor admin "Administrator" {
  in corp
  kind admin
  human
  trusted
}

data card "Card number"        { classification restricted; tags financial }
data session "Session token"   { classification confidential; tags session }
data catalog-items "Catalogue" { classification public }
`)
	return b.String()
}

func (g *gen) name(i int) string { return fmt.Sprintf("%s-%d", words[i%len(words)], i) }

func (g *gen) service(b *strings.Builder, i int) {
	svc := g.name(i)
	rec := svc + "-records"
	db := svc + "-db"
	zone := g.pick([]string{"dmz", "corp"})
	nested := i%10 == 5
	rateLimited := g.r.IntN(3) > 0
	dbEncrypted := g.r.IntN(4) > 0

	b.WriteString("\n")
	fmt.Fprintf(b, "// %s: service %d of %d.\n", svc, i, g.n)
	fmt.Fprintf(b, "data %s \"%s records\" {\n  classification %s\n", rec, svc, g.pick(classes[1:]))
	if g.r.IntN(2) == 0 {
		fmt.Fprintf(b, "  tags %s, %s\n", dataTags[i%len(dataTags)], dataTags[(i+1)%len(dataTags)])
	}
	b.WriteString("}\n")

	indent := ""
	if nested {
		fmt.Fprintf(b, "boundary %s-zone \"Zone of %s\" {\n  trust medium\n  in corp\n  kind runtime\n\n", svc, svc)
		indent = "  "
	}
	p := func(format string, args ...any) {
		b.WriteString(indent)
		fmt.Fprintf(b, format, args...)
	}
	p("service %s \"%s\" {\n", svc, titles[i%len(titles)])
	if !nested {
		p("  in %s\n", zone)
	}
	p("  tech %s, %s\n", g.pick(techs[:6]), g.pick(techs[6:]))
	p("  kind %s\n", g.pick(serviceKind))
	p("  handles %s, session // what it processes\n", rec)
	p("  owner \"team-%d@example.com\"\n", i%40)
	p("  code \"services/%s\"\n", svc)
	for _, f := range flags {
		if g.r.IntN(3) == 0 {
			p("  %s\n", f)
		}
	}
	if rateLimited {
		p("  rate_limited\n")
	}
	if i%7 == 0 {
		p("  description \"\"\"\n%s    Handles %s.\n%s    Reviewed with the team.\n%s    \"\"\"\n", indent, svc, indent, indent)
	}
	p("  availability %s\n", g.pick([]string{"low", "medium", "high"}))
	p("}\n")
	storeZone := ""
	if !nested {
		storeZone = "in vault; "
	}
	enc := ""
	if dbEncrypted {
		enc = "; encrypted_at_rest"
	}
	p("store %s \"%s DB\" { %skind %s; stores %s%s }\n", db, svc, storeZone, g.pick(storeKinds), rec, enc)
	if nested {
		b.WriteString("}\n")
	}

	// Flows: from the customer, to the store, and a named call to another service.
	fmt.Fprintf(b, "flow customer -> %s \"Use %s\" {\n  protocol https\n  carries %s, session\n  encrypted\n  authenticated session\n  tls_min 1.2\n}\n", svc, svc, rec)
	dbFlowEncrypted := g.r.IntN(3) > 0
	fmt.Fprintf(b, "flow %s -> %s {\n  protocol %s\n  carries %s\n", svc, db, g.pick([]string{"postgres", "tcp", "redis"}), rec)
	if dbFlowEncrypted {
		b.WriteString("  encrypted\n")
	}
	b.WriteString("  authenticated mtls\n  authorized technical_user\n}\n")
	if g.n > 1 {
		j := g.r.IntN(g.n - 1)
		if j >= i {
			j++
		}
		fmt.Fprintf(b, "flow call-%d: %s -> %s \"Calls %s\" { protocol %s; encrypted; authenticated mtls }\n", i, svc, g.name(j), g.name(j), g.pick(protocols[:3]))
	}
	if i%4 == 0 {
		fmt.Fprintf(b, "\nflow admin <-> %s { protocol ssh; encrypted; authenticated mtls; purpose admin } /* operations */\n", svc)
	}

	// A declared threat and its mitigation.
	s1, s2 := g.r.IntN(len(strides)), g.r.IntN(len(strides))
	if s1 == s2 {
		s2 = (s2 + 1) % len(strides)
	}
	fmt.Fprintf(b, "\nthreat %s-abuse \"Abuse of %s\" {\n  on %s -> %s, %s\n  stride %s, %s\n  likelihood %s\n  impact %s\n  cwe %d\n  capec %d\n}\n",
		svc, svc, svc, db, svc, strides[s1], strides[s2], g.pick(levels), g.pick(levels), 20+g.r.IntN(900), 1+g.r.IntN(600))
	fmt.Fprintf(b, "mitigation %s-controls \"Controls for %s\" {\n  mitigates %s-abuse\n  status %s\n  evidence \"services/%s/guard.go:%d\"\n",
		svc, svc, svc, g.pick(statuses), svc, 10+g.r.IntN(400))
	if g.r.IntN(2) == 0 {
		fmt.Fprintf(b, "  due 2027-%02d-%02d\n", 1+g.r.IntN(12), 1+g.r.IntN(28))
	}
	b.WriteString("}\n")

	// Answers to generated threats.
	if !rateLimited && !nested && zone == "dmz" {
		fmt.Fprintf(b, "accept unthrottled-internet-entry@%s {\n  reason \"A CDN absorbs volumetric attacks\"\n  owner \"team-%d@example.com\"\n  until 2027-%02d-15\n}\n", svc, i%40, 1+g.r.IntN(12))
	}
	if !dbFlowEncrypted && !nested {
		fmt.Fprintf(b, "transfer unencrypted-flow@%s->%s { to \"Hosting provider\"; reason \"Private link\" }\n", svc, db)
	}
	if i%9 == 0 {
		fmt.Fprintf(b, "not_applicable missing-backup@%s {\n  reason \"Rebuilt from events\"\n}\n", db)
	}
}
