// chatrelay-streamload: the added-latency load client of bench/run (one thread, epoll, OpenSSL).
//
// Opens N streams against chatrelay (POST /api/chat/stream, NDJSON: a token is a {"type":"token"
// line), straight against the fake Gemini (the Gemini path over TLS: a token is a "data: " event)
// and/or a plain-HTTP reverse proxy in front of it (nginx), in rounds alternating between them, and
// prints one JSON object with the same fields as `bench/streamload.py latency`.
//
// Why C++ and not the Python client: at 100 streams asyncio spent 0.1-0.3 ms of CPU per wake-up on
// the same 2 cores as the servers it measures, and that queueing landed in the numbers. Here a read
// costs a few microseconds and each read is timestamped as it returns. It deliberately shares no
// code with chatrelay (own epoll loop, OpenSSL called directly): a measuring tool should not inherit
// the behaviour of what it measures.
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

constexpr std::string_view usage = R"(usage: chatrelay-streamload latency [options]
  --host H               server address (default 127.0.0.1)
  --relay-port P         chatrelay: POST /api/chat/stream (plain HTTP)
  --direct-port P        the fake Gemini itself (TLS, Gemini path); needs --ca
  --ca FILE              CA certificate for --direct-port
  --proxy-port P         a plain-HTTP proxy in front of the fake (Gemini path)
  --streams N            concurrent streams per pass (default 1)
  --rounds R             passes per endpoint, alternating endpoints; samples pooled (default 1)
  --spread-ms MS         start the N requests evenly over this long (default 20)
  --warmup               one unmeasured pass against chatrelay and the proxy first
  --connect-concurrency C  connections (and TLS handshakes) in flight at once (default 256)
  --connect-timeout S    for opening all N connections (default 20)
  --timeout S            a whole pass (default 60)
  --samples FILE         also write every stream's times there, one line each: endpoint pass
                         index start_us ttfb_us ttft_us max_gap_us tokens (-1: none)
Prints one JSON object on stdout.
)";

constexpr std::string_view chat_path = "/api/chat/stream";
constexpr std::string_view gemini_path = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";
constexpr std::string_view gemini_body = R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}]})";
constexpr std::string_view terminator = "\r\n0\r\n\r\n";  // the end of a chunked body

std::int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

double cpu_seconds() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return double(r.ru_utime.tv_sec + r.ru_stime.tv_sec) + double(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "chatrelay-streamload: %s\n", what.c_str());
  std::exit(2);
}

struct Options {
  std::string host = "127.0.0.1";
  int relay_port = 0, direct_port = 0, proxy_port = 0;
  std::string ca, samples;
  int streams = 1, rounds = 1, connect_concurrency = 256;
  double spread_ms = 20, connect_timeout_s = 20, timeout_s = 60;
  bool warmup = false;
};

Options parse_options(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) != "latency") die(std::string("expected the mode 'latency'\n") + usage.data());
  Options o;
  for (int i = 2; i < argc; ++i) {
    const std::string_view a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(std::string(a) + " needs a value");
      return argv[++i];
    };
    if (a == "--host") o.host = value();
    else if (a == "--relay-port") o.relay_port = std::stoi(value());
    else if (a == "--direct-port") o.direct_port = std::stoi(value());
    else if (a == "--proxy-port") o.proxy_port = std::stoi(value());
    else if (a == "--ca") o.ca = value();
    else if (a == "--samples") o.samples = value();
    else if (a == "--streams") o.streams = std::stoi(value());
    else if (a == "--rounds") o.rounds = std::stoi(value());
    else if (a == "--connect-concurrency") o.connect_concurrency = std::stoi(value());
    else if (a == "--spread-ms") o.spread_ms = std::stod(value());
    else if (a == "--connect-timeout") o.connect_timeout_s = std::stod(value());
    else if (a == "--timeout") o.timeout_s = std::stod(value());
    else if (a == "--warmup") o.warmup = true;
    else if (a == "--help" || a == "-h") { std::fputs(usage.data(), stdout); std::exit(0); }
    else die("unknown option " + std::string(a) + "\n" + usage.data());
  }
  if (!o.relay_port && !o.direct_port && !o.proxy_port) die("latency needs --relay-port, --direct-port and/or --proxy-port");
  if (o.direct_port && o.ca.empty()) die("--direct-port needs --ca");
  if (o.streams < 1 || o.rounds < 1 || o.connect_concurrency < 1) die("--streams, --rounds and --connect-concurrency must be >= 1");
  return o;
}

