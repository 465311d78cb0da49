package dsl

import "sort"

// Kind is the keyword that starts a declaration.
type Kind string

// The declaration kinds of the language.
const (
	KindModel         Kind = "model"
	KindBoundary      Kind = "boundary"
	KindData          Kind = "data"
	KindActor         Kind = "actor"
	KindService       Kind = "service"
	KindStore         Kind = "store"
	KindFlow          Kind = "flow"
	KindThreat        Kind = "threat"
	KindMitigation    Kind = "mitigation"
	KindAccept        Kind = "accept"
	KindTransfer      Kind = "transfer"
	KindNotApplicable Kind = "not_applicable"
)

// Kinds lists every declaration kind in the order the reference documents them.
var Kinds = []Kind{
	KindModel, KindBoundary, KindData, KindActor, KindService, KindStore, KindFlow,
	KindThreat, KindMitigation, KindAccept, KindTransfer, KindNotApplicable,
}

// IsKeyword reports whether s is a reserved declaration keyword.
func IsKeyword(s string) bool {
	switch Kind(s) {
	case KindModel, KindBoundary, KindData, KindActor, KindService, KindStore, KindFlow,
		KindThreat, KindMitigation, KindAccept, KindTransfer, KindNotApplicable:
		return true
	}
	return false
}

// IsElement reports whether declarations of kind k are data-flow-diagram elements that
// threats can target (actor, service, store, flow).
func (k Kind) IsElement() bool {
	return k == KindActor || k == KindService || k == KindStore || k == KindFlow
}

// IsResponse reports whether k answers a threat named in its header (accept, transfer,
// not_applicable).
func (k Kind) IsResponse() bool {
	return k == KindAccept || k == KindTransfer || k == KindNotApplicable
}

// ValueType says what an attribute's values must be.
type ValueType int

// The value types attributes take.
const (
	// TypeFlag is a bare keyword; it may be followed by true or false.
	TypeFlag ValueType = iota
	// TypeString is a quoted string ("..." or """...""").
	TypeString
	// TypeEnum is one identifier out of a fixed list.
	TypeEnum
	// TypeWord is a free identifier (a technology, a protocol, a runtime name).
	TypeWord
	// TypeRef is a reference to a declaration by id.
	TypeRef
	// TypeDate is a calendar date, 2027-06-30.
	TypeDate
	// TypeNumber is a decimal number.
	TypeNumber
	// TypeFlagEnum is a flag that may name one value out of a list (authenticated token).
	TypeFlagEnum
)

// Attribute describes one attribute a declaration kind accepts.
type Attribute struct {
	Name string
	Type ValueType
	// List is true when the attribute takes a comma-separated list of values.
	List bool
	// Values are the allowed identifiers for TypeEnum and TypeFlagEnum.
	Values []string
	// RefKinds are the declaration kinds a TypeRef value may name. A threat reference may
	// also name a generated threat (RULE@target).
	RefKinds []Kind
	// Required is true when a declaration of the kind is incomplete without it.
	Required bool
	// Doc explains the attribute to users (hover, completion, reference docs).
	Doc string
}

// Enumerations shared by several attributes, in ascending order where order matters.
var (
	TrustLevels     = []string{"untrusted", "low", "medium", "high"}
	Classifications = []string{"public", "internal", "confidential", "restricted"}
	Levels          = []string{"low", "medium", "high"}
	Criticality     = []string{"low", "medium", "high", "critical"}
	StrideCats      = []string{"spoofing", "tampering", "repudiation", "information_disclosure", "denial_of_service", "elevation_of_privilege"}
	MitigationState = []string{"planned", "in_progress", "implemented", "verified"}
	DataTags        = []string{"pii", "credential", "financial", "health", "key", "secret", "session"}
	AuthnMethods    = []string{"password", "api_key", "session", "token", "mtls", "signature", "sso"}
	AuthzMethods    = []string{"rbac", "abac", "owner_check", "technical_user"}
)

// StrideDoc explains each STRIDE category.
var StrideDoc = map[string]string{
	"spoofing":               "Spoofing: pretending to be someone or something else (violates authenticity).",
	"tampering":              "Tampering: modifying data or code without authorisation (violates integrity).",
	"repudiation":            "Repudiation: denying having done something, with no evidence to prove otherwise (violates non-repudiation).",
	"information_disclosure": "Information disclosure: exposing information to someone not allowed to see it (violates confidentiality).",
	"denial_of_service":      "Denial of service: making a system or its data unavailable (violates availability).",
	"elevation_of_privilege": "Elevation of privilege: gaining capabilities one was not granted (violates authorisation).",
}

