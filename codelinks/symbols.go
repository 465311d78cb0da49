package codelinks

import (
	"strings"
)

// symbol is a function, method, type or top-level name declared in a source file.
type symbol struct {
	Name string
	// Container is the type, class or module the symbol is declared in (a Go method's
	// receiver type, a class's method), or "".
	Container string
	// Line is the 1-based line of the declaration.
	Line int
}

// qualified returns `Container.Name`, or Name.
func (s symbol) qualified() string {
	if s.Container == "" {
		return s.Name
	}
	return s.Container + "." + s.Name
}

// The symbol finders read the file's lines with comments and string contents blanked
// out, so a `func` in a comment or a brace in a string does not count. They are regular
// expressions over declarations as they are conventionally written, not parsers: a
// declaration split oddly across lines may be missed.

var (
	goFunc   = lazyRegexp(`^func\s+(\w+)`)
	goMethod = lazyRegexp(`^func\s*\(\s*(?:\w+\s+)?\*?\s*(\w+)\s*(?:\[[^\]]*\])?\s*\)\s*(\w+)`)
	goDecl   = lazyRegexp(`^(?:type|var|const)\s+(\w+)`)
	goGroup  = lazyRegexp(`^(?:type|var|const)\s*\($`)
	goMember = lazyRegexp(`^(?:\t| {4})([A-Za-z_]\w*)`)
)

func goSymbols(lines []string) []symbol {
	var out []symbol
	group := false
	for i, l := range lines {
		switch {
		case group:
			if strings.HasPrefix(l, ")") {
				group = false
			} else if m := goMember.FindStringSubmatch(l); m != nil && m[1] != "_" {
				out = append(out, symbol{Name: m[1], Line: i + 1})
			}
		case goGroup.MatchString(strings.TrimRight(l, " \t\r")):
			group = true
		default:
			if m := goMethod.FindStringSubmatch(l); m != nil {
				out = append(out, symbol{Name: m[2], Container: m[1], Line: i + 1})
			} else if m := goFunc.FindStringSubmatch(l); m != nil {
				out = append(out, symbol{Name: m[1], Line: i + 1})
			} else if m := goDecl.FindStringSubmatch(l); m != nil {
				out = append(out, symbol{Name: m[1], Line: i + 1})
			}
		}
	}
	return out
}

var (
	pyDef    = lazyRegexp(`^(\s*)(?:async\s+)?def\s+(\w+)`)
	pyClass  = lazyRegexp(`^(\s*)class\s+(\w+)`)
	pyAssign = lazyRegexp(`^([A-Za-z_]\w*)\s*(?::[^=]*)?=(?:[^=]|$)`)
)

func pythonSymbols(lines []string) []symbol {
	return indentSymbols(lines, func(l string) (indent int, name string, container bool, ok bool) {
		if m := pyClass.FindStringSubmatch(l); m != nil {
			return len(m[1]), m[2], true, true
		}
		if m := pyDef.FindStringSubmatch(l); m != nil {
			return len(m[1]), m[2], true, true
		}
		if m := pyAssign.FindStringSubmatch(l); m != nil {
			return 0, m[1], false, true
		}
		return 0, "", false, false
	})
}

var (
	rbDef   = lazyRegexp(`^(\s*)def\s+(?:self\.)?(\w+[?!=]?)`)
	rbClass = lazyRegexp(`^(\s*)(?:class|module)\s+(?:\w+::)*(\w+)`)
)

func rubySymbols(lines []string) []symbol {
	return indentSymbols(lines, func(l string) (int, string, bool, bool) {
		if m := rbClass.FindStringSubmatch(l); m != nil {
			return len(m[1]), m[2], true, true
		}
		if m := rbDef.FindStringSubmatch(l); m != nil {
			return len(m[1]), m[2], true, true
		}
		return 0, "", false, false
	})
}

// indentSymbols finds symbols in languages where nesting shows in the indentation: a
// declaration's container is the nearest less-indented class or function above it.
func indentSymbols(lines []string, decl func(string) (indent int, name string, container bool, ok bool)) []symbol {
	type open struct {
		indent int
		name   string
	}
	var stack []open
	var out []symbol
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		ind := len(l) - len(strings.TrimLeft(l, " \t"))
		for len(stack) > 0 && stack[len(stack)-1].indent >= ind {
			stack = stack[:len(stack)-1]
		}
		indent, name, isContainer, ok := decl(l)
		if !ok {
			continue
		}
		s := symbol{Name: name, Line: i + 1}
		if len(stack) > 0 {
			s.Container = stack[len(stack)-1].name
		}
		out = append(out, s)
		if isContainer {
			stack = append(stack, open{indent, name})
		}
	}
	return out
}

