// The "tls" error category: the layer's own conditions and OpenSSL's reasons as text.
#include "chatrelay/tls/client.hpp"

#include "openssl.hpp"

namespace chatrelay::tls {
namespace {

// Values below this are Error's; OpenSSL's packed codes are stored as they are (they are larger:
// the library number sits in the high bits).
class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "tls"; }
  std::string message(int value) const override {
    if (value == static_cast<int>(Error::truncated)) return "the peer closed the connection without close_notify";
    if (value == static_cast<int>(Error::failed)) return "TLS failed without a reason";
    char buf[256];
    ERR_error_string_n(static_cast<unsigned long>(value), buf, sizeof buf);
    return buf;
  }
};

}  // namespace

const std::error_category& error_category() {
  static const Category category;
  return category;
}

std::error_code make_error_code(Error e) { return {static_cast<int>(e), error_category()}; }

std::error_code openssl_error(unsigned long code) { return {static_cast<int>(code), error_category()}; }

}  // namespace chatrelay::tls
