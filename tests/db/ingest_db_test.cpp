#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "core/nomenclature.hpp"
#include "ingest/vector_ingest.hpp"
#include "qc/rules.hpp"
#include "store/database.hpp"
#include "store/projects.hpp"
#include "support/test_db.hpp"
#include "support/vector_file.hpp"
#include "tiles/grid.hpp"
#include "workflow/tile_checks.hpp"

using namespace tessera;

namespace {

class IngestDb : public testing::Test {
protected:
    void SetUp() override {
        m_dir = std::filesystem::path(testing::TempDir()) / ("ingest_" + m_db.name());
        std::filesystem::create_directories(m_dir);
        m_project = m_projects.ensure("demo", 2154, 1000, R"({"kind": "none"})");
    }
    void TearDown() override { std::filesystem::remove_all(m_dir); }

    std::unique_ptr<ingest::ImportReport> run(const std::filesystem::path& file, geo::FieldMap fields = {},
                                              bool restart = false, unsigned threads = 0) {
        ingest::VectorOptions o;
        o.file = file;
        o.fields = std::move(fields);
        o.load.restart = restart;
        o.load.threads = threads;
        std::ostringstream log;
        auto report = std::make_unique<ingest::ImportReport>();
        ingest::ingest_vector(o, m_projects, m_project, core::Nomenclature::builtin(), *report, log);
        return report;
    }

    // Every tile is a partition of its square: areas sum to the square, the union is the square.
    void expect_partition() {
        pqxx::connection c(m_db.url());
        pqxx::work tx(c);
        auto r = tx.exec(
            "SELECT t.key, sum(ST_Area(f.geom)), ST_Area(ST_Union(f.geom)), "
            "ST_Area(ST_SymDifference(ST_Union(f.geom), ST_MakeEnvelope(t.x_km*1000, t.y_km*1000, "
            "t.x_km*1000+1000, t.y_km*1000+1000, 2154))), bool_and(ST_IsValid(f.geom)), count(*), "
            "bool_and(ST_NumInteriorRings(f.geom) >= 0 AND GeometryType(f.geom) = 'POLYGON') "
            "FROM tile t JOIN feature f ON f.project_id = t.project_id AND f.tile_key = t.key GROUP BY t.key, t.x_km, t.y_km");
        ASSERT_GT(r.size(), 0u);
        for (const auto& row : r) {
            const auto key = row[0].as<std::string>();
            EXPECT_NEAR(row[1].as<double>(), 1e6, 1e-4 * row[5].as<double>()) << key << ": areas must sum to 1 km²";
            EXPECT_NEAR(row[2].as<double>(), 1e6, 1e-4) << key << ": union must be the square";
            EXPECT_LT(row[3].as<double>(), 1e-4) << key << ": no gap, nothing outside";
            EXPECT_TRUE(row[4].as<bool>()) << key;
            EXPECT_TRUE(row[6].as<bool>()) << key;
        }
        // Exactly: no two features of a tile overlap with any area (DE-9IM interior/interior 2).
        auto overlaps = tx.exec1("SELECT count(*) FROM feature a JOIN feature b ON a.project_id = b.project_id AND "
                                 "a.tile_key = b.tile_key AND a.id < b.id AND a.geom && b.geom AND "
                                 "ST_Relate(a.geom, b.geom, '2********')");
        EXPECT_EQ(overlaps[0].as<long long>(), 0);
        // Every vertex lies on the 1 cm grid.
        auto off = tx.exec1("SELECT count(*) FROM (SELECT (ST_DumpPoints(geom)).geom AS p FROM feature) v "
                            "WHERE abs(ST_X(p) * 100 - round(ST_X(p) * 100)) > 1e-6 "
                            "OR abs(ST_Y(p) * 100 - round(ST_Y(p) * 100)) > 1e-6");
        EXPECT_EQ(off[0].as<long long>(), 0);
    }

    test::TestDatabase m_db;
    store::Database m_store{m_db.url(), 2};
    store::ProjectStore m_projects{m_store};
    store::ProjectRecord m_project;
    std::filesystem::path m_dir;
};

}  // namespace

