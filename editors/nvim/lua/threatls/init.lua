-- threatls for Neovim: starts `threatls serve` for *.threat buffers.
--
--   require('threatls').setup({ cmd = { 'threatls', 'serve' } })
--
-- Neovim 0.11+: registers the config with vim.lsp.config() (merged with
-- lsp/threatls.lua from this plugin) and calls vim.lsp.enable().
-- Neovim 0.8-0.10: a FileType autocmd calls vim.lsp.start(), which reuses one
-- client per root. Neovim 0.7: vim.lsp.start_client() + buf_attach_client(),
-- reusing one client per root here.

local Root = require('threatls.root')

local M = {}

M.name = 'threatls'

local function has(version)
  return vim.fn.has('nvim-' .. version) == 1
end

local defaults = {
  -- The server command; the first element must be an executable.
  cmd = { 'threatls', 'serve' },
  -- Environment for the server process (table of NAME = value), or nil.
  cmd_env = nil,
  filetypes = { 'threat' },
  -- Names whose presence in a folder marks the model root.
  root_markers = Root.default_markers,
  -- function(fname, bufnr) -> root directory|nil, replaces the detection.
  root_dir = nil,
  settings = {},
  init_options = nil,
  capabilities = nil,
  handlers = {},
  on_attach = nil,
  on_init = nil,
  on_exit = nil,
  flags = {},
  -- Start the server automatically for buffers of `filetypes`.
  autostart = true,
}

M.options = vim.deepcopy(defaults)

-- ---------------------------------------------------------------------------
-- Messages kept for :ThreatlsLog

local messages = {}
local MAX_MESSAGES = 2000
-- Neovim's LSP log is shared by every session; :ThreatlsLog shows the stderr
-- lines written since this module was loaded (:ThreatlsLog! shows all).
local session_start = os.date('%Y-%m-%d %H:%M:%S')
local TYPES = { 'ERROR', 'WARN', 'INFO', 'LOG' }

local function record(client_id, kind, text)
  messages[#messages + 1] = {
    time = os.date('%H:%M:%S'),
    client_id = client_id,
    kind = kind,
    text = tostring(text or ''),
  }
  if #messages > MAX_MESSAGES then
    table.remove(messages, 1)
  end
end

--- Wraps a window/logMessage handler so that :ThreatlsLog can show messages.
local function log_message_handler(next_handler)
  return function(err, result, ctx, config)
    if type(result) == 'table' then
      record(ctx and ctx.client_id, TYPES[result.type] or 'LOG', result.message)
    end
    local h = next_handler or vim.lsp.handlers['window/logMessage']
    if h then
      return h(err, result, ctx, config)
    end
  end
end

local function exit_hook(user_on_exit)
  return function(code, signal, client_id)
    record(client_id, 'EXIT', ('server exited (code %s, signal %s)'):format(tostring(code), tostring(signal)))
    if user_on_exit then
      return user_on_exit(code, signal, client_id)
    end
  end
end

local function notify(msg, level)
  vim.schedule(function()
    vim.notify('threatls: ' .. msg, level or vim.log.levels.INFO)
  end)
end

-- ---------------------------------------------------------------------------
-- Version-independent client helpers

