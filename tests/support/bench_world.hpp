#pragma once

// What the benchmarks run on: a throwaway database with a project of Voronoi-cell tiles loaded
// through the real ingest, a user, and helpers to measure. Deterministic.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "store/projects.hpp"
#include "support/test_db.hpp"
#include "support/vector_file.hpp"

namespace tessera::test {

// A 1 km tile at (x0, y0) cut into about `cells` convex Voronoi cells, edges densified every
// `densify_m` metres (0: not densified): a partition of the tile.
std::vector<TestFeature> voronoi_tile(double x0, double y0, int cells, double densify_m, std::uint64_t seed);

// A project "bench" with one tile, 0880_6840, of 3,000 Voronoi cells densified every 2.4 m
// (about 100,000 vertices), loaded through the real ingest into `db`.
store::ProjectRecord load_dense_tile(const TestDatabase& db, store::ProjectStore& projects);

class BenchWorld {
public:
    // `columns` × `rows` tiles from (880000, 6840000), `cells` features each.
    BenchWorld(int columns, int rows, int cells, double densify_m = 0);
    const std::string& url() const { return m_db.url(); }
    const std::string& dbname() const { return m_db.name(); }
    std::vector<std::string> tile_keys() const;
    static constexpr const char* user = "bench";
    static constexpr const char* password = "bench-password";

private:
    TestDatabase m_db;
    int m_columns, m_rows;
};

double percentile(std::vector<double> values, double p);
// Resident memory of a process, in KiB (from /proc).
long rss_kib(int pid);
// CPU seconds (user + system) a process has used; of every process named `name` (e.g.
// "postgres") with cpu_seconds_named.
double cpu_seconds(int pid);
double cpu_seconds_named(const std::string& name);
// CPU seconds the whole machine has been busy (all cores, from /proc/stat).
double machine_busy_seconds();

}  // namespace tessera::test
