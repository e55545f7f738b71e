// `chatrelay --healthcheck`: GET /health on the configured port, for container HEALTHCHECKs in an
// image without a shell or curl (DESIGN.md §2).
#pragma once

#include "chatrelay/config/settings.hpp"

namespace chatrelay::app {

// 0 when /health answered 200, else 1 (with the reason on stderr).
int healthcheck(const config::ServerSettings& server);

}  // namespace chatrelay::app
