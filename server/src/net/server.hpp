#pragma once

// The network edge: a Beast listener, HTTP sessions and WebSocket sessions. Sockets live on
// I/O threads (one strand per connection); API work, which may wait on the database, runs on
// a separate worker pool and its result is posted back to the connection's strand.

#include <cstdint>
#include <functional>
#include <memory>

#include "api/services.hpp"

namespace tessera::net {

class Server {
public:
    explicit Server(api::Services& services);
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    ~Server();

    // Binds and listens; throws std::runtime_error naming the address on failure. Returns the
    // bound port (useful with port 0).
    std::uint16_t listen();
    // Serves until SIGINT/SIGTERM or stop(), then closes connections and returns.
    void run();
    void stop();
    // Runs `work` on the worker pool (where database calls belong).
    void post_work(std::function<void()> work);
    // Runs `work` on the worker pool every `seconds` while the server runs.
    void every(unsigned seconds, std::function<void()> work);
    // Closes the WebSockets opened with this session, or by this user (0 / -1: none).
    void revoke(std::int64_t session_id, int user_id);
    // Runs `work` on an I/O thread every `ms` milliseconds (it must not block).
    void every_ms(unsigned ms, std::function<void()> work);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace tessera::net
