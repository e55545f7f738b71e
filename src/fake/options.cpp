// Command-line parsing and the --help text for chatrelay-fake-gemini.
#include "options.hpp"

#include <charconv>

#include "fake_config.hpp"

namespace chatrelay::fake {
namespace {

template <typename T>
bool parse_number(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

ParsedArgs parse_args(int argc, char** argv) {
  ParsedArgs parsed;
  Options& o = parsed.options;
  o.recordings = CHATRELAY_FAKE_RECORDINGS;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view value;
    if (arg == "--help" || arg == "-h") {
      parsed.help = true;
      return parsed;
    }
    // Every other option takes a value, as `--name value` or `--name=value`.
    if (auto eq = arg.find('='); eq != std::string_view::npos && arg.starts_with("--")) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      parsed.error = std::string(arg) + " needs a value (see --help)";
      return parsed;
    }
    bool ok = true;
    if (arg == "--host") {
      o.host = value;
    } else if (arg == "--port") {
      ok = parse_number(value, o.port);
    } else if (arg == "--scenario") {
      o.scenario = value;
    } else if (arg == "--replay") {
      o.replay = value;
    } else if (arg == "--recordings") {
      o.recordings = value;
    } else if (arg == "--delay-ms") {
      unsigned ms = 0;
      ok = parse_number(value, ms);
      o.delay = std::chrono::milliseconds(ms);
    } else if (arg == "--events") {
      ok = parse_number(value, o.events) && o.events > 0;
    } else if (arg == "--tls-dir") {
      o.tls_dir = value;
    } else if (arg == "--http2") {
      ok = value == "on" || value == "off";
      o.http2 = value == "on";
    } else if (arg == "--max-streams") {
      ok = parse_number(value, o.max_streams) && o.max_streams > 0;
    } else if (arg == "--goaway-after") {
      ok = parse_number(value, o.goaway_after);
    } else if (arg == "--cert-host") {
      o.cert_host = value;
    } else {
      parsed.error = "unknown option " + std::string(arg) + " (see --help)";
      return parsed;
    }
    if (!ok) {
      parsed.error = "bad value for " + std::string(arg) + ": '" + std::string(value) + "'";
      return parsed;
    }
  }
  return parsed;
}

// One literal: the --help text, long because the options are many.
std::string usage() {
  return R"(chatrelay-fake-gemini: a local stand-in for Gemini's streamGenerateContent API over TLS,
playing scripted scenarios in Google's exact wire format. No API key, no internet.

Usage: chatrelay-fake-gemini [options]
  --host HOST        address to listen on (default 127.0.0.1)
  --port N           port; 0 picks a free one (default 0)
  --scenario NAME    scenario for requests that do not pick one (default normal)
  --replay FILE      serve this recording byte for byte instead: *.sse as a 200 chunked event
                     stream, *.jsonl with each line wrapped as "data: LINE\r\n\r\n",
                     error-NNN-*.json with status NNN and Content-Length, as Google does.
                     A bare file name is looked up in --recordings.
  --recordings DIR   recordings directory (default: the source tree's tests/data/gemini-recordings;
                     the recordings the scenarios use are built into the binary)
  --delay-ms N       pause before each event (default 0: all at once; paced 20, endless 10)
  --events N         number of events of the `long` scenario (default 200)
  --tls-dir DIR      where the self-signed CA and server certificate are made on first use
                     (default .tls); clients trust DIR/ca.pem
  --cert-host NAME   make the certificate name only NAME (use a fresh --tls-dir): clients that
                     connect by another name must refuse it
  --http2 on|off     accept HTTP/2 ("h2") from clients that offer it by ALPN (default on);
                     off answers every client in HTTP/1.1. Both play the same scenarios.
  --max-streams N    HTTP/2 streams a client may have open at once on one connection
                     (SETTINGS_MAX_CONCURRENT_STREAMS, default 100)
  --goaway-after N   on each HTTP/2 connection, send GOAWAY once N streams have started: those
                     N are answered, later ones are refused (the client retries them elsewhere),
                     then the connection closes (default 0: never)
  --help             this text

On start it prints, and flushes:
  listening on https://HOST:PORT
  ca: DIR/ca.pem

Point chatrelay at it:
  GEMINI_BASE_URL=https://127.0.0.1:PORT GEMINI_CA_FILE=DIR/ca.pem GEMINI_API_KEY=anything chatrelay

Requests: POST /v1beta/models/MODEL:streamGenerateContent?alt=sse with header x-goog-api-key.
  No key: 403 PERMISSION_DENIED. Key "bad-key" or starting with "invalid": 400 API_KEY_INVALID.
  The scenario of a request is the first of: the next name queued with POST /__fake/scenarios;
  MODEL "fake-NAME" (scenario NAME; an unknown NAME gets 404 NOT_FOUND); --replay; --scenario.

Scenarios:
  normal         three text events, usageMetadata and modelVersion, STOP in the last
  paced          normal, events --delay-ms apart (20 ms when 0)
  long           --events short text events, STOP in the last (the benchmark upstream)
  code           recorded 123-event reply with a ```python block (text-codefence-2.5-flash.sse,
                 \r\n\r\n separators as the live API sends them)
  thoughts       recorded thought-summary parts then the answer (thinking-2.5-flash-thoughts.sse)
  429            recorded RESOURCE_EXHAUSTED, RetryInfo 58s
  429-short      the same with RetryInfo 1s
  400, bad-key   recorded INVALID_ARGUMENT / API_KEY_INVALID
  403            recorded PERMISSION_DENIED / SERVICE_DISABLED
  404            recorded NOT_FOUND for an unknown model
  500            INTERNAL
  503            UNAVAILABLE "The model is overloaded. Please try again later."
  reset          two events, then a TCP reset (no TLS close_notify, no terminator)
  raw-error      two events, then a raw pretty-printed {"error": {"code": 500, ...}} without
                 "data:", then the terminator (how Google reports a failure mid-stream)
  malformed      one event, then "data: {"candidates": [" and the terminator
  no-finish      text events, none with a finishReason
  blocked        promptFeedback.blockReason PROHIBITED_CONTENT, no candidates (recorded)
  max-tokens     text opening a code block, then finishReason MAX_TOKENS
  safety         finishReason SAFETY with no text
  stall          headers and one event, then silence
  stall-headers  reads the request, never answers
  drip-headers   the response head one byte every 50 ms (about 20 s), then normal's events
  comments       headers, then SSE comment lines (": keep-alive") forever, --delay-ms apart
                 (100 ms when 0): bytes that are not events
  stall-comments headers and one event, then comment lines forever like comments
  endless        text events forever, --delay-ms apart (10 ms when 0)
  flood          64 KiB text events forever, --delay-ms apart (1 ms when 0)
  bad-chunk      a 200 whose second chunk has an invalid chunk-size line, then close
  huge-event     one 20 MiB text event
  empty          a thought-summary event, then finishReason STOP with no text (Gemini 2.5
                 sometimes ends a turn so)
  max-tokens-empty  the same, ending with finishReason MAX_TOKENS (the budget spent thinking)
  blank          text events of only newlines, then STOP
  large          twelve 512 KiB text events (a 6 MiB answer), STOP in the last
  html           an answer with a ```html page whose script draws into it and sets
                 body[data-ran], then a ```bash block (the chat page's tests and screenshot)

Control endpoints (same port, JSON answers):
  GET    /__fake/stats       {"connections","handshakes","resumed","requests","open_streams",
                             "open_connections","h2_connections","stream_resets"}
  GET    /__fake/requests    the last 100 streaming requests, oldest first: {"model","path","body",
                             "api_key_present","api_key_length"} (the key itself is never shown)
  DELETE /__fake/requests    forget them
  GET    /__fake/scenarios   {"queue":[...],"scenarios":[every name]}
  POST   /__fake/scenarios   body "503,normal": the next streaming requests play these, in order
  DELETE /__fake/scenarios   empty the queue

SIGINT or SIGTERM: exit 0.
)";
}

}  // namespace chatrelay::fake
