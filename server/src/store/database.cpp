#include "store/database.hpp"

#include "store/connection.hpp"
#include "store/queries.hpp"

namespace tessera::store {

namespace detail {

Connection::Connection(const std::string& url) : m_conn(url) {
    for (const auto& [name, sql] : q::statements) m_conn.prepare(name, sql);
}

}  // namespace detail

Database::Lease::Lease(Database& db, std::unique_ptr<detail::Connection> conn) : m_db(&db), m_conn(std::move(conn)) {}

Database::Lease::~Lease() {
    if (m_conn) m_db->give_back(std::move(m_conn));
}

Database::Database(std::string url, unsigned size) : m_url(std::move(url)), m_size(size == 0 ? 1 : size) {
    // Open one connection now so that a wrong URL or a broken statement fails at start-up.
    m_idle.push_back(std::make_unique<detail::Connection>(m_url));
    m_created = 1;
}

Database::~Database() = default;

Database::Lease Database::acquire() {
    std::unique_lock lock(m_mutex);
    for (;;) {
        if (!m_idle.empty()) {
            auto conn = std::move(m_idle.back());
            m_idle.pop_back();
            lock.unlock();
            if (!conn->healthy()) conn = std::make_unique<detail::Connection>(m_url);
            return Lease(*this, std::move(conn));
        }
        if (m_created < m_size) {
            ++m_created;
            lock.unlock();
            try {
                return Lease(*this, std::make_unique<detail::Connection>(m_url));
            } catch (...) {
                std::lock_guard relock(m_mutex);
                --m_created;
                throw;
            }
        }
        m_available.wait(lock);
    }
}

void Database::give_back(std::unique_ptr<detail::Connection> conn) {
    {
        std::lock_guard lock(m_mutex);
        if (conn->healthy()) {
            m_idle.push_back(std::move(conn));
        } else {
            --m_created;  // dropped: a fresh one is opened when needed
        }
    }
    m_available.notify_one();
}

bool Database::ping() {
    try {
        auto conn = acquire();
        pqxx::nontransaction tx(conn->pq());
        tx.exec("SELECT 1");
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace tessera::store
