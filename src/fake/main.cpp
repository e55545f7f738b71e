// chatrelay-fake-gemini: wiring only. Arguments → test PKI → TLS listener → run until a signal.
#include <csignal>
#include <cstdio>
#include <iostream>

#include "chatrelay/core/asio.hpp"
#include "chatrelay/tls/server.hpp"
#include "chatrelay/tls/test_pki.hpp"
#include "options.hpp"
#include "recordings.hpp"
#include "scenarios.hpp"
#include "server.hpp"
#include "state.hpp"

using namespace chatrelay;
using namespace chatrelay::fake;

namespace {

std::shared_ptr<const Plan> load_replay(const Options& o) {
  if (o.replay.empty()) return nullptr;
  Plan plan = replay_plan(o.replay.filename().string(), read_recording(o.replay, o.recordings));
  plan.delay = o.delay;
  return std::make_shared<const Plan>(std::move(plan));
}

std::vector<std::string> certificate_hosts(const std::string& host) {
  std::vector<std::string> hosts = {"localhost", "127.0.0.1"};
  asio::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (host != "localhost" && host != "127.0.0.1" && (ec || !address.is_unspecified())) hosts.push_back(host);
  return hosts;
}

std::string url(const tcp::endpoint& endpoint) {
  auto address = endpoint.address().to_string();
  if (endpoint.address().is_v6()) address = "[" + address + "]";
  return "https://" + address + ":" + std::to_string(endpoint.port());
}

int run(const Options& o) {
  auto replay = load_replay(o);
  auto pki = tls::ensure_test_pki(o.tls_dir, o.cert_host.empty() ? certificate_hosts(o.host)
                                                                  : std::vector<std::string>{o.cert_host});
  tls::ServerContext tls_context(pki.server_cert, pki.server_key);
  State state;
  Scenarios scenarios(o, replay);
  if (o.http2) tls_context.set_alpn({"h2", "http/1.1"});
  Services services{tls_context, state, scenarios, o};

  // Declared after what the connections use: destroying the io_context destroys their frames.
  asio::io_context io(1);
  tcp_acceptor acceptor(io, tcp::endpoint(asio::ip::make_address(o.host), o.port));

  std::cout << "listening on " << url(acceptor.local_endpoint()) << "\n"
            << "ca: " << std::filesystem::absolute(pki.ca_cert).lexically_normal().string() << std::endl;

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const asio::error_code&, int) { io.stop(); });
  asio::co_spawn(io, accept_loop(acceptor, services), asio::detached);
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto args = parse_args(argc, argv);
  if (args.help) {
    std::cout << usage();
    return 0;
  }
  if (args.error.empty() && !is_scenario(args.options.scenario))
    args.error = "unknown scenario '" + args.options.scenario + "' (see --help)";
  if (!args.error.empty()) {
    std::cerr << "chatrelay-fake-gemini: " << args.error << "\n";
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return run(args.options);
  } catch (const std::exception& e) {
    std::cerr << "chatrelay-fake-gemini: " << e.what() << "\n";
    return 1;
  }
}