// What one endpoint is: where, which request, which bytes mark a token, TLS or not.
struct Endpoint {
  std::string name;  // "relay", "direct" or "proxy": the key in the output
  int port = 0;
  bool chat = false;       // chatrelay's route, else the Gemini path
  SSL_CTX* tls = nullptr;  // set for the fake itself
  std::string_view marker() const { return chat ? std::string_view(R"({"type":"token")") : "data: "; }
};

std::string request_bytes(const Endpoint& ep, const Options& o, int i) {
  std::string body, head;
  if (ep.chat) {
    char sid[96];
    std::snprintf(sid, sizeof sid, "load-%d-%d-%012llx", int(getpid()), i,
                  static_cast<unsigned long long>(now_ns()) * 2654435761ULL & 0xffffffffffffULL);
    body = std::string(R"({"session_id":")") + sid + R"(","messages":[{"role":"user","content":"hi"}]})";
    head = "POST " + std::string(chat_path) + " HTTP/1.1\r\nHost: " + o.host + ":" + std::to_string(ep.port) +
           "\r\nContent-Type: application/json\r\n";
  } else {
    body = gemini_body;
    head = "POST " + std::string(gemini_path) + " HTTP/1.1\r\nHost: " + o.host + ":" + std::to_string(ep.port) +
           "\r\nContent-Type: application/json\r\nx-goog-api-key: bench-key\r\n";
  }
  return head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// One streaming request: counts token markers per read (split-safe) and records read times.
struct Stream {
  std::uint64_t key = 0;  // its index in the pass: the epoll key
  int fd = -1;
  SSL* ssl = nullptr;
  bool open = false;  // connected (and handshaken)
  bool failed = false;
  bool done = false, ok = false;
  bool waiting_to_write = false;  // registered for EPOLLOUT
  std::string error;
  std::string out;  // request bytes not yet written
  std::int64_t sent_ns = -1, head_ns = -1;
  std::string head;  // until the blank line
  std::string marker_tail, end_tail;
  std::vector<std::pair<std::int64_t, int>> reads;  // (time, tokens completed in this read)

  ~Stream() {
    if (ssl) SSL_free(ssl);
    if (fd >= 0) close(fd);
  }
  void finish(std::string why = {}) {
    if (done) return;
    done = true;
    ok = why.empty();
    error = std::move(why);
  }
  // One read's bytes, as they came.
  void consume(std::string_view data, std::int64_t t, std::string_view marker) {
    if (head_ns < 0) {
      head.append(data);
      const auto end = head.find("\r\n\r\n");
      if (end == std::string::npos) return;
      head_ns = t;
      const int status = head.size() >= 12 ? std::atoi(head.substr(9, 3).c_str()) : 0;
      if (status != 200) return finish("status " + std::to_string(status));
      const std::string rest = head.substr(end + 4);
      head.clear();
      return consume_body(rest, t, marker);
    }
    consume_body(data, t, marker);
  }
  void consume_body(std::string_view data, std::int64_t t, std::string_view marker) {
    std::string buf = marker_tail;
    buf.append(data);
    int n = 0;
    for (auto at = buf.find(marker); at != std::string::npos; at = buf.find(marker, at + marker.size())) ++n;
    if (n) reads.emplace_back(t, n);
    marker_tail = buf.substr(buf.size() > marker.size() - 1 ? buf.size() - (marker.size() - 1) : 0);
    end_tail.append(data);
    if (end_tail.size() > terminator.size()) end_tail.erase(0, end_tail.size() - terminator.size());
    if (end_tail == terminator) finish();
  }
};

struct Samples {
  std::vector<std::int64_t> ttfb, ttft, gap;
  struct Bounds { std::size_t ttfb, ttft, gap; };
  std::vector<Bounds> pass_ends;  // where each pass's samples end in the vectors above
  std::vector<int> tokens;
  int ok = 0, connect_failures = 0;
  std::map<std::string, int> errors;
  double cpu_s = 0, wall_s = 0;
  int passes = 0;
};

class Loop {
 public:
  explicit Loop(const Options& o) : options_(o) {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    timer_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (epoll_ < 0 || timer_ < 0) die("epoll/timerfd: " + std::string(std::strerror(errno)));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = timer_key;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, timer_, &ev);
    address_.sin_family = AF_INET;
    if (inet_pton(AF_INET, o.host.c_str(), &address_.sin_addr) != 1) die("--host must be an IPv4 address");
    if (!o.samples.empty() && !(samples_ = std::fopen(o.samples.c_str(), "w"))) die("cannot write " + o.samples);
  }
  ~Loop() {
    if (samples_) std::fclose(samples_);
    close(timer_);
    close(epoll_);
  }

  // One pass: N streams against one endpoint; adds its samples to `into`.
  void pass(const Endpoint& ep, Samples& into) {
    std::vector<std::unique_ptr<Stream>> streams(std::size_t(options_.streams));
    for (std::size_t i = 0; i < streams.size(); ++i) {
      streams[i] = std::make_unique<Stream>();
      streams[i]->key = i;
    }
    open_all(ep, streams);

    const double cpu0 = cpu_seconds();
    const std::int64_t wall0 = now_ns();
    std::vector<Stream*> live;
    for (auto& s : streams) {
      if (s->open) live.push_back(s.get());
      else ++into.connect_failures;
    }
    // Starts spread evenly over --spread-ms (independent users, not one synchronised burst).
    const auto start_at = [&](std::size_t i) {
      return wall0 + std::int64_t(options_.spread_ms * 1e6 * double(i) / double(std::max<std::size_t>(1, live.size())));
    };
    std::size_t next_send = 0;
    const std::int64_t deadline = wall0 + std::int64_t(options_.timeout_s * 1e9);
    std::size_t finished = 0;
    while (finished < live.size() && now_ns() < deadline) {
      while (next_send < live.size() && now_ns() >= start_at(next_send)) {
        send_request(*live[next_send], ep, int(next_send));
        finished += live[next_send]->done;
        ++next_send;
      }
      if (next_send < live.size()) arm_timer(start_at(next_send));
      epoll_event events[256];
      const int n = epoll_wait(epoll_, events, 256, 50);
      for (int k = 0; k < n; ++k) {
        if (events[k].data.u64 == timer_key) { drain_timer(); continue; }
        Stream& s = *streams[events[k].data.u64];
        if (s.done || !s.open) continue;
        if ((events[k].events & EPOLLOUT) && !s.out.empty()) flush(s);
        if (!s.done && (events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) read_all(s, ep);
        finished += s.done;
      }
    }
    into.wall_s += double(now_ns() - wall0) / 1e9;
    into.cpu_s += cpu_seconds() - cpu0;
    ++into.passes;
    ++passes_;
    for (std::size_t i = 0; i < live.size(); ++i) {
      const Stream* s = live[i];
      if (s->done && s->ok) ++into.ok;
      else ++into.errors[s->done ? s->error : "timeout"];
      if (s->head_ns >= 0 && s->sent_ns >= 0) into.ttfb.push_back(s->head_ns - s->sent_ns);
      if (!s->reads.empty() && s->sent_ns >= 0) into.ttft.push_back(s->reads.front().first - s->sent_ns);
      std::optional<std::int64_t> prev;
      int count = 0;
      for (auto [t, n] : s->reads) {
        for (int k = 0; k < n; ++k) {
          if (prev) into.gap.push_back(t - *prev);  // tokens read together: gap 0
          prev = t;
          ++count;
        }
      }
      into.tokens.push_back(count);
      if (samples_) write_sample(ep, i, *s, start_at(i) - wall0, count);
    }
    into.pass_ends.push_back({into.ttfb.size(), into.ttft.size(), into.gap.size()});
    streams.clear();  // closes every socket
    settle(50);
  }

 private:
  static constexpr std::uint64_t timer_key = ~std::uint64_t{0};

  void write_sample(const Endpoint& ep, std::size_t i, const Stream& s, std::int64_t start_ns, int tokens) {
    const auto us = [](std::int64_t ns) { return ns < 0 ? -1.0 : double(ns) / 1000.0; };
    std::int64_t max_gap = -1;
    for (std::size_t k = 1; k < s.reads.size(); ++k) max_gap = std::max(max_gap, s.reads[k].first - s.reads[k - 1].first);
    const bool sent = s.sent_ns >= 0;
    std::fprintf(samples_, "%s %d %zu %.1f %.1f %.1f %.1f %d\n", ep.name.c_str(), passes_, i, us(start_ns),
                 us(sent && s.head_ns >= 0 ? s.head_ns - s.sent_ns : -1),
                 us(sent && !s.reads.empty() ? s.reads.front().first - s.sent_ns : -1), us(max_gap), tokens);
  }

  void arm_timer(std::int64_t at_ns) {
    itimerspec spec{};
    spec.it_value.tv_sec = at_ns / 1'000'000'000;
    spec.it_value.tv_nsec = at_ns % 1'000'000'000;
    timerfd_settime(timer_, TFD_TIMER_ABSTIME, &spec, nullptr);
  }

  void drain_timer() {
    std::uint64_t expirations;
    [[maybe_unused]] const auto r = read(timer_, &expirations, sizeof expirations);
  }

  void settle(int ms) {
    const std::int64_t until = now_ns() + std::int64_t(ms) * 1'000'000;
    for (std::int64_t t = now_ns(); t < until; t = now_ns()) usleep(useconds_t((until - t) / 1000));
  }

  void watch(const Stream& s, std::uint32_t events, int op) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = s.key;
    if (epoll_ctl(epoll_, op, s.fd, &ev) != 0) die("epoll_ctl: " + std::string(std::strerror(errno)));
  }

  // Connects every stream, at most --connect-concurrency at a time (TLS handshakes included).
  void open_all(const Endpoint& ep, std::vector<std::unique_ptr<Stream>>& streams) {
    const std::int64_t deadline = now_ns() + std::int64_t(options_.connect_timeout_s * 1e9);
    std::size_t next = 0, pending = 0, settled = 0;
    const auto fail = [&](Stream& s) {
      s.failed = true;
      if (s.fd >= 0) close(s.fd);
      s.fd = -1;
      --pending;
      ++settled;
    };
    while (settled < streams.size() && now_ns() < deadline) {
      while (next < streams.size() && pending < std::size_t(options_.connect_concurrency)) {
        Stream& s = *streams[next];
        s.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sockaddr_in to = address_;
        to.sin_port = htons(std::uint16_t(ep.port));
        ++pending;
        if (s.fd < 0 || (connect(s.fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0 && errno != EINPROGRESS)) {
          fail(s);
        } else {
          const int one = 1;
          setsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          watch(s, EPOLLOUT, EPOLL_CTL_ADD);
        }
        ++next;
      }
      epoll_event events[256];
      const int n = epoll_wait(epoll_, events, 256, 50);
      for (int k = 0; k < n; ++k) {
        if (events[k].data.u64 == timer_key) { drain_timer(); continue; }
        Stream& s = *streams[events[k].data.u64];
        if (s.open || s.failed) continue;
        if (!s.ssl) {  // the TCP connect finished (or failed)
          int err = 0;
          socklen_t len = sizeof err;
          getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
          if (err != 0) { fail(s); continue; }
          if (!ep.tls) { s.open = true; --pending; ++settled; watch(s, EPOLLIN, EPOLL_CTL_MOD); continue; }
          s.ssl = SSL_new(ep.tls);
          SSL_set_fd(s.ssl, s.fd);
          SSL_set_tlsext_host_name(s.ssl, options_.host.c_str());
          X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s.ssl), options_.host.c_str());
        }
        const int r = SSL_connect(s.ssl);
        if (r == 1) { s.open = true; --pending; ++settled; watch(s, EPOLLIN, EPOLL_CTL_MOD); continue; }
        const int e = SSL_get_error(s.ssl, r);
        if (e == SSL_ERROR_WANT_READ) watch(s, EPOLLIN, EPOLL_CTL_MOD);
        else if (e == SSL_ERROR_WANT_WRITE) watch(s, EPOLLOUT, EPOLL_CTL_MOD);
        else { ERR_clear_error(); fail(s); }
      }
    }
  }

  void send_request(Stream& s, const Endpoint& ep, int i) {
    s.out = request_bytes(ep, options_, i);
    s.sent_ns = now_ns();
    flush(s);
  }

  void flush(Stream& s) {
    while (!s.out.empty()) {
      long n;
      if (s.ssl) {
        ERR_clear_error();
        const int r = SSL_write(s.ssl, s.out.data(), int(s.out.size()));
        if (r <= 0) {
          const int e = SSL_get_error(s.ssl, r);
          if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) break;
          return s.finish("write failed");
        }
        n = r;
      } else {
        n = send(s.fd, s.out.data(), s.out.size(), MSG_NOSIGNAL);
        if (n < 0) {
          if (errno == EAGAIN) break;
          return s.finish(std::string("write failed: ") + std::strerror(errno));
        }
      }
      s.out.erase(0, std::size_t(n));
    }
    if (!s.out.empty()) watch(s, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);  // rare: the request did not fit
    else if (s.waiting_to_write) watch(s, EPOLLIN, EPOLL_CTL_MOD);
    s.waiting_to_write = !s.out.empty();
  }

  // Reads until the socket (or TLS) has nothing more; each read is timestamped as it returns.
  void read_all(Stream& s, const Endpoint& ep) {
    for (;;) {
      long n;
      if (s.ssl) {
        ERR_clear_error();
        const int r = SSL_read(s.ssl, buffer_, sizeof buffer_);
        if (r <= 0) {
          const int e = SSL_get_error(s.ssl, r);
          if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
          return s.finish(e == SSL_ERROR_ZERO_RETURN ? "closed early" : "closed early: TLS error");
        }
        n = r;
      } else {
        n = recv(s.fd, buffer_, sizeof buffer_, 0);
        if (n < 0) {
          if (errno == EAGAIN) return;
          return s.finish(std::string("closed early: ") + std::strerror(errno));
        }
        if (n == 0) return s.finish("closed early");
      }
      s.consume(std::string_view(buffer_, std::size_t(n)), now_ns(), ep.marker());
      if (s.done) return;
    }
  }

  const Options& options_;
  int epoll_ = -1, timer_ = -1;
  sockaddr_in address_{};
  std::FILE* samples_ = nullptr;
  int passes_ = 0;  // passes run, warm-up ones included
  char buffer_[64 * 1024];
};