func flag(name, doc string) Attribute { return Attribute{Name: name, Type: TypeFlag, Doc: doc} }

var (
	attrIn          = Attribute{Name: "in", Type: TypeRef, RefKinds: []Kind{KindBoundary}, Doc: "The trust boundary this element sits in."}
	attrDescription = Attribute{Name: "description", Type: TypeString, Doc: "Free text describing the declaration."}
	attrOwner       = Attribute{Name: "owner", Type: TypeString, Doc: "Who is responsible (a team or a person's address)."}
	attrTech        = Attribute{Name: "tech", Type: TypeWord, List: true, Doc: "Technologies it is built with (go, postgres, nginx, ...)."}
	attrCode        = Attribute{Name: "code", Type: TypeString, List: true, Doc: "Where it lives in this repository: repository-relative paths."}
	attrAvail       = Attribute{Name: "availability", Type: TypeEnum, Values: Criticality, Doc: "How much its availability matters (low, medium, high, critical)."}
	attrRedundant   = flag("redundant", "Runs with replicas or failover, so one instance failing does not take it down.")
)

var schemas = map[Kind][]Attribute{
	KindModel: {
		attrOwner, attrDescription,
		{Name: "version", Type: TypeString, Doc: "The model's version or date of review."},
		{Name: "reviewed", Type: TypeDate, Doc: "When the model was last reviewed."},
	},
	KindBoundary: {
		{Name: "trust", Type: TypeEnum, Values: TrustLevels, Doc: "How much what runs inside is trusted: untrusted (the internet, anyone), low, medium or high. Flows from lower to higher trust are inbound crossings."},
		attrIn, attrDescription, attrOwner,
		{Name: "kind", Type: TypeEnum, Values: []string{"network", "host", "runtime", "cloud_account", "logical"}, Doc: "What separates it from the rest: a network, a host, a runtime, a cloud account, or a logical boundary."},
		{Name: "clearance", Type: TypeEnum, Values: Classifications, Doc: "The highest data classification allowed inside this boundary."},
	},
	KindData: {
		{Name: "classification", Type: TypeEnum, Values: Classifications, Doc: "How sensitive the data is: public, internal, confidential or restricted. It drives the impact of threats to elements that carry, handle or store it."},
		{Name: "tags", Type: TypeEnum, List: true, Values: DataTags, Doc: "What kind of data it is: pii, credential, financial, health, key, secret, session. Credentials, keys, financial and health data raise impact to high."},
		{Name: "integrity", Type: TypeEnum, Values: Criticality, Doc: "How much its integrity matters (low, medium, high, critical)."},
		attrAvail, attrDescription, attrOwner,
	},
	KindActor: {
		attrIn, attrDescription, attrOwner,
		{Name: "kind", Type: TypeEnum, Values: []string{"user", "browser", "mobile", "service", "partner", "admin"}, Doc: "What the actor is: a user, a browser, a mobile app, another service, a partner, an administrator."},
		flag("human", "A person acts here (logins, sessions, MFA rules apply)."),
		flag("trusted", "The actor is inside the organisation's control (an employee's workstation, an internal job)."),
	},
	KindService: {
		attrIn, attrTech, attrDescription, attrOwner, attrCode,
		{Name: "kind", Type: TypeEnum, Values: []string{"web", "api", "worker", "gateway", "idp", "build", "admin_console", "function"}, Doc: "What the service is: web front end, API, background worker, gateway, identity provider, build system, admin console, function."},
		{Name: "handles", Type: TypeRef, List: true, RefKinds: []Kind{KindData}, Doc: "Data the service processes."},
		flag("internet_facing", "Reachable from the internet, whatever the flows say."),
		flag("validates_input", "Validates all input at its boundary (schemas, allow-lists)."),
		flag("encodes_output", "Encodes output for its context (auto-escaping templates, CSP)."),
		flag("parameterized_queries", "Uses prepared statements or safe query builders for every query."),
		flag("xml_hardened", "Its XML parsers refuse DTDs and external entities."),
		flag("validates_uploads", "Checks uploaded files' type and size and stores them outside the web root."),
		flag("egress_allowlist", "Outbound requests go only to allow-listed destinations."),
		flag("csrf_protection", "Rejects cross-site requests (tokens, SameSite cookies, origin checks)."),
		flag("secure_cookies", "Session cookies are Secure, HttpOnly and SameSite."),
		flag("login_throttling", "Throttles and locks out repeated failed logins."),
		flag("rate_limited", "Limits request rates and sizes (quotas, timeouts, a gateway or CDN in front)."),
		flag("audit_logging", "Records security-relevant events: who did what, when, from where."),
		flag("log_redaction", "Redacts secrets and personal data before logging."),
		flag("executes_commands", "Runs operating-system commands."),
		flag("accepts_uploads", "Accepts file uploads."),
		flag("fetches_urls", "Fetches URLs that requests name (webhooks, previews, imports)."),
		flag("uses_secrets", "Holds secrets (API keys, database passwords, signing keys)."),
		flag("memory_safe", "Written in a memory-safe language; `memory_safe false` for C or C++ parsing untrusted input."),
		attrRedundant, attrAvail,
		{Name: "parses", Type: TypeEnum, List: true, Values: []string{"json", "xml", "yaml", "protobuf", "csv", "html", "java_serialized", "dotnet_binary", "pickle", "php_serialized"}, Doc: "Formats it parses from its inputs."},
		{Name: "secret_source", Type: TypeEnum, Values: []string{"vault", "env", "file", "hardcoded", "repo"}, Doc: "Where its secrets come from: vault is a secret manager; env, file, hardcoded and repo are weaker."},
		{Name: "runs_as", Type: TypeEnum, Values: []string{"root", "admin", "system", "service", "user"}, Doc: "The identity it runs as; root, admin and system are privileged."},
		{Name: "runtime", Type: TypeWord, Doc: "The host, cluster or runtime it shares with other services."},
	},
	KindStore: {
		attrIn, attrTech, attrDescription, attrOwner, attrCode,
		{Name: "kind", Type: TypeEnum, Values: []string{"sql", "nosql", "ldap", "search", "file", "object", "cache", "log", "queue", "secrets"}, Doc: "What the store is: sql, nosql, ldap, search, file, object, cache, log, queue or secrets."},
		{Name: "stores", Type: TypeRef, List: true, RefKinds: []Kind{KindData}, Doc: "Data kept in the store."},
		flag("encrypted_at_rest", "Data is encrypted on disk (managed keys, field-level encryption)."),
		flag("access_control", "Access is limited per principal; writes only through the owning service."),
		flag("append_only", "Entries cannot be altered or deleted (WORM storage, hash chaining)."),
		flag("backup", "Has immutable, tested backups outside its boundary."),
		{Name: "password_hashing", Type: TypeEnum, Values: []string{"argon2id", "scrypt", "bcrypt", "pbkdf2", "sha256", "md5", "none"}, Doc: "How stored passwords are hashed; argon2id, scrypt, bcrypt and pbkdf2 are adequate."},
		attrRedundant, attrAvail,
	},
	KindFlow: {
		{Name: "protocol", Type: TypeWord, Doc: "The protocol on the wire (https, grpc, postgres, amqp, sftp, ...)."},
		{Name: "carries", Type: TypeRef, List: true, RefKinds: []Kind{KindData}, Doc: "Data sent over the flow."},
		flag("encrypted", "The channel is encrypted (TLS, mTLS, or message encryption) with the server's identity verified."),
		{Name: "authenticated", Type: TypeFlagEnum, Values: AuthnMethods, Doc: "The receiver authenticates the sender; optionally how: password, api_key, session, token, mtls, signature, sso."},
		{Name: "authorized", Type: TypeFlagEnum, Values: AuthzMethods, Doc: "The receiver checks what the sender may do; optionally how: rbac, abac, owner_check, technical_user."},
		flag("mfa", "Human logins over this flow need a second factor."),
		flag("signed", "Messages are signed (HMAC, JWS) so their origin and integrity can be checked."),
		flag("signed_artifacts", "Deployed artifacts are signed and verified."),
		flag("vpn", "Only reachable through a VPN or zero-trust access proxy."),
		{Name: "purpose", Type: TypeEnum, Values: []string{"user", "admin", "deploy", "replication", "telemetry", "backup"}, Doc: "What the flow is for; admin and deploy flows get stricter rules."},
		{Name: "tls_min", Type: TypeNumber, Doc: "The lowest TLS version accepted (1.2 or 1.3)."},
		{Name: "dpa", Type: TypeString, Doc: "The data-processing agreement or legal basis for sending personal data to a third party."},
		attrDescription, attrOwner,
	},
	KindThreat: {
		{Name: "on", Type: TypeRef, List: true, RefKinds: []Kind{KindActor, KindService, KindStore, KindFlow}, Required: true, Doc: "The element or flow the threat targets (`on api`, `on api -> db`, `on checkout`)."},
		{Name: "stride", Type: TypeEnum, List: true, Values: StrideCats, Doc: "The STRIDE categories the threat belongs to."},
		{Name: "likelihood", Type: TypeEnum, Values: Levels, Doc: "How likely the threat is: low, medium or high."},
		{Name: "impact", Type: TypeEnum, Values: Levels, Doc: "How bad it is if it happens: low, medium or high."},
		{Name: "cwe", Type: TypeNumber, List: true, Doc: "CWE weakness ids (`cwe 89` or `cwe CWE-89`)."},
		{Name: "capec", Type: TypeNumber, List: true, Doc: "CAPEC attack-pattern ids (`capec 66`)."},
		{Name: "source", Type: TypeEnum, Values: []string{"external", "insider", "environment"}, Doc: "Where the threat comes from: an external attacker, an insider, or the environment (fire, outage)."},
		attrDescription, attrOwner,
	},
	KindMitigation: {
		{Name: "mitigates", Type: TypeRef, List: true, RefKinds: []Kind{KindThreat}, Required: true, Doc: "The threats this control answers, declared (`sqli`) or generated (`unencrypted-flow@web->db`)."},
		{Name: "status", Type: TypeEnum, Values: MitigationState, Doc: "planned, in_progress, implemented or verified. Only implemented and verified mitigate."},
		{Name: "evidence", Type: TypeString, List: true, Doc: "Where the control can be seen: repository paths, `path:line`."},
		{Name: "kind", Type: TypeEnum, Values: []string{"prevent", "detect", "respond"}, Doc: "Whether the control prevents, detects, or responds to the threat."},
		{Name: "due", Type: TypeDate, Doc: "When a planned mitigation is due; past it, it is reported overdue."},
		{Name: "ticket", Type: TypeString, Doc: "The tracking ticket."},
		attrOwner, attrDescription,
	},
	KindAccept: {
		{Name: "reason", Type: TypeString, Required: true, Doc: "Why the risk is acceptable."},
		{Name: "owner", Type: TypeString, Required: true, Doc: "Who accepted the risk."},
		{Name: "until", Type: TypeDate, Required: true, Doc: "When the acceptance expires; past it the threat is open again."},
		{Name: "approved_by", Type: TypeString, Doc: "Who approved the acceptance."},
		{Name: "ticket", Type: TypeString, Doc: "The tracking ticket."},
	},
	KindTransfer: {
		{Name: "to", Type: TypeString, Required: true, Doc: "Who carries the risk now (a provider, an insurer, a contract)."},
		{Name: "reason", Type: TypeString, Doc: "Why the risk is transferred."},
		attrOwner,
	},
	KindNotApplicable: {
		{Name: "reason", Type: TypeString, Required: true, Doc: "Why the threat does not apply."},
		attrOwner,
	},
}

