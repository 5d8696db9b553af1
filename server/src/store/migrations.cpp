#include "store/migrations.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <stdexcept>

#include <pqxx/pqxx>

#include "core/log.hpp"

namespace tessera::store {
namespace {

// Any fixed number: the key of the advisory lock that serialises migration runners.
constexpr std::int64_t migration_lock_key = 0x7465737365726131;  // "tessera1"

constexpr const char* create_table_sql = R"sql(
CREATE TABLE IF NOT EXISTS schema_migration (
    number      integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
))sql";

// A small SHA-256 (FIPS 180-4): the store module must not depend on the crypto library of
// the auth module just to checksum files.
struct Sha256 {
    std::array<std::uint32_t, 8> h{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    static std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
    void block(const unsigned char* p) {
        static constexpr std::uint32_t k[64] = {
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
            0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
            0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
            0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
            0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
            0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
            0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
        std::uint32_t w[64];
        for (int i = 0; i < 16; ++i)
            w[i] = std::uint32_t(p[4 * i]) << 24 | std::uint32_t(p[4 * i + 1]) << 16 | std::uint32_t(p[4 * i + 2]) << 8 |
                   std::uint32_t(p[4 * i + 3]);
        for (int i = 16; i < 64; ++i) {
            const auto s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            const auto s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        auto [a, b, c, d, e, f, g, hh] = h;
        for (int i = 0; i < 64; ++i) {
            const auto t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
            const auto t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
        }
        h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }
};

}  // namespace

std::string sha256_hex(const std::string& text) {
    Sha256 s;
    std::string data = text;
    const std::uint64_t bits = static_cast<std::uint64_t>(text.size()) * 8;
    data += static_cast<char>(0x80);
    while (data.size() % 64 != 56) data += '\0';
    for (int i = 7; i >= 0; --i) data += static_cast<char>((bits >> (8 * i)) & 0xff);
    for (std::size_t i = 0; i < data.size(); i += 64) s.block(reinterpret_cast<const unsigned char*>(data.data() + i));
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (auto v : s.h)
        for (int i = 7; i >= 0; --i) out += hex[(v >> (4 * i)) & 0xf];
    return out;
}

MigrationResult migrate(const std::string& database_url) {
    pqxx::connection conn(database_url);
    // One transaction at a time per connection: each statement outside the migrations runs in
    // its own short nontransaction.
    auto run = [&](const std::string& sql) {
        pqxx::nontransaction tx(conn);
        return tx.exec(sql);
    };
    run("SET client_min_messages = warning");
    run("SELECT pg_advisory_lock(" + std::to_string(migration_lock_key) + ")");
    MigrationResult result;
    try {
        run(create_table_sql);
        std::map<int, std::pair<std::string, std::string>> recorded;
        for (const auto& row : run("SELECT number, name, checksum FROM schema_migration"))
            recorded[row[0].as<int>()] = {row[1].as<std::string>(), row[2].as<std::string>()};

        const auto& all = embedded_migrations();
        const int known = all.empty() ? 0 : all.back().number;
        if (!recorded.empty() && recorded.rbegin()->first > known) {
            throw std::runtime_error("the database has migration " + std::to_string(recorded.rbegin()->first) + " (" +
                                     recorded.rbegin()->second.first + ") but this program knows only up to " +
                                     std::to_string(known) + ": run a newer tessera");
        }
        for (const auto& m : all) {
            const auto checksum = sha256_hex(m.sql);
            if (auto it = recorded.find(m.number); it != recorded.end()) {
                if (it->second.second != checksum) {
                    throw std::runtime_error("migration " + m.name + " was changed after it was applied (checksum " +
                                             it->second.second.substr(0, 12) + " recorded, " + checksum.substr(0, 12) +
                                             " now): migrations are forward-only, add a new file instead");
                }
                continue;
            }
            pqxx::work tx(conn);
            tx.exec(m.sql);
            tx.exec_params("INSERT INTO schema_migration (number, name, checksum) VALUES ($1, $2, $3)", m.number,
                           m.name, checksum);
            tx.commit();
            core::log_info("migration ", m.name, " applied");
            result.applied.push_back(m.name);
        }
        result.current = known;
    } catch (...) {
        run("SELECT pg_advisory_unlock_all()");
        throw;
    }
    run("SELECT pg_advisory_unlock_all()");
    return result;
}

int applied_version(const std::string& database_url) {
    pqxx::connection conn(database_url);
    pqxx::nontransaction tx(conn);
    auto exists = tx.exec1("SELECT to_regclass('schema_migration') IS NOT NULL");
    if (!exists[0].as<bool>()) return -1;
    auto row = tx.exec1("SELECT coalesce(max(number), 0) FROM schema_migration");
    return row[0].as<int>();
}

}  // namespace tessera::store
