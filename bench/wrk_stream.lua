-- wrk script for streaming POSTs.
--   BENCH_TARGET=chatrelay  POST /api/chat/stream, a random session id per request (no history).
--   BENCH_TARGET=gemini     POST the Gemini path with x-goog-api-key: straight to the fake over TLS,
--                           or through a plain-HTTP reverse proxy in front of it (nginx, ...).
--   BENCH_CHECK=1           also read each body and count answers that did not end well
--                           (chatrelay: no "complete" chunk; gemini: no finishReason) as "bad".
package.path = (os.getenv("BENCH_DIR") or "bench") .. "/?.lua;" .. package.path
local report = require("wrk_report")

local target = os.getenv("BENCH_TARGET") or "chatrelay"
local check = os.getenv("BENCH_CHECK") == "1"
local gemini_path = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
local gemini_body = '{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}'
local json = { ["Content-Type"] = "application/json" }
local gemini_headers = { ["Content-Type"] = "application/json", ["x-goog-api-key"] = "bench-key" }
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  threads[#threads + 1] = thread
end

function init(args)
  bad = 0
  checked = 0
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919 + math.floor(os.clock() * 1e6))
end

function request()
  if target == "gemini" then
    return wrk.format("POST", gemini_path, gemini_headers, gemini_body)
  end
  counter = counter + 1
  local sid = string.format("bench-%d-%08x%08x-%d", tid or 0, math.random(0, 0x7fffffff),
                            math.random(0, 0x7fffffff), counter)
  return wrk.format("POST", "/api/chat/stream", json,
                    '{"session_id":"' .. sid .. '","messages":[{"role":"user","content":"hi"}]}')
end

if check then
  -- chatrelay writes compact JSON; Python's json.dumps (the FastAPI peer) puts a space after ':'.
  local markers = target == "gemini" and { '"finishReason"' } or { '"type":"complete"', '"type": "complete"' }
  function response(status, headers, body)
    checked = checked + 1
    local ok = false
    for _, m in ipairs(markers) do ok = ok or string.find(body, m, 1, true) ~= nil end
    if status ~= 200 or not ok then bad = bad + 1 end
  end
end

function done(summary, latency, requests)
  report.done(summary, latency, check and report.checked(threads) or {})
end
