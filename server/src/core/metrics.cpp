#include "core/metrics.hpp"

#include <sstream>

namespace tessera::core {

void Metrics::observe_request(const std::string& route, int status, double seconds) {
    std::lock_guard lock(m_mutex);
    auto& h = m_durations[route];
    for (std::size_t i = 0; i < bounds.size(); ++i)
        if (seconds <= bounds[i]) ++h.buckets[i];
    ++h.count;
    h.sum += seconds;
    ++m_requests[{route, status}];
}

std::string Metrics::prometheus_text() const {
    std::ostringstream out;
    auto gauge = [&](const char* name, const char* help, const char* type, auto value) {
        out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n'
            << name << ' ' << value << '\n';
    };
    gauge("tessera_ws_connections", "Open WebSocket connections.", "gauge", ws_connections_open.load());
    gauge("tessera_ws_connections_total", "WebSocket connections accepted.", "counter", ws_connections_total.load());
    gauge("tessera_ws_frames_received_total", "WebSocket frames received.", "counter", ws_frames_in.load());
    gauge("tessera_ws_frames_sent_total", "WebSocket frames sent.", "counter", ws_frames_out.load());
    gauge("tessera_ws_bytes_sent_total", "WebSocket payload bytes sent.", "counter", ws_bytes_out.load());
    gauge("tessera_ws_errors_total", "Error messages sent to WebSocket clients.", "counter", ws_errors.load());
    gauge("tessera_ws_closed_slow_total", "Connections closed for lagging or flooding.", "counter",
          ws_closed_slow.load());
    gauge("tessera_http_connections_total", "HTTP connections accepted.", "counter", http_connections_total.load());

    std::lock_guard lock(m_mutex);
    out << "# HELP tessera_http_requests_total HTTP requests and WebSocket requests by route and status.\n"
           "# TYPE tessera_http_requests_total counter\n";
    for (const auto& [key, n] : m_requests)
        out << "tessera_http_requests_total{route=\"" << key.first << "\",status=\"" << key.second << "\"} " << n << '\n';
    out << "# HELP tessera_request_duration_seconds Time to answer a request, by route.\n"
           "# TYPE tessera_request_duration_seconds histogram\n";
    for (const auto& [route, h] : m_durations) {
        for (std::size_t i = 0; i < bounds.size(); ++i)
            out << "tessera_request_duration_seconds_bucket{route=\"" << route << "\",le=\"" << bounds[i] << "\"} "
                << h.buckets[i] << '\n';
        out << "tessera_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} " << h.count << '\n'
            << "tessera_request_duration_seconds_sum{route=\"" << route << "\"} " << h.sum << '\n'
            << "tessera_request_duration_seconds_count{route=\"" << route << "\"} " << h.count << '\n';
    }
    return out.str();
}

}  // namespace tessera::core
