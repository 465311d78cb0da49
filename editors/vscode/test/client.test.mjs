// Drives the real threatls binary (`threatls serve`, LSP over stdio) with the protocol libraries
// VS Code's client is built on (vscode-jsonrpc + vscode-languageserver-protocol).
//
// The server binary: $THREATLS_BIN, else built with `go build -o <tmp>/threatls ./cmd/threatls`
// from the repository root. THREATLS_TEST_VERBOSE=1 copies the server's stderr to this test's
// stderr (it is always printed when a test fails).
//
//   node --test test/client.test.mjs

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionRequest,
  CodeActionResolveRequest,
  CompletionRequest,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  createProtocolConnection,
} from 'vscode-languageserver-protocol/node.js';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..', '..');
const VERBOSE = process.env.THREATLS_TEST_VERBOSE === '1';
const WAIT_MS = Number(process.env.THREATLS_TEST_TIMEOUT_MS ?? 30_000);

const MODEL = [
  'boundary internet "Internet" { trust untrusted }',
  'boundary dmz "DMZ" { trust low }',
  'data card "Card" { classification restricted }',
  'actor customer "Customer" { in internet }',
  'service api "API" { in dmz; handles card }',
  'flow customer -> api { carries card }',
  'threat sqli "SQL injection" { on api; stride tampering; likelihood high; impact high }',
  '',
].join('\n');

const SETTINGS = { severityThreshold: 'note', coverageHints: true };

let tmp;
let server; // { child, conn, stderr, exit: Promise<{code, signal}> }
let uri;
let docVersion = 1;
let sqliDiagnostic;
const diagnosticsByUri = new Map();
const diagnosticWaiters = [];
const statusNotifications = [];

/**
 * Waits for `promise` at most `ms`; fails early, saying so, when the server process exits first
 * (unless `allowExit`, used when waiting for the exit itself).
 */
function withTimeout(promise, ms, what, allowExit = false) {
  let timer;
  const racers = [
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ];
  if (server && !allowExit) {
    racers.push(server.exit.then(({ code, signal }) => {
      throw new Error(`threatls serve exited (code ${code}, signal ${signal}) while waiting for ${what}`);
    }));
  }
  return Promise.race(racers).finally(() => clearTimeout(timer));
}

function serverLogTail() {
  if (!server || server.stderr.length === 0) {
    return '';
  }
  const text = server.stderr.join('');
  return `\n--- threatls stderr (last 4000 chars) ---\n${text.slice(-4000)}\n---`;
}

function sameFile(a, b) {
  try {
    return fileURLToPath(a) === fileURLToPath(b);
  } catch {
    return a === b;
  }
}

/** Resolves with the first published diagnostics for `docUri` that satisfy `predicate`. */
function waitForDiagnostics(docUri, predicate, what) {
  for (const [u, diags] of diagnosticsByUri) {
    if (sameFile(u, docUri) && predicate(diags)) {
      return Promise.resolve(diags);
    }
  }
  const p = new Promise((resolve) => diagnosticWaiters.push({ uri: docUri, predicate, resolve }));
  return withTimeout(p, WAIT_MS, what);
}

function locateServer() {
  if (process.env.THREATLS_BIN) {
    const bin = path.resolve(process.env.THREATLS_BIN);
    assert.ok(fs.existsSync(bin), `THREATLS_BIN=${bin} does not exist`);
    return bin;
  }
  const out = path.join(tmp, process.platform === 'win32' ? 'threatls.exe' : 'threatls');
  const build = spawnSync('go', ['build', '-o', out, './cmd/threatls'], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, CGO_ENABLED: '0' },
  });
  if (build.error) {
    assert.fail(`could not run "go build ./cmd/threatls" in ${repoRoot}: ${build.error.message} (set THREATLS_BIN to a built server)`);
  }
  assert.equal(build.status, 0, `"go build -o ${out} ./cmd/threatls" failed in ${repoRoot}:\n${build.stderr}`);
  return out;
}

