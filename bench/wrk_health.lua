-- wrk script for GET /health (the URL's path): plain keep-alive GETs, plus the JSON summary line.
package.path = (os.getenv("BENCH_DIR") or "bench") .. "/?.lua;" .. package.path
local report = require("wrk_report")

wrk.method = "GET"

function done(summary, latency, requests)
  report.done(summary, latency)
end
