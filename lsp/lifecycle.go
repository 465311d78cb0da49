package lsp

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"

	"go.lsp.dev/protocol"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/internal/files"
)

// initializeParams decodes what threatls needs from initialize, including LSP 3.17's
// positionEncodings, which protocol v0.12.0 lacks.
type initializeParams struct {
	RootURI          string                     `json:"rootUri"`
	RootPath         string                     `json:"rootPath"`
	WorkspaceFolders []protocol.WorkspaceFolder `json:"workspaceFolders"`
	InitOptions      json.RawMessage            `json:"initializationOptions"`
	Capabilities     struct {
		General struct {
			PositionEncodings []string `json:"positionEncodings"`
		} `json:"general"`
		TextDocument struct {
			PublishDiagnostics struct {
				RelatedInformation     bool `json:"relatedInformation"`
				CodeDescriptionSupport bool `json:"codeDescriptionSupport"`
				DataSupport            bool `json:"dataSupport"`
			} `json:"publishDiagnostics"`
			DocumentSymbol struct {
				HierarchicalDocumentSymbolSupport bool `json:"hierarchicalDocumentSymbolSupport"`
			} `json:"documentSymbol"`
			Completion struct {
				CompletionItem struct {
					SnippetSupport bool `json:"snippetSupport"`
				} `json:"completionItem"`
			} `json:"completion"`
			Hover struct {
				ContentFormat []string `json:"contentFormat"`
			} `json:"hover"`
		} `json:"textDocument"`
		Workspace struct {
			DidChangeWatchedFiles struct {
				DynamicRegistration bool `json:"dynamicRegistration"`
			} `json:"didChangeWatchedFiles"`
		} `json:"workspace"`
		Window struct {
			WorkDoneProgress bool `json:"workDoneProgress"`
		} `json:"window"`
	} `json:"capabilities"`
}

// userSettings is the shape of initializationOptions and of the `threatls` section of
// workspace/didChangeConfiguration.
type userSettings struct {
	SeverityThreshold *string `json:"severityThreshold"`
	CoverageHints     *bool   `json:"coverageHints"`
}

func (s *Server) applySettings(raw json.RawMessage) {
	if len(raw) == 0 || string(raw) == "null" {
		return
	}
	var u userSettings
	if err := json.Unmarshal(raw, &u); err != nil {
		s.logToClient(protocol.MessageTypeWarning, "threatls: ignoring settings that do not decode: "+err.Error())
		return
	}
	s.ws.mu.Lock()
	defer s.ws.mu.Unlock()
	if u.SeverityThreshold != nil {
		r, err := analysis.ParseRisk(*u.SeverityThreshold)
		if err != nil {
			s.logToClient(protocol.MessageTypeWarning, "threatls: severityThreshold: "+err.Error())
		} else {
			s.ws.settings.Threshold = r
		}
	}
	if u.CoverageHints != nil {
		s.ws.settings.Coverage = *u.CoverageHints
	}
}

// serverCapabilities embeds v0.12.0's capabilities and adds LSP 3.17 fields.
type serverCapabilities struct {
	protocol.ServerCapabilities
	PositionEncoding  string `json:"positionEncoding,omitempty"`
	InlayHintProvider bool   `json:"inlayHintProvider,omitempty"`
}

type initializeResult struct {
	Capabilities serverCapabilities   `json:"capabilities"`
	ServerInfo   *protocol.ServerInfo `json:"serverInfo,omitempty"`
}

type semanticTokensOptions struct {
	Legend semanticTokensLegend `json:"legend"`
	Full   bool                 `json:"full"`
}

type semanticTokensLegend struct {
	TokenTypes     []string `json:"tokenTypes"`
	TokenModifiers []string `json:"tokenModifiers"`
}

