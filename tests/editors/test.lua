-- End-to-end test of `mailflow lsp` in a real editor: Neovim 0.7+ headless, with its built-in
-- LSP client (vim.lsp.start_client, which 0.7 has; vim.lsp.start came in 0.8).
--
--   MAILFLOW_BIN=target/debug/mailflow MAILFLOW_NVIM_FILE=/tmp/x/mf202.mailflow.yaml \
--   MAILFLOW_NVIM_RESULTS=/tmp/x/results.txt nvim --headless --clean -u NONE -c 'luafile tests/editors/test.lua'
--
-- Opens MAILFLOW_NVIM_FILE (a tenant with a smart host connector no rule uses: MF202),
-- waits for the server's diagnostics, hovers a key, applies the code action "Insert
-- anti-loop rule for `<connector>`" (resolving it first through codeAction/resolve, as
-- Neovim announces resolveSupport for `edit`), checks the buffer holds the inserted rule and
-- that the server, sent the change by the attached client, drops MF202; then stops the
-- server and checks it exited cleanly. Writes one line per step to MAILFLOW_NVIM_RESULTS
-- (`ok ...` / `FAIL ...`), the final buffer to MAILFLOW_NVIM_RESULTS .. '.buffer', and exits
-- with status 1 on failure (cquit), 0 on success.

local bin = assert(os.getenv('MAILFLOW_BIN'), 'MAILFLOW_BIN is not set')
local file = assert(os.getenv('MAILFLOW_NVIM_FILE'), 'MAILFLOW_NVIM_FILE is not set')
local results = assert(os.getenv('MAILFLOW_NVIM_RESULTS'), 'MAILFLOW_NVIM_RESULTS is not set')
-- 'fix' (the default): the steps above. 'diagnostics': open the file (a DSL file: filetype
-- "mailflow", which Neovim 0.7 does not know, so it is set here), wait until its diagnostics
-- have the codes in MAILFLOW_NVIM_EXPECT (space-separated, sorted), write them as JSON to
-- MAILFLOW_NVIM_RESULTS .. '.diagnostics' for the caller to compare with the CLI, stop.
local mode = os.getenv('MAILFLOW_NVIM_MODE') or 'fix'
local expect = os.getenv('MAILFLOW_NVIM_EXPECT') or ''
local DOCS = 'https://docs.example.com/mailflow'
local TIMEOUT = 15000

-- steps.lua is beside this file.
local steps = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':h') .. '/steps.lua')
local say, check = steps.say, steps.check

local function wait_for(what, predicate)
  local done = vim.wait(TIMEOUT, predicate, 20)
  check(done, 'waited for %s', what)
end

local function find_line(bufnr, needle)
  for index, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local column = line:find(needle, 1, true)
    if column then
      return index - 1, column - 1
    end
  end
  error('no line contains ' .. needle, 0)
end

local codes = steps.codes

local function has_code(bufnr, code)
  return vim.tbl_contains(codes(bufnr), code)
end

-- The one answer of our client to a request made with buf_request_sync.
local function only_result(responses, method)
  check(responses ~= nil, '%s answered', method)
  for _, response in pairs(responses) do
    check(response.err == nil, '%s answered without error (%s)', method, vim.inspect(response.err))
    return response.result
  end
  error(method .. ': no response', 0)
end

local exit_code = nil

local function stop_server(client_id)
  vim.lsp.stop_client(client_id)
  wait_for('the server to exit', function()
    return exit_code ~= nil
  end)
  check(exit_code == 0, 'the server exited with 0 after shutdown and exit (got %s)', tostring(exit_code))
end

local function diagnostics_only(bufnr, client_id)
  wait_for('the diagnostics ' .. expect, function()
    return table.concat(codes(bufnr), ' ') == expect
  end)
  say('diagnostics: %s', table.concat(codes(bufnr), ' '))
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    found[#found + 1] = {
      code = tostring(d.code),
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      severity = d.severity,
      message = d.message,
      source = d.source,
    }
  end
  vim.fn.writefile({ vim.fn.json_encode(found) }, results .. '.diagnostics')
  stop_server(client_id)
end

