#include <utility>  // before Boost.Asio (Boost 1.74 with g++ 12)

#include "net/server.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "api/http_api.hpp"
#include "api/ws_api.hpp"
#include "core/log.hpp"

namespace tessera::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

class WsSession;

// Shared state of the server that sessions need.
struct Shared {
    api::Services& services;
    asio::thread_pool workers;
    std::mutex mutex;
    std::map<int, std::size_t> connections_per_user;
    // Open WebSockets, to close those of a revoked session or account.
    std::vector<std::weak_ptr<WsSession>> sockets;

    Shared(api::Services& s) : services(s), workers(std::max(2u, s.config.db_connections)) {}

    bool add_connection(int user) {
        std::lock_guard lock(mutex);
        auto& n = connections_per_user[user];
        if (n >= services.config.limits.max_connections_per_user) return false;
        ++n;
        return true;
    }
    void remove_connection(int user) {
        std::lock_guard lock(mutex);
        if (auto it = connections_per_user.find(user); it != connections_per_user.end() && it->second > 0) --it->second;
    }
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

api::HttpRequest to_api(const http::request<http::string_body>& req) {
    api::HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.body = req.body();
    r.cookie = std::string(req[http::field::cookie]);
    r.authorization = std::string(req[http::field::authorization]);
    r.origin = std::string(req[http::field::origin]);
    r.host = std::string(req[http::field::host]);
    r.user_agent = std::string(req[http::field::user_agent]);
    r.content_type = std::string(req[http::field::content_type]);
    return r;
}

class WsSession : public api::Viewer, public std::enable_shared_from_this<WsSession> {
public:
    WsSession(tcp::socket&& socket, Shared& shared, auth::Principal principal)
        : m_ws(std::move(socket)), m_shared(shared), m_limits(shared.services.config.limits) {
        m_conn.principal = std::move(principal);
    }
    ~WsSession() override {
        m_shared.services.hub.unsubscribe_all(this);
        m_shared.services.metrics.ws_connections_open--;
        m_shared.remove_connection(m_conn.principal.user_id);
        core::log_info("ws closed user=", m_conn.principal.username, " frames_in=", m_frames_in);
    }

    // hub::Subscriber, called from any thread: queue on the strand, or hold back while the
    // tile's snapshot is being read.
    void deliver(const std::string& tile, std::uint64_t seq, const hub::Frame& frame) override {
        {
            std::lock_guard lock(m_held_mutex);
            if (auto it = m_held.find(tile); it != m_held.end()) {
                it->second.emplace_back(seq, frame);
                return;
            }
        }
        asio::post(m_ws.get_executor(), [self = shared_from_this(), frame] { self->send(frame); });
    }
    int user_id() const override { return m_conn.principal.user_id; }
    const std::string& username() const override { return m_conn.principal.username; }
    void hold(const std::string& tile) override {
        std::lock_guard lock(m_held_mutex);
        m_held.try_emplace(tile);
    }
    std::vector<std::string> held() const override {
        std::lock_guard lock(m_held_mutex);
        std::vector<std::string> out;
        for (const auto& [tile, frames] : m_held) out.push_back(tile);
        return out;
    }

    // Closes the connection (policy violation, "session revoked") when it was opened with this
    // session or by this user; any thread.
    void revoke_if(std::int64_t session_id, int user_id) {
        if (m_conn.principal.session_id != session_id && m_conn.principal.user_id != user_id) return;
        asio::post(m_ws.get_executor(), [self = shared_from_this()] {
            if (self->m_closing) return;
            core::log_info("ws user=", self->m_conn.principal.username, ": session revoked, closing");
            self->m_close_reason = "session revoked";
            self->m_closing = true;
            if (!self->m_writing) self->do_close();
        });
    }