func (s *Server) initialize(ctx context.Context, raw json.RawMessage) (any, error) {
	p, err := decode[initializeParams]("initialize", raw)
	if err != nil {
		return nil, err
	}
	enc := utf16
	for _, e := range p.Capabilities.General.PositionEncodings {
		if e == "utf-8" {
			enc = utf8
		}
	}
	caps := clientCaps{
		codeDescription:   p.Capabilities.TextDocument.PublishDiagnostics.CodeDescriptionSupport,
		relatedInfo:       p.Capabilities.TextDocument.PublishDiagnostics.RelatedInformation,
		diagnosticData:    p.Capabilities.TextDocument.PublishDiagnostics.DataSupport,
		hierarchicalSyms:  p.Capabilities.TextDocument.DocumentSymbol.HierarchicalDocumentSymbolSupport,
		snippets:          p.Capabilities.TextDocument.Completion.CompletionItem.SnippetSupport,
		watchRegistration: p.Capabilities.Workspace.DidChangeWatchedFiles.DynamicRegistration,
		workDoneProgress:  p.Capabilities.Window.WorkDoneProgress,
	}
	for _, f := range p.Capabilities.TextDocument.Hover.ContentFormat {
		if f == "markdown" {
			caps.markdown = true
		}
	}
	var roots []string
	for _, f := range p.WorkspaceFolders {
		if path := uriToPath(string(f.URI)); path != "" {
			roots = append(roots, path)
		}
	}
	if len(roots) == 0 {
		if path := uriToPath(p.RootURI); path != "" {
			roots = append(roots, path)
		} else if p.RootPath != "" {
			roots = append(roots, filepath.Clean(p.RootPath))
		}
	}
	s.applySettings(p.InitOptions)
	s.mu.Lock()
	s.encoding = enc
	s.clientCaps = caps
	s.state = stateInitialized
	s.mu.Unlock()
	s.ws.mu.Lock()
	for _, r := range roots {
		s.ws.addRootLocked(r)
	}
	// Reading the model starts on `initialized`: until the client has the initialize
	// result, the server may send it no request (progress) or diagnostics.
	s.ws.mu.Unlock()

	encName := "utf-16"
	if enc == utf8 {
		encName = "utf-8"
	}
	res := initializeResult{ServerInfo: &protocol.ServerInfo{Name: "threatls", Version: s.opts.Version}}
	c := &res.Capabilities
	c.PositionEncoding = encName
	c.TextDocumentSync = protocol.TextDocumentSyncOptions{OpenClose: true, Change: protocol.TextDocumentSyncKindIncremental, Save: &protocol.SaveOptions{}}
	c.CompletionProvider = &protocol.CompletionOptions{TriggerCharacters: []string{" ", "@", ">", ","}, ResolveProvider: false}
	c.HoverProvider = true
	c.DefinitionProvider = true
	c.ReferencesProvider = true
	c.DocumentHighlightProvider = true
	c.RenameProvider = protocol.RenameOptions{PrepareProvider: true}
	c.DocumentSymbolProvider = true
	c.WorkspaceSymbolProvider = true
	c.CodeActionProvider = protocol.CodeActionOptions{CodeActionKinds: []protocol.CodeActionKind{protocol.QuickFix}}
	c.DocumentFormattingProvider = true
	c.DocumentRangeFormattingProvider = true
	c.FoldingRangeProvider = true
	c.SemanticTokensProvider = semanticTokensOptions{Legend: semanticTokensLegend{TokenTypes: semanticTypes, TokenModifiers: semanticModifiers}, Full: true}
	c.CodeLensProvider = &protocol.CodeLensOptions{}
	c.DocumentLinkProvider = &protocol.DocumentLinkOptions{}
	c.ExecuteCommandProvider = &protocol.ExecuteCommandOptions{Commands: []string{cmdDiagram, cmdSummary}}
	c.InlayHintProvider = true
	c.Workspace = &protocol.ServerCapabilitiesWorkspace{WorkspaceFolders: &protocol.ServerCapabilitiesWorkspaceFolders{Supported: true, ChangeNotifications: true}}
	return res, nil
}

// registerWatchers asks the client to report changes to .threat files on disk.
func (s *Server) registerWatchers() {
	params := protocol.RegistrationParams{Registrations: []protocol.Registration{{
		ID: "threatls-watch", Method: "workspace/didChangeWatchedFiles",
		// Every file: .threat files are the model, the others are what code links and
		// annotations point into.
		RegisterOptions: protocol.DidChangeWatchedFilesRegistrationOptions{Watchers: []protocol.FileSystemWatcher{{GlobPattern: "**/*"}}},
	}}}
	var res any
	if _, err := s.conn.Call(context.Background(), "client/registerCapability", params, &res); err != nil {
		s.log.Debug("registering file watchers failed", "err", err)
	}
}

func (s *Server) shutdown(ctx context.Context, _ json.RawMessage) (any, error) {
	s.mu.Lock()
	s.state = stateShutdown
	for _, cancel := range s.inflight {
		cancel()
	}
	s.mu.Unlock()
	return nil, nil
}

func (w *workspace) addRootLocked(root string) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return
	}
	for _, r := range w.roots {
		if r == abs {
			return
		}
	}
	w.roots = append(w.roots, abs)
	w.toLoad = append(w.toLoad, abs)
}

func (w *workspace) removeRootLocked(root string) {
	abs, _ := filepath.Abs(root)
	kept := w.roots[:0]
	for _, r := range w.roots {
		if r != abs {
			kept = append(kept, r)
		}
	}
	w.roots = kept
	for path := range w.disk {
		if w.rootOfLocked(path) == "" {
			delete(w.disk, path)
		}
	}
}

type didOpenParams struct {
	TextDocument struct {
		URI     string `json:"uri"`
		Version int32  `json:"version"`
		Text    string `json:"text"`
	} `json:"textDocument"`
}

