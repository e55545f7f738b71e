// ServerContext and ServerStream: asio's ssl::stream over an accepted socket, kept inside tls/.
#include "chatrelay/tls/server.hpp"

#include <asio/ssl.hpp>

#include "openssl.hpp"

namespace chatrelay::tls {

struct ServerContext::Impl {
  asio::ssl::context ctx{asio::ssl::context::tls_server};
  std::vector<std::string> alpn;  // in preference order

  // OpenSSL's ALPN selection: our first protocol that the client offers.
  static int select(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen,
                    void* arg) {
    const auto& ours = static_cast<Impl*>(arg)->alpn;
    for (const auto& p : ours) {
      for (unsigned i = 0; i < inlen;) {
        const unsigned len = in[i];
        if (i + 1 + len > inlen) break;
        if (std::string_view(reinterpret_cast<const char*>(in + i + 1), len) == p) {
          *out = in + i + 1;
          *outlen = static_cast<unsigned char>(len);
          return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + len;
      }
    }
    return SSL_TLSEXT_ERR_NOACK;  // no ALPN: the client falls back to HTTP/1.1
  }
};

ServerContext::ServerContext(const std::filesystem::path& cert_chain, const std::filesystem::path& key)
    : impl_(std::make_unique<Impl>()) {
  auto& ctx = impl_->ctx;
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::single_dh_use);
  ctx.use_certificate_chain_file(cert_chain.string());
  ctx.use_private_key_file(key.string(), asio::ssl::context::pem);
  SSL_CTX_set_mode(ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_session_cache_mode(ctx.native_handle(), SSL_SESS_CACHE_SERVER);
  static const unsigned char id[] = "chatrelay-fake-gemini";
  SSL_CTX_set_session_id_context(ctx.native_handle(), id, sizeof id - 1);
}

ServerContext::~ServerContext() = default;

void ServerContext::set_alpn(std::vector<std::string> protocols) {
  impl_->alpn = std::move(protocols);
  if (impl_->alpn.empty())
    SSL_CTX_set_alpn_select_cb(impl_->ctx.native_handle(), nullptr, nullptr);
  else
    SSL_CTX_set_alpn_select_cb(impl_->ctx.native_handle(), &Impl::select, impl_.get());
}

struct ServerStream::Impl {
  Impl(tcp::socket socket, asio::ssl::context& ctx) : stream(std::move(socket), ctx) {}
  asio::ssl::stream<tcp::socket> stream;
};

ServerStream::ServerStream(tcp::socket socket, ServerContext& ctx)
    : impl_(std::make_unique<Impl>(std::move(socket), ctx.impl_->ctx)) {}

ServerStream::~ServerStream() = default;

awaitable<asio::error_code> ServerStream::handshake() {
  auto [ec] = co_await impl_->stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
  co_return ec;
}

awaitable<std::pair<asio::error_code, std::size_t>> ServerStream::read_some(std::span<char> into) {
  auto [ec, n] = co_await impl_->stream.async_read_some(asio::buffer(into.data(), into.size()), use_tuple);
  co_return std::pair(ec, n);
}

awaitable<asio::error_code> ServerStream::write(std::string_view bytes) {
  auto [ec, n] = co_await asio::async_write(impl_->stream, asio::buffer(bytes.data(), bytes.size()), use_tuple);
  co_return ec;
}

awaitable<asio::error_code> ServerStream::shutdown() {
  auto [ec] = co_await impl_->stream.async_shutdown(use_tuple);
  co_return ec;
}

bool ServerStream::session_reused() const { return SSL_session_reused(impl_->stream.native_handle()) == 1; }

std::string_view ServerStream::alpn_protocol() const { return negotiated_protocol(impl_->stream.native_handle()); }

tcp::socket& ServerStream::socket() { return impl_->stream.next_layer(); }

}  // namespace chatrelay::tls
