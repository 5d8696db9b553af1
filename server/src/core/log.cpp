#include "core/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace tessera::core {
namespace {
std::atomic<Level> g_level{Level::info};
std::mutex g_mutex;
}  // namespace

void set_log_level(Level level) { g_level = level; }
bool log_enabled(Level level) { return level >= g_level.load(); }

void log_line(Level level, std::string_view text) {
    static const char* names[] = {"debug", "info", "warn", "error"};
    const auto now = std::chrono::system_clock::now();
    const auto t = std::chrono::system_clock::to_time_t(now);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char stamp[64];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    std::lock_guard lock(g_mutex);
    std::fprintf(stderr, "%s %-5s %.*s\n", stamp, names[static_cast<int>(level)], static_cast<int>(text.size()),
                 text.data());
}

}  // namespace tessera::core