func (s *Server) didOpen(ctx context.Context, raw json.RawMessage) error {
	p, err := decode[didOpenParams]("textDocument/didOpen", raw)
	if err != nil {
		return err
	}
	d := newDocument(s.parser, p.TextDocument.URI, p.TextDocument.Version, p.TextDocument.Text, true)
	s.ws.mu.Lock()
	s.ws.open[d.uri] = d
	s.ws.focus = d.uri
	s.ws.changeLocked()
	s.ws.mu.Unlock()
	return nil
}

type didChangeParams struct {
	TextDocument struct {
		URI     string `json:"uri"`
		Version int32  `json:"version"`
	} `json:"textDocument"`
	ContentChanges []contentChange `json:"contentChanges"`
}

func (s *Server) didChange(ctx context.Context, raw json.RawMessage) error {
	p, err := decode[didChangeParams]("textDocument/didChange", raw)
	if err != nil {
		return err
	}
	s.mu.Lock()
	enc := s.encoding
	s.mu.Unlock()
	s.ws.mu.Lock()
	defer s.ws.mu.Unlock()
	old := s.ws.open[p.TextDocument.URI]
	if old == nil {
		s.log.Warn("change to a document that is not open; ignored", "uri", p.TextDocument.URI)
		return nil
	}
	text, err := applyChanges(old.text, p.ContentChanges, enc)
	if err != nil {
		s.logToClient(protocol.MessageTypeError, "threatls: "+err.Error())
	}
	s.ws.open[old.uri] = old.edited(p.TextDocument.Version, text)
	s.ws.focus = old.uri
	s.ws.changeLocked()
	return nil
}

func (s *Server) didClose(ctx context.Context, raw json.RawMessage) error {
	p, err := decode[protocol.DidCloseTextDocumentParams]("textDocument/didClose", raw)
	if err != nil {
		return err
	}
	uri := string(p.TextDocument.URI)
	s.ws.mu.Lock()
	defer s.ws.mu.Unlock()
	d := s.ws.open[uri]
	delete(s.ws.open, uri)
	if d != nil && d.path != "" && s.ws.rootOfLocked(d.path) != "" {
		// The file keeps its on-disk version in the model.
		if data, err := os.ReadFile(d.path); err == nil {
			s.ws.disk[d.path] = newDocument(s.parser, pathToURI(d.path), 0, string(data), false)
		} else {
			delete(s.ws.disk, d.path)
		}
	}
	s.ws.changeLocked()
	return nil
}

func (s *Server) didChangeWatchedFiles(ctx context.Context, raw json.RawMessage) error {
	p, err := decode[protocol.DidChangeWatchedFilesParams]("workspace/didChangeWatchedFiles", raw)
	if err != nil {
		return err
	}
	s.ws.mu.Lock()
	defer s.ws.mu.Unlock()
	for _, c := range p.Changes {
		path := uriToPath(string(c.URI))
		root := s.ws.rootOfLocked(path)
		if path == "" || root == "" {
			continue
		}
		if ix := s.ws.code[root]; ix != nil {
			if rel, ok := ix.Rel(path); ok {
				// Even when its annotations stay, a file's lines and symbols may have
				// changed, and links name them: cached results are redone.
				ix.Update(rel)
				s.ws.codeGen++
			}
		}
		if filepath.Ext(path) != files.Ext {
			continue
		}
		if c.Type == protocol.FileChangeTypeDeleted {
			delete(s.ws.disk, path)
			continue
		}
		info, err := os.Lstat(path)
		if err != nil || !info.Mode().IsRegular() {
			delete(s.ws.disk, path)
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		s.ws.disk[path] = newDocument(s.parser, pathToURI(path), 0, string(data), false)
	}
	s.ws.changeLocked()
	return nil
}

func (s *Server) didChangeConfiguration(ctx context.Context, raw json.RawMessage) error {
	var p struct {
		Settings struct {
			Threatls json.RawMessage `json:"threatls"`
		} `json:"settings"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return err
	}
	s.applySettings(p.Settings.Threatls)
	s.ws.change()
	return nil
}

func (s *Server) didChangeWorkspaceFolders(ctx context.Context, raw json.RawMessage) error {
	p, err := decode[protocol.DidChangeWorkspaceFoldersParams]("workspace/didChangeWorkspaceFolders", raw)
	if err != nil {
		return err
	}
	s.ws.mu.Lock()
	defer s.ws.mu.Unlock()
	for _, f := range p.Event.Removed {
		if path := uriToPath(string(f.URI)); path != "" {
			s.ws.removeRootLocked(path)
		}
	}
	for _, f := range p.Event.Added {
		if path := uriToPath(string(f.URI)); path != "" {
			s.ws.addRootLocked(path)
		}
	}
	s.ws.changeLocked()
	return nil
}

// initialized starts the work initialize prepared: reading the model roots and registering
// the file watchers.
func (s *Server) initialized(ctx context.Context, _ json.RawMessage) error {
	s.mu.Lock()
	watch := s.clientCaps.watchRegistration
	s.mu.Unlock()
	if watch {
		go s.registerWatchers()
	}
	s.ws.change()
	return nil
}