--- Clients named threatls, optionally only those attached to bufnr.
---@param bufnr integer|nil
function M.get_clients(bufnr)
  if bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  local filter = { name = M.name, bufnr = bufnr }
  if vim.lsp.get_clients then -- 0.10+
    return vim.lsp.get_clients(filter)
  end
  if has('0.8') then
    return vim.lsp.get_active_clients(filter)
  end
  local out = {}
  for _, client in pairs(vim.lsp.get_active_clients()) do
    if client.name == M.name and (not bufnr or vim.lsp.buf_is_attached(bufnr, client.id)) then
      out[#out + 1] = client
    end
  end
  return out
end

local function client_stop(client, force)
  if has('0.11') then
    client:stop(force)
  else
    client.stop(force)
  end
end

local function client_buffers(client)
  local out = {}
  if type(client.attached_buffers) == 'table' then
    for bufnr, attached in pairs(client.attached_buffers) do
      if attached then
        out[#out + 1] = bufnr
      end
    end
  elseif vim.lsp.get_buffers_by_client_id then
    out = vim.lsp.get_buffers_by_client_id(client.id)
  end
  return out
end

local function client_pid(client)
  local rpc = client.rpc
  return type(rpc) == 'table' and rpc.pid or nil
end

-- ---------------------------------------------------------------------------
-- Configuration

local function filetype_matches(bufnr, filetypes)
  local ft = vim.bo[bufnr].filetype
  for _, f in ipairs(filetypes or {}) do
    if f == ft then
      return true
    end
  end
  return false
end

--- The client configuration (vim.lsp.ClientConfig) for a root directory.
---@param root string
---@param opts table|nil defaults to the options given to setup()
function M.client_config(root, opts)
  opts = opts or M.options
  local handlers = vim.tbl_extend('force', {}, opts.handlers or {})
  handlers['window/logMessage'] = log_message_handler(handlers['window/logMessage'])
  return {
    name = M.name,
    cmd = opts.cmd,
    cmd_env = opts.cmd_env,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    capabilities = opts.capabilities or vim.lsp.protocol.make_client_capabilities(),
    settings = opts.settings or {},
    init_options = opts.init_options,
    handlers = handlers,
    on_attach = opts.on_attach,
    on_init = opts.on_init,
    on_exit = exit_hook(opts.on_exit),
    flags = opts.flags or {},
  }
end

--- The base config for Neovim 0.11+ (what lsp/threatls.lua returns).
function M.lsp_config()
  return {
    cmd = vim.deepcopy(defaults.cmd),
    filetypes = vim.deepcopy(defaults.filetypes),
    root_markers = vim.deepcopy(defaults.root_markers),
    -- Same detection as on older versions; honours root_markers set with
    -- vim.lsp.config('threatls', { root_markers = ... }).
    root_dir = function(bufnr, on_dir)
      local markers
      local ok, resolved = pcall(function()
        return vim.lsp.config[M.name]
      end)
      if ok and type(resolved) == 'table' then
        markers = resolved.root_markers
      end
      local root = Root.for_buffer(bufnr, markers)
      if root then
        on_dir(root)
      end
    end,
    handlers = { ['window/logMessage'] = log_message_handler(nil) },
    on_exit = exit_hook(nil),
  }
end

local warned = {}

local function executable(cmd)
  if type(cmd) ~= 'table' or type(cmd[1]) ~= 'string' then
    return true -- a function cmd (0.10+ RPC transport): let Neovim handle it
  end
  if vim.fn.executable(cmd[1]) == 1 then
    return true
  end
  if not warned[cmd[1]] then
    warned[cmd[1]] = true
    notify(
      ('server command %q not found; install threatls or set cmd in require("threatls").setup{}'):format(cmd[1]),
      vim.log.levels.WARN
    )
  end
  return false
end

-- ---------------------------------------------------------------------------
-- Starting and attaching

local clients_by_root = {} -- 0.7 only: root -> client id

local function buffer_is_file(bufnr)
  return vim.api.nvim_buf_is_valid(bufnr)
    and vim.api.nvim_buf_is_loaded(bufnr)
    and vim.bo[bufnr].buftype == ''
end

local function attach_011(bufnr)
  local resolved = vim.lsp.config[M.name]
  if type(resolved) ~= 'table' then
    return nil
  end
  local cfg = vim.tbl_extend('force', {}, resolved)
  local root
  if type(cfg.root_dir) == 'function' then
    cfg.root_dir(bufnr, function(dir)
      root = dir
    end)
  elseif type(cfg.root_dir) == 'string' then
    root = cfg.root_dir
  else
    root = Root.for_buffer(bufnr, cfg.root_markers)
  end
  if not root or not executable(cfg.cmd) then
    return nil
  end
  cfg.root_dir = root
  cfg.name = M.name
  return vim.lsp.start(cfg, { bufnr = bufnr })
end

--- Starts (or reuses) the client for the buffer's root and attaches it.
--- Returns the client id, or nil when the buffer is not eligible.
---@param bufnr integer|nil
function M.attach(bufnr)
  if bufnr == nil or bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  if not buffer_is_file(bufnr) then
    return nil
  end
  if has('0.11') then
    return attach_011(bufnr)
  end

  local opts = M.options
  local root
  if opts.root_dir then
    root = opts.root_dir(vim.api.nvim_buf_get_name(bufnr), bufnr)
  else
    root = Root.for_buffer(bufnr, opts.root_markers)
  end
  if not root or not executable(opts.cmd) then
    return nil
  end
  local cfg = M.client_config(root, opts)

  if has('0.8') then
    local id
    -- 0.8 attaches the current buffer; later versions honour opts.bufnr.
    vim.api.nvim_buf_call(bufnr, function()
      id = vim.lsp.start(cfg, { bufnr = bufnr })
    end)
    return id
  end

  -- 0.7: one client per root, started by hand.
  local id = clients_by_root[root]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or client.is_stopped() then
    id = vim.lsp.start_client(cfg)
    if not id then
      return nil
    end
    clients_by_root[root] = id
  end
  if not vim.lsp.buf_is_attached(bufnr, id) then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

--- Configures threatls and starts it for *.threat buffers.
---@param opts table|nil see :help threatls-setup
function M.setup(opts)
  opts = opts or {}
  local expected = {
    cmd = { 'table', 'function' },
    cmd_env = { 'table' },
    filetypes = { 'table' },
    root_markers = { 'table' },
    root_dir = { 'function' },
    settings = { 'table' },
    init_options = { 'table' },
    capabilities = { 'table' },
    handlers = { 'table' },
    on_attach = { 'function' },
    on_init = { 'function' },
    on_exit = { 'function' },
    flags = { 'table' },
    autostart = { 'boolean' },
  }
  for key, value in pairs(opts) do
    local types = expected[key]
    if types and not vim.tbl_contains(types, type(value)) then
      error(('threatls.setup: %s must be a %s, got %s'):format(key, table.concat(types, ' or '), type(value)), 2)
    end
  end
  -- A shallow merge: lists such as cmd are replaced, not merged by index.
  M.options = vim.tbl_extend('force', vim.deepcopy(defaults), opts)
  require('threatls.commands').register()

  if has('0.11') then
    local cfg = {}
    for key, value in pairs(opts) do
      if key ~= 'autostart' and key ~= 'root_dir' and key ~= 'handlers' and key ~= 'on_exit' then
        cfg[key] = value
      end
    end
    if opts.root_dir then
      cfg.root_dir = function(bufnr, on_dir)
        local root = opts.root_dir(vim.api.nvim_buf_get_name(bufnr), bufnr)
        if root then
          on_dir(root)
        end
      end
    end
    if opts.handlers then
      local handlers = vim.tbl_extend('force', {}, opts.handlers)
      handlers['window/logMessage'] = log_message_handler(handlers['window/logMessage'])
      cfg.handlers = handlers
    end
    if opts.on_exit then
      cfg.on_exit = exit_hook(opts.on_exit)
    end
    vim.lsp.config(M.name, cfg)
    if M.options.autostart then
      vim.lsp.enable(M.name)
    end
    return
  end

  local group = vim.api.nvim_create_augroup('threatls', { clear = true })
  if not M.options.autostart then
    return
  end
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = M.options.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
    desc = 'threatls: start the language server',
  })
  -- Buffers opened before setup() (lazy loading on ft=threat).
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and filetype_matches(bufnr, M.options.filetypes) then
      M.attach(bufnr)
    end
  end
