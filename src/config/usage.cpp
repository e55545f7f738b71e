// usage(): the --help text. The environment list comes from the key table, so it cannot drift.
#include <algorithm>

#include "chatrelay/config/loader.hpp"
#include "keys.hpp"

namespace chatrelay::config {

std::string usage() {
  std::string out = R"(Usage: chatrelay [OPTION]...

Relays a chat frontend's turns to Google Gemini and streams the answers back as NDJSON.

Options (each also written --option=VALUE):
  --config PATH         read this TOML file (default: ./config.toml when it exists)
  --host HOST           listen address                          [server.host]
  --port N              listen port; 0 picks any free port       [server.port]
  --model NAME          Gemini model, e.g. gemini-2.5-flash     [gemini.model]
  --log-level LEVEL     debug, info, warn, error or off          [log.level]
  --log-format FORMAT   text (people) or json (machines)         [log.format]
  --set SECTION.KEY=VALUE
                        set any key; VALUE is TOML, a bare word is a string; repeatable
                        e.g. --set server.max_body_bytes=2097152 --set 'gemini.model="x"'
  --check-config        validate the configuration, print it with secrets masked, exit
  --healthcheck         exit 0 when the server at host:port answers GET /health
  --version             print the version and exit
  -h, --help            print this help and exit

Precedence, lowest first: built-in defaults < TOML file < ./.env < environment < options.
./.env holds NAME=VALUE lines for the variables below; it never overrides the environment.

Environment:
)";
  for (const detail::Key& key : detail::keys()) {
    if (key.legacy_env.empty()) continue;
    std::string name(key.legacy_env);
    name.resize(std::max<std::size_t>(name.size() + 2, 24), ' ');
    out += "  " + name + "[" + key.path() + "]\n";
  }
  out += R"(  CHATRELAY_<SECTION>_<KEY>
                          any key, e.g. CHATRELAY_SERVER_MAX_BODY_BYTES=2097152
  An empty variable counts as unset. ALLOWED_ORIGINS is a JSON array or a comma-separated list.

Every key, with its default, range and environment variable, is documented in
config.toml.example. Exit status: 0 on success, 2 for a configuration error.
)";
  return out;
}

}  // namespace chatrelay::config
