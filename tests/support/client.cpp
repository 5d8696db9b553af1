#include <utility>  // before Boost.Asio (Boost 1.74 with g++ 12)

#include "support/client.hpp"

#include <chrono>
#include <stdexcept>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

namespace tessera::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

HttpResult http_request(unsigned short port, const std::string& method, const std::string& target,
                        const std::string& body, const std::map<std::string, std::string>& headers) {
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(30));
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
    }
    req.prepare_payload();
    beast::error_code write_error;
    http::write(stream, req, write_error);  // a server may answer (413) before reading it all
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    if (method == "HEAD") parser.skip(true);
    http::read(stream, buffer, parser);
    auto res = parser.release();
    HttpResult out;
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
    for (const auto& f : res) {
        std::string name(f.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out.headers[name] = std::string(f.value());
    }
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return out;
}

std::string login_token(unsigned short port, const std::string& username, const std::string& password) {
    auto r = http_request(port, "POST", "/api/v1/login",
                          nlohmann::json{{"username", username}, {"password", password}}.dump());
    if (r.status != 200) throw std::runtime_error("login of " + username + " failed: " + r.body);
    return nlohmann::json::parse(r.body)["token"].get<std::string>();
}

struct WsClient::Impl {
    asio::io_context ioc;
    websocket::stream<beast::tcp_stream> ws{ioc};
    beast::flat_buffer buffer;
};

WsClient::WsClient(unsigned short port, const std::map<std::string, std::string>& headers, int receive_buffer)
    : m_impl(std::make_unique<Impl>()) {
    auto& ws = m_impl->ws;
    if (receive_buffer > 0) {
        auto& socket = beast::get_lowest_layer(ws).socket();
        socket.open(tcp::v4());
        socket.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    }
    beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(10));
    beast::get_lowest_layer(ws).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
        for (const auto& [k, v] : headers) req.set(k, v);
    }));
    websocket::response_type res;
    beast::error_code ec;
    ws.handshake(res, "127.0.0.1:" + std::to_string(port), "/ws", ec);
    if (ec) {
        // Beast 1.74 does not hand back the refusal: ask again as plain HTTP to read it.
        auto again = headers;
        again["Connection"] = "Upgrade";
        again["Upgrade"] = "websocket";
        again["Sec-WebSocket-Version"] = "13";
        again["Sec-WebSocket-Key"] = "dGhlIHNhbXBsZSBub25jZQ==";
        auto r = http_request(port, "GET", "/ws", "", again);
        throw std::runtime_error("upgrade refused: HTTP " + std::to_string(r.status) + " " + r.body + " (" +
                                 ec.message() + ")");
    }
    beast::get_lowest_layer(ws).expires_never();
    ws.binary(true);
    ws.read_message_max(256u << 20);
}

WsClient::~WsClient() {
    beast::error_code ec;
    beast::get_lowest_layer(m_impl->ws).close();
    (void)ec;
}

void WsClient::send(const v1::ClientMessage& message) {
    std::string bytes;
    message.SerializeToString(&bytes);
    send_raw(bytes, true);
}

void WsClient::send_raw(const std::string& bytes, bool binary) {
    m_impl->ws.binary(binary);
    m_impl->ws.write(asio::buffer(bytes));
    m_impl->ws.binary(true);
}

namespace {

// Reads one message into the buffer: nullopt on timeout, else the read's error code.
template <typename Impl>
std::optional<beast::error_code> read_one(Impl& impl, int timeout_ms) {
    impl.buffer.clear();
    beast::error_code result = asio::error::would_block;
    impl.ws.async_read(impl.buffer, [&](beast::error_code ec, std::size_t) { result = ec; });
    impl.ioc.restart();
    impl.ioc.run_for(std::chrono::milliseconds(timeout_ms));
    if (result != asio::error::would_block) return result;
    // Timed out: cancel the pending read and let it finish.
    beast::get_lowest_layer(impl.ws).cancel();
    impl.ioc.restart();
    impl.ioc.run();
    return std::nullopt;
}

}  // namespace

std::optional<v1::ServerMessage> WsClient::receive(int timeout_ms) {
    for (;;) {
        auto result = read_one(*m_impl, timeout_ms);
        if (!result || *result) return std::nullopt;
        v1::ServerMessage m;
        if (!m.ParseFromString(beast::buffers_to_string(m_impl->buffer.data())))
            throw std::runtime_error("the server sent a frame that is not a ServerMessage");
        if (m_ignore_presence && m.has_presence()) continue;
        return m;
    }
}

bool WsClient::closed(int timeout_ms) {
    // Skips what is still queued for us; true once the server has closed the connection.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        auto result = read_one(*m_impl, timeout_ms);
        if (!result) return false;
        if (*result) return true;
    }
    return false;
}

}  // namespace tessera::test