std::string percentiles_json(std::vector<std::int64_t> v) {
  if (v.empty()) return "null";
  std::sort(v.begin(), v.end());
  const auto pct = [&](double p) {
    const auto k = std::max<long>(0, long(std::ceil(p / 100.0 * double(v.size()))) - 1);
    return double(v[std::size_t(k)]) / 1000.0;
  };
  double sum = 0;
  for (auto x : v) sum += double(x);
  char out[320];
  std::snprintf(out, sizeof out,
                R"({"n": %zu, "p50_us": %.3f, "p90_us": %.3f, "p99_us": %.3f, "max_us": %.3f, "mean_us": %.3f})",
                v.size(), pct(50), pct(90), pct(99), double(v.back()) / 1000.0, sum / double(v.size()) / 1000.0);
  return out;
}

// Each pass on its own, in order (rounds alternate endpoints: pass k of two endpoints ran back to back).
std::string passes_json(const Samples& s) {
  std::string out = "[";
  Samples::Bounds begin{0, 0, 0};
  for (const auto& end : s.pass_ends) {
    const auto slice = [](const std::vector<std::int64_t>& v, std::size_t from, std::size_t to) {
      return std::vector<std::int64_t>(v.begin() + std::ptrdiff_t(from), v.begin() + std::ptrdiff_t(to));
    };
    out += (out.size() > 1 ? ", " : "") + std::string("{\"ttfb\": ") + percentiles_json(slice(s.ttfb, begin.ttfb, end.ttfb)) +
           ", \"ttft\": " + percentiles_json(slice(s.ttft, begin.ttft, end.ttft)) +
           ", \"gap\": " + percentiles_json(slice(s.gap, begin.gap, end.gap)) + "}";
    begin = end;
  }
  return out + "]";
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) { out += ' '; continue; }
    out += c;
  }
  return out + "\"";
}

