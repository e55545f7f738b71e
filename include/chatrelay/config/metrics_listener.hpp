// The settings of the separate metrics listener (server.metrics_port), derived from the main ones.
#pragma once

#include "chatrelay/config/settings.hpp"

namespace chatrelay::config {

// The main server's settings with metrics_host and metrics_port as its address. Bearer tokens
// apply there too unless it listens on loopback only (nothing but this machine reaches it).
ServerSettings metrics_listener(const ServerSettings& server);

}  // namespace chatrelay::config
