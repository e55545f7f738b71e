// explicit_bzero(3) over strings and over environment values in place.
#include "chatrelay/core/secret.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace chatrelay {

void wipe(std::string& s) {
  explicit_bzero(s.data(), s.capacity());  // a std::string holds capacity() + 1 bytes
  s.clear();
}

bool erase_environment_variable(std::string_view name) {
  bool found = false;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    if (text.size() > name.size() && text.starts_with(name) && text[name.size()] == '=') {
      explicit_bzero(*entry + name.size() + 1, text.size() - name.size() - 1);
      found = true;
    }
  }
  if (found) ::unsetenv(std::string(name).c_str());
  return found;
}

}  // namespace chatrelay
