-- Headless test of editors/nvim, run by editors/nvim/test/run.sh:
--
--   nvim --headless -n -i NONE -u editors/nvim/test/init.lua
--
-- Environment (set by run.sh):
--   THREATLS_TEST_DIR     scratch folder (the test writes its model there)
--   THREATLS_BIN          the built server binary (looked for after the stop)
--   THREATLS_SCHEMA_LIST  optional: "attr NAME", "kind NAME", "stride NAME",
--                         "level NAME", "status NAME" lines from dsl/schema.go
--   THREATLS_TEST_STATIC  "1": only the plugin, filetype, syntax and indent
--                         checks (no server)
--   THREATLS_TEST_RESULT  file the summary is written to
--
-- Exits 0 when every check passed, 1 otherwise (cquit).

local script = debug.getinfo(1, 'S').source:sub(2)
local test_dir = vim.fn.fnamemodify(script, ':p:h')
local plugin_dir = vim.fn.fnamemodify(test_dir, ':h')
vim.opt.runtimepath:prepend(plugin_dir)

local uv = vim.uv or vim.loop
local work = os.getenv('THREATLS_TEST_DIR')
if not work or work == '' then
  work = vim.fn.tempname()
end
local static_only = os.getenv('THREATLS_TEST_STATIC') == '1'
local result_file = os.getenv('THREATLS_TEST_RESULT')
local server_bin = os.getenv('THREATLS_BIN')

local report = {}
local failures = 0
local t0 = uv.hrtime()

