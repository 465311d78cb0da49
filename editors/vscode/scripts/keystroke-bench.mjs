// Measures typing as VS Code's language client sees it: vscode-jsonrpc (the library under
// vscode-languageclient) talks to `threatls serve` over stdio, opens the largest .threat
// file of a model, types a character into it and deletes it again, and reports the time
// from each didChange to that version's diagnostics, parsed. A cross-check of
// `go run ./cmd/threatls-bench`, whose client is written in Go.
//
//   npm ci   # in editors/vscode, once
//   node scripts/keystroke-bench.mjs <threatls binary> <model folder> [keystrokes]
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import rpc from 'vscode-jsonrpc/node.js';

const [bin, dir, count = '40'] = process.argv.slice(2);
if (!bin || !dir) {
  console.error('usage: node scripts/keystroke-bench.mjs <threatls binary> <model folder> [keystrokes]');
  process.exit(2);
}
const keystrokes = Number.parseInt(count, 10);
let files;
try {
  files = readdirSync(dir).filter((f) => f.endsWith('.threat'));
} catch (err) {
  console.error(`cannot read the model folder: ${err.message}`);
  process.exit(2);
}
if (files.length === 0) {
  console.error(`no .threat file in ${dir}`);
  process.exit(2);
}
const target = files.map((f) => join(dir, f)).sort((a, b) => statSync(b).size - statSync(a).size)[0];
const text = readFileSync(target, 'utf8');
const uri = pathToFileURL(resolve(target)).href;
// Type at the end of the first attribute line of the middle declaration.
const middle = text.indexOf('\n  ', Math.floor(text.length / 2));
const at = middle < 0 ? text.length : text.indexOf('\n', middle + 1);
const before = text.slice(0, at);
const line = before.split('\n').length - 1;
const character = [...before.slice(before.lastIndexOf('\n') + 1)].reduce((n, c) => n + (c.codePointAt(0) > 0xffff ? 2 : 1), 0);

const server = spawn(bin, ['serve'], { stdio: ['pipe', 'pipe', 'ignore'] });
server.on('error', (err) => {
  console.error(`cannot start ${bin}: ${err.message}`);
  process.exit(2);
});
const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(server.stdout), new rpc.StreamMessageWriter(server.stdin));
let waiting = null;
let statusWaiter = null;
conn.onNotification('textDocument/publishDiagnostics', (p) => {
  if (waiting && p.uri === uri && (waiting.version === 0 || p.version === waiting.version)) {
    const w = waiting;
    waiting = null;
    w.resolve();
  }
});
conn.onNotification('threatls/status', () => statusWaiter?.());
conn.onRequest(() => null);
conn.listen();
const diagnostics = (version) => new Promise((res) => { waiting = { version, resolve: res }; });
const analysed = () => new Promise((res) => { statusWaiter = () => { statusWaiter = null; res(); }; });

const root = pathToFileURL(resolve(dir)).href;
await conn.sendRequest('initialize', { processId: process.pid, rootUri: root, capabilities: {}, workspaceFolders: [{ uri: root, name: 'model' }] });
conn.sendNotification('initialized', {});
const whole = analysed();
const opened = diagnostics(0);
conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'threat', version: 1, text } });
await opened;
await whole;

const times = [];
for (let version = 2; version < keystrokes + 2; version++) {
  const range = version % 2 === 0
    ? { start: { line, character }, end: { line, character } }
    : { start: { line, character }, end: { line, character: character + 1 } };
  const done = diagnostics(version);
  const start = process.hrtime.bigint();
  conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range, text: version % 2 === 0 ? 'x' : '' }] });
  await done;
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
times.sort((x, y) => x - y);
const ms = (x) => `${x.toFixed(1)} ms`;
console.log(`${target}: ${keystrokes} keystrokes -> diagnostics: median ${ms(times[Math.floor(times.length / 2)])}, fastest ${ms(times[0])}, slowest ${ms(times[times.length - 1])}`);
await conn.sendRequest('shutdown');
const exited = new Promise((res) => server.on('exit', res));
await conn.sendNotification('exit');
await exited;
conn.dispose();
