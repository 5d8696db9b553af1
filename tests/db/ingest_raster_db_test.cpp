// Raster predictions into tiles (SPEC §6), on rasters the tests write themselves: the partition
// of every tile and of every tile border after the sieve, polygonization and simplification; a
// field straddling four tiles and a river along a tile border; classes and mean confidence
// against hand-computed values; the sieve's work; bad rasters refused with where and why.

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "core/nomenclature.hpp"
#include "geo/raster_source.hpp"
#include "ingest/raster_ingest.hpp"
#include "store/database.hpp"
#include "store/projects.hpp"
#include "support/test_db.hpp"

using namespace tessera;

namespace {

constexpr double X = 880000, Y = 6840000;

struct TestRaster {
    int width = 0, height = 0;
    double pixel = 1;
    double origin_x = X, origin_y = Y;  // top-left corner
    int epsg = 2154;
    std::vector<std::int32_t> classes;
    std::vector<std::int32_t> confidence;  // empty: no band 2
};

void write(const std::filesystem::path& path, const TestRaster& r) {
    geo::RasterSpec spec;
    spec.width = r.width;
    spec.height = r.height;
    spec.bands = r.confidence.empty() ? 1 : 2;
    spec.type = geo::PixelType::int32;
    spec.epsg = r.epsg;
    spec.geometry = {r.origin_x, r.origin_y, r.pixel};
    spec.compression = geo::Compression::none;
    geo::RasterWriter w(path, spec);
    w.write(1, 0, 0, r.width, r.height, r.classes.data());
    if (!r.confidence.empty()) w.write(2, 0, 0, r.width, r.height, r.confidence.data());
    w.close();
}

class IngestRasterDb : public testing::Test {
protected:
    void SetUp() override {
        m_dir = std::filesystem::path(testing::TempDir()) / ("ingest_raster_" + m_db.name());
        std::filesystem::create_directories(m_dir);
        m_project = m_projects.ensure("demo", 2154, 1000, R"({"kind": "none"})");
    }
    void TearDown() override { std::filesystem::remove_all(m_dir); }

    std::unique_ptr<ingest::ImportReport> run(const std::filesystem::path& file, double sieve_m2 = 200,
                                              std::optional<double> simplify = std::nullopt) {
        ingest::RasterOptions o;
        o.file = file;
        o.mapping = &m_mapping;
        o.sieve_m2 = sieve_m2;
        o.simplify_m = simplify;
        o.work_dir = m_dir;
        std::ostringstream log;
        auto report = std::make_unique<ingest::ImportReport>();
        ingest::ingest_raster(o, m_projects, m_project, core::Nomenclature::builtin(), *report, log);
        return report;
    }
    pqxx::result query(const std::string& sql) {
        pqxx::connection c(m_db.url());
        pqxx::work tx(c);
        return tx.exec(sql);
    }

