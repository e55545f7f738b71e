// The scenario scripts. Every answer is prebuilt once, so playing one is only writing bytes.
#include "scenarios.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <stdexcept>

#include "recordings.hpp"
#include "wire.hpp"

namespace chatrelay::fake {
namespace {

using namespace std::chrono_literals;

constexpr std::array<std::string_view, 34> names = {
    "normal",    "paced",     "long",      "code",    "thoughts",   "429",           "429-short",
    "400",       "bad-key",   "403",       "404",     "500",        "503",           "reset",
    "raw-error", "malformed", "no-finish", "blocked", "max-tokens", "safety",        "stall",
    "stall-headers", "drip-headers", "comments", "stall-comments", "endless", "flood", "bad-chunk",
    "huge-event", "empty", "max-tokens-empty", "blank", "large", "html"};

// What proxies and some servers send to keep an idle stream open: a comment, no event.
constexpr std::string_view keep_alive_comment = ": keep-alive\n\n";

constexpr int prompt_tokens = 8;

std::string text_event(std::string_view text, std::string_view finish, int tokens) {
  return wire::event(wire::response_json({text, finish, false}, prompt_tokens, tokens));
}

// Events with the given texts; the last carries `last_finish` (none when empty).
Plan text_stream(std::initializer_list<std::string_view> texts, std::string_view last_finish) {
  Plan p = Plan::stream();
  int tokens = 0;
  std::size_t i = 0;
  for (auto text : texts) {
    tokens += 1 + static_cast<int>(text.size() / 4);
    p.add_event(text_event(text, ++i == texts.size() ? last_finish : "", tokens));
  }
  return p;
}

// A recorded SSE body, one chunk per event, with the separators the live API sends (\r\n\r\n).
Plan recorded_stream(std::string_view sse) {
  Plan p = Plan::stream();
  for (auto ev : split_events(sse)) {
    while (!ev.empty() && (ev.back() == '\n' || ev.back() == '\r')) ev.remove_suffix(1);
    p.add_event(std::string(ev) + "\r\n\r\n");
  }
  return p.terminate();
}

// A recorded .jsonl body: one event per line.
Plan wrapped_lines(std::string_view lines) {
  Plan p = Plan::stream();
  while (!lines.empty()) {
    auto nl = lines.find('\n');
    auto line = lines.substr(0, nl);
    lines = nl == std::string_view::npos ? std::string_view() : lines.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) p.add_event(wire::event(line));
  }
  return p.terminate();
}

Plan recorded_error(int status, std::string_view file) { return Plan::error(status, embedded_recording(file)); }

std::string replace_once(std::string s, std::string_view from, std::string_view to) {
  auto at = s.find(from);
  assert(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

// Gemini 2.5 thinking, then finishing with no answer at all: a thought-summary event, then a
// candidate whose content has a role and no parts, with `finish` (as the live API ends such turns).
Plan thoughts_then_nothing(std::string_view finish) {
  Plan p = Plan::stream();
  p.add_event(wire::event(
      R"({"candidates": [{"content": {"parts": [{"text": "**Weighing the request**\n\nThe user wants a page; )"
      R"(I am deciding how to lay it out.\n\n\n","thought": true}],"role": "model"},"index": 0}],)"
      R"("usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 77,"promptTokensDetails": [{"modality": )"
      R"("TEXT","tokenCount": 8}],"thoughtsTokenCount": 69},"modelVersion": "gemini-2.5-flash",)"
      R"("responseId": "ZmFrZS1nZW1pbmktcmVzcG9uc2U"})"));
  p.add_event(wire::event(std::string(R"({"candidates": [{"content": {"role": "model"},"finishReason": ")") +
                          std::string(finish) +
                          R"(","index": 0}],"usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 1032,)"
                          R"("promptTokensDetails": [{"modality": "TEXT","tokenCount": 8}],"thoughtsTokenCount": )"
                          R"(1024},"modelVersion": "gemini-2.5-flash","responseId": "ZmFrZS1nZW1pbmktcmVzcG9uc2U"})"));
  return p.terminate();
}

// The `html` scenario's answer: a page whose script visibly runs (it draws the swatches, writes the
// status line and sets body[data-ran]), then a second, shorter block. What the chat page at / and its
// sandboxed preview are tested (and photographed) with.
constexpr std::string_view html_answer = R"answer(Here is a small palette generator in one HTML file. Its script draws five swatches from a base hue; **Shuffle** picks a new one.

