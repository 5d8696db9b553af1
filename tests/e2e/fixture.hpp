#pragma once

// An end-to-end fixture: a fresh database with a project loaded through the real CLI
// (`tessera project create`, `tessera ingest vector`, `tessera user add`) and a real
// `tessera serve` process on loopback.

#include <filesystem>
#include <memory>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "support/client.hpp"
#include "support/server_process.hpp"
#include "support/test_db.hpp"
#include "support/vector_file.hpp"

namespace tessera::test {

class ServerE2e : public testing::Test {
protected:
    static constexpr const char* password = "correct horse battery";

    void SetUp() override {
        m_db = std::make_unique<TestDatabase>(true);
        m_dir = std::filesystem::path(testing::TempDir()) / ("e2e_" + m_db->name());
        std::filesystem::create_directories(m_dir);
        std::string out;
        ASSERT_EQ(run_tessera({"project", "create", "demo", "--database-url", m_db->url()}, &out), 0) << out;
        const auto file = (m_dir / "prediction.gpkg").string();
        write_vector(file, "GPKG", 2154, straddling_partition(880000, 6840000));
        ASSERT_EQ(run_tessera({"ingest", "vector", file, "--database-url", m_db->url()}, &out), 0) << out;
        ASSERT_EQ(run_tessera({"user", "add", "lea", "--role", "contributor", "--password-stdin", "--database-url",
                               m_db->url()},
                              &out, std::string(password) + "\n"),
                  0)
            << out;
        m_server = std::make_unique<ServerProcess>(m_db->url(), extra_args());
    }

    void TearDown() override {
        if (m_server) {
            EXPECT_TRUE(m_server->running()) << "the server must survive every test:\n" << m_server->log();
        }
        m_server.reset();
        std::filesystem::remove_all(m_dir);
        m_db.reset();
    }

    virtual std::vector<std::string> extra_args() { return {}; }

    unsigned short port() const { return m_server->port(); }
    std::map<std::string, std::string> bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }
    std::string token() { return login_token(port(), "lea", password); }

    std::unique_ptr<TestDatabase> m_db;
    std::filesystem::path m_dir;
    std::unique_ptr<ServerProcess> m_server;
};

inline v1::ClientMessage subscribe_keys(std::uint64_t id, std::vector<std::string> keys) {
    v1::ClientMessage m;
    m.set_request_id(id);
    for (auto& k : keys) m.mutable_subscribe()->add_tile_keys(k);
    return m;
}

inline v1::ClientMessage ping(std::uint64_t id) {
    v1::ClientMessage m;
    m.set_request_id(id);
    m.mutable_ping()->set_client_time_ms(42);
    return m;
}

}  // namespace tessera::test
