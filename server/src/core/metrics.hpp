#pragma once

// Process-wide counters for /metrics (Prometheus text format). Lock-free counters; the
// duration histogram takes a short lock. One instance owned by the application.

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace tessera::core {

class Metrics {
public:
    std::atomic<std::int64_t> ws_connections_open{0};
    std::atomic<std::uint64_t> ws_connections_total{0};
    std::atomic<std::uint64_t> ws_frames_in{0};
    std::atomic<std::uint64_t> ws_frames_out{0};
    std::atomic<std::uint64_t> ws_bytes_out{0};
    std::atomic<std::uint64_t> ws_errors{0};
    std::atomic<std::uint64_t> ws_closed_slow{0};
    std::atomic<std::uint64_t> http_connections_total{0};

    // Records one request of `route` (a fixed name, never a raw URL) that took `seconds`.
    void observe_request(const std::string& route, int status, double seconds);
    std::string prometheus_text() const;

private:
    static constexpr std::array<double, 10> bounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5};
    struct Histogram {
        std::array<std::uint64_t, bounds.size()> buckets{};
        std::uint64_t count = 0;
        double sum = 0;
    };
    mutable std::mutex m_mutex;
    std::map<std::string, Histogram> m_durations;
    std::map<std::pair<std::string, int>, std::uint64_t> m_requests;
};

}  // namespace tessera::core