// braceLang describes a language whose blocks are braces: declarations that open a
// container (class, impl), declarations found at any depth (introduced by a keyword such as
// `fn` or `function`), and declarations recognised only directly inside a container or at
// the top level (methods and fields written without a keyword).
type braceLang struct {
	containers []*lazyRE
	keyword    []*lazyRE
	member     []*lazyRE
	top        []*lazyRE
}

var controlWords = map[string]bool{
	"if": true, "for": true, "while": true, "switch": true, "catch": true, "return": true, "new": true,
	"throw": true, "else": true, "do": true, "try": true, "finally": true, "case": true, "sizeof": true,
	"function": true, "typeof": true, "await": true, "yield": true, "super": true, "this": true, "using": true,
	"lock": true, "foreach": true, "synchronized": true, "assert": true, "delete": true, "import": true, "export": true,
	"elif": true, "when": true, "guard": true, "defer": true, "static_assert": true,
}

func (bl *braceLang) find(lines []string) []symbol {
	type open struct {
		depth int
		name  string
	}
	var stack []open
	var out []symbol
	depth := 0
	pending, pendingDepth := "", -1
	add := func(name, container string, line int) {
		if name != "" && name != "_" {
			out = append(out, symbol{Name: name, Container: container, Line: line})
		}
	}
	for i, l := range lines {
		inContainer := len(stack) > 0 && stack[len(stack)-1].depth == depth
		container := ""
		if inContainer {
			container = stack[len(stack)-1].name
		}
		found := false
		for _, re := range bl.containers {
			if m := re.FindStringSubmatch(l); m != nil {
				name := lastGroup(m)
				add(name, container, i+1)
				pending, pendingDepth, found = name, depth, true
				break
			}
		}
		if !found {
			for _, re := range bl.keyword {
				if m := re.FindStringSubmatch(l); m != nil {
					c, name := splitQualified(lastGroup(m))
					if c == "" {
						c = container
					}
					add(name, c, i+1)
					found = true
					break
				}
			}
		}
		if !found && inContainer {
			for _, re := range bl.member {
				if m := re.FindStringSubmatch(l); m != nil && !controlWords[lastGroup(m)] {
					add(lastGroup(m), container, i+1)
					found = true
					break
				}
			}
		}
		if !found && (depth == 0 || inContainer) {
			for _, re := range bl.top {
				if m := re.FindStringSubmatch(l); m != nil && !controlWords[lastGroup(m)] {
					c, name := splitQualified(lastGroup(m))
					if c == "" {
						c = container
					}
					add(name, c, i+1)
					break
				}
			}
		}
		for j := 0; j < len(l); j++ {
			switch l[j] {
			case '{':
				depth++
				if pending != "" && depth == pendingDepth+1 {
					stack = append(stack, open{depth, pending})
					pending = ""
				}
			case '}':
				depth = max(0, depth-1)
				for len(stack) > 0 && stack[len(stack)-1].depth > depth {
					stack = stack[:len(stack)-1]
				}
			case ';':
				if depth == pendingDepth {
					pending = ""
				}
			}
		}
	}
	return out
}

// lastGroup returns the last non-empty submatch.
func lastGroup(m []string) string {
	for i := len(m) - 1; i > 0; i-- {
		if m[i] != "" {
			return m[i]
		}
	}
	return ""
}

// splitQualified splits `Type::name`, `Type.name` or `Type:name` into container and name.
func splitQualified(s string) (string, string) {
	s = strings.ReplaceAll(s, "::", ".")
	if i := strings.LastIndexAny(s, ".:"); i > 0 && i < len(s)-1 {
		return s[:i], s[i+1:]
	}
	return "", s
}

func res(patterns ...string) []*lazyRE {
	out := make([]*lazyRE, len(patterns))
	for i, p := range patterns {
		out[i] = lazyRegexp(p)
	}
	return out
}

