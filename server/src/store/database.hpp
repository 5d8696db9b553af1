#pragma once

// A fixed pool of PostgreSQL connections, each with the store's statements prepared when it
// opens (a broken statement fails at start-up). Thread-safe: acquire() blocks until a
// connection is free. A connection found broken is reopened on its next use.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tessera::store {

namespace detail {
class Connection;
}

class Database {
public:
    class Lease {
    public:
        Lease(Database& db, std::unique_ptr<detail::Connection> conn);
        Lease(Lease&&) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        ~Lease();
        detail::Connection& operator*() const { return *m_conn; }
        detail::Connection* operator->() const { return m_conn.get(); }

    private:
        Database* m_db;
        std::unique_ptr<detail::Connection> m_conn;
    };

    Database(std::string url, unsigned size);
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    Lease acquire();
    const std::string& url() const { return m_url; }
    // True when a trivial query answers.
    bool ping();

private:
    void give_back(std::unique_ptr<detail::Connection> conn);

    std::string m_url;
    std::mutex m_mutex;
    std::condition_variable m_available;
    std::vector<std::unique_ptr<detail::Connection>> m_idle;
    unsigned m_created = 0;
    unsigned m_size;
};

}  // namespace tessera::store
