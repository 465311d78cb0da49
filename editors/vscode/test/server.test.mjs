// Unit tests for src/server.ts (server binary resolution, settings), which imports nothing from
// `vscode`. The TypeScript module is bundled in memory with esbuild and imported as a data URL.
//
//   node --test test/server.test.mjs

import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
let m;

before(async () => {
  const out = buildSync({
    entryPoints: [path.join(here, '..', 'src', 'server.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node18',
    write: false,
  });
  const code = out.outputFiles[0].text;
  m = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
});

/** A fake file system: the set of executable files. */
function fakeExec(files) {
  const set = new Set(files);
  return (file) => set.has(file);
}

describe('resolveServer', () => {
  const ext = '/ext';

  it('prefers the threatls.server.path setting, expanding ${workspaceFolder}', () => {
    const r = m.resolveServer({
      configuredPath: '${workspaceFolder}/bin/threatls',
      extensionPath: ext,
      workspaceFolder: '/ws',
      platform: 'linux',
      arch: 'x64',
      env: { PATH: '/usr/bin' },
      isExecutable: fakeExec(['/ws/bin/threatls', '/ext/bin/linux-x64/threatls', '/usr/bin/threatls']),
    });
    assert.deepEqual(r.server, { command: '/ws/bin/threatls', source: 'setting' });
    assert.equal(r.configuredMissing, undefined);
  });

  it('resolves a relative setting against the workspace folder and ~ against the home folder', () => {
    const isExecutable = fakeExec(['/ws/tools/threatls', '/home/u/go/bin/threatls']);
    const base = { extensionPath: ext, workspaceFolder: '/ws', platform: 'linux', arch: 'x64', env: {}, homedir: '/home/u', isExecutable };
    assert.equal(m.resolveServer({ ...base, configuredPath: 'tools/threatls' }).server.command, '/ws/tools/threatls');
    assert.equal(m.resolveServer({ ...base, configuredPath: '~/go/bin/threatls' }).server.command, '/home/u/go/bin/threatls');
  });

  it('looks a bare command name in the setting up on PATH', () => {
    const r = m.resolveServer({
      configuredPath: 'threatls-dev',
      extensionPath: ext,
      platform: 'linux',
      arch: 'x64',
      env: { PATH: '/a:/b' },
      isExecutable: fakeExec(['/b/threatls-dev']),
    });
    assert.deepEqual(r.server, { command: '/b/threatls-dev', source: 'setting' });
  });

  it('falls back to the bundled binary when the configured path is missing, and says so', () => {
    const r = m.resolveServer({
      configuredPath: '/nope/threatls',
      extensionPath: ext,
      platform: 'darwin',
      arch: 'arm64',
      env: { PATH: '/usr/bin' },
      isExecutable: fakeExec(['/ext/bin/darwin-arm64/threatls', '/usr/bin/threatls']),
    });
    assert.deepEqual(r.server, { command: '/ext/bin/darwin-arm64/threatls', source: 'bundled' });
    assert.equal(r.configuredMissing, '/nope/threatls');
  });

  it('uses bin/win32-x64/threatls.exe on Windows', () => {
    const bundled = path.win32.join('C:\\ext', 'bin', 'win32-x64', 'threatls.exe');
    assert.equal(m.bundledServerPath('C:\\ext', 'win32', 'x64').replace(/\//g, '\\'), bundled);
  });

  it('then threatls on PATH (with PATHEXT on Windows)', () => {
    const linux = m.resolveServer({
      extensionPath: ext,
      platform: 'linux',
      arch: 'x64',
      env: { PATH: '/a:/b' },
      isExecutable: fakeExec(['/b/threatls']),
    });
    assert.deepEqual(linux.server, { command: '/b/threatls', source: 'path' });
    const win = m.resolveServer({
      extensionPath: 'C:\\ext',
      platform: 'win32',
      arch: 'x64',
      env: { Path: 'C:\\a;C:\\tools', PATHEXT: '.COM;.EXE' },
      isExecutable: fakeExec(['C:\\tools\\threatls.exe']),
    });
    assert.deepEqual(win.server, { command: 'C:\\tools\\threatls.exe', source: 'path' });
  });

  it('then where go install puts it ($GOBIN, $GOPATH/bin, ~/go/bin)', () => {
    const r = m.resolveServer({
      extensionPath: ext,
      platform: 'linux',
      arch: 'x64',
      env: { PATH: '/usr/bin' },
      homedir: '/home/u',
      isExecutable: fakeExec(['/home/u/go/bin/threatls']),
    });
    assert.deepEqual(r.server, { command: '/home/u/go/bin/threatls', source: 'go-install' });
  });

  it('reports every place it looked when nothing is found', () => {
    const r = m.resolveServer({
      configuredPath: '/nope/threatls',
      extensionPath: ext,
      platform: 'linux',
      arch: 'x64',
      env: { PATH: '/usr/bin', GOBIN: '/gobin' },
      homedir: '/home/u',
      isExecutable: fakeExec([]),
    });
    assert.equal(r.server, undefined);
    assert.equal(r.configuredMissing, '/nope/threatls');
    assert.deepEqual(r.tried, [
      'setting threatls.server.path: /nope/threatls',
      'bundled: /ext/bin/linux-x64/threatls',
      'PATH: threatls',
      'go install location: /gobin/threatls',
      'go install location: /home/u/go/bin/threatls',
    ]);
  });
});

describe('settings and status', () => {
  it('normalizes the server settings', () => {
    assert.deepEqual(m.normalizeSettings({}), { severityThreshold: 'low', coverageHints: true });
    assert.deepEqual(m.normalizeSettings({ severityThreshold: 'high', coverageHints: false }), {
      severityThreshold: 'high',
      coverageHints: false,
    });
    assert.equal(m.normalizeSettings({ severityThreshold: 'bogus' }).severityThreshold, 'low');
  });

  it('formats the language status text', () => {
    assert.equal(m.statusText(0), '$(shield) 0 open threats');
    assert.equal(m.statusText(1), '$(shield) 1 open threat');
    assert.equal(m.statusText(7), '$(shield) 7 open threats');
  });
});