```html
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Palette</title>
<style>
  body { margin: 0; min-height: 100vh; display: grid; place-items: center;
         font: 16px system-ui, sans-serif; background: #1c1b22; color: #ecebf3; }
  main { text-align: center; }
  h1 { font-weight: 600; letter-spacing: .02em; }
  #swatches { display: flex; gap: 12px; margin: 28px 0; }
  .swatch { width: 64px; height: 128px; border-radius: 14px; display: flex;
            align-items: flex-end; justify-content: center; padding-bottom: 10px;
            font: 12px ui-monospace, monospace; color: #1c1b22;
            box-shadow: 0 8px 24px rgba(0, 0, 0, .35); }
  button { font: inherit; padding: 8px 22px; border: 0; border-radius: 999px;
           background: #ecebf3; color: #1c1b22; cursor: pointer; }
</style>
</head>
<body>
<main>
  <h1>Palette</h1>
  <div id="swatches"></div>
  <button id="shuffle">Shuffle</button>
  <p id="status"></p>
</main>
<script>
  const swatches = document.getElementById("swatches");
  function draw(base) {
    swatches.replaceChildren();
    for (let i = 0; i < 5; i++) {
      const hue = (base + i * 24) % 360;
      const swatch = document.createElement("div");
      swatch.className = "swatch";
      swatch.style.background = `hsl(${hue} 70% ${76 - i * 5}%)`;
      swatch.textContent = hue;
      swatches.append(swatch);
    }
  }
  document.getElementById("shuffle").addEventListener("click",
    () => draw(Math.floor(Math.random() * 360)));
  draw(190);
  document.getElementById("status").textContent = "Drawn by the page's own script.";
  document.body.dataset.ran = "yes";
</script>
</body>
</html>
```

To open it from a local web server:

```bash
python3 -m http.server 8080
```
)answer";

// `text` as text events of whole lines, about `size` bytes each; STOP in the last.
Plan lines_stream(std::string_view text, std::size_t size) {
  Plan p = Plan::stream();
  int tokens = 0;
  while (!text.empty()) {
    std::size_t end = std::min(text.size(), size);
    const auto nl = text.find('\n', end);
    end = nl == std::string_view::npos ? text.size() : nl + 1;
    tokens += 1 + static_cast<int>(end / 4);
    p.add_event(text_event(text.substr(0, end), end == text.size() ? "STOP" : "", tokens));
    text.remove_prefix(end);
  }
  return p.terminate();
}

Plan numbered_stream(std::size_t count, std::string_view word, std::string_view last_finish) {
  Plan p = Plan::stream();
  std::string text;
  for (std::size_t i = 0; i < count; ++i) {
    text.assign(word).append(std::to_string(i));
    auto finish = i + 1 == count ? last_finish : std::string_view();
    p.add_event(text_event(text, finish, static_cast<int>(i + 1)));
  }
  return p;
}

}  // namespace

std::span<const std::string_view> scenario_names() { return names; }

bool is_scenario(std::string_view name) {
  auto all = scenario_names();
  return std::find(all.begin(), all.end(), name) != all.end();
}

Plan replay_plan(std::string_view file_name, std::string_view bytes) {
  if (file_name.ends_with(".jsonl")) return wrapped_lines(bytes);
  if (file_name.starts_with("error-") && file_name.ends_with(".json") && file_name.size() > 10) {
    int status = std::stoi(std::string(file_name.substr(6, 3)));
    return Plan::error(status, bytes);
  }
  if (!file_name.ends_with(".sse"))
    throw std::runtime_error("--replay: expected *.sse, *.jsonl or error-NNN-*.json, got " + std::string(file_name));
  Plan p = Plan::stream();  // byte for byte: each event keeps its own separator
  for (auto ev : split_events(bytes)) p.add_event(ev);
  return p.terminate();
}

Scenarios::Scenarios(const Options& options, std::shared_ptr<const Plan> replay)
    : options_(options), replay_(std::move(replay)) {}

std::shared_ptr<const Plan> Scenarios::get(std::string_view name) {
  assert(is_scenario(name));
  auto it = cache_.find(name);
  if (it == cache_.end()) it = cache_.emplace(std::string(name), std::make_shared<const Plan>(build(name))).first;
  return it->second;
}

std::shared_ptr<const Plan> Scenarios::missing_key() {
  auto it = cache_.find("missing-key");
  if (it != cache_.end()) return it->second;
  auto plan = std::make_shared<const Plan>(Plan::error(
      403, wire::error_json(403,
                            "Method doesn't allow unregistered callers (callers without established identity). "
                            "Please use API Key or other form of API consumer identity to call this API.",
                            "PERMISSION_DENIED")));
  return cache_.emplace("missing-key", plan).first->second;
}

std::shared_ptr<const Plan> Scenarios::model_not_found(std::string_view model) const {
  std::string message = "models/" + std::string(model) +
                        " is not found for API version v1beta, or is not supported for generateContent. "
                        "Call ListModels to see the list of available models and their supported methods.";
  return std::make_shared<const Plan>(Plan::error(404, wire::error_json(404, message, "NOT_FOUND")));
}

