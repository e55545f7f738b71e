-- wrk script for the OpenAI-compatible API: POST /v1/chat/completions with "stream": true (SSE
-- chat.completion.chunk events), stateless like any OpenAI client.
--   BENCH_MODEL=NAME  the model asked for (default gemini-2.5-flash: chatrelay's default
--                     gemini.models)
--   BENCH_CHECK=1     also read each body and count answers that did not end well (no
--                     "finish_reason":"stop" chunk, or an error event) as "bad".
package.path = (os.getenv("BENCH_DIR") or "bench") .. "/?.lua;" .. package.path
local report = require("wrk_report")

local check = os.getenv("BENCH_CHECK") == "1"
local body = '{"model":"' .. (os.getenv("BENCH_MODEL") or "gemini-2.5-flash") ..
             '","stream":true,"messages":[{"role":"user","content":"hi"}]}'
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer bench" }
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  bad = 0
  checked = 0
end

function request()
  return wrk.format("POST", "/v1/chat/completions", headers, body)
end

if check then
  function response(status, headers, body)
    checked = checked + 1
    local ok = status == 200 and string.find(body, '"finish_reason":"stop"', 1, true) ~= nil and
               string.find(body, 'data: {"error":', 1, true) == nil and
               string.find(body, "data: [DONE]\n\n", 1, true) ~= nil
    if not ok then bad = bad + 1 end
  end
end

function done(summary, latency, requests)
  report.done(summary, latency, check and report.checked(threads) or {})
end