    // Per tile: valid polygons, no overlap, areas summing to the square, nothing outside it;
    // across tiles: the vertices each side has on a shared border are the same points.
    void expect_partition(int tiles) {
        auto r = query(
            "SELECT t.key, sum(ST_Area(f.geom)), ST_Area(ST_SymDifference(ST_Union(f.geom), "
            "ST_MakeEnvelope(t.x_km*1000, t.y_km*1000, t.x_km*1000+1000, t.y_km*1000+1000, 2154))), "
            "bool_and(ST_IsValid(f.geom)), count(*) "
            "FROM tile t JOIN feature f ON f.project_id = t.project_id AND f.tile_key = t.key GROUP BY t.key, t.x_km, t.y_km");
        ASSERT_EQ(static_cast<int>(r.size()), tiles);
        for (const auto& row : r) {
            const auto key = row[0].as<std::string>();
            EXPECT_NEAR(row[1].as<double>(), 1e6, 1e-4 * row[4].as<double>()) << key;
            EXPECT_LT(row[2].as<double>(), 1e-4) << key << ": no gap, nothing outside";
            EXPECT_TRUE(row[3].as<bool>()) << key;
        }
        EXPECT_EQ(query("SELECT count(*) FROM feature a JOIN feature b ON a.tile_key = b.tile_key AND a.id < b.id "
                        "AND a.geom && b.geom AND ST_Relate(a.geom, b.geom, '2********')")[0][0]
                      .as<long long>(),
                  0);
        // Vertices on each vertical and horizontal tile line, per side.
        const auto unmatched = query(R"(
            WITH v AS (
                SELECT f.tile_key, t.x_km, t.y_km, (ST_DumpPoints(f.geom)).geom AS p
                FROM feature f JOIN tile t ON t.project_id = f.project_id AND t.key = f.tile_key),
            b AS (  -- a vertex on its tile's east or north border, and the key of the tile across
                SELECT DISTINCT 'x' AS axis, ST_X(p) AS line, ST_Y(p) AS at, tile_key, x_km + 1 AS ox, y_km AS oy FROM v
                    WHERE ST_X(p) = (x_km + 1) * 1000 AND ST_Y(p) > y_km * 1000 AND ST_Y(p) < (y_km + 1) * 1000
                UNION SELECT DISTINCT 'y', ST_Y(p), ST_X(p), tile_key, x_km, y_km + 1 FROM v
                    WHERE ST_Y(p) = (y_km + 1) * 1000 AND ST_X(p) > x_km * 1000 AND ST_X(p) < (x_km + 1) * 1000),
            c AS (  -- the same from the tile across (its west or south border)
                SELECT DISTINCT 'x' AS axis, ST_X(p) AS line, ST_Y(p) AS at, x_km AS ox, y_km AS oy FROM v
                    WHERE ST_X(p) = x_km * 1000 AND ST_Y(p) > y_km * 1000 AND ST_Y(p) < (y_km + 1) * 1000
                UNION SELECT DISTINCT 'y', ST_Y(p), ST_X(p), x_km, y_km FROM v
                    WHERE ST_Y(p) = y_km * 1000 AND ST_X(p) > x_km * 1000 AND ST_X(p) < (x_km + 1) * 1000)
            SELECT (SELECT count(*) FROM b WHERE EXISTS (SELECT 1 FROM tile t WHERE t.x_km = b.ox AND t.y_km = b.oy)
                        AND NOT EXISTS (SELECT 1 FROM c WHERE c.axis = b.axis AND c.line = b.line AND c.at = b.at)),
                   (SELECT count(*) FROM c WHERE (c.ox, c.oy) <> (SELECT min(x_km), min(y_km) FROM tile)
                        AND EXISTS (SELECT 1 FROM tile t WHERE (c.axis = 'x' AND t.x_km = c.ox - 1 AND t.y_km = c.oy)
                                                           OR (c.axis = 'y' AND t.x_km = c.ox AND t.y_km = c.oy - 1))
                        AND NOT EXISTS (SELECT 1 FROM b WHERE b.axis = c.axis AND b.line = c.line AND b.at = c.at)),
                   (SELECT count(*) FROM b))");
        EXPECT_EQ(unmatched[0][0].as<long long>(), 0) << "border vertices without a match across";
        EXPECT_EQ(unmatched[0][1].as<long long>(), 0) << "border vertices without a match across";
        if (tiles > 1) {
            EXPECT_GT(unmatched[0][2].as<long long>(), 0) << "the check must have vertices to compare";
        }
    }

    test::TestDatabase m_db;
    store::Database m_store{m_db.url(), 3};
    store::ProjectStore m_projects{m_store};
    store::ProjectRecord m_project;
    std::filesystem::path m_dir;
    ingest::ClassMapping m_mapping = ingest::ClassMapping::flair();
};

// A 2 km × 2 km landscape at 2 m over four tiles: a round field centred on the corner the four
// tiles share, a river whose south bank is the border between the lower and upper tiles, a
// diagonal road, and speckle for the sieve.
TestRaster landscape() {
    TestRaster r;
    r.width = r.height = 1000;
    r.pixel = 2;
    r.origin_y = Y + 2000;
    r.classes.resize(1'000'000);
    r.confidence.resize(1'000'000);
    std::uint64_t state = 12345;
    const auto random = [&] {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<double>(state >> 11) / 9007199254740992.0;
    };
    for (int y = 0; y < 1000; ++y)
        for (int x = 0; x < 1000; ++x) {
            const double cx = x + 0.5 - 500, cy = y + 0.5 - 500;
            std::int32_t c = 7;                                             // deciduous forest
            if (cx * cx + cy * cy < 230 * 230) c = 11;                      // the round field
            if (y >= 490 && y < 500 && x > 80) c = 5;                       // the river, bank on y = 500
            if (std::abs(x - y * 0.7 - 120) < 3) c = 3;                     // the road
            if (random() < 0.01) c = 10;                                    // speckle
            r.classes[static_cast<std::size_t>(y) * 1000 + static_cast<std::size_t>(x)] = c;
            r.confidence[static_cast<std::size_t>(y) * 1000 + static_cast<std::size_t>(x)] =
                static_cast<std::int32_t>(60 + 40 * random());
        }
    return r;
}

}  // namespace

