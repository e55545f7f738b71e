// CompletionsHandler: one coroutine per request. The response head waits for Gemini's first text,
// so a failure before it is a real HTTP status the SDKs map to their error classes; only a
// failure after chunks went out is an error event (DESIGN.md §1). The connection races the
// handler against the client leaving (the upstream call then closes at once); the server's forced
// shutdown stops the call.
#include "chatrelay/openai/completions_handler.hpp"

#include <chrono>
#include <utility>
#include <variant>

#include "chatrelay/core/deadline.hpp"
#include "chatrelay/core/log.hpp"
#include "chatrelay/core/metrics.hpp"
#include "chatrelay/core/random.hpp"
#include "chatrelay/gemini/request_builder.hpp"
#include "chatrelay/openai/chunk_stream.hpp"

namespace chatrelay::openai {
namespace {

using clock = std::chrono::steady_clock;

struct AnswerTooLarge {};

// Counts an answer as in progress for as long as it lives, and how it ended; one that never said
// (its coroutine was cancelled) lost its client.
class CompletionGauge {
 public:
  CompletionGauge() { ++metrics::registry().completions_active; }
  ~CompletionGauge() {
    auto& m = metrics::registry();
    --m.completions_active;
    if (outcome_ == nullptr) ++m.completions_disconnected;
    else ++*outcome_;
  }
  CompletionGauge(const CompletionGauge&) = delete;
  CompletionGauge& operator=(const CompletionGauge&) = delete;
  void ended(bool complete) {
    auto& m = metrics::registry();
    outcome_ = complete ? &m.completions_complete : &m.completions_error;
  }

 private:
  std::uint64_t* outcome_ = nullptr;
};

ApiError shutting_down() {
  ApiError e;
  e.status = 503;
  e.message = "chatrelay is shutting down; the answer was cut short. Send the request again in a moment.";
  e.code = "shutting_down";
  return e;
}

// Without a key nothing can be asked: the server's configuration, not the request, is at fault.
ApiError no_api_key() {
  ApiError e;
  e.status = 500;
  e.message = "No Gemini API key is configured on this server. Its operator must set GEMINI_API_KEY (or "
              "gemini.api_key) and restart chatrelay.";
  e.code = "upstream_api_key_missing";
  e.retryable = false;
  return e;
}

Identity new_identity(const std::string& model) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return {"chatcmpl-" + random_hex_id(), std::chrono::duration_cast<std::chrono::seconds>(now).count(), model};
}

// What every call records: its duration, attempts and time to first event, and its failure.
void record_call(http::Exchange& ex, const gemini::StreamOutcome& outcome, clock::time_point start,
                 std::optional<clock::time_point> first_event) {
  auto& m = metrics::registry();
  m.upstream_duration.observe(to_seconds(clock::now() - start));
  if (first_event) {
    m.upstream_ttft.observe(to_seconds(*first_event - start));
    ex.annotate("upstream_ttft_ms", to_seconds(*first_event - start) * 1000);
  }
  ex.annotate("upstream_attempts", outcome.attempts);
  // The client has logged the failure in the operator's terms (Gemini call failed).
  if (outcome.error) m.count_upstream_error(outcome.error->code);
}

void warn_if_empty(http::Exchange& ex, const Answer& answer, const gemini::StreamOutcome& outcome) {
  if (outcome.error || outcome.stopped || answer.any_text()) return;
  // Gemini 2.5 sometimes finishes, or runs out of tokens thinking, without a word of answer.
  log::warn("answer without text", {log::kv("request_id", ex.request_id()),
                                     log::kv("finish_reason", answer.gemini_finish_reason().value_or("none"))});
}

}  // namespace

CompletionsHandler::CompletionsHandler(const config::Settings& settings, gemini::Client& client,
                                       std::span<const std::string> models)
    : settings_(settings), client_(client), models_(models) {}

