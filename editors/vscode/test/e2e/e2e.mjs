// End-to-end check in a real VS Code (code-server's workbench driven by Chromium through
// playwright-core). Opt-in and heavy; see test/e2e/run.sh, which prepares everything and runs:
//
//   node test/e2e/e2e.mjs
//
// Environment (set by run.sh): E2E_CODE_SERVER (code-server package dir), E2E_PLAYWRIGHT (the
// playwright-core module dir), E2E_VSIX (the .vsix to install), E2E_CHROMIUM (browser binary),
// E2E_WORK (scratch dir), E2E_SHOTS (optional: where to write screenshots).

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRequire } from 'node:module';

const env = (name) => {
  const v = process.env[name];
  assert.ok(v, `${name} must be set (run test/e2e/run.sh)`);
  return v;
};
const codeServerDir = env('E2E_CODE_SERVER');
const work = env('E2E_WORK');
const vsix = env('E2E_VSIX');
const chromiumPath = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';
const shots = process.env.E2E_SHOTS;
const { chromium } = createRequire(import.meta.url)(env('E2E_PLAYWRIGHT'));

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

let codeServer;
let codeServerLog = '';
let browser;
let page;
const userData = path.join(work, 'user-data');
const extensions = path.join(work, 'extensions');
const workspace = path.join(work, 'workspace');
// Keep code-server's and Chromium's per-user files (config, device id, dconf) out of $HOME.
const isolatedEnv = {
  ...process.env,
  HOME: path.join(work, 'home'),
  XDG_CONFIG_HOME: path.join(work, 'config'),
  XDG_CACHE_HOME: path.join(work, 'cache'),
};

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitForHttp(url, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer at ${url}\n${codeServerLog.slice(-3000)}`);
}

async function shot(name) {
  if (shots) {
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, `${name}.png`) });
  }
}

/** The threatls output channel's log file (the server's stderr and the client's messages). */
function outputLog() {
  const logs = path.join(userData, 'logs');
  const found = [];
  const walk = (dir) => {
    for (const e of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/threatls/i.test(e.name) && e.name.endsWith('.log')) found.push(p);
    }
  };
  walk(logs);
  return found.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
}

async function runCommand(title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}

describe('the packaged extension in a real VS Code (code-server)', { timeout: 240_000 }, () => {
  before(async () => {
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.mkdirSync(extensions, { recursive: true });
    fs.mkdirSync(workspace, { recursive: true });
    fs.mkdirSync(isolatedEnv.HOME, { recursive: true });
    fs.writeFileSync(path.join(workspace, 'model.threat'), MODEL);
    fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'security.workspace.trust.enabled': false,
      'threatls.trace.server': 'messages',
      'threatls.severityThreshold': 'low',
    }, null, 2));
    const entry = path.join(codeServerDir, 'out', 'node', 'entry.js');
    const common = ['--user-data-dir', userData, '--extensions-dir', extensions];
    const install = spawnSync(process.execPath, [entry, ...common, '--install-extension', vsix], {
      encoding: 'utf8',
      env: isolatedEnv,
    });
    assert.equal(install.status, 0, `installing ${vsix} failed:\n${install.stdout}\n${install.stderr}`);
    assert.match(install.stdout, /successfully installed/);

    const port = await freePort();
    codeServer = spawn(process.execPath, [entry, ...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', workspace], {
      env: isolatedEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    codeServer.stdout.on('data', (d) => { codeServerLog += d; });
    codeServer.stderr.on('data', (d) => { codeServerLog += d; });
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000);

    browser = await chromium.launch({
      executablePath: chromiumPath,
      env: isolatedEnv,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-breakpad',
        `--crash-dumps-dir=${path.join(work, 'crash')}`],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    if (codeServer && codeServer.exitCode === null) {
      codeServer.kill('SIGTERM');
      await new Promise((r) => { codeServer.once('exit', r); setTimeout(r, 5000); });
    }
  });

  it('opens a .threat file as the threat language, highlighted by the grammar', async () => {
    const item = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'model.threat' });
    await item.waitFor({ timeout: 60_000 });
    await item.click();
    await page.locator('.monaco-editor .view-lines', { hasText: 'boundary internet' }).waitFor({ timeout: 30_000 });
    const mode = page.locator('.statusbar-item[id="status.editor.mode"]');
    await mode.waitFor({ timeout: 30_000 });
    // Plain Text until the extension host has loaded the extension's language contribution.
    await page.locator('.statusbar-item[id="status.editor.mode"]', { hasText: 'Threat Model' })
      .waitFor({ timeout: 60_000 })
      .catch(async () => assert.fail(`the language mode must be Threat Model, got ${await mode.innerText()}`));
    // Tokens coloured by the TextMate grammar: the keyword gets a colour class of its own.
    const keywordClass = await page.locator('.view-lines span', { hasText: /^boundary$/ }).first().getAttribute('class');
    const idClass = await page.locator('.view-lines span', { hasText: /^internet$/ }).first().getAttribute('class');
    assert.ok(keywordClass && idClass && keywordClass !== idClass, `keyword (${keywordClass}) and id (${idClass}) must be coloured differently`);
  });

  it('shows the server diagnostic for the open threat sqli', async () => {
    await page.locator('.squiggly-error').first().waitFor({ timeout: 60_000 });
    await page.keyboard.press('Control+Shift+M');
    const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'sqli' }).first();
    await problem.waitFor({ timeout: 30_000 });
    await shot('problems');
    assert.match(await problem.innerText(), /open threat/);
  });

  it('shows the open-threat count in the language status item', async () => {
    // The language status hover opens from the `{}` item next to the language mode.
    const statusItem = page.locator('.statusbar-item[id="status.languageStatus"]');
    await statusItem.waitFor({ timeout: 30_000 });
    await statusItem.click();
    const hover = page.locator('.language-status-hover, .monaco-hover', { hasText: 'open threat' }).first();
    await hover.waitFor({ timeout: 30_000 });
    await shot('language-status');
    assert.match(await hover.innerText(), /\d+ open threats?/);
    await page.keyboard.press('Escape');
  });

  it('restarts the server from the command palette', async () => {
    const before = (outputLog().match(/Using threatls from/g) ?? []).length;
    await runCommand('threatls: Restart Language Server');
    const deadline = Date.now() + 30_000;
    let after = before;
    while (Date.now() < deadline && after <= before) {
      await new Promise((r) => setTimeout(r, 500));
      after = (outputLog().match(/Using threatls from/g) ?? []).length;
    }
    assert.ok(after > before, `no restart seen in the threatls output log:\n${outputLog().slice(-3000)}`);
    assert.match(outputLog(), /Using threatls from bundled: .*bin\/linux-x64\/threatls/);
    await page.locator('.squiggly-error').first().waitFor({ timeout: 60_000 });
  });
});