TEST_F(IngestRasterDb, EveryTileIsAPartitionAndNeighbouringTilesMeetExactly) {
    const auto file = m_dir / "landscape.tif";
    write(file, landscape());
    auto report = run(file);
    expect_partition(4);
    EXPECT_EQ(report->tiles_loaded, 4u);
    EXPECT_EQ(report->input_pixels, 1'000'000u);
    EXPECT_GT(report->sieved_m2, 0) << "the speckle is sieved";
    // The speckle (single pixels of class 10) is gone; the field is in four pieces, one per tile.
    EXPECT_EQ(query("SELECT count(*) FROM feature WHERE code_cs = 'CS2.2.1' AND code_us = 'US6.6'")[0][0].as<int>(), 0);
    EXPECT_EQ(query("SELECT count(DISTINCT tile_key) FROM feature WHERE code_us = 'US1.1'")[0][0].as<int>(), 4);
    // The river's bank is the border: the water is in the upper tiles only.
    EXPECT_EQ(query("SELECT string_agg(DISTINCT tile_key, ',') FROM feature WHERE code_cs = 'CS1.2.2'")[0][0].as<std::string>(),
              "0880_6841,0881_6841");
    // No vertex mismatch along the tile borders for the quality controls either.
    EXPECT_EQ(query("SELECT count(*) FROM qc_issue WHERE code = 'edge_mismatch' AND message LIKE '%vertex%'")[0][0].as<int>(), 0);
    // Simplified: against the pixel outlines of the same raster (a staircase along every
    // diagonal), loaded into another project, the road keeps a small fraction of its vertices.
    const auto outlines = m_projects.ensure("outlines", 2154, 1000, R"({"kind": "none"})");
    {
        ingest::RasterOptions o;
        o.file = file;
        o.mapping = &m_mapping;
        o.simplify_m = 0;
        o.work_dir = m_dir;
        std::ostringstream log;
        ingest::ImportReport pixels;
        ingest::ingest_raster(o, m_projects, outlines, core::Nomenclature::builtin(), pixels, log);
        EXPECT_EQ(pixels.totals.polygons, report->totals.polygons);
    }
    const auto road = query("SELECT sum(ST_NPoints(geom)) FILTER (WHERE project_id = " + std::to_string(m_project.id) +
                            "), sum(ST_NPoints(geom)) FILTER (WHERE project_id = " + std::to_string(outlines.id) +
                            ") FROM feature WHERE code_cs = 'CS1.1.1.2'");
    EXPECT_LT(road[0][0].as<double>(), 0.25 * road[0][1].as<double>())
        << road[0][0].as<long long>() << " vertices simplified, " << road[0][1].as<long long>() << " as pixels";
}

