// Telling a loopback listening address from one other machines can reach.
#pragma once

#include <string_view>

namespace chatrelay {

// True for "localhost", 127.0.0.0/8, ::1 and IPv4-mapped loopback (brackets allowed): addresses
// only this machine reaches. Anything else, names included, counts as reachable.
bool is_loopback_host(std::string_view host);

}  // namespace chatrelay
