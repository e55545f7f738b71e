// The chat page's routes and their policies (DESIGN.md §1 "The page at /").
#include "chatrelay/ui/routes.hpp"

#include <algorithm>
#include <cassert>
#include <string>

namespace chatrelay::ui {
namespace {

// The page runs only its own script and style (no inline code of any kind, so no
// 'unsafe-inline'), talks only to this origin, frames only the preview, and is framed by no one.
// Trusted Types: HTML reaches the DOM only through DOMPurify's policy.
constexpr std::string_view page_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src data:; connect-src 'self'; "
    "frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; "
    "require-trusted-types-for 'script'; trusted-types dompurify";

// The preview runs whatever the model wrote, so it gets a sandbox of its own whoever opens it:
// an opaque origin (none of the page's storage, token or cookies; requests it made would be
// cross-origin) without same-origin, top navigation or popups; the artifact's inline scripts and
// styles (and eval: they are arbitrary code already) but no network at all, so it can neither load
// nor send anything; images and fonts only from data: and blob: URLs; framed by the page alone.
constexpr std::string_view preview_policy =
    "sandbox allow-scripts allow-forms allow-modals; default-src 'none'; "
    "script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; "
    "font-src data:; media-src data: blob:; form-action 'none'; base-uri 'none'; frame-ancestors 'self'";

constexpr Page page_list[] = {
    {"/", "index.html", "text/html; charset=utf-8", page_policy},
    {"/ui/app.js", "app.js", "text/javascript; charset=utf-8", ""},
    {"/ui/app.css", "app.css", "text/css; charset=utf-8", ""},
    {"/ui/preview", "preview.html", "text/html; charset=utf-8", preview_policy},
};

const EmbeddedFile& file_named(std::string_view name) {
  const auto files = embedded_files();
  const auto it = std::find_if(files.begin(), files.end(), [&](const EmbeddedFile& f) { return f.name == name; });
  assert(it != files.end());  // src/ui/meson.build embeds every file page_list names
  return *it;
}

}  // namespace

std::span<const Page> pages() { return page_list; }

void add_routes(http::Router& router) {
  for (const Page& page : page_list) {
    const EmbeddedFile& file = file_named(page.file);
    router.add_open("GET", std::string(page.path),
                    [&page, &file](const http1::Message& request) { return serve(page, file, request); });
  }
}

}  // namespace chatrelay::ui
