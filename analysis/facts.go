package analysis

import (
	"github.com/threatls/threatls/dsl"
)

// Facts derived from the model once, used by the rules.

const (
	trustUntrusted = 0
	trustDefault   = 2 // medium: a boundary that does not say
	trustHigh      = 3
)

func computeTrust(m *Model) {
	var trustOf func(s *Symbol, depth int) int
	trustOf = func(s *Symbol, depth int) int {
		if v, ok := enumValue(s.Decl, "trust", dsl.TrustLevels); ok {
			return v
		}
		if s.Boundary != nil && depth < 64 {
			return trustOf(s.Boundary, depth+1)
		}
		return trustDefault
	}
	for _, b := range m.Boundaries {
		b.trust = trustOf(b, 0)
	}
	for _, b := range m.Boundaries {
		b.zone = "boundary `" + b.ID + "` (trust " + dsl.TrustLevels[b.trust] + ")"
	}
}

// indexModel builds the lookups the rules and states use, so no rule scans the whole model
// per subject. With facing, it finds the internet-facing service of every boundary, which
// needs the exposure of every service; else facingService finds it when a rule asks.
func indexModel(m *Model, facing bool) {
	m.byRuntime = map[string][]*Symbol{}
	m.facingIn = map[*Symbol]*Symbol{}
	m.facingKnown = facing
	for _, s := range m.Elements {
		if s.Kind != dsl.KindService {
			continue
		}
		if rt := word(s.Decl, "runtime"); rt != "" {
			m.byRuntime[rt] = append(m.byRuntime[rt], s)
		}
		if facing && m.facingIn[s.Boundary] == nil && internetFacing(s) {
			m.facingIn[s.Boundary] = s
		}
	}
	m.refsByDecl = make(map[*dsl.Decl][]int, len(m.Threats))
	for i, r := range m.Refs {
		if r.Decl.Kind == dsl.KindThreat { // only threatTargets asks
			m.refsByDecl[r.Decl] = append(m.refsByDecl[r.Decl], i)
		}
	}
}

// facingService returns the first internet-facing service of boundary b, in declaration
// order, or nil.
func (m *Model) facingService(b *Symbol) *Symbol {
	if s, ok := m.facingIn[b]; ok || m.facingKnown {
		return s
	}
	var found *Symbol
	for _, s := range m.Elements {
		if s.Kind == dsl.KindService && s.Boundary == b && internetFacing(s) {
			found = s
			break
		}
	}
	m.facingIn[b] = found
	return found
}

// cacheAllFacts computes, once, the facts the rules ask for of every flow (its directions
// with their exposure), data (classification and impact) and element, on every core: each
// symbol's by one goroutine, flows and data before the elements, which read theirs. It runs
// after trust is known.
func cacheAllFacts(m *Model) {
	workers := workersFor(len(m.Elements)+len(m.Flows), 2048)
	each := func(list []*Symbol, cache func(*Symbol)) {
		inParallel(workers, func(w int) {
			lo, hi := part(len(list), w, workers)
			for _, s := range list[lo:hi] {
				cache(s)
			}
		})
	}
	each(m.Flows, cacheFlow)
	each(m.Data, cacheData)
	each(m.Elements, cacheElement)
}

func cacheData(d *Symbol) {
	if d.dataFacts != nil {
		return
	}
	f := &dataFacts{tags: words(d.Decl, "tags"), class: classOf(d)}
	f.impact, f.impactWhy = dataImpact(d)
	d.dataFacts = f // dataIntegrity reads the impact
	f.integrity, f.integrityWhy = dataIntegrity(d)
}

func cacheFlow(f *Symbol) {
	if f.From == nil || f.To == nil || f.dirs != nil {
		return
	}
	f.dirs = makeDirections(f)
	for i := range f.dirs {
		d := &f.dirs[i]
		d.level, d.why = d.exposure()
		if d.level > levelLow {
			d.whyLowered = d.why + loweredNote
		}
		d.known = true
	}
}

