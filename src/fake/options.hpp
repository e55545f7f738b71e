// chatrelay-fake-gemini's command line: what to listen on, which scenario to play, and how.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace chatrelay::fake {

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port
  std::string scenario = "normal";
  std::filesystem::path replay;      // a recording served instead of --scenario; empty: none
  std::filesystem::path recordings;  // where a bare --replay file name is looked up
  std::chrono::milliseconds delay{0};  // before each event; 0 lets paced/endless pick theirs
  std::size_t events = 200;            // length of the `long` scenario
  std::filesystem::path tls_dir = ".tls";
  bool http2 = true;                 // accept h2 by ALPN; false: HTTP/1.1 for every client
  std::uint32_t max_streams = 100;   // HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS
  std::size_t goaway_after = 0;      // > 0: GOAWAY on each h2 connection after this many streams
  std::string cert_host;  // non-empty: the certificate names only this host (wrong-host tests)
};

struct ParsedArgs {
  Options options;
  bool help = false;
  std::string error;  // non-empty: the arguments were wrong, say this and exit 2
};

ParsedArgs parse_args(int argc, char** argv);

// The --help text: options, scenarios, how a request picks its scenario, control endpoints.
std::string usage();

}  // namespace chatrelay::fake