TEST_F(IngestDb, StraddlingPolygonsBecomeAPartitionOfEachTile) {
    const auto file = m_dir / "prediction.gpkg";
    test::write_vector(file, "GPKG", 2154, test::straddling_partition(880000, 6840000));
    auto report = run(file);
    EXPECT_EQ(report->input_features, 7u);
    EXPECT_EQ(report->tiles_loaded, 4u);
    EXPECT_GT(report->totals.polygons, 6u);  // cut by the tile borders
    expect_partition();
    // The field straddling four tiles is in four pieces, with its confidence and classes.
    pqxx::connection c(m_db.url());
    pqxx::work tx(c);
    auto field = tx.exec1("SELECT count(DISTINCT tile_key), min(pred_confidence), max(pred_confidence) FROM feature "
                          "WHERE code_cs = 'CS2.2.1' AND code_us = 'US1.1'");
    EXPECT_EQ(field[0].as<int>(), 4);
    EXPECT_NEAR(field[1].as<double>(), 0.81, 1e-6);
    auto tiles = tx.exec1("SELECT count(*), sum(feature_count), min(seq) FROM tile");
    EXPECT_EQ(tiles[0].as<int>(), 4);
    EXPECT_EQ(tiles[1].as<int>(), static_cast<int>(report->totals.polygons));
    EXPECT_EQ(tiles[2].as<int>(), 1);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM event WHERE kind = 'tile_imported'")[0].as<int>(), 4);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM feature_history")[0].as<int>(), static_cast<int>(report->totals.polygons));
    // Each feature's history is its first version, as it is.
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM feature f JOIN feature_history h ON h.feature_id = f.id AND h.version = 1 "
                       "AND h.tile_key = f.tile_key AND h.code_cs = f.code_cs AND h.code_us = f.code_us AND "
                       "NOT h.reviewed AND ST_Equals(h.geom, f.geom) AND ST_AsBinary(h.geom) = ST_AsBinary(f.geom)")[0]
                  .as<int>(),
              static_cast<int>(report->totals.polygons));
    // Each tile's count and mean confidence (weighted by area) are those of its features.
    for (const auto& row : tx.exec("SELECT t.key, t.feature_count, t.mean_confidence, count(f.id), "
                                   "sum(f.pred_confidence * ST_Area(f.geom)) / sum(ST_Area(f.geom)) FROM tile t "
                                   "JOIN feature f ON f.project_id = t.project_id AND f.tile_key = t.key "
                                   "GROUP BY t.key, t.feature_count, t.mean_confidence")) {
        EXPECT_EQ(row[1].as<long long>(), row[3].as<long long>()) << row[0].as<std::string>();
        ASSERT_FALSE(row[2].is_null()) << row[0].as<std::string>();
        EXPECT_NEAR(row[2].as<double>(), row[4].as<double>(), 1e-6) << row[0].as<std::string>();
    }
}

