-- Root detection for threatls: the model root is the nearest ancestor holding
-- one of the root markers (default `.git`); failing that, the nearest folder
-- (the file's own, then its parents) holding `.threat` files; failing that,
-- the file's folder. Works on Neovim 0.7+ (only vim.loop / vim.uv and vim.fn).

local uv = vim.uv or vim.loop

local M = {}

M.default_markers = { '.git' }

local function exists(path)
  return uv.fs_stat(path) ~= nil
end

local function is_dir(path)
  local st = uv.fs_stat(path)
  return st ~= nil and st.type == 'directory'
end

-- Removes a trailing separator, except from a filesystem root.
local function trim(dir)
  local t = dir:gsub('[/\\]+$', '')
  if t == '' or t:match('^%a:$') then
    return dir
  end
  return t
end

local function parent(dir)
  local p = trim(vim.fn.fnamemodify(dir, ':h'))
  if p == dir then
    return nil
  end
  return p
end

local function join(dir, name)
  if dir:match('[/\\]$') then
    return dir .. name
  end
  return dir .. '/' .. name
end

--- Whether dir directly contains a `*.threat` file.
function M.has_threat_files(dir)
  local handle = uv.fs_scandir(dir)
  if not handle then
    return false
  end
  while true do
    local name, kind = uv.fs_scandir_next(handle)
    if not name then
      return false
    end
    if name:sub(-7) == '.threat' and kind ~= 'directory' then
      return true
    end
  end
end

--- Root directory for a path (a file, which need not exist yet, or a folder).
---@param path string
---@param markers string[]|nil names whose presence marks a root (default { '.git' })
---@return string
function M.find(path, markers)
  markers = markers or M.default_markers
  path = vim.fn.fnamemodify(path, ':p')
  local start = is_dir(path) and trim(path) or trim(vim.fn.fnamemodify(path, ':h'))

  local dir = start
  while dir do
    for _, marker in ipairs(markers) do
      if exists(join(dir, marker)) then
        return dir
      end
    end
    dir = parent(dir)
  end

  dir = start
  while dir do
    if M.has_threat_files(dir) then
      return dir
    end
    dir = parent(dir)
  end

  return start
end

--- Root directory for a buffer, or nil when the buffer is not a file on disk
--- (no name, or a URI such as fugitive:// or oil://).
---@param bufnr integer
---@param markers string[]|nil
---@return string|nil
function M.for_buffer(bufnr, markers)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' or name:match('^%a[%w+.-]*://') then
    return nil
  end
  return M.find(name, markers)
end

return M