function startServer(bin) {
  const child = spawn(bin, ['serve'], { cwd: tmp, stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr.push(chunk);
    if (VERBOSE) {
      process.stderr.write(chunk);
    }
  });
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const conn = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  conn.onError(([err]) => stderr.push(`[client] connection error: ${err?.message ?? err}\n`));

  conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
    diagnosticsByUri.set(p.uri, p.diagnostics);
    for (const w of diagnosticWaiters.splice(0)) {
      if (sameFile(w.uri, p.uri) && w.predicate(p.diagnostics)) {
        w.resolve(p.diagnostics);
      } else {
        diagnosticWaiters.push(w);
      }
    }
  });
  conn.onNotification('threatls/status', (p) => statusNotifications.push(p));
  conn.onNotification('window/logMessage', (p) => stderr.push(`[logMessage] ${p.message}\n`));
  // Answer the server's requests the way VS Code would.
  conn.onRequest('workspace/configuration', (p) => (p.items ?? []).map((item) =>
    item.section === 'threatls' ? SETTINGS : item.section?.startsWith('threatls.') ? SETTINGS[item.section.slice(9)] ?? null : null));
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('client/unregisterCapability', () => null);
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.onRequest('window/showMessageRequest', () => null);
  conn.onRequest('workspace/applyEdit', () => ({ applied: false }));
  conn.onRequest('workspace/semanticTokens/refresh', () => null);
  conn.onRequest('workspace/inlayHint/refresh', () => null);
  conn.onRequest('workspace/codeLens/refresh', () => null);
  conn.onRequest('workspace/diagnostic/refresh', () => null);
  conn.listen();
  return { child, conn, stderr, exit };
}

/** What VS Code 1.8x (vscode-languageclient 9) announces, trimmed to what matters here. */
const CLIENT_CAPABILITIES = {
  general: { positionEncodings: ['utf-16'] },
  workspace: {
    applyEdit: true,
    workspaceEdit: { documentChanges: true, resourceOperations: ['create', 'rename', 'delete'] },
    didChangeConfiguration: { dynamicRegistration: true },
    didChangeWatchedFiles: { dynamicRegistration: true },
    configuration: true,
    workspaceFolders: true,
  },
  textDocument: {
    synchronization: { dynamicRegistration: true, didSave: true, willSave: true, willSaveWaitUntil: true },
    publishDiagnostics: {
      relatedInformation: true,
      versionSupport: false,
      tagSupport: { valueSet: [1, 2] },
      codeDescriptionSupport: true,
      dataSupport: true,
    },
    completion: {
      dynamicRegistration: true,
      contextSupport: true,
      completionItem: {
        snippetSupport: true,
        commitCharactersSupport: true,
        documentationFormat: ['markdown', 'plaintext'],
        deprecatedSupport: true,
        preselectSupport: true,
        insertReplaceSupport: true,
        labelDetailsSupport: true,
        resolveSupport: { properties: ['documentation', 'detail', 'additionalTextEdits'] },
      },
      completionList: { itemDefaults: ['commitCharacters', 'editRange', 'insertTextFormat', 'insertTextMode', 'data'] },
    },
    hover: { dynamicRegistration: true, contentFormat: ['markdown', 'plaintext'] },
    codeAction: {
      dynamicRegistration: true,
      isPreferredSupport: true,
      disabledSupport: true,
      dataSupport: true,
      resolveSupport: { properties: ['edit'] },
      codeActionLiteralSupport: {
        codeActionKind: {
          valueSet: ['', 'quickfix', 'refactor', 'refactor.extract', 'refactor.inline', 'refactor.rewrite', 'source', 'source.organizeImports'],
        },
      },
      honorsChangeAnnotations: false,
    },
  },
  window: { workDoneProgress: true, showMessage: {}, showDocument: { support: true } },
};

function hoverText(contents) {
  if (typeof contents === 'string') {
    return contents;
  }
  if (Array.isArray(contents)) {
    return contents.map(hoverText).join('\n');
  }
  if (contents && typeof contents === 'object') {
    return String(contents.value ?? '');
  }
  return '';
}

function editTexts(edit) {
  const texts = [];
  for (const edits of Object.values(edit.changes ?? {})) {
    for (const e of edits) texts.push(e.newText);
  }
  for (const dc of edit.documentChanges ?? []) {
    for (const e of dc.edits ?? []) texts.push(e.newText);
  }
  return texts;
}

/** it() that appends the server's stderr to a failure, so CI logs show the server side too. */
function step(name, fn) {
  return it(name, async (t) => {
    try {
      await fn(t);
    } catch (err) {
      if (err && typeof err === 'object' && 'message' in err) {
        err.message += serverLogTail();
      }
      throw err;
    }
  });
}

