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
