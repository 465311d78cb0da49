// Locating the threatls language server binary.
//
// This module imports nothing from `vscode`, so test/resolve.test.mjs can exercise it in
// plain Node. Resolution order:
//   1. the `threatls.server.path` setting,
//   2. the binary bundled in the extension for this platform: bin/<platform>-<arch>/threatls[.exe]
//      (staged per `vsce package --target` by scripts/package.sh),
//   3. `threatls` on PATH,
//   4. where `go install` puts it: $GOBIN, then $GOPATH/bin (default ~/go/bin).

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export type ServerSource = 'setting' | 'bundled' | 'path' | 'go-install';

export interface ResolvedServer {
  command: string;
  source: ServerSource;
}

export interface ResolveOptions {
  /** The raw `threatls.server.path` setting ('' when unset). */
  configuredPath?: string;
  /** The extension's install directory (ExtensionContext.extensionPath). */
  extensionPath: string;
  /** The first workspace folder's file system path, for `${workspaceFolder}`. */
  workspaceFolder?: string;
  platform?: NodeJS.Platform;
  arch?: string;
  env?: NodeJS.ProcessEnv;
  homedir?: string;
  /** Overridable for tests. */
  isExecutable?: (file: string, platform: NodeJS.Platform) => boolean;
}

export interface ResolveResult {
  server?: ResolvedServer;
  /** Every location looked at, in order, for the output channel and the error message. */
  tried: string[];
  /** The configured path, expanded, when it is set but is not an executable file. */
  configuredMissing?: string;
}

/** The vsce target name for a Node platform and architecture: linux-x64, darwin-arm64, win32-x64. */
export function targetPlatform(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  return `${platform}-${arch}`;
}

export function executableName(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'threatls.exe' : 'threatls';
}

/** Where scripts/package.sh stages the binary for a target inside the extension. */
export function bundledServerPath(
  extensionPath: string,
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): string {
  return path.join(extensionPath, 'bin', targetPlatform(platform, arch), executableName(platform));
}

/** Expands `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~`. */
export function expandPath(
  value: string,
  workspaceFolder: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  homedir: string = os.homedir(),
): string {
  let out = value.trim();
  out = out.replace(/\$\{workspaceFolder\}/g, workspaceFolder ?? '');
  out = out.replace(/\$\{userHome\}/g, homedir);
  out = out.replace(/\$\{env:([^}]+)\}/g, (_m, name: string) => env[name] ?? '');
  if (out === '~' || out.startsWith('~/') || out.startsWith('~\\')) {
    out = path.join(homedir, out.slice(1));
  }
  return out;
}