// The quality controls of a tile being loaded take its features as written, not read back: they
// find exactly what a check reading the table finds (each feature's key with its own geometry,
// classes and confidence).
TEST_F(IngestDb, IssuesFoundAtLoadAreThoseOfACheckReadingTheTable) {
    auto features = test::straddling_partition(880000, 6840000);
    for (std::size_t i = 0; i < features.size(); ++i) features[i].confidence = 0.2 + 0.05 * static_cast<double>(i);
    const auto file = m_dir / "low.gpkg";
    test::write_vector(file, "GPKG", 2154, features);
    run(file);
    const workflow::Checker checker{qc::Rules::defaults(), core::Nomenclature::builtin(), tiles::Grid(1000)};
    using Seen = std::vector<std::tuple<std::string, std::string, long long, long long>>;
    std::vector<std::string> tiles;
    {
        pqxx::connection c(m_db.url());
        pqxx::work tx(c);
        for (const auto& row : tx.exec("SELECT key FROM tile ORDER BY key")) tiles.push_back(row[0].as<std::string>());
    }
    ASSERT_EQ(tiles.size(), 4u);
    std::size_t compared = 0;
    for (const auto& key : tiles) {
        Seen stored;
        {
            pqxx::connection c(m_db.url());
            pqxx::work tx(c);
            for (const auto& row : tx.exec_params("SELECT key, message, x_cm, y_cm FROM qc_issue WHERE tile_key = $1 "
                                                  "AND code <> 'edge_mismatch' ORDER BY key",
                                                  key))
                stored.emplace_back(row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<long long>(),
                                    row[3].as<long long>());
        }
        Seen again;
        store::TileTransaction tx(m_store, m_project, key);  // not committed
        for (const auto& i : workflow::check_whole_tile(checker, tx).issues)
            if (i.code != "edge_mismatch") again.emplace_back(i.key, i.message, i.x_cm, i.y_cm);
        std::sort(again.begin(), again.end());
        EXPECT_EQ(stored, again) << key;
        compared += stored.size();
    }
    EXPECT_GE(compared, 10u);  // a low-confidence issue for every piece, at least
}

// Every border between two tiles of an import is checked, however the workers' tiles fall: a
// checkerboard of 5 × 5 tile-sized fields of two classes, loaded by more workers than cores,
// has each of its 40 inner borders reported once as classes differing across it.
TEST_F(IngestDb, EveryBorderBetweenLoadedTilesIsChecked) {
    constexpr int n = 5;
    const double x0 = 880000, y0 = 6840000;
    std::vector<test::TestFeature> fields;
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i) {
            std::ostringstream wkt;
            wkt.precision(12);
            const double x = x0 + 1000 * i, y = y0 + 1000 * j;
            wkt << "POLYGON((" << x << " " << y << "," << x + 1000 << " " << y << "," << x + 1000 << " " << y + 1000
                << "," << x << " " << y + 1000 << "," << x << " " << y << "))";
            if ((i + j) % 2 == 0) {
                fields.push_back({wkt.str(), "CS2.2.1", "US1.1", 0.9});
            } else {
                fields.push_back({wkt.str(), "CS2.1.1.1", "US1.2", 0.9});
            }
        }
    const auto file = m_dir / "checkerboard.gpkg";
    test::write_vector(file, "GPKG", 2154, fields);
    auto report = run(file, {}, false, 6);
    EXPECT_EQ(report->tiles_loaded, static_cast<std::size_t>(n * n));

    pqxx::connection c(m_db.url());
    pqxx::work tx(c);
    // The two tiles each issue is between, from the features it names.
    std::multiset<std::pair<std::string, std::string>> borders;
    for (const auto& row : tx.exec("SELECT (SELECT array_agg(f.tile_key ORDER BY f.tile_key) FROM feature f "
                                   "WHERE f.id = ANY(i.features))::text, i.tile_key, i.message FROM qc_issue i "
                                   "WHERE i.code = 'edge_mismatch'")) {
        const auto pair = row[0].as<std::string>();  // {a,b}
        const auto comma = pair.find(',');
        ASSERT_NE(comma, std::string::npos) << pair << " " << row[2].as<std::string>();
        borders.emplace(pair.substr(1, comma - 1), pair.substr(comma + 1, pair.size() - comma - 2));
        EXPECT_NE(row[2].as<std::string>().find("classes differ"), std::string::npos) << row[2].as<std::string>();
    }
    std::multiset<std::pair<std::string, std::string>> expected;
    const auto key = [&](int i, int j) { return tiles::TileKey{880 + i, 6840 + j}.str(); };
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i) {
            if (i + 1 < n) expected.emplace(key(i, j), key(i + 1, j));
            if (j + 1 < n) expected.emplace(std::min(key(i, j), key(i, j + 1)), std::max(key(i, j), key(i, j + 1)));
        }
    ASSERT_EQ(expected.size(), 40u);
    EXPECT_EQ(borders, expected);
}

