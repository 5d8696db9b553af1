#pragma once

// Forward-only schema migrations: migrations/NNNN_name.sql, compiled into the program, applied
// in order, each in its own transaction, and recorded with a SHA-256 checksum. The same runner
// serves `tessera serve`, `tessera migrate` and the tests. Concurrent runners (two servers
// starting at once) are serialised by a session-level advisory lock.

#include <string>
#include <vector>

namespace tessera::store {

struct Migration {
    int number;
    std::string name;  // "0001_foundation"
    std::string sql;
};

const std::vector<Migration>& embedded_migrations();

struct MigrationResult {
    std::vector<std::string> applied;  // names applied by this run
    int current = 0;                   // highest number recorded after the run
};

// Applies what is missing. Throws std::runtime_error when a recorded migration's checksum no
// longer matches its file (someone edited an applied migration) or the database has a newer
// migration than this program knows.
MigrationResult migrate(const std::string& database_url);

// The highest applied migration number, or -1 when the database has no migration table.
int applied_version(const std::string& database_url);

std::string sha256_hex(const std::string& text);

}  // namespace tessera::store
