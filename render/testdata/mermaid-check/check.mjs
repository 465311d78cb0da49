// Parses Mermaid diagrams with mermaid's own parser, as GitHub and the editors render
// them: every *.mmd file and every ```mermaid block of the *.md files in the folders
// named on the command line. Mermaid needs a DOM to sanitise labels, so jsdom provides one.
//
//   npm ci && node check.mjs ../golden ../../../cmd/threatls/testdata/render
//
// Prints one line per diagram and "N passed, M failed"; exits 1 when a diagram does not
// parse or mermaid logs a warning or an error while parsing it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;

// Any warning or error mermaid logs while parsing counts as a failure.
const logged = [];
for (const level of ['warn', 'error']) {
  const orig = console[level];
  console[level] = (...args) => { logged.push(`${level}: ${args.join(' ')}`); orig(...args); };
}

const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', logLevel: 'warn' });

function diagrams(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) continue;
    if (name.endsWith('.mmd')) {
      out.push({ name: path, text: readFileSync(path, 'utf8') });
    } else if (name.endsWith('.md')) {
      const text = readFileSync(path, 'utf8');
      const re = /^```mermaid\n([\s\S]*?)^```$/gm;
      let m, i = 0;
      while ((m = re.exec(text)) !== null) {
        out.push({ name: `${path} (block ${++i})`, text: m[1] });
      }
    }
  }
  return out;
}

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.log('usage: node check.mjs DIR...');
  process.exit(2);
}
let passed = 0, failed = 0;
for (const dir of dirs) {
  for (const d of diagrams(dir)) {
    logged.length = 0;
    try {
      const res = await mermaid.parse(d.text);
      if (!res || res.diagramType !== 'flowchart-v2') throw new Error(`not a flowchart: ${JSON.stringify(res)}`);
      if (logged.length > 0) throw new Error(logged.join('\n'));
      console.log(`ok   ${d.name}`);
      passed++;
    } catch (e) {
      console.log(`FAIL ${d.name}\n${String(e.message || e).split('\n').map((l) => '     ' + l).join('\n')}`);
      failed++;
    }
  }
}
console.log(`mermaid: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
