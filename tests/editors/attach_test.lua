-- End-to-end test of a Neovim configuration of editors/nvim as a user loads it: test_nvim.py
-- starts `nvim --headless --clean -u INIT` with an init.lua that is the README's snippet for
-- that Neovim (Neovim 0.7-0.10: editors/nvim on 'runtimepath' and legacy.lua; 0.11+: the same
-- folder and vim.lsp.enable('mailflow'), which reads lsp/mailflow.lua), with the binary under
-- test on PATH as `mailflow`, then runs this file, which
--   1. opens MAILFLOW_NVIM_FILE (a DSL file): filetype `mailflow` from ftdetect, one client
--      named mailflow is attached, and the diagnostics MAILFLOW_NVIM_EXPECT arrive;
--   2. opens MAILFLOW_NVIM_OTHER (docker-compose.yaml): no client is attached to it;
--   3. opens MAILFLOW_NVIM_YAML (a .yaml file whose first key is `mailflow`): the same client
--      is attached and MAILFLOW_NVIM_EXPECT_YAML arrive;
-- then stops the client. Writes one line per step to MAILFLOW_NVIM_RESULTS and exits 1 on
-- failure.

local file = assert(os.getenv('MAILFLOW_NVIM_FILE'))
local other = assert(os.getenv('MAILFLOW_NVIM_OTHER'))
local yaml = assert(os.getenv('MAILFLOW_NVIM_YAML'))
local expect = assert(os.getenv('MAILFLOW_NVIM_EXPECT'))
local expect_yaml = assert(os.getenv('MAILFLOW_NVIM_EXPECT_YAML'))
local results = assert(os.getenv('MAILFLOW_NVIM_RESULTS'))
local TIMEOUT = 15000

-- steps.lua is beside this file.
local steps = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':h') .. '/steps.lua')
local check = steps.check

local function codes(bufnr)
  return table.concat(steps.codes(bufnr), ' ')
end

-- vim.lsp.get_clients came in 0.10, when buf_get_clients was deprecated.
local function clients_of(bufnr)
  local ids = {}
  if vim.lsp.get_clients then
    for _, client in ipairs(vim.lsp.get_clients({ bufnr = bufnr })) do
      ids[#ids + 1] = client.id
    end
  else
    for id, _ in pairs(vim.lsp.buf_get_clients(bufnr)) do
      ids[#ids + 1] = id
    end
  end
  return ids
end

local function open(path)
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  return vim.api.nvim_get_current_buf()
end

local function main()
  local bufnr = open(file)
  check(vim.bo[bufnr].filetype == 'mailflow', 'ftdetect made %s filetype mailflow (got %s)', vim.fn.fnamemodify(file, ':t'), vim.bo[bufnr].filetype)
  -- A client shows among the buffer's clients once it has initialized.
  check(vim.wait(TIMEOUT, function()
    return #clients_of(bufnr) == 1
  end, 20), 'the configuration attached one client to the DSL buffer')
  local client_id = clients_of(bufnr)[1]
  check(vim.lsp.get_client_by_id(client_id).name == 'mailflow', 'the client is mailflow')
  check(vim.wait(TIMEOUT, function()
    return codes(bufnr) == expect
  end, 20), 'the diagnostics %s arrived (got %s)', expect, codes(bufnr))

  local other_buf = open(other)
  check(vim.bo[other_buf].filetype == 'yaml', 'docker-compose.yaml is yaml')
  vim.wait(500)
  check(#clients_of(other_buf) == 0, 'no client is attached to docker-compose.yaml')
  check(codes(other_buf) == '', 'docker-compose.yaml has no diagnostics')

  local yaml_buf = open(yaml)
  check(vim.bo[yaml_buf].filetype == 'yaml', 'tenant.yaml is yaml')
  vim.wait(TIMEOUT, function()
    return #clients_of(yaml_buf) > 0
  end, 20)
  check(clients_of(yaml_buf)[1] == client_id and #clients_of(yaml_buf) == 1, 'the same client is attached to tenant.yaml (first key mailflow)')
  check(vim.wait(TIMEOUT, function()
    return codes(yaml_buf) == expect_yaml
  end, 20), 'the diagnostics %s arrived in tenant.yaml (got %s)', expect_yaml, codes(yaml_buf))

  vim.lsp.stop_client(client_id)
  check(vim.wait(TIMEOUT, function()
    return vim.lsp.get_client_by_id(client_id) == nil
  end, 20), 'the server stopped')
end

steps.run(main, results)
