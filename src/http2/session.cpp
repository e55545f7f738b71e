// Session: nghttp2's session API driven through nghttp2_session_mem_recv / mem_send, with its
// callbacks turned into a list of events and outgoing bodies served from queues of our own.
#include "chatrelay/http2/session.hpp"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <unordered_map>

namespace chatrelay::http2 {
namespace {

// The room output() keeps between turns: a turn's usual frames, not a burst's.
constexpr std::size_t kept_output_bytes = 16 * 1024;

}  // namespace

struct Session::Impl {
  // A body being sent: what is queued, and whether nghttp2 was told to wait for more.
  struct Outgoing {
    std::string bytes;
    std::size_t sent = 0;
    bool end = false;
    bool deferred = false;
  };

  nghttp2_session* session = nullptr;
  std::vector<Event> events;
  std::vector<Header> headers;  // the header block being received (blocks never interleave)
  std::unordered_map<std::int32_t, Outgoing> outgoing;
  std::string gathered;  // output()'s
  std::size_t delivered = 0;  // events the last feed returned
  std::size_t connection_used = 0;  // data bytes received in this feed, for the connection window
  bool manual = false;

  static Event make(Event::Kind kind, std::int32_t stream, std::uint32_t code = 0) {
    Event e;
    e.kind = kind;
    e.stream = stream;
    e.code = code;
    return e;
  }

  static Impl& of(void* user) { return *static_cast<Impl*>(user); }

  static int on_begin_headers(nghttp2_session*, const nghttp2_frame*, void* user) {
    of(user).headers.clear();
    return 0;
  }

  static int on_header(nghttp2_session*, const nghttp2_frame*, const std::uint8_t* name, std::size_t namelen,
                       const std::uint8_t* value, std::size_t valuelen, std::uint8_t, void* user) {
    of(user).headers.push_back({std::string(reinterpret_cast<const char*>(name), namelen),
                                std::string(reinterpret_cast<const char*>(value), valuelen)});
    return 0;
  }

  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    auto& self = of(user);
    const std::int32_t id = frame->hd.stream_id;
    switch (frame->hd.type) {
      case NGHTTP2_HEADERS: {
        Event e = make(Event::Kind::headers, id);
        e.headers = std::move(self.headers);
        self.headers.clear();
        self.events.push_back(std::move(e));
        break;
      }
      case NGHTTP2_DATA:
        break;
      case NGHTTP2_SETTINGS:
        if (!(frame->hd.flags & NGHTTP2_FLAG_ACK)) self.events.push_back(make(Event::Kind::settings, 0));
        return 0;
      case NGHTTP2_GOAWAY:
        self.events.push_back(make(Event::Kind::goaway, 0, frame->goaway.error_code));
        self.events.back().last_stream = frame->goaway.last_stream_id;
        return 0;
      default:
        return 0;
    }
    if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) self.events.push_back(make(Event::Kind::end_stream, id));
    return 0;
  }

  static int on_data_chunk(nghttp2_session*, std::uint8_t, std::int32_t id, const std::uint8_t* data, std::size_t len,
                           void* user) {
    auto& self = of(user);
    self.connection_used += len;
    // nghttp2 hands DATA payloads on in place, as pointers into the bytes mem_recv was given.
    self.events.push_back(make(Event::Kind::data, id));
    self.events.back().data = std::string_view(reinterpret_cast<const char*>(data), len);
    return 0;
  }

  static int on_stream_close(nghttp2_session*, std::int32_t id, std::uint32_t code, void* user) {
    auto& self = of(user);
    self.outgoing.erase(id);
    self.events.push_back(make(Event::Kind::closed, id, code));
    return 0;
  }

  static ssize_t read_body(nghttp2_session*, std::int32_t id, std::uint8_t* buf, std::size_t length,
                                 std::uint32_t* flags, nghttp2_data_source*, void* user) {
    auto& self = of(user);
    const auto it = self.outgoing.find(id);
    if (it == self.outgoing.end()) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      return 0;
    }
    Outgoing& out = it->second;
    const std::size_t n = std::min(length, out.bytes.size() - out.sent);
    std::memcpy(buf, out.bytes.data() + out.sent, n);
    out.sent += n;
    if (out.sent == out.bytes.size()) {
      if (out.end) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        self.outgoing.erase(it);  // a request body is not held for the rest of its stream
        return static_cast<ssize_t>(n);
      }
      std::string().swap(out.bytes);
      out.sent = 0;
      if (n == 0) {
        out.deferred = true;
        return NGHTTP2_ERR_DEFERRED;
      }
    }
    return static_cast<ssize_t>(n);
  }

  static std::vector<nghttp2_nv> name_values(std::span<const Header> headers) {
    std::vector<nghttp2_nv> nva;
    nva.reserve(headers.size());
    for (const auto& h : headers) {
      // A credential never enters HPACK's dynamic table (RFC 7541 §7.1.3): it is not kept for
      // the connection's life, nor guessable by compression.
      const bool secret = h.name == "x-goog-api-key" || h.name == "authorization";
      nva.push_back({reinterpret_cast<std::uint8_t*>(const_cast<char*>(h.name.data())),
                     reinterpret_cast<std::uint8_t*>(const_cast<char*>(h.value.data())), h.name.size(), h.value.size(),
                     static_cast<std::uint8_t>(secret ? NGHTTP2_NV_FLAG_NO_INDEX : NGHTTP2_NV_FLAG_NONE)});
    }
    return nva;
  }
};

