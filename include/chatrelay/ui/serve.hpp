// Serving one of the page's files (DESIGN.md §1 "The page at /"): gzipped when the client takes
// it, 304 when the client holds it already, with the file's own Content-Security-Policy.
#pragma once

#include <string_view>

#include "chatrelay/http1/message.hpp"
#include "chatrelay/http1/response.hpp"
#include "chatrelay/ui/files.hpp"

namespace chatrelay::ui {

// A route of the page: which file it answers with, as what, under which policy ("" for none).
struct Page {
  std::string_view path;
  std::string_view file;
  std::string_view content_type;
  std::string_view policy;
};

// The answer to GET or HEAD of `page`, whose bytes are `file`: 200 with the file, or 304 (no
// body) when If-None-Match names the tag of the form this request gets. Both say ETag,
// Cache-Control: no-cache (revalidated on each use: a new binary's page is used at once) and
// Vary: Accept-Encoding.
http1::Response serve(const Page& page, const EmbeddedFile& file, const http1::Message& request);

// Whether an Accept-Encoding value takes gzip (gzip, x-gzip or *, with a q above 0).
bool accepts_gzip(std::string_view accept_encoding);

// Whether an If-None-Match value names `etag` (weak comparison, RFC 9110 §13.1.2), or is "*".
bool none_match(std::string_view if_none_match, std::string_view etag);

}  // namespace chatrelay::ui
