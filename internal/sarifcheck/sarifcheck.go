// Package sarifcheck validates SARIF documents against the official SARIF 2.1.0
// JSON schema, so that tests can check the reports threatls writes.
//
// The schema (sarif-schema-2.1.0.json, the OASIS SARIF 2.1.0 Errata 01 schema,
// JSON Schema draft-04) is embedded; README.md says where the copy came from.
// Nothing is fetched over the network.
package sarifcheck

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed sarif-schema-2.1.0.json
var schemaJSON []byte

// SchemaID is the id the embedded schema declares for itself.
const SchemaID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// Error reports a document that is JSON but does not match the schema.
type Error struct {
	// Problems has one line per violated constraint, such as
	// "at '/runs/0/results/0/level': value must be one of 'none', 'note', 'warning', 'error'",
	// sorted and without duplicates.
	Problems []string
}

// Error lists every problem, one per line, after a summary line.
func (e *Error) Error() string {
	return fmt.Sprintf("SARIF document does not match the SARIF 2.1.0 schema (%d problem(s)):\n  %s",
		len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// Validate checks doc, a whole SARIF log, against the SARIF 2.1.0 schema. It
// returns nil if the document is valid, an [*Error] listing what is wrong if it
// is JSON that does not match the schema, and another error if it is not JSON.
// String formats the schema names (uri, uri-reference, date-time) are checked too.
func Validate(doc []byte) error {
	sch, err := compiled()
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("SARIF document is not valid JSON: %w", err)
	}
	err = sch.Validate(inst)
	if err == nil {
		return nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return err
	}
	return &Error{Problems: leaves(verr)}
}

var (
	compileOnce sync.Once
	schema      *jsonschema.Schema
	compileErr  error
)

// compiled returns the schema, compiled once; the result is read-only and safe
// for concurrent use.
func compiled() (*jsonschema.Schema, error) {
	compileOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
		if err != nil {
			compileErr = fmt.Errorf("sarifcheck: embedded schema: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		c.UseLoader(noLoader{})
		c.AssertFormat()
		if err := c.AddResource(SchemaID, doc); err != nil {
			compileErr = fmt.Errorf("sarifcheck: embedded schema: %w", err)
			return
		}
		schema, compileErr = c.Compile(SchemaID)
		if compileErr != nil {
			compileErr = fmt.Errorf("sarifcheck: compiling embedded schema: %w", compileErr)
		}
	})
	return schema, compileErr
}

// noLoader refuses every URL: the SARIF schema refers to nothing outside itself
// (and the draft-04 meta-schema is built into the library), so any load would be
// a mistake, and tests must not reach the network.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("sarifcheck: refusing to load %q: only the embedded schema is used", url)
}

// leaves flattens a validation error tree into its innermost errors, as
// "at '<instance pointer>': <message>" lines, sorted and deduplicated.
func leaves(root *jsonschema.ValidationError) []string {
	seen := map[string]bool{}
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		line := e.Error() // a leaf renders as "at '<pointer>': <message>"
		if !seen[line] {
			seen[line] = true
			out = append(out, line)
		}
	}
	walk(root)
	sort.Strings(out)
	return out
}
