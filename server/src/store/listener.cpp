#include "store/listener.hpp"

#include <chrono>

#include <pqxx/pqxx>

#include "core/log.hpp"

namespace tessera::store {
namespace {

class Receiver : public pqxx::notification_receiver {
public:
    Receiver(pqxx::connection_base& c, const std::string& channel, const Listener::Handler& handler)
        : pqxx::notification_receiver(c, channel), m_handler(handler) {}
    void operator()(const std::string& payload, int) override { m_handler(payload); }

private:
    const Listener::Handler& m_handler;
};

}  // namespace

Listener::Listener(std::string url, std::string channel, Handler handler, std::function<void()> on_connected)
    : m_url(std::move(url)), m_channel(std::move(channel)), m_handler(std::move(handler)),
      m_on_connected(std::move(on_connected)), m_thread([this] { run(); }) {}

Listener::~Listener() {
    m_stop = true;
    m_thread.join();
}

void Listener::run() {
    int failures = 0;
    while (!m_stop) {
        try {
            pqxx::connection conn(m_url);
            Receiver receiver(conn, m_channel, m_handler);
            // LISTEN takes effect with the first wait; catch up after that.
            conn.get_notifs();
            if (failures > 0) core::log_info("listening on ", m_channel, " again");
            failures = 0;
            if (m_on_connected) m_on_connected();
            while (!m_stop) conn.await_notification(0, 200000);  // wake up to check m_stop
        } catch (const std::exception& e) {
            if (m_stop) break;
            ++failures;
            core::log_warn("listening on ", m_channel, " failed (", e.what(), "); retrying");
            for (int i = 0; i < std::min(failures, 10) * 5 && !m_stop; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
}

}  // namespace tessera::store
