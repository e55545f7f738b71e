// Request routing: API key checks as Google does them, then the scenario choice, first match
// wins: the control queue, a "fake-NAME" model, --replay, --scenario.
#include "dispatch.hpp"

#include "chatrelay/http1/response.hpp"
#include "chatrelay/json/reader.hpp"

namespace chatrelay::fake {
namespace {

constexpr std::string_view models_prefix = "/v1beta/models/";
constexpr std::string_view stream_suffix = ":streamGenerateContent";

bool is_json(const std::string& body) {
  static json::Reader reader;
  return !body.empty() && reader.parse(body).has_value();
}

// The key from the x-goog-api-key header, else from a `key=` query parameter (both work upstream).
std::optional<std::string_view> api_key(const http1::Message& request) {
  if (request.has_header("x-goog-api-key")) return request.header("x-goog-api-key");
  std::string_view target = request.target;
  auto q = target.find('?');
  while (q != std::string_view::npos) {
    auto param = target.substr(q + 1);
    if (param.starts_with("key=")) return param.substr(4, param.find('&') - 4);
    q = target.find('&', q + 1);
  }
  return std::nullopt;
}

Answer plain(const http1::Message& request, http1::Response response) {
  std::string out;
  http1::serialize(response, request.keep_alive, request.method == "HEAD", out);
  return {std::make_shared<const Plan>(Plan::plain(std::move(out))), false};
}

}  // namespace

std::optional<std::string_view> streaming_model(std::string_view path) {
  if (!path.starts_with(models_prefix) || !path.ends_with(stream_suffix)) return std::nullopt;
  auto model = path.substr(models_prefix.size(), path.size() - models_prefix.size() - stream_suffix.size());
  if (model.empty() || model.find('/') != std::string_view::npos) return std::nullopt;
  return model;
}

Answer dispatch(State& state, Scenarios& scenarios, const http1::Message& request) {
  if (auto answer = control(state, request)) return std::move(*answer);
  auto model = streaming_model(request.path());
  if (!model) return plain(request, http1::json_error(404, "Not Found"));
  if (request.method != "POST") {
    auto r = http1::json_error(405, "Method Not Allowed");
    r.header("Allow", "POST");
    return plain(request, std::move(r));
  }

  auto key = api_key(request);
  ++state.stats.requests;
  state.record({std::string(*model), request.target, request.body, is_json(request.body), key.has_value(),
                key ? key->size() : 0});

  if (!key || key->empty()) return {scenarios.missing_key(), true};
  if (*key == "bad-key" || key->starts_with("invalid")) return {scenarios.get("400"), true};
  if (auto queued = state.next_queued()) return {scenarios.get(*queued), true};
  if (model->starts_with("fake-")) {
    auto name = model->substr(5);
    if (!is_scenario(name)) return {scenarios.model_not_found(*model), true};
    return {scenarios.get(name), true};
  }
  if (scenarios.replay()) return {scenarios.replay(), true};
  return {scenarios.get(scenarios.default_name()), true};
}

std::optional<Answer> control(State& state, const http1::Message& request) {
  auto path = request.path();
  if (!path.starts_with("/__fake/")) return std::nullopt;
  const auto& method = request.method;
  auto ok = [&](std::string body) {
    http1::Response r;
    r.body = std::move(body);
    return plain(request, std::move(r));
  };

  if (path == "/__fake/stats" && method == "GET") return ok(state.stats_json());
  if (path == "/__fake/requests" && method == "GET") return ok(state.requests_json());
  if (path == "/__fake/requests" && method == "DELETE") {
    state.clear_requests();
    return ok(R"({"cleared":true})");
  }
  if (path == "/__fake/scenarios" && method == "GET") return ok(state.queue_json());
  if (path == "/__fake/scenarios" && method == "DELETE") {
    state.clear_queue();
    return ok(state.queue_json());
  }
  if (path == "/__fake/scenarios" && method == "POST") {
    // "503,normal"; separators may be commas or white space, and a JSON array of names works too.
    std::vector<std::string> names;
    std::string name;
    for (char c : request.body + ",") {
      if (c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '[' || c == ']' || c == '"') {
        if (!name.empty()) names.push_back(std::move(name));
        name.clear();
      } else {
        name.push_back(c);
      }
    }
    for (const auto& n : names)
      if (!is_scenario(n)) return plain(request, http1::json_error(400, "unknown scenario '" + n + "', see GET /__fake/scenarios"));
    state.set_queue(std::move(names));
    return ok(state.queue_json());
  }
  if (path == "/__fake/stats" || path == "/__fake/requests" || path == "/__fake/scenarios")
    return plain(request, http1::json_error(405, "Method Not Allowed"));
  return plain(request, http1::json_error(404, "Not Found"));
}

}  // namespace chatrelay::fake