Session::Session(Role role, Options options) : impl_(std::make_unique<Impl>()) {
  impl_->manual = options.manual_stream_windows;
  nghttp2_session_callbacks* callbacks = nullptr;
  if (nghttp2_session_callbacks_new(&callbacks) != 0) throw std::bad_alloc();
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, &Impl::on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, &Impl::on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &Impl::on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &Impl::on_data_chunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &Impl::on_stream_close);
  nghttp2_option* option = nullptr;
  if (nghttp2_option_new(&option) != 0) {
    nghttp2_session_callbacks_del(callbacks);
    throw std::bad_alloc();
  }
  // Always manual: the connection's window is opened by feed() as bytes arrive, the streams' by
  // feed() too unless manual_stream_windows leaves that to consume().
  nghttp2_option_set_no_auto_window_update(option, 1);
  const int rv = role == Role::client ? nghttp2_session_client_new2(&impl_->session, callbacks, impl_.get(), option)
                                      : nghttp2_session_server_new2(&impl_->session, callbacks, impl_.get(), option);
  nghttp2_option_del(option);
  nghttp2_session_callbacks_del(callbacks);
  if (rv != 0) throw std::bad_alloc();
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, options.max_concurrent_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, options.initial_window_size},
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
  };
  // ENABLE_PUSH is for clients to send only.
  const std::size_t count = role == Role::client ? 3 : 2;
  // The connection's window opens with a WINDOW_UPDATE after the SETTINGS (RFC 9113 §6.9.2:
  // SETTINGS change only the streams' windows).
  if (nghttp2_submit_settings(impl_->session, NGHTTP2_FLAG_NONE, settings, count) != 0 ||
      nghttp2_session_set_local_window_size(impl_->session, NGHTTP2_FLAG_NONE, 0,
                                            static_cast<std::int32_t>(std::min<std::uint32_t>(
                                                options.connection_window_size, NGHTTP2_MAX_WINDOW_SIZE))) != 0) {
    nghttp2_session_del(impl_->session);
    throw std::bad_alloc();
  }
}

Session::~Session() { nghttp2_session_del(impl_->session); }