    void run(http::request<http::string_body> req) {
        {
            std::lock_guard lock(m_shared.mutex);
            auto& list = m_shared.sockets;
            list.erase(std::remove_if(list.begin(), list.end(), [](const auto& w) { return w.expired(); }), list.end());
            list.push_back(weak_from_this());
        }
        m_conn.viewer = std::static_pointer_cast<api::Viewer>(shared_from_this());
        m_shared.services.metrics.ws_connections_open++;
        m_shared.services.metrics.ws_connections_total++;
        websocket::stream_base::timeout t{};
        t.handshake_timeout = std::chrono::seconds(30);
        t.idle_timeout = std::chrono::seconds(m_shared.services.config.idle_timeout_s);
        t.keep_alive_pings = true;
        m_ws.set_option(t);
        m_ws.set_option(websocket::stream_base::decorator(
            [](websocket::response_type& res) { res.set(http::field::server, "tessera"); }));
        // The hard cap: past it the connection is closed with 1009. Up to it, an oversized
        // message is read and dropped, and answered with a typed error.
        m_ws.read_message_max(std::max<std::size_t>(m_limits.max_frame_bytes * 8, 8u << 20));
        m_ws.binary(true);
        m_ws.async_accept(req, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
    }

private:
    void on_accept(beast::error_code ec) {
        if (ec) return;
        core::log_info("ws open user=", m_conn.principal.username);
        do_read();
    }

    void do_read() {
        m_ws.async_read_some(m_buffer, 64 * 1024, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec) {
            if (ec == websocket::error::message_too_big) m_shared.services.metrics.ws_closed_slow++;
            return;  // closed, timed out or failed: the session ends
        }
        if (m_discarding || m_buffer.size() > m_limits.max_frame_bytes) {
            m_discarding = true;
            m_buffer.consume(m_buffer.size());
        }
        if (!m_ws.is_message_done()) return do_read();
        ++m_frames_in;
        m_shared.services.metrics.ws_frames_in++;
        if (m_discarding) {
            m_discarding = false;
            send_error(api::ErrorKind::too_large,
                       "the message is larger than the limit of " + std::to_string(m_limits.max_frame_bytes) + " bytes");
            return do_read();
        }
        if (!m_ws.got_binary()) {
            m_buffer.consume(m_buffer.size());
            send_error(api::ErrorKind::malformed, "text frames are not accepted: send binary tessera.v1.ClientMessage");
            return do_read();
        }
        auto frame = std::make_shared<std::string>(beast::buffers_to_string(m_buffer.data()));
        m_buffer.consume(m_buffer.size());
        // The API may wait on the database: run it on the worker pool, then come back to the
        // strand. The next frame is read only after this one is answered (in-order replies,
        // and TCP back-pressure on a client that sends faster than it is served).
        asio::post(m_shared.workers, [self = shared_from_this(), frame] {
            const auto t0 = std::chrono::steady_clock::now();
            auto outcome = api::handle_frame(self->m_shared.services, self->m_conn, *frame);
            const double seconds = seconds_since(t0);
            self->m_shared.services.metrics.observe_request("ws", 200, seconds);
            if (outcome.request != "ping") {
                core::log_info("ws user=", self->m_conn.principal.username, " ", outcome.request.empty() ? "refused" : outcome.request,
                               " frames=", outcome.frames.size(), " ", static_cast<int>(seconds * 1e6) / 1000.0, " ms");
            }
            asio::post(self->m_ws.get_executor(), [self, outcome = std::move(outcome)]() mutable {
                for (auto& f : outcome.frames) self->send(std::make_shared<const std::string>(std::move(f)));
                for (const auto& [tile, seq] : outcome.released) self->release(tile, seq);
                if (!outcome.publish_frame.empty()) {
                    self->m_shared.services.hub.publish(
                        outcome.publish_tile, outcome.publish_seq,
                        std::make_shared<const std::string>(std::move(outcome.publish_frame)));
                }
                if (outcome.close) {
                    core::log_warn("ws closing user=", self->m_conn.principal.username, ": ", outcome.close_reason);
                    self->m_shared.services.metrics.ws_closed_slow++;
                    self->m_close_reason = outcome.close_reason;
                    self->m_closing = true;
                    if (!self->m_writing) self->do_close();
                    return;
                }
                self->do_read();
            });
        });
    }

    // The tile's snapshot is queued: the frames held back since the subscription follow it,
    // but for the changes the snapshot already contains.
    void release(const std::string& tile, std::uint64_t snapshot_seq) {
        std::vector<std::pair<std::uint64_t, hub::Frame>> frames;
        {
            std::lock_guard lock(m_held_mutex);
            auto it = m_held.find(tile);
            if (it == m_held.end()) return;
            frames = std::move(it->second);
            m_held.erase(it);
        }
        for (const auto& [seq, frame] : frames)
            if (seq == 0 || seq > snapshot_seq) send(frame);
    }

    void send_error(api::ErrorKind kind, const std::string& message) {
        m_shared.services.metrics.ws_errors++;
        send(std::make_shared<const std::string>(api::encode_error(0, kind, message)));
    }

    void send(std::shared_ptr<const std::string> frame) {
        if (m_closing) return;
        if (m_queued_bytes + frame->size() > m_limits.max_queued_bytes) {
            // The client does not read what it is sent: it cannot read a close frame either.
            core::log_warn("ws user=", m_conn.principal.username, " lags behind (", m_queued_bytes,
                           " bytes queued): connection dropped");
            m_shared.services.metrics.ws_closed_slow++;
            m_closing = true;
            beast::error_code ignored;
            beast::get_lowest_layer(m_ws).socket().shutdown(tcp::socket::shutdown_both, ignored);
            beast::get_lowest_layer(m_ws).close();
            return;
        }
        m_queued_bytes += frame->size();
        m_outbox.push_back(std::move(frame));
        if (!m_writing) do_write();
    }

    void do_write() {
        m_writing = true;
        m_ws.async_write(asio::buffer(*m_outbox.front()),
                         beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t bytes) {
        m_writing = false;
        if (ec) return;
        m_shared.services.metrics.ws_frames_out++;
        m_shared.services.metrics.ws_bytes_out += bytes;
        m_queued_bytes -= m_outbox.front()->size();
        m_outbox.pop_front();
        if (!m_outbox.empty()) return do_write();
        if (m_closing) do_close();
    }

    void do_close() {
        m_ws.async_close(websocket::close_reason(websocket::close_code::policy_error, m_close_reason),
                         [self = shared_from_this()](beast::error_code) {});
    }

    websocket::stream<beast::tcp_stream> m_ws;
    Shared& m_shared;
    const core::Limits& m_limits;
    api::WsConnection m_conn;
    beast::flat_buffer m_buffer;
    std::deque<std::shared_ptr<const std::string>> m_outbox;
    std::size_t m_queued_bytes = 0;
    std::uint64_t m_frames_in = 0;
    mutable std::mutex m_held_mutex;
    std::map<std::string, std::vector<std::pair<std::uint64_t, hub::Frame>>> m_held;
    bool m_writing = false;
    bool m_discarding = false;
    bool m_closing = false;
    std::string m_close_reason;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
public:
    HttpSession(tcp::socket&& socket, Shared& shared) : m_stream(std::move(socket)), m_shared(shared) {}

    void run() {
        m_shared.services.metrics.http_connections_total++;
        asio::dispatch(m_stream.get_executor(), beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
    }

private:
    void do_read() {
        m_parser.emplace();
        m_parser->body_limit(m_shared.services.config.limits.max_http_body_bytes);
        m_parser->header_limit(16 * 1024);
        m_stream.expires_after(std::chrono::seconds(60));
        http::async_read(m_stream, m_buffer, *m_parser,
                         beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec == http::error::end_of_stream) return shutdown();
        if (ec == http::error::body_limit) {
            auto r = api::error_response(api::ErrorKind::too_large,
                                         "the request body is larger than the limit of " +
                                             std::to_string(m_shared.services.config.limits.max_http_body_bytes) +
                                             " bytes",
                                         "too_large");
            m_keep_alive = false;
            return write(std::move(r), 11, std::chrono::steady_clock::now());
        }
        if (ec) return;  // timeout, reset, or a request Beast cannot parse: drop the connection
        m_t0 = std::chrono::steady_clock::now();
        auto req = m_parser->release();
        m_keep_alive = req.keep_alive();
        const unsigned version = req.version();
        if (websocket::is_upgrade(req)) {
            auto request = std::make_shared<http::request<http::string_body>>(std::move(req));
            asio::post(m_shared.workers, [self = shared_from_this(), request] {
                auto checked = api::check_upgrade(self->m_shared.services, to_api(*request));
                asio::post(self->m_stream.get_executor(), [self, request, checked = std::move(checked)]() mutable {
                    self->upgrade(std::move(*request), std::move(checked));
                });
            });
            return;
        }
        auto request = to_api(req);
        asio::post(m_shared.workers, [self = shared_from_this(), request = std::move(request), version] {
            auto response = api::handle_http(self->m_shared.services, request);
            if (request.method == "HEAD") response.body.clear();
            asio::post(self->m_stream.get_executor(), [self, response = std::move(response), version]() mutable {
                self->write(std::move(response), version, self->m_t0);
            });
        });
    }

    void upgrade(http::request<http::string_body> req, std::variant<auth::Principal, api::HttpResponse> checked) {
        if (auto* refusal = std::get_if<api::HttpResponse>(&checked)) {
            m_keep_alive = false;
            return write(std::move(*refusal), req.version(), m_t0);
        }
        auto principal = std::get<auth::Principal>(std::move(checked));
        if (!m_shared.add_connection(principal.user_id)) {
            m_keep_alive = false;
            return write(api::error_response(api::ErrorKind::limit_exceeded,
                                             "too many open connections for this user (limit " +
                                                 std::to_string(m_shared.services.config.limits.max_connections_per_user) +
                                                 ")",
                                             "ws"),
                         req.version(), m_t0);
        }
        m_shared.services.metrics.observe_request("ws_upgrade", 101, seconds_since(m_t0));
        m_stream.expires_never();
        std::make_shared<WsSession>(m_stream.release_socket(), m_shared, std::move(principal))->run(std::move(req));
    }

    void write(api::HttpResponse r, unsigned version, std::chrono::steady_clock::time_point t0) {
        const double seconds = seconds_since(t0);
        m_shared.services.metrics.observe_request(r.route, r.status, seconds);
        // One line per API request; static files and imagery tiles only at debug level.
        core::log(r.route == "static" || r.route == "imagery" ? core::Level::debug : core::Level::info, "http ",
                  r.route, " ", r.status, " ", static_cast<int>(seconds * 1e6) / 1000.0, " ms");
        auto finish = [this](auto& res, const api::HttpResponse& from) {
            res.set(http::field::server, "tessera");
            if (!from.content_type.empty()) res.set(http::field::content_type, from.content_type);
            for (const auto& [name, value] : from.headers) res.insert(name, value);
            res.set("X-Content-Type-Options", "nosniff");
            res.keep_alive(m_keep_alive);
            res.prepare_payload();
        };
        if (!r.file.empty()) {
            beast::error_code ec;
            http::file_body::value_type body;
            body.open(r.file.c_str(), beast::file_mode::scan, ec);
            if (!ec) {
                auto res = std::make_shared<http::response<http::file_body>>(
                    std::piecewise_construct, std::make_tuple(std::move(body)),
                    std::make_tuple(http::status::ok, version));
                finish(*res, r);
                return http::async_write(m_stream, *res,
                                         [self = shared_from_this(), res](beast::error_code e, std::size_t) {
                                             self->after_write(e);
                                         });
            }
            r = api::error_response(api::ErrorKind::not_found, "not found", r.route);
        }
        auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), version);
        res->body() = std::move(r.body);
        finish(*res, r);
        http::async_write(m_stream, *res, [self = shared_from_this(), res](beast::error_code e, std::size_t) {
            self->after_write(e);
        });
    }

    void after_write(beast::error_code ec) {
        if (ec) return;
        if (!m_keep_alive) return shutdown();
        do_read();
    }

    void shutdown() {
        beast::error_code ec;
        m_stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    }

    beast::tcp_stream m_stream;
    Shared& m_shared;
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    bool m_keep_alive = true;
    std::chrono::steady_clock::time_point m_t0{};
};

}  // namespace

struct Server::Impl {
    Shared shared;
    asio::io_context ioc;
    tcp::acceptor acceptor{ioc};
    asio::signal_set signals{ioc, SIGINT, SIGTERM};
    std::vector<std::shared_ptr<std::function<void(beast::error_code)>>> timers;

