// VS Code client for the threatls language server (`threatls serve`, LSP over stdio).

import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  CloseAction,
  CloseHandlerResult,
  DidChangeConfigurationNotification,
  ErrorAction,
  ErrorHandler,
  ErrorHandlerResult,
  Executable,
  LanguageClient,
  LanguageClientOptions,
  Message,
  NotificationType,
  RevealOutputChannelOn,
  ServerOptions,
  State,
} from 'vscode-languageclient/node';
import { normalizeSettings, resolveServer, ServerSettings, statusText } from './server';
import { DiagramView } from './diagram';

const CLIENT_ID = 'threatls'; // also the prefix of the `threatls.trace.server` setting
const CLIENT_NAME = 'threatls';
const LANGUAGE_ID = 'threat';
const RULES_DOCS_URL = 'https://github.com/threatls/threatls/blob/main/docs/rules.md';
const INSTALL_URL = 'https://github.com/threatls/threatls#install';
const INSTALL_HINT = 'go install github.com/threatls/threatls/cmd/threatls@latest';

/** A crash restarts the server at most MAX_RESTARTS times within RESTART_WINDOW_MS. */
const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60 * 1000;
const STOP_TIMEOUT_MS = 2000;

interface StatusParams {
  openThreats: number;
  findings: number;
}
const StatusNotification = new NotificationType<StatusParams>('threatls/status');

let client: LanguageClient | undefined;
const diagram = new DiagramView(() => client);
let output: vscode.LogOutputChannel;
let status: vscode.LanguageStatusItem;
let extensionContext: vscode.ExtensionContext;
let lastStatus: StatusParams | undefined;
let threatFileWatcher: vscode.FileSystemWatcher;
let starting: Promise<void> | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionContext = context;
  output = vscode.window.createOutputChannel('threatls', { log: true });
  context.subscriptions.push(output);

  status = vscode.languages.createLanguageStatusItem('threatls.status', { language: LANGUAGE_ID });
  status.name = 'threatls';
  status.text = '$(shield) threatls';
  status.command = { title: 'Show Output', command: 'threatls.showOutput' };
  context.subscriptions.push(status);

  // One watcher for the extension's lifetime, shared by every (re)started client.
  threatFileWatcher = vscode.workspace.createFileSystemWatcher('**/*.threat');
  context.subscriptions.push(threatFileWatcher);

  context.subscriptions.push(
    vscode.commands.registerCommand('threatls.restartServer', () => restartServer()),
    vscode.commands.registerCommand('threatls.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('threatls.openRulesDocs', () => openRulesDocs()),
    vscode.commands.registerCommand('threatls.showDiagram', () => diagram.show()),
    vscode.workspace.onDidChangeConfiguration((e) => onConfigurationChanged(e)),
    // Workspace values of threatls.server.* apply once the folder is trusted.
    vscode.workspace.onDidGrantWorkspaceTrust(() => restartServer()),
  );

  await startServer();
}

export async function deactivate(): Promise<void> {
  await stopServer();
}

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('threatls');
}

function serverSettings(): ServerSettings {
  const c = config();
  return normalizeSettings({
    severityThreshold: c.get('severityThreshold'),
    coverageHints: c.get('coverageHints'),
  });
}

async function onConfigurationChanged(e: vscode.ConfigurationChangeEvent): Promise<void> {
  if (e.affectsConfiguration('threatls.server')) {
    output.info('threatls.server.* changed: restarting the language server.');
    await restartServer();
    return;
  }
  // threatls.severityThreshold and threatls.coverageHints reach the server through the client's
  // configuration synchronization (see createClient); threatls.trace.server is read by the client.
}

async function sendConfiguration(c: LanguageClient): Promise<void> {
  const settings = serverSettings();
  output.info(`Sending settings: ${JSON.stringify(settings)}`);
  try {
    await c.sendNotification(DidChangeConfigurationNotification.type, { settings: { threatls: settings } });
  } catch (err) {
    output.error(`Could not send workspace/didChangeConfiguration: ${String(err)}`);
  }
}

function firstWorkspaceFolder(): string | undefined {
  const f = vscode.workspace.workspaceFolders?.find((w) => w.uri.scheme === 'file');
  return f?.uri.fsPath;
}

/**
 * A setting that decides what runs: in an untrusted workspace only the user's value counts,
 * never the workspace's (package.json lists these under restrictedConfigurations).
 */
