// The data-flow diagram view: an SVG the language server draws (workspace/executeCommand
// `threatls.diagram`), shown in a webview beside the editor, redrawn when the model changes.
// Clicking an element, flow or boundary reveals its declaration. Nothing is fetched from
// the network: the webview's content security policy allows only the inline SVG and script.
import * as vscode from 'vscode';
import { ExecuteCommandRequest, Location, LanguageClient } from 'vscode-languageclient/node';

interface DiagramResult {
  svg: string;
  mermaid: string;
  locations: Record<string, Location>;
}

export class DiagramView {
  private panel: vscode.WebviewPanel | undefined;
  private documentUri: string | undefined;
  private locations: Record<string, Location> = {};
  private pending: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly getClient: () => LanguageClient | undefined) {}

  /** Opens (or focuses) the view for the model of the active .threat document. */
  async show(): Promise<void> {
    this.documentUri = vscode.window.activeTextEditor?.document.uri.toString() ?? this.documentUri;
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel('threatls.diagram', 'Data-flow diagram', vscode.ViewColumn.Beside, {
        enableScripts: true,
        localResourceRoots: [],
      });
      this.panel.onDidDispose(() => (this.panel = undefined));
      this.panel.webview.onDidReceiveMessage((msg: { reveal?: string }) => {
        if (msg.reveal) {
          void this.reveal(msg.reveal);
        }
      });
    } else {
      this.panel.reveal(vscode.ViewColumn.Beside);
    }
    await this.refresh();
  }

  /** Redraws soon after the model changed, if the view is open. */
  modelChanged(): void {
    if (!this.panel) {
      return;
    }
    clearTimeout(this.pending);
    this.pending = setTimeout(() => void this.refresh(), 300);
  }

  private async refresh(): Promise<void> {
    const client = this.getClient();
    if (!this.panel || !client) {
      return;
    }
    try {
      const result = (await client.sendRequest(ExecuteCommandRequest.type, {
        command: 'threatls.diagram',
        arguments: this.documentUri ? [this.documentUri] : [],
      })) as DiagramResult;
      this.locations = result.locations ?? {};
      this.panel.webview.html = page(this.panel.webview.cspSource, result.svg || '<p>No model is open.</p>');
    } catch (err) {
      this.panel.webview.html = page(this.panel.webview.cspSource, `<p>The diagram could not be drawn: ${escapeHTML(String(err))}</p>`);
    }
  }

  private async reveal(id: string): Promise<void> {
    const loc = this.locations[id];
    const client = this.getClient();
    if (!loc || !client) {
      return;
    }
    const range = client.protocol2CodeConverter.asRange(loc.range);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(loc.uri));
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, selection: range });
  }
}

function escapeHTML(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

function page(cspSource: string, body: string): string {
  const nonce = Math.random().toString(36).slice(2) + Date.now().toString(36);
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${cspSource} data:; style-src 'unsafe-inline'; script-src 'nonce-${nonce}';">
<style>body{background:#fff;margin:0;padding:8px} svg{max-width:100%;height:auto} [data-id]{cursor:pointer}</style>
</head><body>${body}
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
document.addEventListener('click', (e) => {
  const el = e.target instanceof Element ? e.target.closest('[data-id]') : null;
  if (el) { vscode.postMessage({ reveal: el.getAttribute('data-id') }); }
});
</script></body></html>`;
}