// cacheFacts computes the facts of the subjects of a focused analysis and of their flows
// and data, which buildModel left (lazyFacts): the rules ask for them many times.
func cacheFacts(subjects map[*Symbol]bool) {
	for s := range subjects {
		cacheAttrs(s)
		for _, list := range [][]*Symbol{s.Inbound, s.Outbound, {s.From, s.To}} {
			for _, f := range list {
				if f != nil {
					cacheAttrs(f)
					cacheAttrs(f.From)
					cacheAttrs(f.To)
				}
			}
		}
	}
	for s := range subjects {
		if s.Kind == dsl.KindFlow {
			cacheFlow(s)
		}
		for _, d := range s.Data {
			cacheData(d)
		}
		for _, list := range [][]*Symbol{s.Inbound, s.Outbound} {
			for _, f := range list {
				cacheFlow(f)
				for _, d := range f.Data {
					cacheData(d)
				}
			}
		}
	}
	for s := range subjects {
		if s.Kind != dsl.KindFlow {
			cacheElement(s)
		}
	}
}

// cacheAttrs reads the attributes of an element or flow, which a focused analysis's
// buildModel reads only in the focused file.
func cacheAttrs(s *Symbol) {
	if s != nil && !s.attrs.cached {
		s.attrs = readAttrs(s.Decl)
	}
}

func cacheElement(s *Symbol) {
	if s.elementFacts != nil {
		return
	}
	f := &elementFacts{allData: dataOf(s), untrusted: untrustedInputs(s), facing: internetFacing(s)}
	f.exposure, f.exposureWhy = elementExposure(s)
	f.zoneNote = zoneNote(s)
	s.elementFacts = f
}

// classOf returns the classification rank of a data symbol (internal when not given).
func classOf(d *Symbol) int {
	if d.dataFacts != nil {
		return d.class
	}
	if v, ok := enumValue(d.Decl, "classification", dsl.Classifications); ok {
		return v
	}
	return 1
}

// enumValue returns the rank of an enum attribute's value in list.
func enumValue(d *dsl.Decl, key string, list []string) (int, bool) {
	a := d.Attr(key)
	if a == nil || len(a.Values) == 0 {
		return 0, false
	}
	r := dsl.Rank(list, a.Values[0].Text)
	return r, r >= 0
}

// word returns the first value of an attribute as text, or "".
func word(d *dsl.Decl, key string) string { return d.Word(key) }

// words returns every value of an attribute.
func words(d *dsl.Decl, key string) []string { return d.Words(key) }

// has reports whether a flag is set (present, and not `false`).
func has(d *dsl.Decl, key string) bool {
	a := d.Attr(key)
	if a == nil {
		return false
	}
	return len(a.Values) == 0 || a.Values[0].Text != "false"
}

