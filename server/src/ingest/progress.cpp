#include "ingest/progress.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include <unistd.h>

namespace tessera::ingest {

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    const auto s = static_cast<long long>(std::llround(seconds));
    if (s < 60) return std::to_string(s) + " s";
    char buf[32];
    if (s < 3600) {
        std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
    } else {
        std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    }
    return buf;
}

bool Progress::is_terminal(const std::ostream& out) {
    if (&out == &std::cout) return ::isatty(STDOUT_FILENO) == 1;
    if (&out == &std::cerr) return ::isatty(STDERR_FILENO) == 1;
    return false;
}

Progress::Progress(std::ostream& out, std::string what, std::size_t total, bool terminal)
    : m_out(out), m_what(std::move(what)), m_total(total), m_terminal(terminal),
      m_start(std::chrono::steady_clock::now()), m_last(m_start) {}

Progress::~Progress() {
    if (!m_finished && m_terminal && m_done > 0) m_out << "\n" << std::flush;
}

void Progress::advance(std::size_t done, const std::string& detail) {
    std::lock_guard lock(m_mutex);
    m_done += done;
    if (!detail.empty()) m_detail = detail;
    const auto now = std::chrono::steady_clock::now();
    // A terminal is redrawn a few times a second; a log gets a line every 5 s.
    const auto every = m_terminal ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000);
    if (now - m_last >= every) {
        m_last = now;
        print(false);
    }
}

void Progress::finish(const std::string& detail) {
    std::lock_guard lock(m_mutex);
    if (!detail.empty()) m_detail = detail;
    print(true);
    m_finished = true;
}

void Progress::print(bool final) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    const double rate = elapsed > 0 ? static_cast<double>(m_done) / elapsed : 0;
    std::ostringstream line;
    if (m_terminal) {
        constexpr int width = 30;
        const int filled = m_total ? static_cast<int>(width * m_done / m_total) : width;
        line << "\r[" << std::string(static_cast<std::size_t>(filled), '#')
             << std::string(static_cast<std::size_t>(width - filled), ' ') << "] ";
    } else {
        line << "  ";
    }
    line << m_done << "/" << m_total << " " << m_what;
    char r[32];
    std::snprintf(r, sizeof r, "%.1f", rate);
    line << ", " << r << " " << m_what << "/s";
    if (final) {
        line << ", " << format_duration(elapsed);
    } else if (rate > 0 && m_total >= m_done) {
        line << ", " << format_duration(static_cast<double>(m_total - m_done) / rate) << " left";
    }
    if (!m_detail.empty()) line << " (" << m_detail << ")";
    if (m_terminal) line << "\x1b[K";  // clear what a longer line left
    if (!m_terminal || final) line << "\n";
    m_out << line.str() << std::flush;
}

}  // namespace tessera::ingest