TEST_F(IngestRasterDb, ClassesAndMeanConfidenceMatchHandComputedValues) {
    // One tile of 10 × 10 pixels of 100 m: the west half agricultural land at 80 %, the east
    // half coniferous at 40 % but for one pixel at 60 %.
    TestRaster r;
    r.width = r.height = 10;
    r.pixel = 100;
    r.origin_y = Y + 1000;
    for (int y = 0; y < 10; ++y)
        for (int x = 0; x < 10; ++x) {
            r.classes.push_back(x < 5 ? 11 : 6);
            r.confidence.push_back(x < 5 ? 80 : (x == 7 && y == 3 ? 60 : 40));
        }
    const auto file = m_dir / "hand.tif";
    write(file, r);
    auto report = run(file);
    auto rows = query("SELECT code_cs, code_us, pred_confidence, ST_Area(geom), ST_NPoints(geom) FROM feature ORDER BY ST_XMin(geom)");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0][0].as<std::string>(), "CS2.2.1");
    EXPECT_EQ(rows[0][1].as<std::string>(), "US1.1");
    EXPECT_NEAR(rows[0][2].as<double>(), 0.80, 1e-6);
    EXPECT_NEAR(rows[0][3].as<double>(), 500'000, 1e-6);
    EXPECT_EQ(rows[1][0].as<std::string>(), "CS2.1.1.2");
    EXPECT_EQ(rows[1][1].as<std::string>(), "US1.2");
    EXPECT_NEAR(rows[1][2].as<double>(), (49 * 40 + 60) / 50.0 / 100, 1e-6);
    EXPECT_NEAR(rows[1][3].as<double>(), 500'000, 1e-6);
    EXPECT_EQ(rows[0][4].as<int>(), 5) << "a rectangle: four corners and the closing point";
    EXPECT_NEAR(report->totals.area_by_class["11"], 500'000, 1e-6);
    EXPECT_NEAR(report->totals.low_confidence_area, 500'000, 1e-6) << "the coniferous half is under 0.6";
}

TEST_F(IngestRasterDb, TheSieveRemovesRegionsUnderTheUmc) {
    // One tile at 1 m: a field with a 3 × 3 m patch of water (9 m², under 200 m²) and a
    // 20 × 20 m pond (400 m², kept).
    TestRaster r;
    r.width = r.height = 1000;
    r.origin_y = Y + 1000;
    r.classes.assign(1'000'000, 11);
    for (int y = 100; y < 103; ++y)
        for (int x = 100; x < 103; ++x) r.classes[static_cast<std::size_t>(y) * 1000 + static_cast<std::size_t>(x)] = 5;
    for (int y = 500; y < 520; ++y)
        for (int x = 500; x < 520; ++x) r.classes[static_cast<std::size_t>(y) * 1000 + static_cast<std::size_t>(x)] = 5;
    const auto file = m_dir / "sieve.tif";
    write(file, r);
    auto report = run(file);
    EXPECT_NEAR(report->sieved_m2, 9, 1e-9);
    auto water = query("SELECT count(*), sum(ST_Area(geom)) FROM feature WHERE code_cs = 'CS1.2.2'");
    EXPECT_EQ(water[0][0].as<int>(), 1);
    EXPECT_NEAR(water[0][1].as<double>(), 400, 1e-9);
    EXPECT_TRUE(query("SELECT pred_confidence IS NULL FROM feature LIMIT 1")[0][0].as<bool>()) << "no confidence band";
}

TEST_F(IngestRasterDb, BadRastersAreRefusedWithWhereAndWhy) {
    const auto expect_error = [&](const std::filesystem::path& file, const std::string& needle) {
        try {
            run(file);
            ADD_FAILURE() << "expected a refusal containing '" << needle << "'";
        } catch (const std::exception& e) {
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    TestRaster good;
    good.width = good.height = 500;
    good.pixel = 2;
    good.origin_y = Y + 1000;
    good.classes.assign(250'000, 11);
    good.confidence.assign(250'000, 70);

    expect_error(m_dir / "missing.tif", "missing.tif");
    std::ofstream(m_dir / "empty.tif").close();
    expect_error(m_dir / "empty.tif", "empty.tif");

    auto truncated = good;
    for (std::size_t i = 0; i < truncated.classes.size(); ++i) truncated.classes[i] = static_cast<std::int32_t>(1 + i % 19);
    write(m_dir / "truncated.tif", truncated);
    std::filesystem::resize_file(m_dir / "truncated.tif", std::filesystem::file_size(m_dir / "truncated.tif") / 2);
    expect_error(m_dir / "truncated.tif", "truncated.tif");

    auto wgs = good;
    wgs.epsg = 4326;
    wgs.origin_x = 5.4;
    wgs.origin_y = 48.5;
    wgs.pixel = 0.0001;
    write(m_dir / "wgs84.tif", wgs);
    expect_error(m_dir / "wgs84.tif", "the raster is in EPSG:4326, the project in EPSG:2154; reproject it first");

    auto shifted = good;
    shifted.origin_x = X + 0.5;
    write(m_dir / "shifted.tif", shifted);
    expect_error(m_dir / "shifted.tif", "not aligned on the tile grid");

    auto unmapped = good;
    unmapped.classes[static_cast<std::size_t>(123) * 500 + 321] = 42;
    write(m_dir / "unmapped.tif", unmapped);
    expect_error(m_dir / "unmapped.tif", "unmapped.tif, band 1, pixel x 321, y 123: class 42 is missing from the class mapping");

    auto confident = good;
    confident.confidence[static_cast<std::size_t>(7) * 500 + 9] = 250;
    write(m_dir / "confidence.tif", confident);
    expect_error(m_dir / "confidence.tif", "confidence.tif, band 2, pixel x 9, y 7: confidence 250");

    // Nothing was loaded by any of them; after fixing the input, the import completes.
    EXPECT_EQ(query("SELECT count(*) FROM feature")[0][0].as<int>(), 0);
    write(m_dir / "confidence.tif", good);
    auto report = run(m_dir / "confidence.tif");
    EXPECT_EQ(report->tiles_loaded, 1u);
    expect_partition(1);
}
