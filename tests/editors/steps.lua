-- What the Neovim drivers beside this file share: a report of their steps, one line each, and
-- the run of their main function, which writes the report to the results file ending with
-- PASS or `FAIL <why>` and leaves Neovim with status 0 or 1 (cquit).
local M = { lines = {} }

function M.say(fmt, ...)
  table.insert(M.lines, string.format(fmt, ...))
end

-- Stops the run with the message unless `condition` holds; reports it as `ok ...` when it does.
function M.check(condition, fmt, ...)
  if not condition then
    error(string.format(fmt, ...), 0)
  end
  M.say('ok ' .. fmt, ...)
end

-- The codes of the buffer's diagnostics, sorted.
function M.codes(bufnr)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    found[#found + 1] = tostring(d.code)
  end
  table.sort(found)
  return found
end

function M.run(main, results)
  local ok, err = pcall(main)
  M.say(ok and 'PASS' or ('FAIL ' .. tostring(err)))
  vim.fn.writefile(M.lines, results)
  vim.cmd(ok and 'qall!' or 'cquit 1')
end

return M
