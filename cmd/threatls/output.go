package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/analysis/taxonomy"
	"github.com/threatls/threatls/dsl"
)

type jsonPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

type jsonRange struct {
	Start jsonPos `json:"start"`
	End   jsonPos `json:"end"`
}

type jsonRelated struct {
	File    string    `json:"file"`
	Range   jsonRange `json:"range"`
	Message string    `json:"message"`
}

type jsonFinding struct {
	File     string        `json:"file"`
	Range    jsonRange     `json:"range"`
	Severity string        `json:"severity"`
	Code     string        `json:"code"`
	Message  string        `json:"message"`
	Threat   string        `json:"threat,omitempty"`
	Risk     string        `json:"risk,omitempty"`
	Related  []jsonRelated `json:"related,omitempty"`
}

type jsonThreat struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Rule       string   `json:"rule,omitempty"`
	Target     string   `json:"target,omitempty"`
	Stride     []string `json:"stride"`
	Likelihood string   `json:"likelihood"`
	Impact     string   `json:"impact"`
	Severity   string   `json:"severity"`
	Rating     string   `json:"rating"`
	State      string   `json:"state"`
	StateWhy   string   `json:"state_reason"`
	CWE        []int    `json:"cwe,omitempty"`
	CAPEC      []int    `json:"capec,omitempty"`
}

type jsonModel struct {
	Root     string         `json:"root"`
	Files    []string       `json:"files"`
	Summary  map[string]int `json:"summary"`
	Threats  []jsonThreat   `json:"threats"`
	Findings []jsonFinding  `json:"findings"`
}

func rangeOf(m model, file string, s dsl.Span) jsonRange {
	f := fileByName(m, file)
	if f == nil {
		return jsonRange{jsonPos{1, 1}, jsonPos{1, 1}}
	}
	sl, sc := f.Lines.Position(int(s.Start))
	el, ec := f.Lines.Position(int(s.End))
	return jsonRange{jsonPos{sl, sc}, jsonPos{el, ec}}
}