Session::Fed Session::feed(std::string_view bytes) {
  auto& impl = *impl_;
  // The events the last feed returned go; those output() caused since (a stream closed as its
  // RST_STREAM went out, a request refused after GOAWAY) are returned with this feed's.
  impl.events.erase(impl.events.begin(), impl.events.begin() + static_cast<std::ptrdiff_t>(impl.delivered));
  impl.connection_used = 0;
  const auto rv = nghttp2_session_mem_recv(impl.session, reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                            bytes.size());
  Fed fed;
  fed.ok = rv >= 0;
  if (impl.connection_used > 0) {
    nghttp2_session_consume_connection(impl.session, impl.connection_used);
    if (!impl.manual) {
      for (const auto& e : impl.events)
        if (e.kind == Event::Kind::data) nghttp2_session_consume_stream(impl.session, e.stream, e.data.size());
    }
  }
  fed.events = impl.events;
  impl.delivered = impl.events.size();
  return fed;
}

std::string_view Session::output() {
  // One mem_send returns one frame at a time; the frames of this turn are gathered.
  std::string& gathered = impl_->gathered;
  // What went out last time may hold a request's credential: not left behind in the buffer.
  std::fill(gathered.begin(), gathered.end(), '\0');
  gathered.clear();
  // A burst's frames (a hundred requests at once) are not kept room for by an idle connection.
  if (gathered.capacity() > kept_output_bytes) std::string().swap(gathered);
  for (;;) {
    const std::uint8_t* data = nullptr;
    const auto n = nghttp2_session_mem_send(impl_->session, &data);
    if (n <= 0) break;
    gathered.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
  }
  return gathered;
}

bool Session::want_write() const { return nghttp2_session_want_write(impl_->session) != 0; }

bool Session::alive() const {
  return nghttp2_session_want_read(impl_->session) != 0 || nghttp2_session_want_write(impl_->session) != 0;
}

std::int32_t Session::request(std::span<const Header> headers, std::string_view body) {
  if (nghttp2_session_check_request_allowed(impl_->session) == 0) return 0;  // GOAWAY received
  const auto nva = Impl::name_values(headers);
  nghttp2_data_provider provider{};
  provider.read_callback = &Impl::read_body;
  const std::int32_t id = nghttp2_submit_request(impl_->session, nullptr, nva.data(), nva.size(),
                                                  body.empty() ? nullptr : &provider, nullptr);
  if (id <= 0) return 0;
  if (!body.empty()) impl_->outgoing[id] = Impl::Outgoing{.bytes = std::string(body), .end = true};
  return id;
}

void Session::respond(std::int32_t stream, std::span<const Header> headers, bool end) {
  const auto nva = Impl::name_values(headers);
  nghttp2_data_provider provider{};
  provider.read_callback = &Impl::read_body;
  if (!end) impl_->outgoing[stream];
  nghttp2_submit_response(impl_->session, stream, nva.data(), nva.size(), end ? nullptr : &provider);
}

void Session::send_data(std::int32_t stream, std::string_view bytes, bool end) {
  const auto it = impl_->outgoing.find(stream);
  if (it == impl_->outgoing.end()) return;  // closed (reset by the peer)
  auto& out = it->second;
  out.bytes.append(bytes);
  out.end = out.end || end;
  if (out.deferred) {
    out.deferred = false;
    nghttp2_session_resume_data(impl_->session, stream);
  }
}

void Session::reset(std::int32_t stream, Code code) {
  nghttp2_submit_rst_stream(impl_->session, NGHTTP2_FLAG_NONE, stream, static_cast<std::uint32_t>(code));
}

void Session::goaway(std::int32_t last_stream, Code code) {
  nghttp2_submit_goaway(impl_->session, NGHTTP2_FLAG_NONE, last_stream, static_cast<std::uint32_t>(code), nullptr, 0);
}

void Session::consume(std::int32_t stream, std::size_t n) {
  if (impl_->manual && n > 0) nghttp2_session_consume_stream(impl_->session, stream, n);
}

std::uint32_t Session::peer_max_concurrent_streams() const {
  const std::uint32_t v =
      nghttp2_session_get_remote_settings(impl_->session, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
  return v == 0xffffffffu ? 100 : v;
}

std::size_t Session::queued(std::int32_t stream) const {
  const auto it = impl_->outgoing.find(stream);
  return it == impl_->outgoing.end() ? 0 : it->second.bytes.size() - it->second.sent;
}

}  // namespace chatrelay::http2
