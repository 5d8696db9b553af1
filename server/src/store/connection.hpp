#pragma once

// Internal to the store module: one libpqxx connection with the prepared statements.

#include <string>

#include <pqxx/pqxx>

namespace tessera::store::detail {

class Connection {
public:
    explicit Connection(const std::string& url);
    pqxx::connection& pq() { return m_conn; }
    bool healthy() { return m_conn.is_open(); }

private:
    pqxx::connection m_conn;
};

}  // namespace tessera::store::detail