    explicit Impl(api::Services& s) : shared(s), ioc(static_cast<int>(s.config.io_threads)) {}

    void do_accept() {
        acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
            if (ec) {
                if (ec == asio::error::operation_aborted) return;
                core::log_warn("accept failed: ", ec.message());
            } else {
                std::make_shared<HttpSession>(std::move(socket), shared)->run();
            }
            do_accept();
        });
    }
};

Server::Server(api::Services& services) : m_impl(std::make_unique<Impl>(services)) {}

Server::~Server() = default;

std::uint16_t Server::listen() {
    const auto& cfg = m_impl->shared.services.config;
    beast::error_code ec;
    auto address = asio::ip::make_address(cfg.listen_address, ec);
    if (ec) throw std::runtime_error("listen_address '" + cfg.listen_address + "' is not an IP address");
    const tcp::endpoint endpoint{address, cfg.port};
    auto& a = m_impl->acceptor;
    a.open(endpoint.protocol(), ec);
    if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) a.bind(endpoint, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        throw std::runtime_error("cannot listen on " + cfg.listen_address + ":" + std::to_string(cfg.port) + ": " +
                                 ec.message());
    }
    return a.local_endpoint().port();
}

void Server::run() {
    auto& impl = *m_impl;
    impl.signals.async_wait([this](beast::error_code ec, int sig) {
        if (!ec) {
            core::log_info("signal ", sig, " received: stopping");
            stop();
        }
    });
    impl.do_accept();
    std::vector<std::thread> threads;
    const auto n = impl.shared.services.config.io_threads;
    for (unsigned i = 1; i < n; ++i) threads.emplace_back([&impl] { impl.ioc.run(); });
    impl.ioc.run();
    for (auto& t : threads) t.join();
    impl.shared.workers.join();
}