// One branch per scenario, read as a table (its names are listed in usage()): long because the
// scenarios are many, each only a few lines.
Plan Scenarios::build(std::string_view name) const {
  const auto delay = options_.delay;
  Plan p;
  if (name == "normal" || name == "paced") {
    p = text_stream({"Hello", " from", " the fake Gemini."}, "STOP").terminate();
    if (name == "paced" && delay == 0ms) p.delay = 20ms;
  } else if (name == "long") {
    p = numbered_stream(options_.events, " token", "STOP").terminate();
  } else if (name == "code") {
    p = recorded_stream(embedded_recording("text-codefence-2.5-flash.sse"));
  } else if (name == "thoughts") {
    p = recorded_stream(embedded_recording("thinking-2.5-flash-thoughts.sse"));
  } else if (name == "429") {
    p = recorded_error(429, "error-429-resource-exhausted.json");
  } else if (name == "429-short") {
    std::string body(embedded_recording("error-429-resource-exhausted.json"));
    body = replace_once(std::move(body), "\"retryDelay\": \"58s\"", "\"retryDelay\": \"1s\"");
    body = replace_once(std::move(body), "retry in 58.217843437s.", "retry in 1.217843437s.");
    p = Plan::error(429, body);
  } else if (name == "400" || name == "bad-key") {
    p = recorded_error(400, "error-400-api-key-invalid.json");
  } else if (name == "403") {
    p = recorded_error(403, "error-403-service-disabled.json");
  } else if (name == "404") {
    p = recorded_error(404, "error-404-model-not-found.json");
  } else if (name == "500") {
    p = Plan::error(500, wire::error_json(500,
                                          "An internal error has occurred. Please retry or report in "
                                          "https://developers.generativeai.google/guide/troubleshooting",
                                          "INTERNAL"));
  } else if (name == "503") {
    p = Plan::error(503, wire::error_json(503, "The model is overloaded. Please try again later.", "UNAVAILABLE"));
  } else if (name == "reset") {
    p = text_stream({"Hello", " from"}, "");
    p.end = Plan::End::reset;
  } else if (name == "raw-error") {
    p = text_stream({"Hello", " from"}, "");
    p.add_tail_chunk(wire::error_json(500, "An internal error has occurred. Please retry or report in "
                                           "https://developers.generativeai.google/guide/troubleshooting",
                                      "INTERNAL"));
    p.terminate();
  } else if (name == "malformed") {
    p = text_stream({"Hello"}, "").add_event("data: {\"candidates\": [\r\n\r\n").terminate();
  } else if (name == "no-finish") {
    p = text_stream({"Hello", " from", " the fake Gemini."}, "").terminate();
  } else if (name == "blocked") {
    p = wrapped_lines(embedded_recording("blocked-prompt-prohibited-content.jsonl"));
  } else if (name == "max-tokens") {
    p = text_stream({"Here is the page:\n\n```html\n<!DOCTYPE html>\n<html>\n", "<body>\n  <h1>Hel"}, "MAX_TOKENS")
            .terminate();
  } else if (name == "safety") {
    p = Plan::stream();
    p.add_event(wire::event(wire::response_json({"", "SAFETY", true}, prompt_tokens, 0))).terminate();
  } else if (name == "stall") {
    p = text_stream({"Hello"}, "");
    p.end = Plan::End::hang;
  } else if (name == "stall-headers") {
    p.end = Plan::End::hang;
  } else if (name == "drip-headers") {
    p = text_stream({"Hello", " from", " the fake Gemini."}, "STOP").terminate();
    p.head_byte_delay = 50ms;
  } else if (name == "comments" || name == "stall-comments") {
    p = name == "comments" ? Plan::stream() : text_stream({"Hello"}, "");
    p.loop_from = p.event_ends.size();
    p.add_event(keep_alive_comment);
    p.endless = true;
    if (delay == 0ms) p.delay = 100ms;
  } else if (name == "endless") {
    p = numbered_stream(10, " more", "");
    p.endless = true;
    if (delay == 0ms) p.delay = 10ms;
  } else if (name == "flood") {
    p = Plan::stream();
    p.add_event(text_event(std::string(64 * 1024, 'x'), "", 1));
    p.endless = true;
    if (delay == 0ms) p.delay = 1ms;
  } else if (name == "bad-chunk") {
    p = text_stream({"Hello"}, "").add_tail("zz\r\ndata: {}\r\n\r\n\r\n");
    p.end = Plan::End::close;
  } else if (name == "empty") {
    p = thoughts_then_nothing("STOP");
  } else if (name == "max-tokens-empty") {
    p = thoughts_then_nothing("MAX_TOKENS");
  } else if (name == "blank") {
    p = text_stream({"\n", "\n"}, "STOP").terminate();
  } else if (name == "large") {
    p = Plan::stream();
    const std::string piece(512 * 1024, 'x');
    for (int i = 0; i < 12; ++i) p.add_event(text_event(piece, i == 11 ? "STOP" : "", (i + 1) * 131072));
    p.terminate();
  } else if (name == "html") {
    p = lines_stream(html_answer, 160);
  } else if (name == "huge-event") {
    std::string text(20u << 20, 'x');
    p = Plan::stream();
    p.add_event(text_event(text, "STOP", 5 << 20)).terminate();
  }
  if (p.delay == 0ms) p.delay = delay;
  return p;
}

}  // namespace chatrelay::fake
