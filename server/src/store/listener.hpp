#pragma once

// LISTEN on a PostgreSQL channel from a dedicated connection and thread; reconnects after a
// failure. How several server instances hear of each other's commits on one database.

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace tessera::store {

class Listener {
public:
    using Handler = std::function<void(const std::string& payload)>;
    // `on_connected` runs each time the listening connection is (re)established, so that the
    // caller can catch up on what it may have missed meanwhile.
    Listener(std::string url, std::string channel, Handler handler, std::function<void()> on_connected = {});
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;
    ~Listener();

private:
    void run();

    std::string m_url;
    std::string m_channel;
    Handler m_handler;
    std::function<void()> m_on_connected;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

}  // namespace tessera::store