void Server::post_work(std::function<void()> work) {
    asio::post(m_impl->shared.workers, [work = std::move(work)] {
        try {
            work();
        } catch (const std::exception& e) {
            core::log_error("background work failed: ", e.what());
        }
    });
}

void Server::every(unsigned seconds, std::function<void()> work) {
    auto timer = std::make_shared<asio::steady_timer>(m_impl->ioc);
    auto tick = std::make_shared<std::function<void(beast::error_code)>>();
    *tick = [this, seconds, work = std::move(work), timer, weak = std::weak_ptr(tick)](beast::error_code ec) {
        if (ec) return;
        post_work(work);
        timer->expires_after(std::chrono::seconds(seconds));
        if (auto t = weak.lock()) timer->async_wait(*t);
    };
    m_impl->timers.push_back(tick);
    timer->expires_after(std::chrono::seconds(seconds));
    timer->async_wait(*tick);
}

void Server::every_ms(unsigned ms, std::function<void()> work) {
    auto timer = std::make_shared<asio::steady_timer>(m_impl->ioc);
    auto tick = std::make_shared<std::function<void(beast::error_code)>>();
    *tick = [ms, work = std::move(work), timer, weak = std::weak_ptr(tick)](beast::error_code ec) {
        if (ec) return;
        work();
        timer->expires_after(std::chrono::milliseconds(ms));
        if (auto t = weak.lock()) timer->async_wait(*t);
    };
    m_impl->timers.push_back(tick);
    timer->expires_after(std::chrono::milliseconds(ms));
    timer->async_wait(*tick);
}

void Server::revoke(std::int64_t session_id, int user_id) {
    std::vector<std::shared_ptr<WsSession>> open;
    {
        std::lock_guard lock(m_impl->shared.mutex);
        for (const auto& w : m_impl->shared.sockets)
            if (auto s = w.lock()) open.push_back(std::move(s));
    }
    for (const auto& s : open) s->revoke_if(session_id, user_id);
}

void Server::stop() {
    asio::post(m_impl->ioc, [this] {
        beast::error_code ec;
        m_impl->acceptor.close(ec);
        m_impl->signals.cancel(ec);
        m_impl->ioc.stop();
    });
}

}  // namespace tessera::net
