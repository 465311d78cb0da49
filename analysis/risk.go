package analysis

import (
	"fmt"
	"strings"

	"github.com/threatls/threatls/dsl"
)

// Likelihood and impact levels.
const (
	levelLow = iota
	levelMedium
	levelHigh
)

var levelNames = []string{"low", "medium", "high"}

// Risk is a threat's severity on the OWASP Risk Rating scale.
type Risk int

// The OWASP severities, lowest first.
const (
	RiskNote Risk = iota
	RiskLow
	RiskMedium
	RiskHigh
	RiskCritical
)

// RiskNames lists the severities in ascending order.
var RiskNames = []string{"note", "low", "medium", "high", "critical"}

func (r Risk) String() string {
	if r < 0 || int(r) >= len(RiskNames) {
		return "unknown"
	}
	return RiskNames[r]
}

// ParseRisk parses a severity name.
func ParseRisk(s string) (Risk, error) {
	for i, n := range RiskNames {
		if strings.EqualFold(n, s) {
			return Risk(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q: expected one of %s", s, strings.Join(RiskNames, ", "))
}

// owaspMatrix[likelihood][impact] is the OWASP Risk Rating severity.
var owaspMatrix = [3][3]Risk{
	levelLow:    {RiskNote, RiskLow, RiskMedium},
	levelMedium: {RiskLow, RiskMedium, RiskHigh},
	levelHigh:   {RiskMedium, RiskHigh, RiskCritical},
}

// Rating is how a threat's severity was reached.
type Rating struct {
	Likelihood, Impact string // low, medium, high
	Severity           Risk
	// why the likelihood and the impact are what they are, for Why
	likelihoodWhy, impactWhy string
}

// Why explains the rating in one line, or is empty for a threat that was not rated (one
// cleared by design). It is made when asked: a large model rates a hundred thousand
// threats, and few explanations are ever read.
func (r Rating) Why() string {
	if r.Likelihood == "" {
		return ""
	}
	return r.Severity.String() + " = likelihood " + r.Likelihood + " (" + r.likelihoodWhy + ") × impact " + r.Impact + " (" + r.impactWhy + ")"
}

func rate(likelihood int, lWhy string, impact int, iWhy string) Rating {
	likelihood = clampLevel(likelihood)
	impact = clampLevel(impact)
	sev := owaspMatrix[likelihood][impact]
	return Rating{
		Likelihood: levelNames[likelihood],
		Impact:     levelNames[impact],
		Severity:   sev,

		likelihoodWhy: lWhy,
		impactWhy:     iWhy,
	}
}

func clampLevel(l int) int { return max(levelLow, min(levelHigh, l)) }

// Level returns the diagnostic level an open threat of this severity is reported at:
// critical and high are errors, medium warnings, low information, note a hint.
func (r Risk) Level() dsl.Severity {
	switch r {
	case RiskCritical, RiskHigh:
		return dsl.SeverityError
	case RiskMedium:
		return dsl.SeverityWarning
	case RiskLow:
		return dsl.SeverityInfo
	}
	return dsl.SeverityHint
}
