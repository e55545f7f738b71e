// What every chunk of one answer (or its one chat.completion) says about itself.
#pragma once

#include <cstdint>
#include <string>

namespace chatrelay::openai {

struct Identity {
  std::string id;            // "chatcmpl-" and 32 hex digits
  std::int64_t created = 0;  // Unix seconds
  std::string model;         // the name the client asked for
};

}  // namespace chatrelay::openai
