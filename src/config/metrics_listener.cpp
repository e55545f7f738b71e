// metrics_listener(): the metrics port's address and who may read it.
#include "chatrelay/config/metrics_listener.hpp"

#include "chatrelay/core/address.hpp"

namespace chatrelay::config {

ServerSettings metrics_listener(const ServerSettings& server) {
  ServerSettings out = server;
  out.host = server.metrics_host;
  out.port = server.metrics_port;
  if (is_loopback_host(out.host)) out.auth_tokens.clear();
  return out;
}

}  // namespace chatrelay::config
