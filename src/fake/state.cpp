// The fake's memory and its JSON renderings for the control endpoints.
#include "state.hpp"

#include "chatrelay/json/writer.hpp"
#include "scenarios.hpp"

namespace chatrelay::fake {
namespace {

template <typename Range>
void append_string_array(std::string& out, const Range& items) {
  out.push_back('[');
  bool first = true;
  for (const auto& item : items) {
    if (!first) out.push_back(',');
    first = false;
    json::append_string(out, item);
  }
  out.push_back(']');
}

std::int64_t as_int(std::uint64_t v) { return static_cast<std::int64_t>(v); }

}  // namespace

void State::record(RecordedRequest r) {
  if (requests_.size() == max_requests) requests_.pop_front();
  requests_.push_back(std::move(r));
}

std::optional<std::string> State::next_queued() {
  if (queue_.empty()) return std::nullopt;
  std::string name = std::move(queue_.front());
  queue_.pop_front();
  return name;
}

std::string State::stats_json() const {
  std::string out;
  json::ObjectWriter(out)
      .number("connections", as_int(stats.connections))
      .number("handshakes", as_int(stats.handshakes))
      .number("resumed", as_int(stats.resumed))
      .number("requests", as_int(stats.requests))
      .number("open_streams", stats.open_streams)
      .number("open_connections", stats.open_connections)
      .number("h2_connections", as_int(stats.h2_connections))
      .number("stream_resets", as_int(stats.stream_resets))
      .close();
  return out;
}

std::string State::requests_json() const {
  std::string out = "[";
  for (const auto& r : requests_) {
    if (out.size() > 1) out.push_back(',');
    json::ObjectWriter w(out);
    w.string("model", r.model).string("path", r.path);
    if (r.body_is_json)
      w.raw("body", r.body);
    else
      w.string("body", r.body);
    w.boolean("api_key_present", r.api_key_present)
        .number("api_key_length", static_cast<std::int64_t>(r.api_key_length))
        .close();
  }
  out.push_back(']');
  return out;
}

std::string State::queue_json() const {
  std::string out = "{\"queue\":";
  append_string_array(out, queue_);
  out.append(",\"scenarios\":");
  append_string_array(out, scenario_names());
  out.push_back('}');
  return out;
}

}  // namespace chatrelay::fake