end

-- ---------------------------------------------------------------------------
-- :ThreatlsRestart

--- Stops every threatls client and starts them again for their buffers (and
--- any other loaded buffer of a threatls filetype).
---@param on_done function|nil called with the list of new client ids
function M.restart(on_done)
  local uv = vim.uv or vim.loop
  local old = M.get_clients()
  local buffers, ids = {}, {}
  for _, client in ipairs(old) do
    ids[#ids + 1] = client.id
    for _, bufnr in ipairs(client_buffers(client)) do
      buffers[bufnr] = true
    end
  end
  local filetypes = M.options.filetypes
  if has('0.11') then
    local ok, resolved = pcall(function()
      return vim.lsp.config[M.name]
    end)
    if ok and type(resolved) == 'table' and resolved.filetypes then
      filetypes = resolved.filetypes
    end
  end
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and filetype_matches(bufnr, filetypes) then
      buffers[bufnr] = true
    end
  end
  for _, client in ipairs(old) do
    client_stop(client)
  end

  local started = uv.now()
  local forced, killed, done = false, false, false
  local timer = uv.new_timer()
  timer:start(
    50,
    50,
    vim.schedule_wrap(function()
      if done then
        return
      end
      local alive = {}
      for _, id in ipairs(ids) do
        local client = vim.lsp.get_client_by_id(id)
        if client then
          alive[#alive + 1] = client
        end
      end
      local elapsed = uv.now() - started
      if #alive > 0 then
        if not forced and elapsed > 2000 then
          forced = true
          for _, client in ipairs(alive) do
            client_stop(client, true)
          end
        end
        if not killed and elapsed > 4000 then
          -- SIGTERM did not do it either.
          killed = true
          for _, client in ipairs(alive) do
            local pid = client_pid(client)
            if pid then
              pcall(uv.kill, pid, 'sigkill')
            end
          end
        end
        if elapsed < 5000 then
          return
        end
        notify('the old server did not exit; starting a new one anyway', vim.log.levels.WARN)
      end
      done = true
      timer:stop()
      timer:close()
      local new_ids, seen = {}, {}
      for bufnr in pairs(buffers) do
        if vim.api.nvim_buf_is_valid(bufnr) then
          local id = M.attach(bufnr)
          if id and not seen[id] then
            seen[id] = true
            new_ids[#new_ids + 1] = id
          end
        end
      end
      record(nil, 'INFO', ('restarted: stopped %d client(s), started %d'):format(#ids, #new_ids))
      if #new_ids == 0 then
        notify('no threat buffer to restart the server for', vim.log.levels.WARN)
      end
      if on_done then
        on_done(new_ids)
      end
    end)
  )
end

-- ---------------------------------------------------------------------------
-- :ThreatlsLog

function M.log_path()
  local ok, log = pcall(require, 'vim.lsp.log')
  if ok and log.get_filename then
    return log.get_filename()
  end
  return vim.lsp.get_log_path()
end

-- Decodes a Lua string literal as written by vim.inspect (no code is run).
local function unquote(lit)
  local q = lit:sub(1, 1)
  if (q ~= '"' and q ~= "'") or #lit < 2 or lit:sub(-1) ~= q then
    return lit
  end
  local s, out, i = lit:sub(2, -2), {}, 1
  local escapes = { n = '\n', t = '\t', r = '\r', a = '\a', b = '\b', f = '\f', v = '\v' }
  while i <= #s do
    local c = s:sub(i, i)
    if c == '\\' and i < #s then
      local n = s:sub(i + 1, i + 1)
      local digits = s:match('^%d%d?%d?', i + 1)
      if digits then
        out[#out + 1] = string.char(tonumber(digits) % 256)
        i = i + 1 + #digits
      else
        out[#out + 1] = escapes[n] or n
        i = i + 2
      end
    else
      out[#out + 1] = c
      i = i + 1
    end
  end
  return table.concat(out)
end

--- Lines the server wrote to stderr, as recorded in Neovim's LSP log, since
--- `since` (a 'YYYY-MM-DD HH:MM:SS' string; default: when this module loaded).
function M.stderr_lines(cmd0, since)
  since = since or session_start
  local f = io.open(M.log_path(), 'rb')
  if not f then
    return {}
  end
  local size = f:seek('end')
  f:seek('set', math.max(0, size - 2 * 1024 * 1024))
  local data = f:read('*a') or ''
  f:close()
  local needle = cmd0 and vim.inspect(cmd0) or nil
  local out = {}
  for line in data:gmatch('[^\n]+') do
    if line:find('"stderr"', 1, true) and line:find('"rpc"', 1, true)
      and (not needle or line:find(needle, 1, true)) then
      local stamp = line:match('^%[%a+%]%[([^%]]+)%]') or ''
      local lit = line:match('\t"stderr"\t(.*)$')
      local recent = not stamp:match('^%d%d%d%d%-%d%d%-%d%d %d%d:%d%d:%d%d') or stamp >= since
      if lit and recent then
        for text in unquote(lit):gmatch('[^\n]+') do
          out[#out + 1] = stamp .. '  ' .. text
        end
      end
    end
  end
  return out
end

--- The content shown by :ThreatlsLog.
function M.log_lines()
  local lines = { 'threatls log', '' }
  local clients = M.get_clients()
  if #clients == 0 then
    lines[#lines + 1] = 'No threatls client is running.'
  end
  local cmd0
  for _, client in ipairs(clients) do
    local cfg = client.config or {}
    if type(cfg.cmd) == 'table' then
      cmd0 = cmd0 or cfg.cmd[1]
    end
    lines[#lines + 1] = ('client %d  pid %s  root %s'):format(
      client.id,
      tostring(client_pid(client) or '?'),
      tostring(cfg.root_dir)
    )
    if type(cfg.cmd) == 'table' then
      lines[#lines + 1] = '  cmd: ' .. table.concat(cfg.cmd, ' ')
    end
    local bufs = {}
    for _, bufnr in ipairs(client_buffers(client)) do
      bufs[#bufs + 1] = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':~:.')
    end
    lines[#lines + 1] = '  buffers: ' .. table.concat(bufs, ', ')
  end
  if not cmd0 then
    local cmd = M.options.cmd
    if has('0.11') then
      local ok, resolved = pcall(function()
        return vim.lsp.config[M.name]
      end)
      if ok and type(resolved) == 'table' then
        cmd = resolved.cmd
      end
    end
    cmd0 = type(cmd) == 'table' and cmd[1] or nil
  end
  lines[#lines + 1] = ''
  lines[#lines + 1] = 'Neovim LSP log: ' .. M.log_path() .. '  (:ThreatlsLog! opens it)'
  lines[#lines + 1] = ''
  lines[#lines + 1] = '== Messages (window/logMessage, exits, restarts) =='
  for _, m in ipairs(messages) do
    local prefix = ('%s  %-5s %s'):format(m.time, m.kind, m.client_id and ('[' .. m.client_id .. '] ') or '')
    local first = true
    for text in (m.text .. '\n'):gmatch('([^\n]*)\n') do
      lines[#lines + 1] = (first and prefix or (' '):rep(#prefix)) .. text
      first = false
    end
  end
  lines[#lines + 1] = ''
  lines[#lines + 1] = '== Server stderr since ' .. session_start .. ' (from the Neovim LSP log) =='
  vim.list_extend(lines, M.stderr_lines(cmd0))
  return lines
end

local LOG_BUFFER = 'threatls://log'

--- Shows the server's log in a scratch buffer; with raw = true, opens
--- Neovim's LSP log file instead.
function M.show_log(raw)
  if raw then
    vim.cmd('tabnew ' .. vim.fn.fnameescape(M.log_path()))
    return
  end
  local bufnr = vim.fn.bufnr('^' .. LOG_BUFFER .. '$')
  if bufnr == -1 then
    bufnr = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(bufnr, LOG_BUFFER)
    vim.bo[bufnr].bufhidden = 'hide'
    vim.bo[bufnr].swapfile = false
    vim.bo[bufnr].buftype = 'nofile'
  end
  local win = vim.fn.bufwinid(bufnr)
  if win == -1 then
    vim.cmd('botright split')
    vim.api.nvim_win_set_buf(0, bufnr)
  else
    vim.api.nvim_set_current_win(win)
  end
  vim.bo[bufnr].modifiable = true
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, M.log_lines())
  vim.bo[bufnr].modifiable = false
  vim.bo[bufnr].modified = false
  vim.cmd('normal! G')
  return bufnr
end

-- For tests and status lines.
M._messages = messages
M._client_pid = client_pid

return M