// KindDoc explains each declaration kind.
var KindDoc = map[Kind]string{
	KindModel:         "The model's name, owner and description. At most one per model.",
	KindBoundary:      "A trust boundary: a zone whose contents share one level of trust. Boundaries nest (`in`), and elements may be declared inside a boundary's block.",
	KindData:          "An information asset with a classification; flows carry it, services handle it, stores keep it.",
	KindActor:         "An external entity: a person or system outside the model's control that talks to it.",
	KindService:       "A process: code that runs, receives and sends data.",
	KindStore:         "A data store: a database, bucket, queue, cache or log.",
	KindFlow:          "A data flow between two elements (`a -> b`, or `a <-> b` both ways). Its id is `a->b` unless it is named (`flow checkout: a -> b`).",
	KindThreat:        "A threat against an element or flow, with STRIDE categories, likelihood and impact.",
	KindMitigation:    "A control that mitigates threats, declared or generated. Implemented or verified mitigations close a threat.",
	KindAccept:        "Accepts the risk of a threat: who, why, until when.",
	KindTransfer:      "Transfers the risk of a threat to someone else (a provider, an insurer).",
	KindNotApplicable: "Records that a threat does not apply here, and why.",
}

// Attributes returns the attributes kind k accepts.
func Attributes(k Kind) []Attribute { return schemas[k] }

// LookupAttribute returns the attribute name of kind k.
func LookupAttribute(k Kind, name string) (Attribute, bool) {
	for _, a := range schemas[k] {
		if a.Name == name {
			return a, true
		}
	}
	return Attribute{}, false
}

// AttributeNames returns the sorted attribute names of kind k.
func AttributeNames(k Kind) []string {
	names := make([]string, 0, len(schemas[k]))
	for _, a := range schemas[k] {
		names = append(names, a.Name)
	}
	sort.Strings(names)
	return names
}

// Rank returns the position of v in the ordered list, or -1.
func Rank(list []string, v string) int {
	for i, s := range list {
		if s == v {
			return i
		}
	}
	return -1
}
