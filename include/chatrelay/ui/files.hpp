// The chat page's files, built into the binary (src/ui/embed_ui.py): each as sent and gzipped.
#pragma once

#include <span>
#include <string_view>

namespace chatrelay::ui {

struct EmbeddedFile {
  std::string_view name;       // "index.html", "app.js" (the script bundle), ...
  std::string_view identity;   // the bytes
  std::string_view gzip;       // the same, gzipped at build time; empty when that is not smaller
  std::string_view etag;       // strong tags of each form, quoted: "\"3f1c…\"", "\"3f1c…-gzip\""
  std::string_view gzip_etag;
};

std::span<const EmbeddedFile> embedded_files();

}  // namespace chatrelay::ui
