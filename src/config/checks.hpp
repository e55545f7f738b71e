// The checks of text settings: each returns whether the text is acceptable and, if so, puts it in
// its normal form (lower-case scheme and host, no trailing slash, no "models/" prefix, ...).
#pragma once

#include <string>

namespace chatrelay::config::detail {

bool accept_origin(std::string& text);
bool accept_base_url(std::string& text);
bool accept_host(std::string& text);
bool accept_model(std::string& text);
bool accept_api_key(std::string& text);
bool accept_redis_url(std::string& text);
bool accept_redis_prefix(std::string& text);

}  // namespace chatrelay::config::detail
