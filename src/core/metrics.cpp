// Prometheus text rendering of the registry.
#include "chatrelay/core/metrics.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdio>

namespace chatrelay::metrics {
namespace {

void append_number(std::string& out, double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_number(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_number(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

template <typename N>
void sample(std::string& out, std::string_view name, std::string_view labels, N value) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.push_back(' ');
  append_number(out, value);
  out.push_back('\n');
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name);
  out.append(" ").append(type).append("\n");
}

template <typename N>
void single(std::string& out, std::string_view name, std::string_view type, std::string_view help, N value) {
  header(out, name, type, help);
  sample(out, name, {}, value);
}

std::int64_t resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  long pages = 0, resident = 0;
  int n = std::fscanf(f, "%ld %ld", &pages, &resident);
  std::fclose(f);
  return n == 2 ? static_cast<std::int64_t>(resident) * sysconf(_SC_PAGESIZE) : 0;
}

}  // namespace

void Histogram::observe(double seconds) {
  for (std::size_t i = 0; i < bounds.size(); ++i)
    if (seconds <= bounds[i]) ++counts_[i];
  ++count_;
  sum_ += seconds;
}

void Histogram::render(std::string& out, std::string_view name, std::string_view labels) const {
  std::string prefix(labels);
  if (!prefix.empty()) prefix.push_back(',');
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    std::string le = prefix + "le=\"";
    append_number(le, bounds[i]);
    le.push_back('"');
    sample(out, std::string(name) + "_bucket", le, counts_[i]);
  }
  sample(out, std::string(name) + "_bucket", prefix + "le=\"+Inf\"", count_);
  sample(out, std::string(name) + "_sum", labels, sum_);
  sample(out, std::string(name) + "_count", labels, count_);
}

void Registry::count_request(std::string_view route, int status) {
  for (auto& r : requests)
    if (r.status == status && r.route == route) {
      ++r.count;
      return;
    }
  requests.push_back({route, status, 1});
}

void Registry::count_upstream_error(ErrorCode error) {
  const std::string_view code = wire_name(error);
  for (auto& e : upstream_errors)
    if (e.first == code) {
      ++e.second;
      return;
    }
  upstream_errors.emplace_back(std::string(code), 1);
}

std::string Registry::render() const {
  std::string out;
  out.reserve(8192);
  header(out, "chatrelay_http_requests_total", "counter", "HTTP requests answered, by route and status.");
  for (const auto& r : requests) {
    std::string labels = "route=\"";
    labels.append(r.route).append("\",status=\"").append(std::to_string(r.status)).append("\"");
    sample(out, "chatrelay_http_requests_total", labels, r.count);
  }
  single(out, "chatrelay_http_connections_active", "gauge", "Client connections open now.", connections_active);
  single(out, "chatrelay_chat_streams_active", "gauge", "Chat answers streaming now.", streams_active);
  header(out, "chatrelay_chat_streams_total", "counter", "Chat streams ended, by outcome.");
  sample(out, "chatrelay_chat_streams_total", "outcome=\"complete\"", streams_complete);
  sample(out, "chatrelay_chat_streams_total", "outcome=\"error\"", streams_error);
  sample(out, "chatrelay_chat_streams_total", "outcome=\"client_gone\"", streams_disconnected);
  single(out, "chatrelay_chat_tokens_streamed_total", "counter", "Token chunks sent to clients.", tokens_streamed);
  single(out, "chatrelay_chat_stream_bytes_total", "counter", "NDJSON bytes sent to clients.", stream_bytes);
  single(out, "chatrelay_openai_completions_active", "gauge",
         "/v1/chat/completions answers in progress now (streamed or not).", completions_active);
  header(out, "chatrelay_openai_completions_total", "counter", "/v1/chat/completions answers ended, by outcome.");
  sample(out, "chatrelay_openai_completions_total", "outcome=\"complete\"", completions_complete);
  sample(out, "chatrelay_openai_completions_total", "outcome=\"error\"", completions_error);
  sample(out, "chatrelay_openai_completions_total", "outcome=\"client_gone\"", completions_disconnected);
  header(out, "chatrelay_added_ttft_seconds", "histogram",
         "Time to first token as the client sees it minus Gemini's own time to first event.");
  added_ttft.render(out, "chatrelay_added_ttft_seconds");
  header(out, "chatrelay_upstream_request_duration_seconds", "histogram",
         "Gemini calls from the first request to the end of the stream, retries included.");
  upstream_duration.render(out, "chatrelay_upstream_request_duration_seconds");
  header(out, "chatrelay_upstream_ttft_seconds", "histogram", "Gemini request sent to first event.");
  upstream_ttft.render(out, "chatrelay_upstream_ttft_seconds");
  single(out, "chatrelay_upstream_requests_total", "counter", "HTTP requests sent to Gemini.", upstream_requests);
  single(out, "chatrelay_upstream_retries_total", "counter", "Gemini calls retried.", upstream_retries);
  header(out, "chatrelay_upstream_errors_total", "counter", "Gemini calls that ended in an error, by code.");
  for (const auto& [code, n] : upstream_errors) sample(out, "chatrelay_upstream_errors_total", "code=\"" + code + "\"", n);
  single(out, "chatrelay_upstream_connections_opened_total", "counter", "TLS connections opened to Gemini.",
         upstream_connections);
  single(out, "chatrelay_upstream_tls_resumed_total", "counter", "TLS connections that resumed a session.",
         upstream_tls_resumed);
  single(out, "chatrelay_upstream_handshakes_active", "gauge", "TLS handshakes with Gemini in flight.",
         upstream_handshakes_active);
  single(out, "chatrelay_upstream_handshakes_peak", "gauge", "The most TLS handshakes with Gemini ever in flight at once.",
         upstream_handshakes_peak);
  single(out, "chatrelay_upstream_handshake_waits_total", "counter",
         "New Gemini connections that waited for a handshake turn (gemini.max_handshakes).", upstream_handshake_waits);
  single(out, "chatrelay_upstream_h2_connections", "gauge", "Open Gemini connections speaking HTTP/2.",
         upstream_h2_connections);
  single(out, "chatrelay_upstream_h2_streams", "gauge", "Streams open on HTTP/2 Gemini connections.",
         upstream_h2_streams);
  single(out, "chatrelay_upstream_h2_refused_total", "counter",
         "HTTP/2 streams Gemini refused unprocessed (GOAWAY, REFUSED_STREAM) and chatrelay sent again.",
         upstream_h2_refused);
  single(out, "chatrelay_sessions", "gauge", "Conversation sessions held in memory.", sessions);
  single(out, "chatrelay_session_bytes", "gauge",
         "Bytes of conversation history held in memory, as memory.max_bytes counts them.", session_bytes);
  header(out, "chatrelay_store_call_duration_seconds", "histogram",
         "Session store calls (Redis round trips; none for the in-process store).");
  store_duration.render(out, "chatrelay_store_call_duration_seconds");
  single(out, "chatrelay_store_errors_total", "counter",
         "Session store calls that failed (Redis down, slow or restarted).", store_errors);
  single(out, "chatrelay_store_up", "gauge", "1 while the session store answers, 0 while it does not.", store_up);
  single(out, "chatrelay_shared_limit_failures_total", "counter",
         "Shared per-address limit checks Redis did not answer (let through on this instance's own limits).",
         shared_limit_failures);
  single(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", resident_bytes());
  return out;
}

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace chatrelay::metrics