function machineSetting<T>(key: string, fallback: T): T {
  if (vscode.workspace.isTrusted) {
    return config().get<T>(key, fallback);
  }
  return config().inspect<T>(key)?.globalValue ?? fallback;
}

function findServer(): string | undefined {
  const configuredPath = machineSetting<string>('server.path', '');
  const result = resolveServer({
    configuredPath,
    extensionPath: extensionContext.extensionPath,
    workspaceFolder: firstWorkspaceFolder(),
  });
  if (result.configuredMissing !== undefined) {
    const msg = `threatls.server.path is set to "${result.configuredMissing}", which is not an executable file; ` +
      (result.server ? `using ${result.server.command} instead.` : 'no other threatls binary was found either.');
    output.warn(msg);
    if (result.server) {
      void vscode.window.showWarningMessage(msg, 'Open Settings').then((choice) => {
        if (choice === 'Open Settings') {
          void vscode.commands.executeCommand('workbench.action.openSettings', 'threatls.server.path');
        }
      });
    }
  }
  if (!result.server) {
    output.error(`threatls language server not found. Looked at:\n  ${result.tried.join('\n  ')}`);
    return undefined;
  }
  output.info(`Using threatls from ${result.server.source}: ${result.server.command}`);
  return result.server.command;
}

async function reportServerMissing(): Promise<void> {
  setStatusStopped('threatls not found');
  const choice = await vscode.window.showErrorMessage(
    'threatls: the language server binary was not found. Install it with ' +
      `\`${INSTALL_HINT}\` (and make sure it is on PATH), or set "threatls.server.path" to the threatls executable. ` +
      'Then run "threatls: Restart Language Server".',
    'Open Settings',
    'Install Instructions',
    'Show Output',
  );
  if (choice === 'Open Settings') {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'threatls.server.path');
  } else if (choice === 'Install Instructions') {
    await vscode.env.openExternal(vscode.Uri.parse(INSTALL_URL));
  } else if (choice === 'Show Output') {
    output.show(true);
  }
}

/** Restarts a crashed server at most MAX_RESTARTS times within RESTART_WINDOW_MS. */
class BoundedRestartErrorHandler implements ErrorHandler {
  private readonly crashes: number[] = [];

  error(error: Error, message: Message | undefined, count: number | undefined): ErrorHandlerResult {
    output.error(`Connection error${message ? ` (${message.jsonrpc})` : ''}: ${error.message}`);
    if (count !== undefined && count <= 3) {
      return { action: ErrorAction.Continue, handled: true };
    }
    return { action: ErrorAction.Shutdown, handled: true };
  }

  closed(): CloseHandlerResult {
    const now = Date.now();
    this.crashes.push(now);
    while (this.crashes.length > 0 && now - this.crashes[0] > RESTART_WINDOW_MS) {
      this.crashes.shift();
    }
    if (this.crashes.length <= MAX_RESTARTS) {
      const msg = `The threatls language server stopped unexpectedly; restarting it (${this.crashes.length} of ${MAX_RESTARTS}).`;
      output.warn(msg);
      void vscode.window.setStatusBarMessage(`$(warning) ${msg}`, 5000);
      return { action: CloseAction.Restart, handled: true };
    }
    const msg =
      `The threatls language server crashed ${this.crashes.length} times in the last ` +
      `${RESTART_WINDOW_MS / 60000} minutes and will not be restarted. See the threatls output for its log.`;
    output.error(msg);
    setStatusStopped('threatls crashed');
    void vscode.window.showErrorMessage(msg, 'Show Output', 'Restart Server').then((choice) => {
      if (choice === 'Show Output') {
        output.show(true);
      } else if (choice === 'Restart Server') {
        void restartServer();
      }
    });
    return { action: CloseAction.DoNotRestart, handled: true };
  }
}

function setStatusStopped(text: string): void {
  status.busy = false;
  status.severity = vscode.LanguageStatusSeverity.Error;
  status.text = `$(error) ${text}`;
  status.detail = 'Click to restart';
  status.command = { title: 'Restart', command: 'threatls.restartServer' };
}

function setStatusFromServer(p: StatusParams): void {
  lastStatus = p;
  status.busy = false;
  status.text = statusText(p.openThreats);
  status.detail = `${p.findings} finding${p.findings === 1 ? '' : 's'}`;
  status.severity = p.openThreats > 0 ? vscode.LanguageStatusSeverity.Warning : vscode.LanguageStatusSeverity.Information;
  status.command = { title: 'Show Problems', command: 'workbench.actions.view.problems' };
}