export function defaultIsExecutable(file: string, platform: NodeJS.Platform = process.platform): boolean {
  try {
    if (!fs.statSync(file).isFile()) {
      return false;
    }
    if (platform !== 'win32') {
      fs.accessSync(file, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}

function pathKey(env: NodeJS.ProcessEnv): string | undefined {
  // Windows spells it Path; look it up case-insensitively.
  return Object.keys(env).find((k) => k.toUpperCase() === 'PATH');
}

/** Looks `name` up on PATH (with PATHEXT on Windows), like `which`. */
export function findOnPath(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  isExecutable: (file: string, platform: NodeJS.Platform) => boolean = defaultIsExecutable,
): string | undefined {
  const key = pathKey(env);
  const dirs = (key ? env[key] ?? '' : '').split(platform === 'win32' ? ';' : ':').filter((d) => d !== '');
  const pathApi = platform === 'win32' ? path.win32 : path.posix;
  let names = [name];
  if (platform === 'win32' && pathApi.extname(name) === '') {
    const exts = (env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter((e) => e !== '');
    names = exts.map((e) => name + e.toLowerCase());
  }
  for (const dir of dirs) {
    for (const n of names) {
      const candidate = pathApi.join(dir.replace(/^"(.*)"$/, '$1'), n);
      if (isExecutable(candidate, platform)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/** Where `go install github.com/threatls/threatls/cmd/threatls@latest` puts the binary. */
export function goInstallCandidates(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  homedir: string = os.homedir(),
): string[] {
  const pathApi = platform === 'win32' ? path.win32 : path.posix;
  const exe = executableName(platform);
  const out: string[] = [];
  if (env.GOBIN) {
    out.push(pathApi.join(env.GOBIN, exe));
  }
  const gopaths = (env.GOPATH ?? '').split(platform === 'win32' ? ';' : ':').filter((p) => p !== '');
  if (gopaths.length === 0) {
    gopaths.push(pathApi.join(homedir, 'go'));
  }
  for (const gp of gopaths) {
    out.push(pathApi.join(gp, 'bin', exe));
  }
  return out;
}

export function resolveServer(opts: ResolveOptions): ResolveResult {
  const platform = opts.platform ?? process.platform;
  const arch = opts.arch ?? process.arch;
  const env = opts.env ?? process.env;
  const homedir = opts.homedir ?? os.homedir();
  const isExec = opts.isExecutable ?? defaultIsExecutable;
  const pathApi = platform === 'win32' ? path.win32 : path.posix;
  const tried: string[] = [];
  const result: ResolveResult = { tried };

  const configured = (opts.configuredPath ?? '').trim();
  if (configured !== '') {
    const expanded = expandPath(configured, opts.workspaceFolder, env, homedir);
    const hasSeparator = /[\\/]/.test(expanded);
    let candidate: string | undefined;
    if (!hasSeparator) {
      // A bare command name: look it up on PATH.
      candidate = isExec(expanded, platform) ? expanded : findOnPath(expanded, env, platform, isExec);
    } else {
      const absolute =
        pathApi.isAbsolute(expanded) || !opts.workspaceFolder ? expanded : pathApi.join(opts.workspaceFolder, expanded);
      candidate = isExec(absolute, platform) ? absolute : undefined;
    }
    tried.push(`setting threatls.server.path: ${expanded}`);
    if (candidate) {
      result.server = { command: candidate, source: 'setting' };
      return result;
    }
    result.configuredMissing = expanded;
  }

  const bundled = bundledServerPath(opts.extensionPath, platform, arch);
  tried.push(`bundled: ${bundled}`);
  if (isExec(bundled, platform)) {
    result.server = { command: bundled, source: 'bundled' };
    return result;
  }

  const exe = executableName(platform);
  tried.push(`PATH: ${exe}`);
  const onPath = findOnPath('threatls', env, platform, isExec);
  if (onPath) {
    result.server = { command: onPath, source: 'path' };
    return result;
  }

  for (const candidate of goInstallCandidates(env, platform, homedir)) {
    tried.push(`go install location: ${candidate}`);
    if (isExec(candidate, platform)) {
      result.server = { command: candidate, source: 'go-install' };
      return result;
    }
  }
  return result;
}

/** Server settings sent as initializationOptions and in workspace/didChangeConfiguration. */
export interface ServerSettings {
  severityThreshold: 'note' | 'low' | 'medium' | 'high' | 'critical';
  coverageHints: boolean;
}

export const SEVERITIES: ReadonlyArray<ServerSettings['severityThreshold']> = ['note', 'low', 'medium', 'high', 'critical'];

export function normalizeSettings(raw: { severityThreshold?: unknown; coverageHints?: unknown }): ServerSettings {
  const sev = String(raw.severityThreshold ?? 'low') as ServerSettings['severityThreshold'];
  return {
    severityThreshold: SEVERITIES.includes(sev) ? sev : 'low',
    coverageHints: raw.coverageHints === undefined ? true : Boolean(raw.coverageHints),
  };
}

/** The text of the language status item for a `threatls/status` notification. */
export function statusText(openThreats: number): string {
  return `$(shield) ${openThreats} open threat${openThreats === 1 ? '' : 's'}`;
}
