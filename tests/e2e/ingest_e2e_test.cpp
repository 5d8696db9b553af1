// Imports end to end with the real program: a generated raster loaded, killed (-9) in the
// middle, and resumed by running the same command again; the commands' own checks of their
// options.

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <sys/wait.h>

#include "support/server_process.hpp"
#include "support/test_db.hpp"

using namespace tessera;

namespace {

std::string read(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST(IngestE2e, AKilledImportResumesWhereItStoppedWhenRunAgain) {
    test::TestDatabase db;
    const auto dir = std::filesystem::path(testing::TempDir()) / ("ingest_e2e_" + db.name());
    std::filesystem::create_directories(dir);
    const auto raster = dir / "prediction.tif";
    std::string out;
    ASSERT_EQ(test::run_tessera({"generate", "raster", "--out", raster.string(), "--area-km2", "36", "--resolution", "2"},
                                &out),
              0)
        << out;
    ASSERT_EQ(test::run_tessera({"project", "create", "demo", "--database-url", db.url()}, &out), 0) << out;

    const std::vector<std::string> command{"ingest", "raster", raster.string(), "--threads", "1", "--database-url",
                                           db.url(), "--work-dir", dir.string()};
    const auto log = (dir / "first.log").string();
    const pid_t pid = test::start_tessera(command, log);
    pqxx::connection c(db.url());
    long long done = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            pqxx::work tx(c);
            done = tx.exec1("SELECT count(*) FROM ingest_tile")[0].as<long long>();
        } catch (const pqxx::sql_error&) {
            done = 0;  // the import has not created its tables yet
        }
        if (done >= 3) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the import ended before it could be killed:\n" << read(log);
    {
        pqxx::work tx(c);
        done = tx.exec1("SELECT count(*) FROM ingest_tile")[0].as<long long>();
        ASSERT_GE(done, 3);
        ASSERT_LT(done, 36) << "killed too late to test anything";
        // Nothing half-loaded: exactly the committed tiles have features, each complete.
        EXPECT_EQ(tx.exec1("SELECT count(DISTINCT tile_key) FROM feature")[0].as<long long>(), done);
        EXPECT_EQ(tx.exec1("SELECT count(*) FROM tile t WHERE feature_count <> (SELECT count(*) FROM feature f "
                           "WHERE f.tile_key = t.key)")[0]
                      .as<long long>(),
                  0);
    }

    ASSERT_EQ(test::run_tessera(command, &out), 0) << out;
    EXPECT_NE(out.find("resuming the import started"), std::string::npos) << out;
    EXPECT_NE(out.find(std::to_string(done) + " of 36 tiles already loaded are skipped"), std::string::npos) << out;
    pqxx::work tx(c);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM ingest_tile")[0].as<long long>(), 36);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM event WHERE kind = 'tile_imported'")[0].as<long long>(), 36)
        << "no tile loaded twice";
    auto areas = tx.exec("SELECT tile_key, sum(ST_Area(geom)) FROM feature GROUP BY tile_key");
    ASSERT_EQ(areas.size(), 36u);
    for (const auto& row : areas) EXPECT_NEAR(row[1].as<double>(), 1e6, 1e-3) << row[0].as<std::string>();
    EXPECT_FALSE(tx.exec1("SELECT finished_at IS NULL FROM ingest_run")[0].as<bool>());

    // The same command once more: nothing to do, nothing loaded again.
    ASSERT_EQ(test::run_tessera(command, &out), 0) << out;
    EXPECT_NE(out.find("36 of 36 tiles already loaded are skipped"), std::string::npos) << out;
    std::filesystem::remove_all(dir);
}

TEST(IngestE2e, TheCommandsSayWhatIsWrongWithTheirOptions) {
    test::TestDatabase db;
    std::string out;
    ASSERT_EQ(test::run_tessera({"project", "create", "demo", "--database-url", db.url()}, &out), 0) << out;
    const auto expect = [&](const std::vector<std::string>& args, const std::string& needle) {
        std::vector<std::string> full = args;
        full.insert(full.end(), {"--database-url", db.url()});
        EXPECT_NE(test::run_tessera(full, &out), 0) << out;
        EXPECT_NE(out.find(needle), std::string::npos) << out;
    };
    expect({"ingest"}, "expected: tessera ingest vector FILE, or tessera ingest raster FILE");
    expect({"ingest", "raster"}, "expected: tessera ingest raster FILE");
    expect({"ingest", "raster", "/nonexistent/p.tif"}, "/nonexistent/p.tif");
    expect({"ingest", "raster", "x.tif", "--confidence", "half"}, "--confidence is auto, unit or percent");
    expect({"ingest", "raster", "x.tif", "--sieve", "-3"}, "--sieve takes a number of square metres");
    expect({"ingest", "vector", "x.gpkg", "--gaps", "maybe"}, "--gaps is fill or flag");
    expect({"ingest", "vector", "x.gpkg", "--threads", "0"}, "--threads takes a whole number from 1 to 256");
    const auto mapping = std::filesystem::path(testing::TempDir()) / ("bad_mapping_" + db.name() + ".csv");
    std::ofstream(mapping) << "1,CS9,US1.1\n";
    expect({"ingest", "raster", "x.tif", "--mapping", mapping.string()}, "line 1: 'CS9' is not a leaf land-cover code");
    std::filesystem::remove(mapping);
    EXPECT_EQ(test::run_tessera({"ingest", "raster", "--print-mapping"}, &out), 0) << out;
    EXPECT_NE(out.find("11,CS2.2.1,US1.1,agricultural land"), std::string::npos) << out;
}
