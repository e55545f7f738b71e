-- wrk script for GET / (the chat page): keep-alive GETs with a browser's Accept-Encoding, so that
-- chatrelay answers the gzipped page it embeds, plus the JSON summary line.
package.path = (os.getenv("BENCH_DIR") or "bench") .. "/?.lua;" .. package.path
local report = require("wrk_report")

wrk.method = "GET"
wrk.headers["Accept"] = "text/html"
wrk.headers["Accept-Encoding"] = "gzip, deflate, br"

function done(summary, latency, requests)
  report.done(summary, latency)
end
