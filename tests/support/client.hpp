#pragma once

// Synchronous HTTP and WebSocket clients for end-to-end tests (Beast, loopback only).

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "tessera/v1/tessera.pb.h"

namespace tessera::test {

struct HttpResult {
    int status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // lower-case names
};

HttpResult http_request(unsigned short port, const std::string& method, const std::string& target,
                        const std::string& body = {}, const std::map<std::string, std::string>& headers = {});

// Logs in; returns the bearer token (throws when the login fails).
std::string login_token(unsigned short port, const std::string& username, const std::string& password);

class WsClient {
public:
    // Connects and upgrades with these headers (e.g. Authorization, Cookie, Origin). Throws
    // std::runtime_error carrying the HTTP status when the upgrade is refused.
    // A non-zero `receive_buffer` caps the socket's receive buffer (a client that reads slowly then
    // holds back the server sooner).
    WsClient(unsigned short port, const std::map<std::string, std::string>& headers, int receive_buffer = 0);
    ~WsClient();

    void send(const v1::ClientMessage& message);
    void send_raw(const std::string& bytes, bool binary = true);
    // The next message, or nullopt when none arrives within `timeout_ms` or the socket closed.
    std::optional<v1::ServerMessage> receive(int timeout_ms = 5000);
    // Skip Presence pushes in receive() (for tests about other things).
    void ignore_presence(bool ignore) { m_ignore_presence = ignore; }
    // True when the server closed the connection (read fails).
    bool closed(int timeout_ms = 3000);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    bool m_ignore_presence = false;
};

}  // namespace tessera::test