local function say(line)
  local stamp = ('%6.2fs '):format((uv.hrtime() - t0) / 1e9)
  report[#report + 1] = stamp .. line
  io.stderr:write(stamp .. line .. '\n')
end

local function pass(what)
  say('ok   ' .. what)
end

local function fail(what, detail)
  failures = failures + 1
  say('FAIL ' .. what .. (detail and (': ' .. detail) or ''))
end

local function check(cond, what, detail)
  if cond then
    pass(what)
  else
    fail(what, detail)
  end
  return cond
end

local function inspect1(v)
  return vim.inspect(v, { newline = ' ', indent = '' })
end

local function write_file(path, lines)
  vim.fn.mkdir(vim.fn.fnamemodify(path, ':h'), 'p')
  vim.fn.writefile(lines, path)
end

-- ---------------------------------------------------------------------------
-- Models

local MODEL = {
  '// Test model for the Neovim integration test.',
  'boundary internet "Internet" { trust untrusted }',
  'boundary dmz "DMZ" { trust low }',
  'data card "Card" { classification restricted }',
  'actor customer "Customer" { in internet }',
  'service api "API" { in dmz; handles card }',
  'flow customer -> api { carries card }',
  'threat sqli "SQL injection" {',
  '  on api',
  '  stride tampering',
  '  likelihood high',
  '  impact high',
  '}',
}

-- Every construct the syntax file knows, with the group expected at a word.
local SYNTAX_SAMPLE = {
  '// line comment TODO',
  '/* block',
  '   comment */',
  'model "Payments" { owner "team@example.com"; reviewed 2027-06-30 }',
  'boundary dmz "DMZ" {',
  '  trust low',
  '  service payments-api "API" {',
  '    handles card',
  '    rate_limited',
  '    memory_safe false',
  '  }',
  '}',
  'actor browser { kind service }',
  'flow customer -> api "Checkout" { carries card; encrypted; authenticated session; tls_min 1.2 }',
  'flow sync: api <-> db { protocol grpc }',
  'threat sqli "SQL \\"x\\"" {',
  '  on api -> db',
  '  stride tampering, information_disclosure',
  '  likelihood medium',
  '  cwe 89',
  '  description """',
  '    multi "line" text',
  '    trust { }',
  '  """',
  '}',
  'mitigation m { mitigates sqli, unencrypted-flow@customer->api; status implemented }',
  'accept unthrottled-internet-entry@api { reason "CDN"; until 2027-06-30 }',
  'data low-risk { tags pii }',
}

-- { line (1-based), text to find, occurrence, expected group or '!group' }
local SYNTAX_EXPECT = {
  { 1, 'line', 1, 'threatLineComment' },
  { 1, 'TODO', 1, 'threatTodo' },
  { 2, 'block', 1, 'threatBlockComment' },
  { 3, 'comment', 1, 'threatBlockComment' },
  { 4, 'model', 1, 'threatDeclaration' },
  { 4, '"Payments"', 1, 'threatString' },
  { 4, 'owner', 1, 'threatAttribute' },
  { 4, 'reviewed', 1, 'threatAttribute' },
  { 4, '2027-06-30', 1, 'threatDate' },
  { 5, 'boundary', 1, 'threatDeclaration' },
  { 5, 'dmz', 1, 'threatDeclName' },
  { 6, 'trust', 1, 'threatAttribute' },
  { 6, 'low', 1, 'threatLevel' },
  { 7, 'service', 1, 'threatDeclaration' },
  { 7, 'payments-api', 1, 'threatDeclName' },
  { 8, 'handles', 1, 'threatAttribute' },
  { 9, 'rate_limited', 1, 'threatAttribute' },
  { 10, 'false', 1, 'threatBoolean' },
  { 13, 'kind', 1, 'threatAttribute' },
  { 13, 'service', 1, '!threatDeclaration' },
  { 14, 'flow', 1, 'threatDeclaration' },
  { 14, '->', 1, 'threatArrow' },
  { 14, 'carries', 1, 'threatAttribute' },
  { 14, 'encrypted', 1, 'threatAttribute' },
  { 14, 'authenticated', 1, 'threatAttribute' },
  { 14, 'session', 1, '!threatAttribute' },
  { 14, '1.2', 1, 'threatNumber' },
  { 14, '{', 1, 'threatBrace' },
  { 15, 'sync', 1, 'threatFlowName' },
  { 15, '<->', 1, 'threatArrow' },
  { 16, 'threat', 1, 'threatDeclaration' },
  { 16, 'sqli', 1, 'threatDeclName' },
  { 16, '\\"', 1, 'threatEscape' },
  { 17, 'on', 1, 'threatAttribute' },
  { 18, 'stride', 1, 'threatAttribute' },
  { 18, 'tampering', 1, 'threatStride' },
  { 18, 'information_disclosure', 1, 'threatStride' },
  { 19, 'medium', 1, 'threatLevel' },
  { 20, '89', 1, 'threatNumber' },
  { 21, '"""', 1, 'threatTextBlock' },
  { 22, 'multi', 1, 'threatTextBlock' },
  { 23, 'trust', 1, 'threatTextBlock' },
  { 23, 'trust', 1, '!threatAttribute' },
  { 24, '"""', 1, 'threatTextBlock' },
  { 26, 'mitigation', 1, 'threatDeclaration' },
  { 26, 'unencrypted-flow@customer->api', 1, 'threatGeneratedRef' },
  { 26, 'implemented', 1, 'threatStatus' },
  { 27, 'accept', 1, 'threatResponse' },
  { 27, 'unthrottled-internet-entry@api', 1, 'threatGeneratedRef' },
  { 27, 'until', 1, 'threatAttribute' },
  { 28, 'low-risk', 1, '!threatLevel' },
}

local INDENT_EXPECTED = {
  'boundary dmz "DMZ" {',
  '  trust low',
  '  // a comment { with a brace',
  '  service api "API" {',
  '    handles card,',
  '      other',
  '    rate_limited',
  '  }',
  '  store db { kind sql }',
  '}',
  'threat t {',
  '  stride tampering,',
  '    spoofing',
  '  description """',
  'kept as written {',
  '      also kept',
  '  """',
  '  /* block',
  '     comment kept */',
  '  on api',
  '}',
  'data d "D" { classification public }',
}
-- Lines inside a text block or block comment: the indenter keeps them as they are.
local INDENT_KEEP = { [15] = true, [16] = true, [17] = true, [19] = true }

-- ---------------------------------------------------------------------------
-- Helpers

local function syn_names(lnum, col)
  local names = {}
  for _, id in ipairs(vim.fn.synstack(lnum, col)) do
    names[#names + 1] = vim.fn.synIDattr(id, 'name')
  end
  return names
end

local function find_col(line, text, occurrence)
  local from = 1
  local s
  for _ = 1, occurrence do
    s = line:find(text, from, true)
    if not s then
      return nil
    end
    from = s + 1
  end
  return s
end

local function get_clients(bufnr)
  return require('threatls').get_clients(bufnr)
end

local function diagnostics(bufnr, client_id)
  local opts = {}
  if client_id then
    opts.namespace = vim.lsp.diagnostic.get_namespace(client_id)
  end
  return vim.diagnostic.get(bufnr, opts)
end

local function mentions(d, word)
  local code = d.code ~= nil and tostring(d.code) or ''
  return (d.message or ''):find(word, 1, true) ~= nil or code:find(word, 1, true) ~= nil
end

local function describe(diags)
  local out = {}
  for _, d in ipairs(diags) do
    out[#out + 1] = ('%d:%d [%s] %s'):format(d.lnum + 1, d.col + 1, tostring(d.code), (d.message or ''):gsub('\n', ' '))
  end
  return out
end

local function pid_alive(pid)
  if not pid then
    return false
  end
  local ok = uv.kill(pid, 0)
  return ok == 0 or ok == true
end

-- Processes running the executable `path` (its /proc/PID/exe, or a command line
-- naming it); Linux /proc, else pgrep -f.
local function processes_running(path)
  local found = {}
  if not path or path == '' then
    return found
  end
  local real = uv.fs_realpath(path) or path
  if vim.fn.isdirectory('/proc/self') == 1 then
    for _, dir in ipairs(vim.fn.glob('/proc/[0-9]*', false, true)) do
      local pid = tonumber(dir:match('(%d+)$'))
      local exe = uv.fs_readlink(dir .. '/exe')
      local f = io.open(dir .. '/cmdline', 'rb')
      local cmdline = ''
      if f then
        cmdline = (f:read('*a') or ''):gsub('%z', ' ')
        f:close()
      end
      if pid ~= vim.fn.getpid() and (exe == real or exe == path or cmdline:find(path, 1, true)) then
        found[#found + 1] = ('%d %s'):format(pid, cmdline)
      end
    end
  elseif vim.fn.executable('pgrep') == 1 then
    for _, l in ipairs(vim.fn.systemlist({ 'pgrep', '-fl', path })) do
      found[#found + 1] = l
    end
  end
  return found
end

local function lsp_request(bufnr, method, params, timeout)
  local responses, err = vim.lsp.buf_request_sync(bufnr, method, params, timeout or 10000)
  if not responses then
    return nil, 'no response: ' .. tostring(err)
  end
  for _, r in pairs(responses) do
    if r.err then
      return nil, 'error: ' .. inspect1(r.err)
    end
    if r.result ~= nil then
      return r.result
    end
  end
  return nil, 'empty result'
end

-- ---------------------------------------------------------------------------
-- Static checks: plugin, filetype, syntax, indent, help

local function static_checks()
  check(vim.g.loaded_threatls == 1, 'plugin/threatls.lua loaded from runtimepath')
  check(vim.fn.exists(':ThreatlsRestart') == 2, ':ThreatlsRestart defined')
  check(vim.fn.exists(':ThreatlsLog') == 2, ':ThreatlsLog defined')
  local ok_mod, mod = pcall(require, 'threatls')
  check(ok_mod and type(mod.setup) == 'function', "require('threatls').setup exists", not ok_mod and tostring(mod) or nil)
  local ok_lsp, lspcfg = pcall(dofile, plugin_dir .. '/lsp/threatls.lua')
  check(
    ok_lsp and type(lspcfg) == 'table' and lspcfg.cmd and lspcfg.cmd[1] == 'threatls' and lspcfg.cmd[2] == 'serve'
      and vim.tbl_contains(lspcfg.filetypes or {}, 'threat') and type(lspcfg.root_dir) == 'function',
    'lsp/threatls.lua returns a vim.lsp.Config (cmd, filetypes, root_dir)',
    inspect1(lspcfg)
  )
  local ok_lc, lc = pcall(require, 'threatls.lspconfig')
  check(
    ok_lc and lc.config().default_config.cmd[1] == 'threatls'
      and type(lc.config().default_config.root_dir) == 'function',
    'threatls.lspconfig gives an nvim-lspconfig default_config'
  )

  -- Help file: tags generate without duplicates.
  local helpdir = work .. '/helpdoc'
  vim.fn.mkdir(helpdir, 'p')
  vim.fn.writefile(vim.fn.readfile(plugin_dir .. '/doc/threatls.txt'), helpdir .. '/threatls.txt')
  local ok_tags, tag_err = pcall(vim.cmd, 'helptags ' .. vim.fn.fnameescape(helpdir))
  local tags = vim.fn.filereadable(helpdir .. '/tags') == 1 and vim.fn.readfile(helpdir .. '/tags') or {}
  local has_tag = {}
  for _, l in ipairs(tags) do
    has_tag[l:match('^[^\t]+')] = true
  end
  check(
    ok_tags and has_tag['threatls'] and has_tag[':ThreatlsRestart'] and has_tag[':ThreatlsLog']
      and has_tag['threatls-setup'],
    'doc/threatls.txt: :helptags works and defines the main tags',
    ok_tags and ('tags: ' .. #tags) or tostring(tag_err)
  )

  -- Filetype, ftplugin, syntax on a file on disk (no server: not set up yet).
  local sample = work .. '/syntax/sample.threat'
  write_file(sample, SYNTAX_SAMPLE)
  vim.cmd('edit ' .. vim.fn.fnameescape(sample))
  check(vim.bo.filetype == 'threat', 'filetype of *.threat is threat', vim.bo.filetype)
  check(vim.b.current_syntax == 'threat', 'syntax/threat.vim applied', tostring(vim.b.current_syntax))
  check(vim.bo.commentstring == '// %s', "commentstring is '// %s'", vim.bo.commentstring)
  check(vim.bo.comments:find('://', 1, true) ~= nil, "comments include '//'", vim.bo.comments)
  check(
    vim.bo.shiftwidth == 2 and vim.bo.expandtab and vim.bo.softtabstop == 2,
    'two-space indentation (shiftwidth, expandtab, softtabstop)',
    ('sw=%d et=%s sts=%d'):format(vim.bo.shiftwidth, tostring(vim.bo.expandtab), vim.bo.softtabstop)
  )
  check(vim.bo.indentexpr == 'GetThreatIndent(v:lnum)', 'indent/threat.vim sets indentexpr', vim.bo.indentexpr)
  check(type(vim.b.undo_ftplugin) == 'string' and vim.b.undo_ftplugin ~= '', 'b:undo_ftplugin set')

  local bad = {}
  for _, e in ipairs(SYNTAX_EXPECT) do
    local lnum, text, occ, want = e[1], e[2], e[3], e[4]
    local line = SYNTAX_SAMPLE[lnum]
    local col = find_col(line, text, occ)
    if not col then
      bad[#bad + 1] = ('line %d: %q not found'):format(lnum, text)
    else
      local negate = want:sub(1, 1) == '!'
      local group = negate and want:sub(2) or want
      -- every character of the token
      for c = col, col + #text - 1 do
        local names = syn_names(lnum, c)
        local has_group = vim.tbl_contains(names, group)
        if has_group == negate then
          bad[#bad + 1] = ('line %d col %d %q: want %s, got [%s]'):format(lnum, c, text, want, table.concat(names, ','))
          break
        end
      end
    end
  end
  check(#bad == 0, ('syntax groups at %d sample tokens'):format(#SYNTAX_EXPECT), table.concat(bad, '; '))

  -- Schema drift: every attribute/kind/value of dsl/schema.go is highlighted.
  local list = os.getenv('THREATLS_SCHEMA_LIST')
  if list and list ~= '' and vim.fn.filereadable(list) == 1 then
    local lines, want = {}, {}
    local groups = {
      attr = { 'threatAttribute' },
      kind = { 'threatDeclaration', 'threatResponse' },
      stride = { 'threatStride' },
      level = { 'threatLevel' },
      status = { 'threatStatus' },
    }
    for _, l in ipairs(vim.fn.readfile(list)) do
      local what, name = l:match('^(%a+) ([%w_]+)$')
      if what and groups[what] then
        if what == 'attr' then
          lines[#lines + 1] = '  ' .. name .. ' x'
          want[#lines] = { name, 3, groups[what] }
        elseif what == 'kind' then
          lines[#lines + 1] = name .. ' x {}'
          want[#lines] = { name, 1, groups[what] }
        else
          lines[#lines + 1] = '  x ' .. name
          want[#lines] = { name, 5, groups[what] }
        end
      end
    end
    vim.cmd('enew')
    vim.bo.buftype = 'nofile'
    vim.api.nvim_buf_set_lines(0, 0, -1, false, lines)
    vim.cmd('setfiletype threat')
    local missing = {}
    for lnum, w in pairs(want) do
      local names = syn_names(lnum, w[2])
      local found = false
      for _, g in ipairs(w[3]) do
        found = found or vim.tbl_contains(names, g)
      end
      if not found then
        missing[#missing + 1] = w[1] .. ' (' .. table.concat(w[3], '/') .. ')'
      end
    end
    check(
      #missing == 0 and #lines > 50,
      ('syntax covers dsl/schema.go (%d names)'):format(#lines),
      #missing > 0 and ('not highlighted: ' .. table.concat(missing, ', ')) or ('only ' .. #lines .. ' names read')
    )
    vim.cmd('bwipeout!')
  else
    say('skip schema drift check (THREATLS_SCHEMA_LIST not given)')
  end

  -- Indentation: re-indent a flush-left copy (text block lines keep theirs).
  vim.cmd('enew')
  vim.bo.buftype = 'nofile'
  local flat = {}
  for i, l in ipairs(INDENT_EXPECTED) do
    flat[i] = INDENT_KEEP[i] and l or (l:gsub('^%s+', ''))
  end
  vim.api.nvim_buf_set_lines(0, 0, -1, false, flat)
  vim.cmd('setfiletype threat')
  vim.cmd('silent normal! gg=G')
  local got = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  local diff = {}
  for i, l in ipairs(INDENT_EXPECTED) do
    if got[i] ~= l then
      diff[#diff + 1] = ('line %d: want %q got %q'):format(i, l, tostring(got[i]))
    end
  end
  check(#diff == 0, 'indent: gg=G gives 2-space levels, continuations, kept text blocks', table.concat(diff, '; '))

  -- Typing: `o` after a line ending in `{` indents; `}` dedents.
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'service api {' })
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  vim.cmd('normal ohandles card')
  vim.cmd('normal o}')
  got = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  check(
    got[2] == '  handles card' and got[3] == '}',
    'indent while typing (o after {, then })',
    inspect1(got)
  )
  vim.cmd('bwipeout!')

  -- Root detection.
  local Root = require('threatls.root')
  local proj = work .. '/rootcase/proj'
  write_file(proj .. '/.git/HEAD', { 'ref: refs/heads/main' })
  write_file(proj .. '/models/sub/a.threat', { 'data d { }' })
  check(Root.find(proj .. '/models/sub/a.threat') == proj, 'root: nearest folder with .git', Root.find(proj .. '/models/sub/a.threat'))
  local loose = work .. '/rootcase/loose'
  write_file(loose .. '/m/x.threat', { 'data d { }' })
  vim.fn.mkdir(loose .. '/m/new', 'p')
  local has_git_above = vim.fn.finddir('.git', loose .. ';') ~= '' or vim.fn.findfile('.git', loose .. ';') ~= ''
  if has_git_above then
    say('skip root fallback checks (a .git exists above ' .. loose .. ')')
  else
    check(Root.find(loose .. '/m/x.threat') == loose .. '/m', 'root without .git: the folder holding .threat files', Root.find(loose .. '/m/x.threat'))
    check(
      Root.find(loose .. '/m/new/y.threat') == loose .. '/m',
      'root without .git, new file in an empty folder: nearest folder holding .threat files',
      Root.find(loose .. '/m/new/y.threat')
    )
  end
end

-- ---------------------------------------------------------------------------
-- LSP checks

local function lsp_checks()
  local threatls = require('threatls')
  local proj = work .. '/lsp/project'
  local model = proj .. '/models/model.threat'
  vim.fn.mkdir(proj .. '/.git', 'p')
  write_file(model, MODEL)

  local ok_setup, setup_err = pcall(threatls.setup, {})
  if not check(ok_setup, "require('threatls').setup{}", tostring(setup_err)) then
    return
  end

  vim.cmd('edit ' .. vim.fn.fnameescape(model))
  local buf = vim.api.nvim_get_current_buf()
  check(vim.bo[buf].filetype == 'threat', 'model buffer has filetype threat')

  local attached = vim.wait(10000, function()
    return #get_clients(buf) > 0
  end, 50)
  if not check(attached, 'threatls client attached to the model buffer') then
    return
  end
  local client = get_clients(buf)[1]
  check(client.config.root_dir == proj, 'client root is the .git folder', tostring(client.config.root_dir))
  -- The syntax sample was opened before setup(): setup() attaches it too, to
  -- its own root (the folder holding it; there is no .git above it).
  local sample_buf = vim.fn.bufnr(work .. '/syntax/sample.threat')
  if sample_buf > 0 and vim.api.nvim_buf_is_loaded(sample_buf) then
    local early = vim.wait(10000, function()
      return #get_clients(sample_buf) > 0
    end, 50)
    check(
      early and get_clients(sample_buf)[1].id ~= client.id,
      'setup() attaches a buffer opened before it, with a client of its own root'
    )
  end
  local pid = threatls._client_pid(client)
  say('client ' .. client.id .. ', server pid ' .. tostring(pid))

  local initialized = vim.wait(10000, function()
    return client.initialized == true or client.server_capabilities ~= nil or client.resolved_capabilities ~= nil
  end, 50)
  check(initialized, 'server answered initialize')

  -- Diagnostics for the open threat sqli.
  local function wait_sqli(client_id, timeout)
    local got = vim.wait(timeout or 15000, function()
      for _, d in ipairs(diagnostics(buf, client_id)) do
        if mentions(d, 'sqli') then
          return true
        end
      end
      return false
    end, 50)
    return got
  end
  local got_diag = wait_sqli(client.id)
  check(got_diag, 'diagnostic mentioning the open threat sqli', table.concat(describe(diagnostics(buf)), ' | '))
  for _, l in ipairs(describe(diagnostics(buf, client.id))) do
    say('     diag ' .. l)
  end
  local before = #diagnostics(buf, client.id)

  -- Completion after `stride ` on a new line inside the threat body.
  local on_line
  for i, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    if l == '  on api' then
      on_line = i
    end
  end
  vim.api.nvim_buf_set_lines(buf, on_line, on_line, false, { '  stride ' })
  vim.api.nvim_win_set_cursor(0, { on_line + 1, 9 })
  local comp, comp_err = lsp_request(buf, 'textDocument/completion', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = on_line, character = 9 },
    context = { triggerKind = 1 },
  })
  local items = comp and (comp.items or comp) or {}
  local labels = {}
  for _, item in ipairs(items) do
    labels[#labels + 1] = item.label
  end
  check(
    vim.tbl_contains(labels, 'spoofing'),
    'completion after `stride ` offers spoofing',
    comp_err or ('labels: ' .. table.concat(labels, ', '))
  )
  vim.api.nvim_buf_set_lines(buf, on_line, on_line + 1, false, {})

  -- Hover on `api` in the flow line.
  local flow_line, flow_col
  for i, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local s = l:find('-> api', 1, true)
    if l:match('^flow ') and s then
      flow_line, flow_col = i - 1, s + 2
    end
  end
  local hover, hover_err = lsp_request(buf, 'textDocument/hover', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = flow_line, character = flow_col + 1 },
  })
  local hover_text = ''
  if hover and hover.contents then
    hover_text = table.concat(vim.lsp.util.convert_input_to_markdown_lines(hover.contents), '\n')
  end
  check(
    hover_text:match('%S') ~= nil and hover_text:find('api', 1, true) ~= nil,
    'hover on `api` in the flow line mentions api',
    hover_err or ('hover: ' .. inspect1(hover_text))
  )

  -- :ThreatlsRestart: a new server process, diagnostics again.
  vim.cmd('ThreatlsRestart')
  local new_client
  local restarted = vim.wait(10000, function()
    local cs = get_clients(buf)
    if #cs > 0 and cs[1].id ~= client.id then
      new_client = cs[1]
      return true
    end
    return false
  end, 50)
  if check(restarted, ':ThreatlsRestart starts a new client') then
    check(not pid_alive(pid), ':ThreatlsRestart: the old server process exited', 'pid ' .. tostring(pid))
    client = new_client
    pid = threatls._client_pid(client)
    check(wait_sqli(client.id), 'diagnostics again after the restart')
    before = #diagnostics(buf, client.id)
  end

  -- Edit: mitigate sqli; its diagnostic must go away.
  local n = vim.api.nvim_buf_line_count(buf)
  vim.api.nvim_buf_set_lines(buf, n, n, false, {
    'mitigation param_queries "Parameterized queries" { mitigates sqli; status implemented }',
  })
  local cleared = vim.wait(15000, function()
    for _, d in ipairs(diagnostics(buf, client.id)) do
      if mentions(d, 'sqli') then
        return false
      end
    end
    return true
  end, 50)
  check(
    cleared,
    'after adding an implemented mitigation, no diagnostic mentions sqli',
    table.concat(describe(diagnostics(buf, client.id)), ' | ')
  )
  say(('     diagnostics: %d before the edit, %d after'):format(before, #diagnostics(buf, client.id)))

  -- :ThreatlsLog shows a buffer naming the client.
  vim.cmd('ThreatlsLog')
  local log_lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  check(
    vim.api.nvim_buf_get_name(0):find('threatls://log', 1, true) ~= nil
      and table.concat(log_lines, '\n'):find('client ' .. client.id, 1, true) ~= nil,
    ':ThreatlsLog shows the log buffer',
    inspect1(log_lines)
  )
  vim.cmd('close')

  -- Stop: no server process may remain. A graceful stop (shutdown, then exit)
  -- must end the server within 5 s; a forced stop (SIGTERM) follows only to
  -- clean up and to tell the two failures apart.
  local ids, pids = {}, {}
  for _, c in ipairs(get_clients()) do
    ids[#ids + 1] = c.id
    pids[#pids + 1] = threatls._client_pid(c)
  end
  local function all_gone()
    for _, id in ipairs(ids) do
      if vim.lsp.get_client_by_id(id) then
        return false
      end
    end
    for _, p in ipairs(pids) do
      if pid_alive(p) then
        return false
      end
    end
    return true
  end
  local function still_running()
    local still = {}
    for _, id in ipairs(ids) do
      if vim.lsp.get_client_by_id(id) then
        still[#still + 1] = 'client ' .. id .. ' still registered'
      end
    end
    for _, p in ipairs(pids) do
      if pid_alive(p) then
        still[#still + 1] = 'pid ' .. p .. ' alive'
      end
    end
    return table.concat(still, ', ')
  end
  local t_stop = uv.hrtime()
  vim.lsp.stop_client(ids)
  local stopped = vim.wait(5000, all_gone, 50)
  check(
    stopped,
    ('graceful stop of %d client(s): servers exited after shutdown + exit'):format(#ids),
    'not within 5 s: ' .. still_running()
  )
  if stopped then
    say(('     servers exited %.2f s after the stop'):format((uv.hrtime() - t_stop) / 1e9))
  else
    vim.lsp.stop_client(ids, true)
    local killed = vim.wait(5000, all_gone, 50)
    say(killed and '     a forced stop (SIGTERM) ended them' or ('     even a forced stop (SIGTERM) did not: ' .. still_running()))
  end
  local left = processes_running(server_bin)
  check(#left == 0, 'no threatls process left behind', table.concat(left, ' | '))
end

-- ---------------------------------------------------------------------------

local function finish()
  say(failures == 0 and 'PASS' or ('FAILED: ' .. failures .. ' check(s)'))
  if result_file and result_file ~= '' then
    vim.fn.writefile(report, result_file)
  end
  if failures == 0 then
    vim.cmd('qall!')
  else
    -- Do not leave servers behind even when failing.
    for _, c in ipairs(vim.lsp.get_active_clients()) do
      pcall(function()
        c.stop(true)
      end)
    end
    vim.cmd('cquit! 1')
  end
end

vim.api.nvim_create_autocmd('VimEnter', {
  nested = true,
  once = true,
  callback = function()
    local v = vim.version()
    say(('nvim %d.%d.%d, plugin %s'):format(v.major, v.minor, v.patch, plugin_dir))
    local ok, err = xpcall(static_checks, debug.traceback)
    if not ok then
      fail('static checks raised an error', err)
    end
    if static_only then
      say('skip LSP checks (THREATLS_TEST_STATIC=1)')
    else
      ok, err = xpcall(lsp_checks, debug.traceback)
      if not ok then
        fail('LSP checks raised an error', err)
      end
    end
    finish()
  end,
})