function createClient(command: string): LanguageClient {
  const args = ['serve', ...machineSetting<string[]>('server.args', [])];
  const run: Executable = { command, args, options: { env: { ...process.env } } };
  // No `transport`: vscode-languageclient then talks stdio without appending `--stdio`.
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: LANGUAGE_ID },
      { scheme: 'untitled', language: LANGUAGE_ID },
    ],
    outputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    // Evaluated on every (re)start, so a restarted server gets the current settings.
    initializationOptions: () => serverSettings(),
    synchronize: {
      // The client sends workspace/didChangeConfiguration after `initialized` and whenever one of
      // these settings changes; the middleware below shapes the payload.
      configurationSection: ['threatls.severityThreshold', 'threatls.coverageHints'],
      fileEvents: threatFileWatcher,
    },
    middleware: {
      workspace: {
        // vscode-languageclient 9 drops falsy values (coverageHints: false) from the payload it
        // builds, so send the complete, normalized settings ourselves.
        didChangeConfiguration: () => sendConfiguration(c),
      },
    },
    errorHandler: new BoundedRestartErrorHandler(),
    initializationFailedHandler: (error) => {
      output.error(`threatls failed to initialize: ${error instanceof Error ? error.message : String(error)}`);
      setStatusStopped('threatls failed to start');
      void vscode.window.showErrorMessage(
        'threatls: the language server failed to initialize. See the threatls output for details.',
        'Show Output',
      ).then((choice) => choice && output.show(true));
      return false;
    },
  };
  const c = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  c.onDidChangeState((e) => {
    switch (e.newState) {
      case State.Starting:
        status.busy = true;
        status.severity = vscode.LanguageStatusSeverity.Information;
        status.text = '$(shield) threatls starting';
        status.detail = undefined;
        break;
      case State.Running:
        status.busy = false;
        if (lastStatus) {
          setStatusFromServer(lastStatus);
        } else {
          status.text = '$(shield) threatls';
          status.detail = 'Language server running';
          status.command = { title: 'Show Output', command: 'threatls.showOutput' };
        }
        break;
      case State.Stopped:
        if (!status.text.startsWith('$(error)')) {
          status.busy = false;
          status.text = '$(shield) threatls stopped';
          status.detail = 'Click to restart';
          status.command = { title: 'Restart', command: 'threatls.restartServer' };
        }
        break;
    }
  });
  return c;
}

async function startServer(): Promise<void> {
  if (starting) {
    return starting;
  }
  starting = (async () => {
    const command = findServer();
    if (!command) {
      await reportServerMissing();
      return;
    }
    const c = createClient(command);
    client = c;
    // Registered before start; the client keeps it across crash restarts and drops it on dispose.
    c.onNotification(StatusNotification, (p) => {
      setStatusFromServer(p);
      diagram.modelChanged();
    });
    try {
      await c.start();
    } catch (err) {
      output.error(`Could not start ${command}: ${err instanceof Error ? err.message : String(err)}`);
      setStatusStopped('threatls failed to start');
    }
  })();
  try {
    await starting;
  } finally {
    starting = undefined;
  }
}

async function stopServer(): Promise<void> {
  const c = client;
  client = undefined;
  if (!c) {
    return;
  }
  try {
    // A crashed or hung server never answers `shutdown`: do not wait for it forever.
    if (c.state !== State.Stopped) {
      await c.stop(STOP_TIMEOUT_MS);
    }
  } catch (err) {
    output.warn(`Stopping the language server: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    await c.dispose(STOP_TIMEOUT_MS);
  } catch {
    // already stopped
  }
}

async function restartServer(): Promise<void> {
  output.info('Restarting the threatls language server.');
  await stopServer();
  lastStatus = undefined;
  await startServer();
}

async function openRulesDocs(): Promise<void> {
  // A copy bundled by scripts/package.sh, or the repository's own when run from a checkout.
  const candidates = [
    path.join(extensionContext.extensionPath, 'docs', 'rules.md'),
    path.join(extensionContext.extensionPath, '..', '..', 'docs', 'rules.md'),
  ];
  for (const file of candidates) {
    if (fs.existsSync(file)) {
      const uri = vscode.Uri.file(file);
      try {
        await vscode.commands.executeCommand('markdown.showPreview', uri);
      } catch {
        await vscode.window.showTextDocument(uri, { preview: true });
      }
      return;
    }
  }
  await vscode.env.openExternal(vscode.Uri.parse(RULES_DOCS_URL));
}