const jsMods = `(?:(?:export|default|declare|abstract|async|public|private|protected|static|readonly|override|get|set|accessor)\s+)*`

var tsLang = &braceLang{
	containers: res(`^\s*`+jsMods+`(?:class|interface|namespace|module)\s+([A-Za-z_$][\w$]*)`, `^\s*`+jsMods+`enum\s+([A-Za-z_$][\w$]*)`),
	keyword:    res(`^\s*`+jsMods+`function\s*\*?\s*([A-Za-z_$][\w$]*)`, `^\s*`+jsMods+`type\s+([A-Za-z_$][\w$]*)\s*(?:<.*>)?\s*=`),
	member:     res(`^\s*`+jsMods+`\*?\s*(#?[A-Za-z_$][\w$]*)\s*[?!]?\s*(?:<[^>]*>)?\s*\(`, `^\s*`+jsMods+`(#?[A-Za-z_$][\w$]*)\s*[?!]?\s*(?::[^=;]*)?=[^=>]`),
	top:        res(`^\s*`+jsMods+`(?:const|let|var)\s+([A-Za-z_$][\w$]*)`, `^\s*(?:module\.)?exports\.([A-Za-z_$][\w$]*)\s*=`),
}

func tsSymbols(lines []string) []symbol { return tsLang.find(lines) }

const javaMods = `(?:(?:@\w+(?:\(\s*\))?|suspend|operator|infix|tailrec|lateinit|public|protected|private|internal|static|final|abstract|sealed|synchronized|native|default|strictfp|virtual|override|async|extern|unsafe|partial|readonly|new|inline|constexpr|explicit|friend|open|data|inner)\s+)*`

var javaLang = &braceLang{
	containers: res(`^\s*` + javaMods + `(?:class|interface|enum|record|@interface|mixin|extension)\s+(\w+)`),
	member:     res(`^\s*` + javaMods + `(?:<[^>]*>\s+)?(?:[\w.$<>\[\],?]+\s+)*(\w+)\s*\(`),
}

func javaSymbols(lines []string) []symbol { return javaLang.find(lines) }

var csharpLang = &braceLang{
	containers: res(`^\s*` + javaMods + `(?:class|interface|struct|enum|record(?:\s+struct|\s+class)?|namespace)\s+(\w+)`),
	member:     res(`^\s*`+javaMods+`(?:[\w.<>\[\],?]+\s+)*(\w+)\s*(?:<[^>]*>)?\s*\(`, `^\s*`+javaMods+`(?:[\w.<>\[\],?]+\s+)+(\w+)\s*\{`),
}

func csharpSymbols(lines []string) []symbol { return csharpLang.find(lines) }

var kotlinLang = &braceLang{
	containers: res(`^\s*` + javaMods + `(?:enum\s+|sealed\s+|data\s+|annotation\s+|value\s+)?(?:class|interface|object)\s+(\w+)`),
	keyword:    res(`^\s*`+javaMods+`fun\s+(?:<[^>]*>\s*)?([\w.]+)\s*\(`, `^\s*`+javaMods+`typealias\s+(\w+)`),
	top:        res(`^\s*` + javaMods + `(?:const\s+)?(?:val|var)\s+(\w+)`),
}

func kotlinSymbols(lines []string) []symbol { return kotlinLang.find(lines) }

var swiftLang = &braceLang{
	containers: res(`^\s*` + javaMods + `(?:final\s+)?(?:class|struct|enum|protocol|extension|actor)\s+(\w+)`),
	keyword:    res(`^\s*`+javaMods+`(?:mutating\s+)?func\s+(\w+)`, `^\s*`+javaMods+`typealias\s+(\w+)`),
	top:        res(`^\s*` + javaMods + `(?:let|var)\s+(\w+)`),
}

func swiftSymbols(lines []string) []symbol { return swiftLang.find(lines) }

var scalaLang = &braceLang{
	containers: res(`^\s*(?:(?:case|abstract|sealed|final|implicit|private|protected)\s+)*(?:class|object|trait|enum)\s+(\w+)`),
	keyword:    res(`^\s*(?:(?:override|private|protected|final|implicit|inline)\s+)*def\s+(\w+)`, `^\s*type\s+(\w+)`),
	top:        res(`^\s*(?:(?:private|protected|final|lazy|implicit)\s+)*(?:val|var)\s+(\w+)`),
}

