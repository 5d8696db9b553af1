// The quality controls' read (tessera_qc_read) on a real database: what one change set's read
// holds (the features and their neighbours, the tile's status, the stored issues that may concern
// them), and that a group's read of several tiles in one call answers each exactly as its own
// read would.

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "store/connection.hpp"
#include "store/database.hpp"
#include "store/detail_qc_access.hpp"
#include "store/projects.hpp"
#include "support/bench_world.hpp"

using namespace tessera;

namespace {

std::vector<std::int64_t> ids_of(const store::QcAccess::Neighbourhood& n) {
    std::vector<std::int64_t> out;
    for (const auto& f : n.features) out.push_back(f.id);
    return out;
}

std::vector<std::string> keys_of(const store::QcAccess::Neighbourhood& n) {
    std::vector<std::string> out;
    for (const auto& i : n.issues) out.push_back(i.key);
    return out;
}

}  // namespace

TEST(QcReadDb, OneReadHoldsTheNeighbourhoodAndTheIssuesThatMayConcernIt) {
    test::BenchWorld world(3, 1, 8);
    store::Database pool(world.url(), 2);
    store::ProjectStore projects(pool);
    const auto project = projects.find("demo");
    ASSERT_TRUE(project);
    const auto keys = world.tile_keys();
    ASSERT_EQ(keys.size(), 3u);
    constexpr double margin = 1.0;
    constexpr std::int64_t deleted_id = 987654321;

    // Per tile: its first feature, the stored issues around it, and what the read must hold.
    struct Expect {
        std::int64_t feature = 0;
        std::vector<std::int64_t> neighbourhood;
        std::vector<std::string> issues;
    };
    std::vector<Expect> expect(keys.size());
    {
        pqxx::connection c(world.url());
        pqxx::work tx(c);
        tx.exec("DELETE FROM qc_issue");  // only the issues below
        for (std::size_t k = 0; k < keys.size(); ++k) {
            const auto& key = keys[k];
            auto& e = expect[k];
            const auto f = tx.exec_params1(
                "SELECT f.id, (ST_XMin(f.geom) * 100)::bigint, (ST_YMin(f.geom) * 100)::bigint, "
                "(ST_XMax(f.geom) * 100)::bigint, (ST_YMax(f.geom) * 100)::bigint, "
                "(SELECT id FROM feature g WHERE g.tile_key = f.tile_key AND g.id <> f.id ORDER BY g.id LIMIT 1) "
                "FROM feature f WHERE f.tile_key = $1 ORDER BY f.id LIMIT 1",
                key);
            e.feature = f[0].as<std::int64_t>();
            const auto x0 = f[1].as<std::int64_t>(), y0 = f[2].as<std::int64_t>(), x1 = f[3].as<std::int64_t>(),
                       y1 = f[4].as<std::int64_t>();
            const auto other = f[5].as<std::int64_t>();
            for (const auto& row : tx.exec_params(
                     "SELECT g.id FROM feature f JOIN feature g ON g.geom && ST_Expand(f.geom, $2) "
                     "AND g.tile_key = f.tile_key WHERE f.id = $1 ORDER BY g.id",
                     e.feature, margin))
                e.neighbourhood.push_back(row[0].as<std::int64_t>());
            const auto issue = [&](const std::string& name, const std::string& code, const std::string& features,
                                   std::int64_t x, std::int64_t y) {
                tx.exec_params("INSERT INTO qc_issue (project_id, tile_key, key, code, blocking, features, x_cm, "
                               "y_cm, message, found_seq) VALUES ($1, $2, $3, $4, true, $5::bigint[], $6, $7, 'test', 0)",
                               project->id, key, name, code, features, x, y);
            };
            const auto fid = std::to_string(e.feature);
            issue("overlap:" + fid, "overlap", "{" + fid + "," + std::to_string(other) + "}", x0, y0);
            issue("gap:inside", "gap", "{}", (x0 + x1) / 2, (y0 + y1) / 2);
            issue("gap:corner", "gap", "{}", x1, y1);  // on the box's edge: inside
            issue("gap:outside", "gap", "{}", x1 + 500, y1 + 500);
            issue("edge_mismatch:" + fid, "edge_mismatch", "{" + fid + "}", x0, y0);
            issue("sliver:other", "sliver", "{" + std::to_string(other) + "}", x0, y0);
            issue("sliver:deleted", "sliver", "{" + std::to_string(deleted_id) + "}", x1 + 500, y1 + 500);
            e.issues = {"gap:corner", "gap:inside", "overlap:" + fid};
            if (k == 0) e.issues.insert(e.issues.begin() + 2, "sliver:deleted");  // only tile 0 names it deleted
            std::sort(e.issues.begin(), e.issues.end());
        }
        tx.exec_params("UPDATE tile SET qc_whole_seq = NULL WHERE key = $1", keys[0]);
        tx.exec_params("UPDATE tile SET qc_whole_seq = 7, qc_blocking = 3, qc_warnings = 2 WHERE key = $1", keys[1]);
        tx.commit();
    }

    auto conn = pool.acquire();
    pqxx::work tx(conn->pq());
    std::vector<store::detail::NeighbourhoodRequest> requests;
    for (std::size_t k = 0; k < keys.size(); ++k)
        requests.push_back({keys[k], {expect[k].feature}, k == 0 ? std::vector<std::int64_t>{deleted_id}
                                                                 : std::vector<std::int64_t>{}});
    // The gap outside the box comes back only if the store widens the box (allowed: a superset).
    const auto allowed_extra = std::set<std::string>{"gap:outside"};
    const auto group = store::detail::read_neighbourhoods(tx, project->id, requests, margin);
    ASSERT_EQ(group.size(), keys.size());
    for (std::size_t k = 0; k < keys.size(); ++k) {
        SCOPED_TRACE(keys[k]);
        const auto alone = store::detail::read_neighbourhoods(tx, project->id, {requests[k]}, margin);
        ASSERT_EQ(alone.size(), 1u);
        // The group's answer is each one's own.
        EXPECT_EQ(ids_of(group[k]), ids_of(alone[0]));
        EXPECT_EQ(keys_of(group[k]), keys_of(alone[0]));
        EXPECT_EQ(group[k].whole_seq, alone[0].whole_seq);
        EXPECT_EQ(group[k].counts.blocking, alone[0].counts.blocking);
        EXPECT_EQ(group[k].counts.warnings, alone[0].counts.warnings);
        // And it is the right one.
        EXPECT_EQ(ids_of(group[k]), expect[k].neighbourhood);
        std::vector<std::string> got;
        for (const auto& key : keys_of(group[k]))
            if (!allowed_extra.contains(key)) got.push_back(key);
        std::sort(got.begin(), got.end());
        EXPECT_EQ(got, expect[k].issues);
        for (const auto& i : group[k].issues) EXPECT_NE(i.code, "edge_mismatch");
    }
    EXPECT_FALSE(group[0].whole_seq);
    ASSERT_TRUE(group[1].whole_seq);
    EXPECT_EQ(*group[1].whole_seq, 7);
    EXPECT_EQ(group[1].counts.blocking, 3);
    EXPECT_EQ(group[1].counts.warnings, 2);
}