func writeJSON(w io.Writer, results []checked) error {
	out := struct {
		Version int         `json:"version"`
		Models  []jsonModel `json:"models"`
	}{Version: 1}
	for _, c := range results {
		jm := jsonModel{Root: filepath.ToSlash(c.model.root), Summary: map[string]int{}, Threats: []jsonThreat{}, Findings: []jsonFinding{}, Files: []string{}}
		for _, f := range c.model.files {
			jm.Files = append(jm.Files, filepath.ToSlash(f.Name))
		}
		for s, n := range c.res.Counts() {
			jm.Summary[string(s)] = n
		}
		for _, s := range analysis.States {
			jm.Summary[string(s)] += 0
		}
		for _, t := range c.res.Threats {
			jt := jsonThreat{ID: t.ID, Title: t.Title(), Stride: t.Stride(), Likelihood: t.Rating.Likelihood, Impact: t.Rating.Impact,
				Severity: t.Rating.Severity.String(), Rating: t.Rating.Why(), State: string(t.State), StateWhy: t.StateWhy, CWE: t.CWE(), CAPEC: t.CAPEC()}
			if jt.Stride == nil {
				jt.Stride = []string{}
			}
			if t.Rule != nil {
				jt.Rule = t.Rule.ID
			}
			if t.Target != nil {
				jt.Target = t.Target.ID
			}
			jm.Threats = append(jm.Threats, jt)
		}
		for _, f := range c.res.Findings {
			jf := jsonFinding{File: filepath.ToSlash(findingFile(c.model, f)), Range: findingRange(c.model, f), Severity: f.Level.String(), Code: f.Code, Message: f.Message(), Threat: f.ThreatID}
			if f.ThreatID != "" {
				jf.Risk = f.Risk.String()
			}
			for _, r := range f.Related() {
				jf.Related = append(jf.Related, jsonRelated{File: filepath.ToSlash(r.File), Range: rangeOf(c.model, r.File, r.Span), Message: r.Message})
			}
			jm.Findings = append(jm.Findings, jf)
		}
		out.Models = append(out.Models, jm)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// SARIF 2.1.0, the subset threatls writes.

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool        `json:"tool"`
	Results    []sarifResult    `json:"results"`
	Taxonomies []sarifComponent `json:"taxonomies,omitempty"`
	ColumnKind string           `json:"columnKind"`
}

type sarifTool struct {
	Driver sarifComponent `json:"driver"`
}

type sarifComponent struct {
	Name                string         `json:"name"`
	Version             string         `json:"version,omitempty"`
	InformationURI      string         `json:"informationUri,omitempty"`
	Organization        string         `json:"organization,omitempty"`
	ShortDescription    *sarifMessage  `json:"shortDescription,omitempty"`
	Rules               []sarifRule    `json:"rules,omitempty"`
	Taxa                []sarifTaxon   `json:"taxa,omitempty"`
	SupportedTaxonomies []sarifToolRef `json:"supportedTaxonomies,omitempty"`
}

type sarifToolRef struct {
	Name string `json:"name"`
}

type sarifTaxon struct {
	ID               string        `json:"id"`
	Name             string        `json:"name,omitempty"`
	ShortDescription *sarifMessage `json:"shortDescription,omitempty"`
	HelpURI          string        `json:"helpUri,omitempty"`
}

type sarifMessage struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string              `json:"id"`
	Name                 string              `json:"name,omitempty"`
	ShortDescription     *sarifMessage       `json:"shortDescription,omitempty"`
	FullDescription      *sarifMessage       `json:"fullDescription,omitempty"`
	Help                 *sarifMessage       `json:"help,omitempty"`
	HelpURI              string              `json:"helpUri,omitempty"`
	DefaultConfiguration *sarifConfig        `json:"defaultConfiguration,omitempty"`
	Properties           map[string]any      `json:"properties,omitempty"`
	Relationships        []sarifRelationship `json:"relationships,omitempty"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifRelationship struct {
	Target sarifDescriptorRef `json:"target"`
	Kinds  []string           `json:"kinds"`
}

type sarifDescriptorRef struct {
	ID            string        `json:"id"`
	ToolComponent *sarifToolRef `json:"toolComponent,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	Level               string            `json:"level"`
	Message             sarifMessage      `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	RelatedLocations    []sarifLocation   `json:"relatedLocations,omitempty"`
	Properties          map[string]string `json:"properties,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
}