awaitable<void> CompletionsHandler::operator()(http::Exchange& ex) {
  auto parsed = parse_completion_request(ex.request().body, models_);
  if (auto* error = std::get_if<ApiError>(&parsed)) {
    co_await ex.respond(error_response(*error));
    co_return;
  }
  const auto& request = std::get<CompletionRequest>(parsed);
  if (!settings_.gemini.api_key || settings_.gemini.api_key->empty()) {
    CompletionGauge gauge;
    gauge.ended(false);
    co_await ex.respond(error_response(no_api_key()));
    co_return;
  }
  // The request's own settings, over the operator's defaults; no configured system prompt: an
  // OpenAI client brings its own.
  gemini::GenerationOptions options = request.options;
  const auto& g = settings_.gemini;
  if (!options.temperature) options.temperature = g.temperature;
  if (!options.max_output_tokens) options.max_output_tokens = g.max_output_tokens;
  options.thinking_budget = g.thinking_budget;
  options.include_thoughts = g.include_thoughts;
  const std::string body = gemini::build_request_body(request.turns, options, request.system);
  if (request.stream) co_await stream(ex, request, body);
  else co_await complete(ex, request, body);
}

awaitable<void> CompletionsHandler::stream(http::Exchange& ex, const CompletionRequest& request,
                                           const std::string& body) {
  CompletionGauge gauge;
  ChunkStream chunks(new_identity(request.model), request.include_usage, settings_.gemini.include_thoughts);
  // Built before any co_await: GCC 12 miscompiles brace-initialised temporaries inside one.
  std::vector<http1::Header> stream_headers;
  stream_headers.push_back({"Cache-Control", "no-cache"});
  stream_headers.push_back({"X-Accel-Buffering", "no"});
  bool head_sent = false;
  auto send_head = [&]() -> awaitable<void> {
    if (std::exchange(head_sent, true)) co_return;
    co_await ex.start_stream(200, "text/event-stream", std::move(stream_headers));
  };
  std::string out;
  const auto start = clock::now();
  std::optional<clock::time_point> first_event;
  auto sink = [&](std::span<const gemini::EventData> events) -> awaitable<void> {
    if (!first_event) first_event = clock::now();
    out.clear();
    chunks.feed(events, out);
    if (out.empty()) co_return;  // no text yet: the head still waits
    co_await send_head();
    co_await ex.write_chunk(out);  // one gathered write per upstream read
  };

  // The server's forced shutdown ends the upstream call (Exchange::forced_end_slot).
  gemini::StreamOutcome outcome;
  if (ex.forced_end()) outcome.stopped = true;
  else outcome = co_await client_.stream(request.model, body, sink, ex.request_id(), ex.forced_end_slot());
  record_call(ex, outcome, start, first_event);
  warn_if_empty(ex, chunks.answer(), outcome);
  out.clear();
  std::optional<ApiError> refusal;
  if (outcome.stopped) {
    if (chunks.started()) chunks.fail(shutting_down(), out);
    else refusal = shutting_down();
  } else {
    refusal = chunks.end(outcome.error, out);
  }
  gauge.ended(!refusal && !chunks.failed());
  if (refusal) {
    co_await ex.respond(error_response(*refusal));
    co_return;
  }
  co_await send_head();  // an answer without text
  co_await ex.finish_stream(out);  // the last chunks and the end of the stream, in one write
}

awaitable<void> CompletionsHandler::complete(http::Exchange& ex, const CompletionRequest& request,
                                             const std::string& body) {
  CompletionGauge gauge;
  CompletionCollector collector(settings_.gemini.include_thoughts);
  const auto start = clock::now();
  std::optional<clock::time_point> first_event;
  auto sink = [&](std::span<const gemini::EventData> events) -> awaitable<void> {
    if (!first_event) first_event = clock::now();
    if (!collector.feed(events)) throw AnswerTooLarge{};
    co_return;
  };

  gemini::StreamOutcome outcome;
  bool too_large = false;
  try {
    if (ex.forced_end()) outcome.stopped = true;
    else outcome = co_await client_.stream(request.model, body, sink, ex.request_id(), ex.forced_end_slot());
  } catch (const AnswerTooLarge&) {
    too_large = true;  // the upstream call is closed already: its frame is gone
    metrics::registry().count_upstream_error(ErrorCode::upstream_protocol);
  }
  record_call(ex, outcome, start, first_event);
  warn_if_empty(ex, collector.answer(), outcome);
  std::variant<std::string, ApiError> answer;
  if (too_large) answer = CompletionCollector::too_large();
  else if (outcome.stopped) answer = shutting_down();
  else answer = collector.end(new_identity(request.model), outcome.error);
  if (auto* error = std::get_if<ApiError>(&answer)) {
    gauge.ended(false);
    co_await ex.respond(error_response(*error));
    co_return;
  }
  gauge.ended(true);
  http1::Response r;
  r.body = std::move(std::get<std::string>(answer));
  co_await ex.respond(std::move(r));
}

}  // namespace chatrelay::openai
