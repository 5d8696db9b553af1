#include <gtest/gtest.h>

#include "support/server_process.hpp"
#include "support/test_db.hpp"

using namespace tessera::test;

TEST(CliE2e, EverySubcommandHasHelp) {
    for (const char* cmd : {"serve", "migrate", "user", "project", "ingest", "demo"}) {
        std::string out;
        EXPECT_EQ(run_tessera({cmd, "--help"}, &out), 0) << cmd << ": " << out;
        EXPECT_NE(out.find("usage: tessera " + std::string(cmd)), std::string::npos) << out;
    }
    std::string out;
    EXPECT_EQ(run_tessera({"--help"}, &out), 0);
    EXPECT_NE(out.find("ingest"), std::string::npos);
    EXPECT_EQ(run_tessera({"frobnicate"}, &out), 2);
    EXPECT_NE(out.find("unknown command 'frobnicate'"), std::string::npos) << out;
    EXPECT_EQ(run_tessera({"serve", "--no-such-option"}, &out), 2);
    EXPECT_NE(out.find("unknown option --no-such-option"), std::string::npos) << out;
    EXPECT_EQ(run_tessera({"serve", "--port", "99999"}, &out), 2);
    EXPECT_NE(out.find("--port: port must be a whole number"), std::string::npos) << out;
}

TEST(CliE2e, BadCommandsSayWhatIsWrong) {
    TestDatabase db;
    const auto url = db.url();
    std::string out;
    EXPECT_EQ(run_tessera({"serve", "--database-url", url, "--port", "0"}, &out), 1);
    EXPECT_NE(out.find("project 'demo' does not exist"), std::string::npos) << out;
    ASSERT_EQ(run_tessera({"project", "create", "demo", "--database-url", url}, &out), 0) << out;
    EXPECT_EQ(run_tessera({"ingest", "vector", "/nonexistent/p.gpkg", "--database-url", url}, &out), 1);
    EXPECT_NE(out.find("/nonexistent/p.gpkg: no such file"), std::string::npos) << out;
    EXPECT_EQ(run_tessera({"user", "add", "Bad Name", "--role", "contributor", "--password", "longenough",
                           "--database-url", url},
                          &out),
              2);
    EXPECT_NE(out.find("lower-case letters"), std::string::npos) << out;
    EXPECT_EQ(run_tessera({"user", "add", "ok", "--role", "king", "--password", "longenough", "--database-url", url}, &out), 2);
    EXPECT_NE(out.find("unknown role 'king'"), std::string::npos) << out;
    EXPECT_EQ(run_tessera({"user", "add", "ok", "--role", "lead", "--password", "short", "--database-url", url}, &out), 2);
    EXPECT_NE(out.find("at least 8"), std::string::npos) << out;
    EXPECT_EQ(run_tessera({"migrate", "--database-url", "host=/nonexistent dbname=x"}, &out), 1);
    EXPECT_NE(out.find("tessera migrate:"), std::string::npos) << out;
}
