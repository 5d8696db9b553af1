#include <future>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "store/migrations.hpp"
#include "support/test_db.hpp"

using tessera::test::TestDatabase;

TEST(MigrationsDb, ApplyOnAnEmptyDatabaseThenAreANoOp) {
    TestDatabase db(false);
    auto first = tessera::store::migrate(db.url());
    EXPECT_EQ(first.applied.size(), tessera::store::embedded_migrations().size());
    EXPECT_EQ(first.current, tessera::store::embedded_migrations().back().number);
    auto second = tessera::store::migrate(db.url());
    EXPECT_TRUE(second.applied.empty());
    EXPECT_EQ(tessera::store::applied_version(db.url()), first.current);

    pqxx::connection c(db.url());
    pqxx::work tx(c);
    for (const char* table : {"project", "tile", "feature", "feature_history", "event", "app_user", "session",
                              "prediction_set"}) {
        EXPECT_TRUE(tx.exec1("SELECT to_regclass('" + std::string(table) + "') IS NOT NULL")[0].as<bool>()) << table;
    }
    auto checksum = tx.exec1("SELECT checksum FROM schema_migration WHERE number = 1")[0].as<std::string>();
    EXPECT_EQ(checksum, tessera::store::sha256_hex(tessera::store::embedded_migrations()[0].sql));
}

TEST(MigrationsDb, ConcurrentRunnersApplyEachMigrationOnce) {
    TestDatabase db(false);
    auto run = [&] { return tessera::store::migrate(db.url()).applied.size(); };
    auto a = std::async(std::launch::async, run);
    auto b = std::async(std::launch::async, run);
    auto c = std::async(std::launch::async, run);
    const auto total = a.get() + b.get() + c.get();
    EXPECT_EQ(total, tessera::store::embedded_migrations().size());
}

TEST(MigrationsDb, AnEditedMigrationIsRefused) {
    TestDatabase db(true);
    {
        pqxx::connection c(db.url());
        pqxx::work tx(c);
        tx.exec("UPDATE schema_migration SET checksum = 'deadbeef' WHERE number = 1");
        tx.commit();
    }
    try {
        tessera::store::migrate(db.url());
        FAIL() << "a changed checksum must stop the runner";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("was changed after it was applied"), std::string::npos) << e.what();
    }
}

TEST(MigrationsDb, ANewerDatabaseIsRefused) {
    TestDatabase db(true);
    {
        pqxx::connection c(db.url());
        pqxx::work tx(c);
        tx.exec("INSERT INTO schema_migration (number, name, checksum) VALUES (9999, '9999_future', 'x')");
        tx.commit();
    }
    EXPECT_THROW(tessera::store::migrate(db.url()), std::runtime_error);
}

TEST(MigrationsDb, TheEventLogIsAppendOnly) {
    TestDatabase db(true);
    pqxx::connection c(db.url());
    {
        pqxx::work tx(c);
        tx.exec("INSERT INTO event (kind) VALUES ('test')");
        tx.commit();
    }
    pqxx::work tx(c);
    EXPECT_THROW(tx.exec("UPDATE event SET kind = 'changed'"), pqxx::sql_error);
}

namespace {

// Project 1 with its tile 0700_6800 and its prediction set 7, committed.
void project_with_a_tile(pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec("INSERT INTO project (id, name, srid) VALUES (1, 'features', 2154)");
    tx.exec("INSERT INTO prediction_set (id, project_id, name, source) VALUES (7, 1, 'model', 'test')");
    tx.exec("INSERT INTO tile (project_id, key, x_km, y_km) VALUES (1, '0700_6800', 700, 6800)");
    tx.commit();
}

}  // namespace

// A feature's tile and prediction set must exist, checked for every row of a statement that
// writes features, whichever of its rows is wrong, on insert and on update.
TEST(MigrationsDb, AFeatureRefersToATileAndAPredictionSetThatExist) {
    TestDatabase db(true);
    pqxx::connection c(db.url());
    project_with_a_tile(c);
    const std::string square = "ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 1,0 0))', 2154)";
    const auto refused = [&](const std::string& sql, const std::string& says) {
        pqxx::work tx(c);
        try {
            tx.exec(sql);
        } catch (const pqxx::foreign_key_violation& e) {
            EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
            return true;
        }
        return false;
    };
    const auto insert = [&](const std::string& rows) {
        return "INSERT INTO feature (project_id, tile_key, code_cs, code_us, geom, prediction_set_id) VALUES " + rows;
    };
    const auto row = [&](const std::string& tile, const std::string& set) {
        return "(1, '" + tile + "', 'CS2.1.1.1', 'US1.1', " + square + ", " + set + ")";
    };
    EXPECT_TRUE(refused(insert(row("0700_6800", "7") + ", " + row("0701_6800", "7")), "tile 0701_6800 of project 1"));
    EXPECT_TRUE(refused(insert(row("0700_6800", "7") + ", " + row("0700_6800", "8")), "prediction set 8"));
    EXPECT_TRUE(refused(insert("(2, '0700_6800', 'CS2.1.1.1', 'US1.1', " + square + ", NULL)"), "of project 2"));
    {
        pqxx::work tx(c);
        tx.exec(insert(row("0700_6800", "7") + ", " + row("0700_6800", "NULL")));
        tx.commit();
    }
    EXPECT_TRUE(refused("UPDATE feature SET tile_key = '0702_6800'", "tile 0702_6800"));
    EXPECT_TRUE(refused("UPDATE feature SET prediction_set_id = 9 WHERE prediction_set_id IS NOT NULL",
                        "prediction set 9"));
    pqxx::work tx(c);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM feature")[0].as<int>(), 2);
    tx.exec("UPDATE feature SET code_cs = 'CS2.1.1.2'");  // what edits do: allowed
}

// Large geometries are compressed with LZ4, and read back as they were written.
TEST(MigrationsDb, LargeGeometriesAreCompressedWithLz4) {
    TestDatabase db(true);
    pqxx::connection c(db.url());
    project_with_a_tile(c);
    pqxx::work tx(c);
    // A 2,000-vertex circle on the centimetre grid: about 32 kB as written.
    tx.exec("INSERT INTO feature (project_id, tile_key, code_cs, code_us, geom) SELECT 1, '0700_6800', 'CS2.1.1.1', "
            "'US1.1', ST_SnapToGrid(ST_Buffer(ST_SetSRID(ST_Point(700500, 6800500), 2154), 400, 500), 0.01)");
    const auto r = tx.exec1(
        "SELECT pg_column_compression(geom), ST_NPoints(geom), pg_column_size(geom) < ST_MemSize(geom), "
        "ST_Equals(geom, ST_SnapToGrid(ST_Buffer(ST_SetSRID(ST_Point(700500, 6800500), 2154), 400, 500), 0.01)) "
        "FROM feature");
    EXPECT_EQ(r[0].as<std::string>(), "lz4");
    EXPECT_GT(r[1].as<int>(), 1900);
    EXPECT_TRUE(r[2].as<bool>());
    EXPECT_TRUE(r[3].as<bool>());
}