type sarifLocation struct {
	ID               int           `json:"id,omitempty"`
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
	Message          *sarifMessage `json:"message,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}

const rulesDocURL = "https://github.com/threatls/threatls/blob/main/docs/rules.md"

func sarifLevel(s dsl.Severity) string {
	switch s {
	case dsl.SeverityError:
		return "error"
	case dsl.SeverityWarning:
		return "warning"
	}
	return "note"
}

func sarifRegionOf(m model, file string, s dsl.Span) sarifRegion {
	f := fileByName(m, file)
	if f == nil {
		return sarifRegion{1, 1, 1, 1}
	}
	// SARIF counts columns in UTF-16 code units by default, 1-based.
	sl, sc := f.Lines.UTF16(int(s.Start))
	el, ec := f.Lines.UTF16(int(s.End))
	if el == sl && ec <= sc {
		ec = sc + 1
	}
	return sarifRegion{sl + 1, sc + 1, el + 1, ec + 1}
}

func writeSARIF(w io.Writer, results []checked) error {
	rules := analysis.Catalog()
	driver := sarifComponent{Name: "threatls", Version: version, InformationURI: "https://github.com/threatls/threatls",
		SupportedTaxonomies: []sarifToolRef{{Name: "CWE"}}}
	usedCWE := map[int]bool{}
	index := map[string]bool{}
	for _, r := range rules {
		sr := sarifRule{ID: r.ID, Name: ruleName(r.ID), ShortDescription: &sarifMessage{Text: r.Title},
			FullDescription: &sarifMessage{Text: "Fires when " + r.Condition + "."},
			Help:            &sarifMessage{Text: "Clears it: " + stripTicks(r.Clears) + ". " + r.Hint, Markdown: "Clears it: " + r.Clears + ". " + r.Hint},
			HelpURI:         rulesDocURL + "#" + r.ID, DefaultConfiguration: &sarifConfig{Level: "warning"},
			Properties: map[string]any{"stride": r.Stride, "tags": []string{"security", "threat-model", r.Stride}}}
		for _, id := range r.CWE {
			usedCWE[id] = true
			sr.Relationships = append(sr.Relationships, sarifRelationship{Target: sarifDescriptorRef{ID: fmt.Sprintf("CWE-%d", id), ToolComponent: &sarifToolRef{Name: "CWE"}}, Kinds: []string{"superset"}})
		}
		driver.Rules = append(driver.Rules, sr)
		index[r.ID] = true
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: []sarifResult{}, ColumnKind: "utf16CodeUnits"}
	extra := map[string]bool{}
	for _, c := range results {
		for _, f := range c.res.Findings {
			if !index[f.Code] && !extra[f.Code] {
				extra[f.Code] = true
			}
			res := sarifResult{RuleID: f.Code, Level: sarifLevel(f.Level), Message: sarifMessage{Text: f.Message()},
				Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: uriOf(findingFile(c.model, f))}, Region: findingRegion(c.model, f)}}}}
			for i, r := range f.Related() {
				res.RelatedLocations = append(res.RelatedLocations, sarifLocation{ID: i + 1, Message: &sarifMessage{Text: r.Message},
					PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: uriOf(r.File)}, Region: sarifRegionOf(c.model, r.File, r.Span)}})
			}
			if f.ThreatID != "" {
				res.Properties = map[string]string{"threat": f.ThreatID, "severity": f.Risk.String()}
				res.PartialFingerprints = map[string]string{"threatId/v1": f.ThreatID + "|" + f.Code}
			}
			run.Results = append(run.Results, res)
		}
	}
	codes := make([]string, 0, len(extra))
	for c := range extra {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, code := range codes {
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{ID: code, Name: ruleName(code), ShortDescription: &sarifMessage{Text: checkTitle(code)}, HelpURI: rulesDocURL + "#model-checks"})
	}
	cwe := sarifComponent{Name: "CWE", Version: taxonomy.CWEVersion, Organization: "MITRE", InformationURI: "https://cwe.mitre.org/", ShortDescription: &sarifMessage{Text: "The MITRE Common Weakness Enumeration"}}
	ids := make([]int, 0, len(usedCWE))
	for id := range usedCWE {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		t := sarifTaxon{ID: fmt.Sprintf("CWE-%d", id)}
		if e, ok := taxonomy.CWE(id); ok {
			t.Name = e.Name
			t.ShortDescription = &sarifMessage{Text: e.Name}
			t.HelpURI = e.URL()
		}
		cwe.Taxa = append(cwe.Taxa, t)
	}
	run.Taxonomies = []sarifComponent{cwe}
	log := sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

func uriOf(file string) string {
	p := filepath.ToSlash(file)
	p = strings.TrimPrefix(p, "./")
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "%", "%25"), " ", "%20")
	}
	return strings.Join(parts, "/")
}

func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.Split(id, "-") {
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func stripTicks(s string) string { return strings.ReplaceAll(s, "`", "") }

func checkTitle(code string) string {
	if t, ok := analysis.CheckTitles[code]; ok {
		return t
	}
	return code
}

// findingFile is the path a finding is reported at: a model file, or a source file under
// the model root.
func findingFile(m model, f analysis.Finding) string {
	if f.Source != nil {
		return sourcePath(m, f.File)
	}
	return f.File
}

func findingRange(m model, f analysis.Finding) jsonRange {
	if s := f.Source; s != nil {
		return jsonRange{jsonPos{s.Line, s.Col}, jsonPos{s.Line, max(s.EndCol, s.Col)}}
	}
	return rangeOf(m, f.File, f.Span)
}

func findingRegion(m model, f analysis.Finding) sarifRegion {
	if s := f.Source; s != nil {
		return sarifRegion{s.Line, s.Col, s.Line, max(s.EndCol, s.Col+1)}
	}
	return sarifRegionOf(m, f.File, f.Span)
}
