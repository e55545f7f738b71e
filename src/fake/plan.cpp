// Plan builders: Google's heads, one chunk per event, and the tail.
#include "plan.hpp"

#include <cassert>

#include "wire.hpp"

namespace chatrelay::fake {

Plan Plan::stream() {
  Plan p;
  p.head = wire::stream_head();
  p.date_at = p.head.find(wire::date_placeholder);
  return p;
}

Plan Plan::error(int status, std::string_view json) {
  Plan p;
  p.head = wire::error_head(status, json.size());
  p.date_at = p.head.find(wire::date_placeholder);
  p.body = json;
  return p;
}

Plan Plan::plain(std::string response) {
  Plan p;
  p.head = std::move(response);
  return p;
}

Plan& Plan::add_event(std::string_view sse_event) {
  assert(tail().empty() && "events come before the tail");
  wire::append_chunk(body, sse_event);
  event_ends.push_back(body.size());
  return *this;
}

Plan& Plan::add_tail_chunk(std::string_view data) {
  wire::append_chunk(body, data);
  return *this;
}

Plan& Plan::add_tail(std::string_view raw) {
  body.append(raw);
  return *this;
}

Plan& Plan::terminate() { return add_tail(wire::last_chunk); }

}  // namespace chatrelay::fake
