// The general editing path's two calls (tessera_edit_begin, tessera_edit_write) on a real
// database: their statements keep one plan for the connection's life, so that plan must never
// read a table whole, even when it was made while the tables were small (as here, where reading
// every row would be the cheapest plan of the moment): each is read through an index.

#include <map>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "store/projects.hpp"
#include "store/database.hpp"
#include "support/bench_world.hpp"

using namespace tessera;

namespace {

// Scans in the current transaction: sequential ones for a table, index scans for an index.
std::map<std::string, long> scans(pqxx::work& tx) {
    std::map<std::string, long> out;
    for (const auto& row : tx.exec("SELECT c.relname, pg_stat_get_xact_numscans(c.oid) FROM pg_class c "
                                   "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                   "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')"))
        out[row[0].as<std::string>()] = row[1].as<long>();
    return out;
}

}  // namespace

TEST(EditPlansDb, OpeningAndWritingAChangeSetReadNoTableWhole) {
    test::BenchWorld world(1, 1, 2);
    store::Database pool(world.url(), 1);
    store::ProjectStore projects(pool);
    const auto project = projects.find("demo");
    ASSERT_TRUE(project);
    const auto keys = world.tile_keys();
    ASSERT_FALSE(keys.empty());

    pqxx::connection c(world.url());
    {
        pqxx::nontransaction t(c);
        t.exec("ANALYZE");  // the planner knows how few rows there are
    }
    // The first round makes the plans, the second runs them as kept.
    for (int round = 0; round < 2; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        pqxx::work tx(c);
        const auto user = tx.exec1("SELECT id FROM app_user WHERE username = 'bench'")[0].as<int>();
        const auto f = tx.exec_params1("SELECT id, code_cs, code_us, encode(ST_AsBinary(geom), 'hex') FROM feature "
                                       "WHERE project_id = $1 AND tile_key = $2 ORDER BY id LIMIT 1",
                                       project->id, keys[0]);
        const auto id = f[0].as<std::int64_t>();
        const auto before = scans(tx);

        const auto opened = tx.exec_params(
            "SELECT b_part, b_referenced, b_id FROM tessera_edit_begin($1, $2, $3, ARRAY[$4::bigint], NULL, NULL, "
            "NULL, NULL, 1.0, $5)",
            project->id, keys[0], "plans-" + std::to_string(round), id, project->srid);
        int referenced = 0, context = 0;
        for (const auto& row : opened)
            if (row[0].as<int>() == 1) ++(row[1].as<bool>() ? referenced : context);
        EXPECT_EQ(referenced, 1);
        EXPECT_GT(context, 0);  // its neighbours

        const auto written = tx.exec_params(
            "SELECT w_part, w_id, w_qc_part FROM tessera_edit_write($1, $2, $3, $4, 1, ARRAY[$5::bigint], "
            "ARRAY[$6::text], ARRAY[$7::text], ARRAY[true], ARRAY[$8::text], ARRAY[0::bigint], '{}'::bigint[], $9, "
            "600, 1.0)",
            project->id, keys[0], user, "plans-" + std::to_string(round), id, f[1].as<std::string>(),
            f[2].as<std::string>(), f[3].as<std::string>(), project->srid);
        int rows_written = 0, features_read = 0;
        for (const auto& row : written) {
            if (row[0].as<int>() == 0 && !row[1].is_null()) ++rows_written;
            if (row[0].as<int>() == 1 && row[2].as<int>() == 1) ++features_read;
        }
        EXPECT_EQ(rows_written, 1);
        EXPECT_GT(features_read, 1);  // the feature and its neighbours, for the quality controls

        const auto after = scans(tx);
        for (const auto* table : {"feature", "tile", "change_set", "tile_lease", "app_user", "qc_issue", "event"})
            EXPECT_EQ(after.at(table) - before.at(table), 0) << "sequential scans of " << table;
        // The features by key; their neighbours through an index too (on tables this small, the
        // one on the tile rather than the spatial one).
        EXPECT_GT(after.at("feature_pkey") - before.at("feature_pkey"), 0);
        tx.abort();
    }
}