// declaredFalse reports whether a flag is explicitly `false`.
func declaredFalse(d *dsl.Decl, key string) bool {
	a := d.Attr(key)
	return a != nil && len(a.Values) > 0 && a.Values[0].Text == "false"
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// trustOf returns an element's trust rank: its boundary's, untrusted for an actor in no
// boundary (the internet) unless marked trusted, high for an unplaced service or store.
func trustOf(s *Symbol) int {
	if s.Boundary != nil {
		return s.Boundary.trust
	}
	if s.Kind == dsl.KindActor {
		if s.has(flagTrusted) {
			return trustHigh
		}
		return trustUntrusted
	}
	return trustHigh
}

// zoneName describes where an element sits, for explanations.
func zoneName(s *Symbol) string {
	if s.Boundary != nil {
		if s.Boundary.zone != "" {
			return s.Boundary.zone
		}
		return "boundary `" + s.Boundary.ID + "` (trust " + dsl.TrustLevels[s.Boundary.trust] + ")"
	}
	if s.Kind == dsl.KindActor && !s.has(flagTrusted) {
		return "no boundary (an actor outside every boundary counts as the internet)"
	}
	return "no boundary"
}

// zoneNote says which boundary an element is in, for the related locations of findings.
func zoneNote(s *Symbol) string {
	if s.elementFacts != nil && s.zoneNote != "" {
		return s.zoneNote
	}
	if s.Boundary == nil {
		return ""
	}
	return "`" + s.ID + "` is in " + zoneName(s)
}

// crosses reports whether a flow crosses a trust boundary: its ends sit in different
// zones (an untrusted actor outside every boundary is on the internet).
func crosses(f *Symbol) bool {
	if f.From == nil || f.To == nil {
		return false
	}
	return zoneKey(f.From) != zoneKey(f.To)
}

var internetZone = &Symbol{ID: "internet"}

func zoneKey(s *Symbol) *Symbol {
	if s.Boundary == nil && s.Kind == dsl.KindActor && !s.has(flagTrusted) {
		return internetZone
	}
	return s.Boundary
}

// direction is one direction of a flow: a two-way flow has two.
type direction struct {
	flow     *Symbol
	src, dst *Symbol

	// known is set once level and why hold the direction's exposure (cacheFlow).
	known      bool
	level      int
	why        string
	whyLowered string // why + loweredNote, for flowLikelihood
}

// directions returns a flow's directions, computed once by cacheFlow: every rule
// asks.
func directions(f *Symbol) []direction {
	if f.From == nil || f.To == nil {
		return nil
	}
	if f.dirs == nil {
		return makeDirections(f)
	}
	return f.dirs
}

func makeDirections(f *Symbol) []direction {
	if f.Decl.Arrow == "<->" {
		return []direction{{flow: f, src: f.From, dst: f.To}, {flow: f, src: f.To, dst: f.From}}
	}
	return []direction{{flow: f, src: f.From, dst: f.To}}
}

// inboundUntrusted reports whether data moves from a less trusted sender into the receiver:
// the sender is an untrusted actor or sits in a less trusted boundary.
func (d direction) inboundUntrusted() bool {
	if d.src.Kind == dsl.KindActor && !d.src.has(flagTrusted) {
		return true
	}
	return trustOf(d.src) < trustOf(d.dst)
}

// exposure is the likelihood driver of a direction: high from the internet, medium from a
// less trusted zone, low otherwise.
func (d direction) exposure() (level int, why string) {
	if d.known {
		return d.level, d.why
	}
	switch {
	case trustOf(d.src) == trustUntrusted:
		return levelHigh, "the sender `" + d.src.ID + "` is in " + zoneName(d.src)
	case d.inboundUntrusted():
		return levelMedium, "the sender `" + d.src.ID + "` is less trusted than `" + d.dst.ID + "`"
	}
	return levelLow, "`" + d.src.ID + "` and `" + d.dst.ID + "` are equally trusted"
}

// readsFlows notes that a fact of element s reads its flows (need: flowsInto or flowsAll).
// In a partial model that lacks them, the analysis is done again with them (wantFlows).
func readsFlows(s *Symbol, need uint8) {
	if m := s.model; m != nil && m.partial && s.flowsKnown < need {
		if m.wantFlows == nil {
			m.wantFlows = map[string]uint8{}
		}
		m.wantFlows[s.ID] = max(m.wantFlows[s.ID], need)
	}
}

// untrustedInputs returns the inbound directions into s that come from less trusted senders.
func untrustedInputs(s *Symbol) []direction {
	readsFlows(s, flowsInto)
	if s.elementFacts != nil {
		return s.untrusted
	}
	var out []direction
	for _, f := range s.Inbound {
		for _, d := range directions(f) {
			if d.dst == s && d.inboundUntrusted() {
				out = append(out, d)
			}
		}
	}
	return out
}

// elementExposure is the likelihood driver of an element rule: the highest exposure of its
// inbound flows, high when it is declared internet_facing.
func elementExposure(s *Symbol) (int, string) {
	readsFlows(s, flowsInto)
	if s.elementFacts != nil {
		return s.exposure, s.exposureWhy
	}
	if s.has(flagInternetFacing) {
		return levelHigh, "`" + s.ID + "` is internet_facing"
	}
	best, why := levelLow, "no less trusted sender reaches `"+s.ID+"`"
	for _, f := range s.Inbound {
		for _, d := range directions(f) {
			if d.dst != s {
				continue
			}
			if l, w := d.exposure(); l > best {
				best, why = l, w
			}
		}
	}
	return best, why
}

// internetFacing reports whether s is reachable from the internet.
func internetFacing(s *Symbol) bool {
	readsFlows(s, flowsInto)
	if s.elementFacts != nil {
		return s.facing
	}
	if s.has(flagInternetFacing) {
		return true
	}
	for _, f := range s.Inbound {
		for _, d := range directions(f) {
			if d.dst == s && trustOf(d.src) == trustUntrusted {
				return true
			}
		}
	}
	return false
}

// dataOf returns the data an element is involved with: what it handles or stores, and what
// its flows carry.
func dataOf(s *Symbol) []*Symbol {
	if s.Kind != dsl.KindFlow {
		readsFlows(s, flowsAll)
	}
	if s.elementFacts != nil && s.Kind != dsl.KindFlow {
		return s.allData
	}
	seen := map[*Symbol]bool{}
	var out []*Symbol
	add := func(ds []*Symbol) {
		for _, d := range ds {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	add(s.Data)
	for _, f := range s.Inbound {
		add(f.Data)
	}
	for _, f := range s.Outbound {
		add(f.Data)
	}
	return out
}

// highImpactTags raise the impact of data to high whatever its classification.
var highImpactTags = []string{"credential", "key", "secret", "financial", "health"}

// impactOf computes the impact of losing the confidentiality of some data: the highest
// classification (public, internal: low; confidential: medium; restricted: high), raised to
// high by sensitive tags.
func impactOf(data []*Symbol) (int, string) {
	if len(data) == 0 {
		return levelLow, "no data is declared (assumed low)"
	}
	best, why := -1, ""
	for _, d := range data {
		var l int
		var w string
		if d.dataFacts != nil {
			l, w = d.impact, d.impactWhy
		} else {
			l, w = dataImpact(d)
		}
		if l > best {
			best, why = l, w
		}
	}
	return best, why
}

// dataImpact is the impact of losing the confidentiality of one piece of data.
func dataImpact(d *Symbol) (int, string) {
	c := classOf(d)
	l := levelLow
	if c == 2 {
		l = levelMedium
	} else if c == 3 {
		l = levelHigh
	}
	w := "`" + d.ID + "` is " + dsl.Classifications[c]
	for _, t := range words(d.Decl, "tags") {
		if contains(highImpactTags, t) && l < levelHigh {
			l, w = levelHigh, "`"+d.ID+"` is tagged "+t
		}
	}
	return l, w
}

// integrityImpact is the impact of losing the integrity of some data: the highest over
// the data of its declared integrity rating (critical counts as high), or, for data
// without a rating, of its confidentiality impact.
func integrityImpact(data []*Symbol) (int, string) {
	if len(data) == 0 {
		return levelLow, "no data is declared (assumed low)"
	}
	best, why := -1, ""
	for _, d := range data {
		var l int
		var w string
		if d.dataFacts != nil {
			l, w = d.integrity, d.integrityWhy
		} else {
			l, w = dataIntegrity(d)
		}
		if l > best {
			best, why = l, w
		}
	}
	return best, why
}

// dataIntegrity is the impact of losing the integrity of one piece of data: its declared
// integrity rating, else its confidentiality impact.
func dataIntegrity(d *Symbol) (int, string) {
	if v, ok := enumValue(d.Decl, "integrity", dsl.Criticality); ok {
		return min(v, levelHigh), "`" + d.ID + "` has integrity " + dsl.Criticality[v]
	}
	if d.dataFacts != nil {
		return d.impact, d.impactWhy
	}
	return dataImpact(d)
}

// availabilityImpact is the impact of an element being unavailable.
func availabilityImpact(s *Symbol) (int, string) {
	if v, ok := enumValue(s.Decl, "availability", dsl.Criticality); ok {
		return min(v, levelHigh), "`" + s.ID + "` has availability " + dsl.Criticality[v]
	}
	for _, d := range dataOf(s) {
		if v, ok := enumValue(d.Decl, "availability", dsl.Criticality); ok && v >= 2 {
			return min(v, levelHigh), "`" + d.ID + "` has availability " + dsl.Criticality[v]
		}
	}
	return levelMedium, "`" + s.ID + "` declares no availability (assumed medium)"
}

func dataTagged(data []*Symbol, tags ...string) *Symbol {
	for _, d := range data {
		for _, t := range tagsOf(d) {
			if contains(tags, t) {
				return d
			}
		}
	}
	return nil
}

// tagsOf returns the `tags` of a data symbol.
func tagsOf(d *Symbol) []string {
	if d.dataFacts != nil {
		return d.tags
	}
	return words(d.Decl, "tags")
}

func maxClassRank(data []*Symbol) int {
	best := -1
	for _, d := range data {
		best = max(best, classOf(d))
	}
	return best
}

// clearance returns the lowest clearance of the element's boundary chain, or -1.
func clearance(s *Symbol) (int, *Symbol) {
	best, by := -1, (*Symbol)(nil)
	for b, n := s.Boundary, 0; b != nil && n < 64; b, n = b.Boundary, n+1 {
		if v, ok := enumValue(b.Decl, "clearance", dsl.Classifications); ok && (best < 0 || v < best) {
			best, by = v, b
		}
	}
	return best, by
}

// flag is a yes/no attribute the rules test on elements and flows.
type flag uint8

// The flags the rules read; flagNames spells them.
const (
	flagAcceptsUploads flag = iota
	flagAccessControl
	flagAppendOnly
	flagAuditLogging
	flagAuthenticated
	flagAuthorized
	flagBackup
	flagCSRFProtection
	flagEgressAllowlist
	flagEncodesOutput
	flagEncrypted
	flagEncryptedAtRest
	flagExecutesCommands
	flagFetchesURLs
	flagHuman
	flagInternetFacing
	flagLogRedaction
	flagLoginThrottling
	flagMFA
	flagMemorySafe
	flagParameterizedQueries
	flagRateLimited
	flagRedundant
	flagSecureCookies
	flagSigned
	flagSignedArtifacts
	flagTrusted
	flagUsesSecrets
	flagValidatesInput
	flagValidatesUploads
	flagVPN
	flagXMLHardened
	numFlags
)

var flagNames = [numFlags]string{
	flagAcceptsUploads:       "accepts_uploads",
	flagAccessControl:        "access_control",
	flagAppendOnly:           "append_only",
	flagAuditLogging:         "audit_logging",
	flagAuthenticated:        "authenticated",
	flagAuthorized:           "authorized",
	flagBackup:               "backup",
	flagCSRFProtection:       "csrf_protection",
	flagEgressAllowlist:      "egress_allowlist",
	flagEncodesOutput:        "encodes_output",
	flagEncrypted:            "encrypted",
	flagEncryptedAtRest:      "encrypted_at_rest",
	flagExecutesCommands:     "executes_commands",
	flagFetchesURLs:          "fetches_urls",
	flagHuman:                "human",
	flagInternetFacing:       "internet_facing",
	flagLogRedaction:         "log_redaction",
	flagLoginThrottling:      "login_throttling",
	flagMFA:                  "mfa",
	flagMemorySafe:           "memory_safe",
	flagParameterizedQueries: "parameterized_queries",
	flagRateLimited:          "rate_limited",
	flagRedundant:            "redundant",
	flagSecureCookies:        "secure_cookies",
	flagSigned:               "signed",
	flagSignedArtifacts:      "signed_artifacts",
	flagTrusted:              "trusted",
	flagUsesSecrets:          "uses_secrets",
	flagValidatesInput:       "validates_input",
	flagValidatesUploads:     "validates_uploads",
	flagVPN:                  "vpn",
	flagXMLHardened:          "xml_hardened",
}

// flagByName maps an attribute name to its flag.
var flagByName = func() map[string]flag {
	m := make(map[string]flag, numFlags)
	for f, name := range flagNames {
		m[name] = flag(f)
	}
	return m
}()

// flagSet is a set of flags.
type flagSet uint64

func (fs flagSet) has(f flag) bool { return fs&(1<<f) != 0 }

// attrFacts are the attributes of an element or flow that the rules read, looked up once
// by readAttrs instead of by a scan of the declaration per rule.
type attrFacts struct {
	cached bool
	// on holds the flags that are present and not `false` (has); off those declared
	// `false` (declaredFalse). Like Decl.Attr, the first attribute of a name counts.
	on, off flagSet
	// The first values of `kind`, `purpose`, `authenticated` and `authorized`, or "".
	kind, purpose, authn, authz string
}

// readAttrs scans the attributes of an element or flow once for the ones the rules read;
// resolveElement stores the result.
func readAttrs(d *dsl.Decl) attrFacts {
	af := attrFacts{cached: true}
	var seen flagSet
	var seenKind, seenPurpose bool
	for _, a := range d.Attrs {
		// Only the attributes read below have their values looked at.
		switch name := a.Key.Name; name {
		case "kind":
			if !seenKind {
				seenKind, af.kind = true, firstText(a)
			}
		case "purpose":
			if !seenPurpose {
				seenPurpose, af.purpose = true, firstText(a)
			}
		default:
			f, ok := flagByName[name]
			if !ok || seen.has(f) {
				continue
			}
			seen |= 1 << f
			first := firstText(a)
			if len(a.Values) > 0 && first == "false" {
				af.off |= 1 << f
				continue
			}
			af.on |= 1 << f
			switch f {
			case flagAuthenticated:
				af.authn = first
			case flagAuthorized:
				af.authz = first
			}
		}
	}
	return af
}

// firstText returns the text of an attribute's first value, or "".
func firstText(a *dsl.Attr) string {
	if len(a.Values) == 0 {
		return ""
	}
	return a.Values[0].Text
}

// has reports whether flag f is set on an element or flow (present, and not `false`).
func (s *Symbol) has(f flag) bool {
	if !s.attrs.cached {
		return has(s.Decl, flagNames[f])
	}
	return s.attrs.on.has(f)
}

// declaredFalse reports whether flag f is explicitly `false` on an element or flow.
func (s *Symbol) declaredFalse(f flag) bool {
	if !s.attrs.cached {
		return declaredFalse(s.Decl, flagNames[f])
	}
	return s.attrs.off.has(f)
}

// kindWord returns the element's `kind` attribute (not its declaration kind), or "".
func (s *Symbol) kindWord() string {
	if !s.attrs.cached {
		return word(s.Decl, "kind")
	}
	return s.attrs.kind
}

// purpose returns a flow's `purpose`, or "".
func (s *Symbol) purpose() string {
	if !s.attrs.cached {
		return word(s.Decl, "purpose")
	}
	return s.attrs.purpose
}

// strideSet is a set of STRIDE categories, one bit per entry of dsl.StrideCats.
type strideSet uint8

// strideBit returns the bit of a STRIDE category, 0 for an unknown one.
func strideBit(cat string) strideSet {
	for i, c := range dsl.StrideCats {
		if c == cat {
			return 1 << i
		}
	}
	return 0
}
