// Serving one of the page's files: content negotiation (gzip or identity) and revalidation (304).
#include "chatrelay/ui/serve.hpp"

#include <string>

namespace chatrelay::ui {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls `f` with each non-empty item of a comma-separated header value, trimmed.
template <typename F>
void for_each_item(std::string_view list, F f) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto item = trim(list.substr(0, comma));
    if (!item.empty()) f(item);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
}

// Whether a coding's parameters (";q=0", "; q=0.000") refuse it: a qvalue of zero.
bool refused(std::string_view params) {
  while (!params.empty()) {
    const auto semi = params.find(';');
    auto param = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (param.size() < 2 || (param[0] != 'q' && param[0] != 'Q') || param[1] != '=') continue;
    param.remove_prefix(2);
    if (param.empty() || param[0] != '0') return false;  // "1", "1.0"
    param.remove_prefix(1);
    if (!param.empty() && param[0] == '.') param.remove_prefix(1);
    return param.find_first_not_of('0') == std::string_view::npos;
  }
  return false;
}

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) {
  bool named = false, gzip = false, any = false;
  for_each_item(accept_encoding, [&](std::string_view item) {
    const auto semi = item.find(';');
    const auto coding = trim(item.substr(0, semi));
    const auto params = semi == std::string_view::npos ? std::string_view() : item.substr(semi + 1);
    if (http1::iequals(coding, "gzip") || http1::iequals(coding, "x-gzip")) {
      named = true;
      gzip = !refused(params);
    } else if (coding == "*") {
      any = !refused(params);
    }
  });
  return named ? gzip : any;  // a coding named outright beats "*"
}

bool none_match(std::string_view if_none_match, std::string_view etag) {
  if (trim(if_none_match) == "*") return true;
  bool match = false;
  for_each_item(if_none_match, [&](std::string_view tag) {
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    match = match || tag == etag;
  });
  return match;
}

http1::Response serve(const Page& page, const EmbeddedFile& file, const http1::Message& request) {
  const bool gzip = !file.gzip.empty() && accepts_gzip(request.header("accept-encoding"));
  const std::string_view etag = gzip ? file.gzip_etag : file.etag;
  http1::Response r;
  r.header("ETag", std::string(etag));
  r.header("Cache-Control", "no-cache");
  r.header("Vary", "Accept-Encoding");
  if (!page.policy.empty()) {
    r.header("Content-Security-Policy", std::string(page.policy));
    r.header("Referrer-Policy", "no-referrer");
  }
  r.header("X-Content-Type-Options", "nosniff");
  if (none_match(request.header("if-none-match"), etag)) {
    r.status = 304;
    r.content_type = {};
    return r;
  }
  r.content_type = page.content_type;
  if (gzip) r.header("Content-Encoding", "gzip");
  r.body.assign(gzip ? file.gzip : file.identity);
  return r;
}

}  // namespace chatrelay::ui