TEST_F(IngestDb, ReprojectsFromWgs84AndReadsPercentConfidence) {
    auto features = test::straddling_partition(880000, 6840000);
    for (auto& f : features) *f.confidence *= 100;
    const auto l93 = m_dir / "l93.gpkg";
    test::write_vector(l93, "GPKG", 2154, features);
    // Let GDAL reproject the file to WGS84, then ingest it back into Lambert-93.
    const auto wgs = m_dir / "wgs84.geojson";
    const auto cmd = "ogr2ogr -f GeoJSON -t_srs EPSG:4326 -lco COORDINATE_PRECISION=12 " + wgs.string() + " " + l93.string();
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    auto report = run(wgs);
    EXPECT_TRUE(report->percent_confidence);
    expect_partition();
    pqxx::connection c(m_db.url());
    pqxx::work tx(c);
    auto conf = tx.exec1("SELECT max(pred_confidence) FROM feature");
    EXPECT_NEAR(conf[0].as<double>(), 0.93, 1e-5);
}

TEST_F(IngestDb, ReIngestReplacesUntouchedTilesButNeverEditedOnes) {
    const auto file = m_dir / "p.gpkg";
    test::write_vector(file, "GPKG", 2154, test::straddling_partition(880000, 6840000));
    run(file);
    run(file);                  // the same import again: every tile already loaded, nothing done
    run(file, {}, true);        // restarted: untouched tiles replaced, still one copy
    {
        pqxx::connection c(m_db.url());
        pqxx::work tx(c);
        EXPECT_EQ(tx.exec1("SELECT count(*) FROM tile")[0].as<int>(), 4);
        EXPECT_EQ(tx.exec1("SELECT sum(feature_count) = (SELECT count(*) FROM feature) FROM tile")[0].as<bool>(), true);
        tx.exec("UPDATE feature SET version = 2, code_us = 'US1.1' WHERE id = (SELECT min(id) FROM feature WHERE tile_key = '0880_6840')");
        tx.commit();
    }
    try {
        run(file, {}, true);
        FAIL() << "an edited tile must not be overwritten";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("0880_6840"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("nothing was imported"), std::string::npos) << e.what();
    }
    pqxx::connection c(m_db.url());
    pqxx::work tx(c);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM feature WHERE version = 2")[0].as<int>(), 1);
}

TEST_F(IngestDb, BadFilesAreRefusedWithWhereAndWhy) {
    auto expect_error = [&](const std::filesystem::path& file, const std::string& needle, geo::FieldMap fields = {}) {
        try {
            run(file, fields);
            ADD_FAILURE() << "expected a refusal containing '" << needle << "'";
        } catch (const std::exception& e) {
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    expect_error(m_dir / "missing.gpkg", "no such file");
    std::ofstream(m_dir / "garbage.gpkg") << "this is not a geopackage";
    expect_error(m_dir / "garbage.gpkg", "cannot be read as a vector file");

    const auto good = test::straddling_partition(880000, 6840000);
    test::write_vector(m_dir / "nocrs.shp", "ESRI Shapefile", 0, good);
    expect_error(m_dir / "nocrs.shp", "has no CRS");

    test::write_vector(m_dir / "noconf.gpkg", "GPKG", 2154, good, false);
    expect_error(m_dir / "noconf.gpkg", "no field 'confidence'");
    geo::FieldMap wrong;
    wrong.cs = "classe";
    expect_error(m_dir / "noconf.gpkg", "no field 'classe'", wrong);

    auto bad_code = good;
    bad_code[2].cs = "CS1.1";
    test::write_vector(m_dir / "badcode.gpkg", "GPKG", 2154, bad_code);
    expect_error(m_dir / "badcode.gpkg", "feature 3: 'CS1.1'");

    test::write_vector(m_dir / "empty.gpkg", "GPKG", 2154, {});
    expect_error(m_dir / "empty.gpkg", "no features");

    // Nothing was written by any of the refused imports.
    pqxx::connection c(m_db.url());
    pqxx::work tx(c);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM feature")[0].as<int>(), 0);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM tile")[0].as<int>(), 0);
}