describe('threatls language server through the VS Code protocol libraries', { timeout: 300_000 }, () => {
  before(async () => {
    try {
      await setUp();
    } catch (err) {
      if (err && typeof err === 'object' && 'message' in err) {
        err.message += serverLogTail();
      }
      throw err;
    }
  });

  async function setUp() {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'threatls-client-test-'));
    const bin = locateServer();
    const workspace = path.join(tmp, 'workspace');
    fs.mkdirSync(workspace);
    const file = path.join(workspace, 'model.threat');
    fs.writeFileSync(file, MODEL);
    const rootUri = pathToFileURL(workspace).href;
    uri = pathToFileURL(file).href;

    server = startServer(bin);
    const init = await withTimeout(
      server.conn.sendRequest(InitializeRequest.type, {
        processId: process.pid,
        clientInfo: { name: 'threatls client test', version: '1.0' },
        locale: 'en',
        rootPath: workspace,
        rootUri,
        workspaceFolders: [{ uri: rootUri, name: 'workspace' }],
        capabilities: CLIENT_CAPABILITIES,
        initializationOptions: SETTINGS,
        trace: 'off',
      }),
      WAIT_MS,
      'the initialize response',
    );
    assert.ok(init && init.capabilities, 'initialize must return InitializeResult.capabilities');
    const caps = init.capabilities;
    assert.ok(caps.textDocumentSync !== undefined, 'the server must announce textDocumentSync');
    assert.ok(caps.completionProvider, 'the server must announce completionProvider');
    assert.ok(caps.hoverProvider, 'the server must announce hoverProvider');
    assert.ok(caps.codeActionProvider, 'the server must announce codeActionProvider');

    await server.conn.sendNotification(InitializedNotification.type, {});
    // What the extension sends right after start (see src/extension.ts, sendConfiguration).
    await server.conn.sendNotification(DidChangeConfigurationNotification.type, { settings: { threatls: SETTINGS } });
    await server.conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'threat', version: docVersion, text: MODEL },
    });
  }

  after(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
    }
    server?.conn.dispose();
    if (tmp) {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  step('publishes a diagnostic for the open threat sqli, with a code', async (t) => {
    const diags = await waitForDiagnostics(
      uri,
      (ds) => ds.some((d) => d.message.includes('sqli')),
      `textDocument/publishDiagnostics for ${uri} with a diagnostic mentioning "sqli"`,
    );
    sqliDiagnostic = diags.find((d) => d.message.includes('sqli'));
    t.diagnostic(`diagnostic: ${JSON.stringify(sqliDiagnostic)}`);
    assert.ok(
      sqliDiagnostic.code !== undefined && sqliDiagnostic.code !== null && String(sqliDiagnostic.code) !== '',
      `the sqli diagnostic must have a non-empty code, got ${JSON.stringify(sqliDiagnostic)}`,
    );
    assert.ok(sqliDiagnostic.range?.start && sqliDiagnostic.range?.end, 'the sqli diagnostic must have a range');
  });

  step('draws the data-flow diagram as SVG with clickable nodes (threatls.diagram)', async (t) => {
    const result = await withTimeout(
      server.conn.sendRequest('workspace/executeCommand', { command: 'threatls.diagram', arguments: [uri] }),
      WAIT_MS,
      'the diagram response',
    );
    assert.ok(result && typeof result.svg === 'string', `diagram result: ${JSON.stringify(result).slice(0, 200)}`);
    assert.match(result.svg, /data-id="api"/, 'the SVG must carry data-id for each node');
    assert.ok(result.locations && result.locations.api && result.locations.api.uri === uri, 'api must have its declaration location');
  });

  step('answers hover on `api` in the flow line with markdown that mentions api', async (t) => {
    const lines = MODEL.split('\n');
    const line = lines.findIndex((l) => l.startsWith('flow customer -> api'));
    const character = lines[line].indexOf('api') + 1;
    const hover = await withTimeout(
      server.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character } }),
      WAIT_MS,
      'the hover response',
    );
    t.diagnostic(`hover: ${JSON.stringify(hover)}`);
    assert.ok(hover && hover.contents, `hover at ${line}:${character} (on "api") returned ${JSON.stringify(hover)}`);
    if (typeof hover.contents === 'object' && !Array.isArray(hover.contents) && 'kind' in hover.contents) {
      assert.equal(hover.contents.kind, 'markdown', 'hover contents must be MarkupContent of kind markdown');
    }
    assert.match(hoverText(hover.contents), /\bapi\b/, 'the hover text must mention api');
  });

  step('offers a quick fix that accepts the risk of sqli, with a WorkspaceEdit', async (t) => {
    assert.ok(sqliDiagnostic, 'needs the sqli diagnostic from the first test');
    const result = await withTimeout(
      server.conn.sendRequest(CodeActionRequest.type, {
        textDocument: { uri },
        range: sqliDiagnostic.range,
        context: { diagnostics: [sqliDiagnostic], triggerKind: 1 },
      }),
      WAIT_MS,
      'the codeAction response',
    );
    t.diagnostic(`code actions: ${JSON.stringify(result)}`);
    assert.ok(Array.isArray(result) && result.length > 0, `textDocument/codeAction returned no actions: ${JSON.stringify(result)}`);
    let action = result.find((a) => typeof a.title === 'string' && a.title.includes('ccept') && typeof a.command !== 'string');
    assert.ok(action, `no code action whose title contains "ccept"; titles: ${JSON.stringify(result.map((a) => a.title))}`);
    assert.ok(
      action.kind === undefined || action.kind === 'quickfix' || action.kind.startsWith('quickfix.'),
      `the accept action must be a quick fix, got kind ${action.kind}`,
    );
    if (!action.edit) {
      // VS Code announces codeAction resolveSupport for `edit`, so a server may leave the edit out
      // and fill it in on codeAction/resolve.
      action = await withTimeout(
        server.conn.sendRequest(CodeActionResolveRequest.type, action),
        WAIT_MS,
        'the codeAction/resolve response',
      );
    }
    assert.ok(action.edit, `the accept quick fix carries no WorkspaceEdit: ${JSON.stringify(action)}`);
    const texts = editTexts(action.edit);
    assert.ok(texts.length > 0, `the WorkspaceEdit changes nothing: ${JSON.stringify(action.edit)}`);
    assert.ok(
      texts.some((s) => /\baccept\b/.test(s) && s.includes('sqli')),
      `the edit should insert an "accept sqli" declaration, got ${JSON.stringify(texts)}`,
    );
  });

  step('completes STRIDE categories after `stride ` on a new line in the threat body', async (t) => {
    const lines = MODEL.split('\n');
    const threatLine = lines.findIndex((l) => l.startsWith('threat sqli'));
    const edited = [
      ...lines.slice(0, threatLine),
      'threat sqli "SQL injection" { on api; likelihood high; impact high',
      '  stride ',
      '}',
      ...lines.slice(threatLine + 1),
    ].join('\n');
    docVersion += 1;
    await server.conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: docVersion },
      contentChanges: [{ text: edited }],
    });
    const position = { line: threatLine + 1, character: '  stride '.length };
    const result = await withTimeout(
      server.conn.sendRequest(CompletionRequest.type, {
        textDocument: { uri },
        position,
        context: { triggerKind: 1 },
      }),
      WAIT_MS,
      'the completion response',
    );
    const items = Array.isArray(result) ? result : result?.items ?? [];
    t.diagnostic(`completion labels: ${JSON.stringify(items.map((i) => i.label))}`);
    assert.ok(
      items.some((i) => i.label === 'spoofing'),
      `completion at ${position.line}:${position.character} after "stride " must include spoofing; got ${JSON.stringify(items.map((i) => i.label))}`,
    );
  });

  step('shuts down and exits with code 0', async (t) => {
    await withTimeout(server.conn.sendRequest(ShutdownRequest.type), WAIT_MS, 'the shutdown response');
    await server.conn.sendNotification(ExitNotification.type);
    // The LSP spec has the server exit on `exit`. vscode-languageclient then also ends the
    // server's stdin (connection.end()) and kills the process 2 s later if it is still alive;
    // do the same, but say so in the log when the exit only came with the end of stdin.
    const early = await Promise.race([server.exit, new Promise((resolve) => setTimeout(() => resolve(undefined), 1000))]);
    if (early === undefined) {
      t.diagnostic('threatls did not exit within 1 s of the exit notification; ending its stdin as vscode-languageclient does');
      server.conn.end();
    }
    const { code, signal } = await withTimeout(server.exit, WAIT_MS, 'the server process to exit', true);
    assert.equal(signal, null, `the server was killed by ${signal}`);
    assert.equal(code, 0, `the server must exit with code 0 after shutdown+exit, got ${code}`);
  });
});