std::string summary_json(const Samples& s) {
  std::string errors = "{";
  for (const auto& [k, v] : s.errors) errors += (errors.size() > 1 ? ", " : "") + json_string(k) + ": " + std::to_string(v);
  errors += "}";
  const auto [tmin, tmax] = s.tokens.empty() ? std::pair(0, 0)
                                             : std::pair(*std::min_element(s.tokens.begin(), s.tokens.end()),
                                                         *std::max_element(s.tokens.begin(), s.tokens.end()));
  char cpu[32];
  std::snprintf(cpu, sizeof cpu, "%.1f", s.wall_s > 0 ? 100.0 * s.cpu_s / s.wall_s : 0.0);
  return "{\"rounds\": " + std::to_string(s.passes) + ", \"ok\": " + std::to_string(s.ok) +
         ", \"connect_failures\": " + std::to_string(s.connect_failures) + ", \"errors\": " + errors +
         ", \"client_cpu_pct\": " + cpu + ", \"tokens_min\": " + std::to_string(tmin) +
         ", \"tokens_max\": " + std::to_string(tmax) + ", \"ttfb\": " + percentiles_json(s.ttfb) +
         ", \"ttft\": " + percentiles_json(s.ttft) + ", \"gap\": " + percentiles_json(s.gap) +
         ", \"passes\": " + passes_json(s) + "}";
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> tls(nullptr, SSL_CTX_free);
  std::vector<Endpoint> endpoints;
  if (options.relay_port) endpoints.push_back({"relay", options.relay_port, true, nullptr});
  if (options.direct_port) {
    tls.reset(SSL_CTX_new(TLS_client_method()));
    if (!tls || SSL_CTX_load_verify_locations(tls.get(), options.ca.c_str(), nullptr) != 1) die("cannot load --ca " + options.ca);
    SSL_CTX_set_verify(tls.get(), SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_session_cache_mode(tls.get(), SSL_SESS_CACHE_OFF);  // a full handshake each, like the Python client
    endpoints.push_back({"direct", options.direct_port, false, tls.get()});
  }
  if (options.proxy_port) endpoints.push_back({"proxy", options.proxy_port, false, nullptr});

  Loop loop(options);
  std::map<std::string, Samples> samples;
  if (options.warmup) {  // fills chatrelay's upstream pool, and the proxy's
    for (const auto& ep : endpoints) {
      if (ep.name == "direct") continue;
      Samples ignored;
      loop.pass(ep, ignored);
    }
  }
  for (int round = 0; round < options.rounds; ++round)
    for (const auto& ep : endpoints) loop.pass(ep, samples[ep.name]);

  char spread[32];
  std::snprintf(spread, sizeof spread, "%g", options.spread_ms);
  std::string out = "{\"mode\": \"latency\", \"client\": \"chatrelay-streamload\", \"streams\": " +
                    std::to_string(options.streams) + ", \"rounds\": " + std::to_string(options.rounds) +
                    ", \"spread_ms\": " + spread;
  for (const auto& ep : endpoints) out += ", \"" + ep.name + "\": " + summary_json(samples[ep.name]);
  out += "}\n";
  std::fputs(out.c_str(), stdout);
  return 0;
}