func scalaSymbols(lines []string) []symbol { return scalaLang.find(lines) }

const rustVis = `(?:pub(?:\s*\([^)]*\))?\s+)?`

var rustLang = &braceLang{
	containers: res(
		`^\s*`+rustVis+`(?:unsafe\s+)?impl(?:\s*<.*?>)?\s+(?:[\w:]+(?:<.*?>)?\s+for\s+)?(?:\w+::)*(\w+)`,
		`^\s*`+rustVis+`(?:unsafe\s+)?(?:trait|mod)\s+(\w+)`,
	),
	keyword: res(
		`^\s*`+rustVis+`(?:(?:const|async|unsafe|extern(?:\s+"[^"]*")?)\s+)*fn\s+(\w+)`,
		`^\s*`+rustVis+`(?:struct|enum|union|type)\s+(\w+)`,
		`^\s*`+rustVis+`(?:const|static)\s+(?:mut\s+)?(\w+)`,
		`^\s*macro_rules!\s*(\w+)`,
	),
}

func rustSymbols(lines []string) []symbol { return rustLang.find(lines) }

var cLang = &braceLang{
	containers: res(`^\s*(?:typedef\s+)?(?:class|struct|union|namespace|enum(?:\s+class)?)\s+(\w+)\s*(?:[:{]|final|$)`),
	keyword:    res(`^\s*#\s*define\s+(\w+)`),
	member:     res(`^\s*(?:(?:virtual|static|inline|explicit|constexpr|const|unsigned|signed|extern|friend)\s+)*[\w:<>,*&\s]*?[\s*&]((?:\w+::)*~?\w+)\s*\([^;]*$`),
	top:        res(`^(?:(?:static|inline|extern|const|unsigned|signed|struct|enum)\s+)*[\w:<>,]+[\s*&]+((?:\w+::)*~?\w+)\s*\([^;]*$`),
}

func cSymbols(lines []string) []symbol { return cLang.find(lines) }

var phpLang = &braceLang{
	containers: res(`^\s*(?:(?:abstract|final|readonly)\s+)*(?:class|interface|trait|enum)\s+(\w+)`),
	keyword:    res(`^\s*(?:(?:public|private|protected|static|abstract|final)\s+)*function\s+&?\s*(\w+)`),
}

func phpSymbols(lines []string) []symbol { return phpLang.find(lines) }

var (
	shFunc  = lazyRegexp(`^\s*(?:function\s+)?([A-Za-z_][\w-]*)\s*\(\)`)
	shFunc2 = lazyRegexp(`^\s*function\s+([A-Za-z_][\w-]*)`)
	sqlDecl = lazyRegexp(`(?i)^\s*create\s+(?:or\s+replace\s+)?(?:(?:temp|temporary|unique|materialized)\s+)*(?:table|view|function|procedure|index|trigger|type|sequence|schema)\s+(?:if\s+not\s+exists\s+)?([\w."]+)`)
	luaFunc = lazyRegexp(`^\s*(?:local\s+)?function\s+([\w.:]+)\s*\(`)
	luaVar  = lazyRegexp(`^\s*(?:local\s+)?([\w.]+)\s*=\s*function\b`)
	hsDecl  = lazyRegexp(`^(?:data|newtype|type|class)\s+(?:\([^)]*\)\s*=>\s*)?([A-Z]\w*)`)
	hsSig   = lazyRegexp(`^([a-z_]\w*'*)\s*::`)
)

func lineSymbols(lines []string, res ...*lazyRE) []symbol {
	var out []symbol
	for i, l := range lines {
		for _, re := range res {
			if m := re.FindStringSubmatch(l); m != nil {
				c, name := splitQualified(strings.ReplaceAll(m[1], `"`, ""))
				out = append(out, symbol{Name: name, Container: c, Line: i + 1})
				break
			}
		}
	}
	return out
}

func shellSymbols(lines []string) []symbol   { return lineSymbols(lines, shFunc, shFunc2) }
func sqlSymbols(lines []string) []symbol     { return lineSymbols(lines, sqlDecl) }
func luaSymbols(lines []string) []symbol     { return lineSymbols(lines, luaFunc, luaVar) }
func haskellSymbols(lines []string) []symbol { return lineSymbols(lines, hsDecl, hsSig) }
