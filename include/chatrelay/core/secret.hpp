// Secrets in memory: wiping copies, and taking the API key out of the environment block.
#pragma once

#include <string>
#include <string_view>

namespace chatrelay {

// Overwrites the whole of `s` (its capacity, not only its size) in a way the compiler cannot
// drop, then empties it: a copy of a secret that is no longer needed does not linger in freed
// memory.
void wipe(std::string& s);

// Removes environment variable `name` from the process, and first overwrites its value where it
// lies: /proc/PID/environ shows the block the process was started with, which unsetenv(3) only
// unlinks. Returns whether the variable was set.
bool erase_environment_variable(std::string_view name);

}  // namespace chatrelay
