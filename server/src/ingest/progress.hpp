#pragma once

// Progress of a long import: on a terminal, one line redrawn in place (a bar, the rate and the
// time left); otherwise a plain line every few seconds, so that logs stay readable. Safe to
// advance from several threads.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <ostream>
#include <string>

namespace tessera::ingest {

class Progress {
public:
    // `what`: the unit counted ("tiles"). `terminal`: redraw in place.
    Progress(std::ostream& out, std::string what, std::size_t total, bool terminal);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    // `done` more units; `detail` is shown after the figures (e.g. "52,310 polygons").
    void advance(std::size_t done, const std::string& detail = "");
    // Ends the line (terminal) and prints the totals.
    void finish(const std::string& detail = "");

    // Whether the stream is a terminal (stdout or stderr checked with isatty).
    static bool is_terminal(const std::ostream& out);

private:
    void print(bool final);

    std::ostream& m_out;
    std::string m_what;
    std::size_t m_total, m_done = 0;
    bool m_terminal, m_finished = false;
    std::string m_detail;
    std::chrono::steady_clock::time_point m_start, m_last;
    std::mutex m_mutex;
};

// "1:05:09", "4:07", "12 s"
std::string format_duration(double seconds);

}  // namespace tessera::ingest
