// Log levels and formats, shared by the settings and the logger.
#pragma once

namespace chatrelay {

enum class LogLevel { debug, info, warn, error, off };
enum class LogFormat { text, json };

}  // namespace chatrelay
