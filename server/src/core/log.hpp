#pragma once

// A minimal logging facade: one line per call on stderr, with UTC time and level. Thread-safe.

#include <sstream>
#include <string>
#include <string_view>

namespace tessera::core {

enum class Level { debug, info, warn, error };

void set_log_level(Level level);
bool log_enabled(Level level);
void log_line(Level level, std::string_view text);

template <typename... Args>
void log(Level level, const Args&... args) {
    if (!log_enabled(level)) return;
    std::ostringstream out;
    (out << ... << args);
    log_line(level, out.str());
}

template <typename... Args> void log_info(const Args&... args) { log(Level::info, args...); }
template <typename... Args> void log_warn(const Args&... args) { log(Level::warn, args...); }
template <typename... Args> void log_error(const Args&... args) { log(Level::error, args...); }
template <typename... Args> void log_debug(const Args&... args) { log(Level::debug, args...); }

}  // namespace tessera::core