local function main()
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  if mode == 'diagnostics' then
    vim.bo[bufnr].filetype = 'mailflow'
    check(vim.bo[bufnr].filetype == 'mailflow', 'the buffer has filetype mailflow')
  end
  local uri = vim.uri_from_bufnr(bufnr)

  -- Neovim 0.7 answers workspace/configuration but does not announce it; nvim-lspconfig
  -- (and Neovim 0.8 on) announce it, as done here.
  local capabilities = vim.lsp.protocol.make_client_capabilities()
  capabilities.workspace.configuration = true
  local client_id = vim.lsp.start_client({
    name = 'mailflow',
    cmd = { bin, 'lsp' },
    capabilities = capabilities,
    root_dir = vim.fn.fnamemodify(file, ':p:h'),
    settings = { mailflow = { docsUrl = DOCS } },
    on_exit = function(code)
      exit_code = code
    end,
  })
  check(client_id ~= nil, 'started the language server %s lsp', bin)
  check(vim.lsp.buf_attach_client(bufnr, client_id), 'attached the server to the buffer')
  local client = vim.lsp.get_client_by_id(client_id)
  wait_for('initialize', function()
    return client.initialized == true or exit_code ~= nil
  end)
  check(exit_code == nil, 'the server is running (it exited with %s)', tostring(exit_code))
  check(client.offset_encoding == 'utf-16', 'the server agreed to UTF-16 columns (got %s)', client.offset_encoding)

  if mode == 'diagnostics' then
    return diagnostics_only(bufnr, client_id)
  end

  -- Diagnostics arrive by themselves (push), with the settings the editor gave (a first
  -- publication may come before the server has read them: tests/lsp checks that race).
  local function href_of(d)
    local lsp = d.user_data and d.user_data.lsp
    return lsp and lsp.codeDescription and lsp.codeDescription.href
  end
  wait_for('the MF202 diagnostic', function()
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.code == 'MF202' and href_of(d) then
        return true
      end
    end
    return false
  end)
  say('diagnostics: %s', table.concat(codes(bufnr), ' '))
  local mf202
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.code == 'MF202' then
      mf202 = d
    end
  end
  local connector_line = find_line(bufnr, '- name: Mimecast outbound')
  check(mf202.lnum == connector_line, 'MF202 is on the connector line %d (got %d)', connector_line, mf202.lnum)
  check(mf202.severity == vim.diagnostic.severity.ERROR, 'MF202 is an error')
  check(mf202.source == 'mailflow', 'the source is mailflow')
  local href = href_of(mf202)
  check(href == DOCS .. '/MF202', 'the code links to the docsUrl setting (%s)', tostring(href))

  -- Hover on a key.
  local line, column = find_line(bufnr, 'stopProcessingMoreRules')
  local hover = only_result(
    vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', {
      textDocument = { uri = uri },
      position = { line = line, character = column + 3 },
    }, TIMEOUT),
    'textDocument/hover'
  )
  check(hover ~= nil and hover ~= vim.NIL, 'hover on stopProcessingMoreRules has contents')
  local text = type(hover.contents) == 'table' and (hover.contents.value or vim.inspect(hover.contents)) or tostring(hover.contents)
  check(text:find('StopRuleProcessing', 1, true) ~= nil, 'the hover names the PowerShell parameter StopRuleProcessing')

  -- Code actions for the MF202 diagnostic, with the diagnostic as Neovim sends it.
  local context_diagnostics = vim.lsp.diagnostic.get_line_diagnostics(bufnr, mf202.lnum)
  local actions = only_result(
    vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', {
      textDocument = { uri = uri },
      range = {
        start = { line = mf202.lnum, character = mf202.col },
        ['end'] = { line = mf202.end_lnum, character = mf202.end_col },
      },
      context = { diagnostics = context_diagnostics },
    }, TIMEOUT),
    'textDocument/codeAction'
  )
  local titles = {}
  local chosen
  for _, action in ipairs(actions or {}) do
    titles[#titles + 1] = action.title
    if vim.startswith(action.title, 'Insert anti-loop rule for') then
      chosen = action
    end
  end
  say('code actions: %s', table.concat(titles, ' | '))
  check(chosen ~= nil, 'a code action "Insert anti-loop rule for ..." is offered')
  check(chosen.title == 'Insert anti-loop rule for `Mimecast outbound`', 'its title names the connector (%s)', chosen.title)
  check(vim.tbl_contains(titles, 'Ignore MF202 for this object'), 'an "Ignore MF202 for this object" action is offered')

  if not chosen.edit then
    local response = client.request_sync('codeAction/resolve', chosen, TIMEOUT, bufnr)
    check(response ~= nil and response.err == nil, 'codeAction/resolve answered (%s)', vim.inspect(response and response.err))
    chosen = response.result
  end
  check(chosen.edit ~= nil, 'the action has a workspace edit')
  local tick = vim.api.nvim_buf_get_changedtick(bufnr)
  vim.lsp.util.apply_workspace_edit(chosen.edit, 'utf-16')
  check(vim.api.nvim_buf_get_changedtick(bufnr) > tick, 'the edit changed the buffer')

  local buffer = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
  check(buffer:find('  - name: Mimecast outbound smart host rule', 1, true) ~= nil, 'the buffer holds the inserted rule')
  check(buffer:find('      redirectToConnector: Mimecast outbound\n', 1, true) ~= nil, 'the new rule redirects to the connector')
  check(buffer:find('X-AntiLoop-Smarthost', 1, true) ~= nil, 'the new rule sets and excepts an anti-loop header')

  -- The attached client sends the change; the server re-checks and MF202 is gone.
  wait_for('MF202 to go away after the edit', function()
    return not has_code(bufnr, 'MF202')
  end)
  say('diagnostics after the fix: %s', table.concat(codes(bufnr), ' '))
  local errors = vim.diagnostic.get(bufnr, { severity = vim.diagnostic.severity.ERROR })
  check(#errors == 0, 'no error is left (%d)', #errors)
  vim.fn.writefile(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), results .. '.buffer')

  -- shutdown and exit.
  stop_server(client_id)
end

steps.run(main, results)
