-- Shared by the wrk scripts: done() prints one machine-readable line, "BENCHJSON {...}", with the
-- request count, duration, errors and latency percentiles (microseconds) that bench/report.py reads.
local M = {}

function M.done(summary, latency, extra)
  local e = summary.errors
  local parts = {
    string.format('"requests":%d', summary.requests),
    string.format('"duration_us":%d', summary.duration),
    string.format('"bytes":%d', summary.bytes),
    string.format('"rps":%.1f', summary.requests / (summary.duration / 1e6)),
    string.format('"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}',
                  e.connect, e.read, e.write, e.status, e.timeout),
    string.format('"p50_us":%d', latency:percentile(50)),
    string.format('"p90_us":%d', latency:percentile(90)),
    string.format('"p99_us":%d', latency:percentile(99)),
    string.format('"max_us":%d', latency.max),
    string.format('"mean_us":%.1f', latency.mean),
  }
  for k, v in pairs(extra or {}) do parts[#parts + 1] = string.format('"%s":%d', k, v) end
  io.write("BENCHJSON {" .. table.concat(parts, ",") .. "}\n")
end

-- The "bad" and "checked" counts summed over every thread, for scripts that check each body.
function M.checked(threads)
  local b, c = 0, 0
  for _, t in ipairs(threads) do
    b = b + (t:get("bad") or 0)
    c = c + (t:get("checked") or 0)
  end
  return { bad = b, checked = c }
end

return M
