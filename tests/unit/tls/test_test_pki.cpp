// Tests for tls::ensure_test_pki: the private key is written for its owner alone, also when an
// older, readable one is reused.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "chatrelay/tls/test_pki.hpp"

using namespace chatrelay;

namespace {

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("ensure_test_pki: the private key is mode 0600, the certificates readable") {
  const auto dir = std::filesystem::temp_directory_path() / ("chatrelay-unit-pki-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const ::mode_t old_umask = ::umask(0);  // the loosest umask: the mode must not depend on it
  const tls::TestPki pki = tls::ensure_test_pki(dir, {"127.0.0.1"});
  ::umask(old_umask);
  CHECK(mode_of(pki.server_key) == 0600);
  CHECK(mode_of(pki.server_cert) == 0644);
  CHECK(mode_of(pki.ca_cert) == 0644);

  std::filesystem::permissions(pki.server_key, std::filesystem::perms::all);  // as an older version left it
  tls::ensure_test_pki(dir, {"127.0.0.1"});
  CHECK(mode_of(pki.server_key) == 0600);
  std::filesystem::remove_all(dir);
}
