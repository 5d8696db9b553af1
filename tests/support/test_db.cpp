#include "support/test_db.hpp"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>
#include <stdexcept>

#include <unistd.h>

#include <pqxx/pqxx>

#include "store/migrations.hpp"

namespace tessera::test {

std::string admin_url() {
    const char* url = std::getenv("TESSERA_TEST_DATABASE_URL");
    if (!url || !*url) {
        throw std::runtime_error(
            "TESSERA_TEST_DATABASE_URL is not set: run the tests with `deploy/tessera test`, which starts the "
            "private PostgreSQL cluster");
    }
    return url;
}

std::string with_dbname(const std::string& url, const std::string& dbname) {
    // Keyword/value form: replace or append dbname=.
    std::string out;
    std::size_t pos = 0;
    bool replaced = false;
    while (pos < url.size()) {
        auto end = url.find(' ', pos);
        if (end == std::string::npos) end = url.size();
        auto part = url.substr(pos, end - pos);
        if (part.rfind("dbname=", 0) == 0) {
            part = "dbname=" + dbname;
            replaced = true;
        }
        if (!part.empty()) out += (out.empty() ? "" : " ") + part;
        pos = end + 1;
    }
    if (!replaced) out += " dbname=" + dbname;
    return out;
}

TestDatabase::TestDatabase(bool migrated) : m_admin_url(admin_url()) {
    static std::atomic<int> counter{0};
    std::random_device rd;
    m_name = "tessera_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
             std::to_string(rd() % 100000);
    {
        pqxx::connection admin(m_admin_url);
        pqxx::nontransaction tx(admin);
        tx.exec("CREATE DATABASE " + tx.quote_name(m_name));
    }
    m_url = with_dbname(m_admin_url, m_name);
    if (migrated) store::migrate(m_url);
}

TestDatabase::~TestDatabase() {
    try {
        pqxx::connection admin(m_admin_url);
        pqxx::nontransaction tx(admin);
        tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(m_name) + " WITH (FORCE)");
    } catch (const std::exception&) {
        // A leftover test database is harmless: the cluster is private and recreated at will.
    }
}

}  // namespace tessera::test
