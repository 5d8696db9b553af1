// Vector predictions that are not a partition, repaired into one as they are loaded (SPEC §6):
// overlaps to the more confident polygon, gaps filled or flagged, the edge of the prediction
// left uncovered; invalid and multipart polygons; model classes through a mapping; people's
// work kept; an import stopped by bad input resumed once the input is fixed.

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "core/nomenclature.hpp"
#include "geo/ogr_source.hpp"
#include "ingest/vector_ingest.hpp"
#include "store/database.hpp"
#include "store/projects.hpp"
#include "support/test_db.hpp"
#include "support/vector_file.hpp"

using namespace tessera;

namespace {

std::string box(double x0, double y0, double x1, double y1) {
    std::ostringstream s;
    s.precision(12);
    s << "POLYGON((" << x0 << " " << y0 << "," << x1 << " " << y0 << "," << x1 << " " << y1 << "," << x0 << " " << y1
      << "," << x0 << " " << y0 << "))";
    return s.str();
}

constexpr double X = 880000, Y = 6840000;

class IngestRepairDb : public testing::Test {
protected:
    void SetUp() override {
        m_dir = std::filesystem::path(testing::TempDir()) / ("ingest_repair_" + m_db.name());
        std::filesystem::create_directories(m_dir);
        m_project = m_projects.ensure("demo", 2154, 1000, R"({"kind": "none"})");
    }
    void TearDown() override { std::filesystem::remove_all(m_dir); }

    std::unique_ptr<ingest::ImportReport> run(ingest::VectorOptions o) {
        std::ostringstream log;
        auto report = std::make_unique<ingest::ImportReport>();
        ingest::ingest_vector(std::move(o), m_projects, m_project, core::Nomenclature::builtin(), *report, log);
        m_log = log.str();
        return report;
    }
    std::unique_ptr<ingest::ImportReport> run(const std::filesystem::path& file) {
        ingest::VectorOptions o;
        o.file = file;
        return run(std::move(o));
    }

    pqxx::result query(const std::string& sql) {
        pqxx::connection c(m_db.url());
        pqxx::work tx(c);
        return tx.exec(sql);
    }

    // No overlap, no vertex off the grid, every polygon valid, in every tile.
    void expect_clean() {
        EXPECT_EQ(query("SELECT count(*) FROM feature a JOIN feature b ON a.tile_key = b.tile_key AND a.id < b.id "
                        "AND a.geom && b.geom AND ST_Relate(a.geom, b.geom, '2********')")[0][0]
                      .as<long long>(),
                  0);
        EXPECT_TRUE(query("SELECT coalesce(bool_and(ST_IsValid(geom)), true) FROM feature")[0][0].as<bool>());
        EXPECT_EQ(query("SELECT count(*) FROM (SELECT (ST_DumpPoints(geom)).geom AS p FROM feature) v "
                        "WHERE abs(ST_X(p) * 100 - round(ST_X(p) * 100)) > 1e-6 "
                        "OR abs(ST_Y(p) * 100 - round(ST_Y(p) * 100)) > 1e-6")[0][0]
                      .as<long long>(),
                  0);
    }
    double area_of(const std::string& where) {
        return query("SELECT coalesce(sum(ST_Area(geom)), 0) FROM feature WHERE " + where)[0][0].as<double>();
    }

    test::TestDatabase m_db;
    store::Database m_store{m_db.url(), 3};
    store::ProjectStore m_projects{m_store};
    store::ProjectRecord m_project;
    std::filesystem::path m_dir;
    std::string m_log;
};

}  // namespace

TEST_F(IngestRepairDb, OverlapsGoToTheMoreConfidentPolygon) {
    const auto file = m_dir / "overlap.gpkg";
    // The less confident polygon comes first in the file: order must not matter.
    test::write_vector(file, "GPKG", 2154,
                       {{box(X + 400, Y, X + 1000, Y + 1000), "CS2.1.1.1", "US1.2", 0.55},
                        {box(X, Y, X + 600, Y + 1000), "CS2.2.1", "US1.1", 0.9}});
    auto report = run(file);
    expect_clean();
    EXPECT_NEAR(area_of("code_cs = 'CS2.2.1'"), 600'000, 1e-6);
    EXPECT_NEAR(area_of("code_cs = 'CS2.1.1.1'"), 400'000, 1e-6);
    EXPECT_NEAR(area_of("true"), 1e6, 1e-6);
    EXPECT_EQ(report->totals.repaired_tiles, 1u);
    EXPECT_NEAR(report->totals.overlap_m2, 200'000, 1);
    EXPECT_NE(report->to_json().find("\"overlap_m2\""), std::string::npos);
}

TEST_F(IngestRepairDb, SmallGapsAreFilledFromTheLongestBorderOrFlagged) {
    // A 20 m × 20 m hole that nothing covers inside the left polygon (it borders only that one),
    // and a 1 m × 500 m strip between the two polygons.
    const auto file = m_dir / "gaps.gpkg";
    const std::string left = "POLYGON((" + std::to_string(X) + " " + std::to_string(Y) + "," + std::to_string(X + 500) +
                             " " + std::to_string(Y) + "," + std::to_string(X + 500) + " " + std::to_string(Y + 1000) +
                             "," + std::to_string(X) + " " + std::to_string(Y + 1000) + "," + std::to_string(X) + " " +
                             std::to_string(Y) + "),(" + std::to_string(X + 100) + " " + std::to_string(Y + 100) + "," +
                             std::to_string(X + 100) + " " + std::to_string(Y + 120) + "," + std::to_string(X + 120) +
                             " " + std::to_string(Y + 120) + "," + std::to_string(X + 120) + " " +
                             std::to_string(Y + 100) + "," + std::to_string(X + 100) + " " + std::to_string(Y + 100) +
                             "))";
    // The right polygon stops 1 m short of the left one on its lower half only: that gap (500 m²)
    // borders the left polygon over 500 m and the right one over 500 m + 1 m.
    const std::string right = "POLYGON((" + std::to_string(X + 501) + " " + std::to_string(Y) + "," +
                              std::to_string(X + 1000) + " " + std::to_string(Y) + "," + std::to_string(X + 1000) + " " +
                              std::to_string(Y + 1000) + "," + std::to_string(X + 500) + " " + std::to_string(Y + 1000) +
                              "," + std::to_string(X + 500) + " " + std::to_string(Y + 500) + "," +
                              std::to_string(X + 501) + " " + std::to_string(Y + 500) + "," + std::to_string(X + 501) +
                              " " + std::to_string(Y) + "))";
    test::write_vector(file, "GPKG", 2154, {{left, "CS2.2.1", "US1.1", 0.9}, {right, "CS2.1.1.1", "US1.2", 0.8}});

    auto filled = run(file);
    expect_clean();
    EXPECT_NEAR(area_of("true"), 1e6, 1e-6);
    EXPECT_NEAR(area_of("code_cs = 'CS2.2.1'"), 500'000, 1e-6) << "the hole goes to the only polygon around it";
    EXPECT_NEAR(area_of("code_cs = 'CS2.1.1.1'"), 500'000, 1e-6) << "the strip goes to the longest border";
    EXPECT_EQ(filled->totals.gaps_filled, 2u);
    EXPECT_NEAR(filled->totals.gaps_filled_m2, 400 + 500, 1e-6);

    // Flagged: the gaps become polygons of their own, with their neighbour's classes and no
    // confidence, so that the quality controls send a person to look at them.
    ingest::VectorOptions o;
    o.file = file;
    o.gaps.flag = true;
    o.load.prediction_set = "flagged";
    o.load.restart = true;
    auto flagged = run(o);
    expect_clean();
    EXPECT_NEAR(area_of("true"), 1e6, 1e-6);
    EXPECT_EQ(flagged->totals.gaps_flagged, 2u);
    auto gaps = query("SELECT code_cs, ST_Area(geom) FROM feature WHERE pred_confidence = 0 ORDER BY 2");
    ASSERT_EQ(gaps.size(), 2u);
    EXPECT_EQ(gaps[0][0].as<std::string>(), "CS2.2.1");
    EXPECT_NEAR(gaps[0][1].as<double>(), 400, 1e-6);
    EXPECT_EQ(gaps[1][0].as<std::string>(), "CS2.1.1.1");
    EXPECT_NEAR(gaps[1][1].as<double>(), 500, 1e-6);
    EXPECT_GE(flagged->issues_by_code["unreviewed_low_confidence"], 2u);
}

TEST_F(IngestRepairDb, TheEdgeOfThePredictionIsLeftUncovered) {
    const auto file = m_dir / "edge.gpkg";
    test::write_vector(file, "GPKG", 2154, {{box(X, Y, X + 1000, Y + 400), "CS2.2.1", "US1.1", 0.9}});
    auto report = run(file);
    EXPECT_NEAR(area_of("true"), 400'000, 1e-6) << "a 600,000 m² gap is not a hole between polygons";
    EXPECT_NEAR(report->totals.uncovered_m2, 600'000, 1e-3);
    EXPECT_GE(report->issues_by_code["gap"], 1u);
}

TEST_F(IngestRepairDb, InvalidAndMultipartPolygonsAreRepairedAndReported) {
    const auto file = m_dir / "invalid.gpkg";
    const auto s = [](double v) { return std::to_string(v); };
    // The left half as a ring with a small bow-tie on its left edge (self-intersecting at
    // X + 5, Y + 500); on the right, a multipolygon of two squares apart and a strip between them.
    const std::string bowtie = "POLYGON((" + s(X) + " " + s(Y) + "," + s(X + 500) + " " + s(Y) + "," + s(X + 500) +
                               " " + s(Y + 1000) + "," + s(X) + " " + s(Y + 1000) + "," + s(X) + " " + s(Y + 510) + "," +
                               s(X + 10) + " " + s(Y + 490) + "," + s(X + 10) + " " + s(Y + 510) + "," + s(X) + " " +
                               s(Y + 490) + "," + s(X) + " " + s(Y) + "))";
    const std::string multi = "MULTIPOLYGON(((" + s(X + 500) + " " + s(Y) + "," + s(X + 1000) + " " + s(Y) + "," +
                              s(X + 1000) + " " + s(Y + 400) + "," + s(X + 500) + " " + s(Y + 400) + "," + s(X + 500) +
                              " " + s(Y) + ")),((" + s(X + 500) + " " + s(Y + 600) + "," + s(X + 1000) + " " +
                              s(Y + 600) + "," + s(X + 1000) + " " + s(Y + 1000) + "," + s(X + 500) + " " +
                              s(Y + 1000) + "," + s(X + 500) + " " + s(Y + 600) + ")))";
    test::write_vector(file, "GPKG", 2154,
                       {{bowtie, "CS2.2.1", "US1.1", 0.9},
                        {multi, "CS2.1.1.1", "US1.2", 0.8},
                        {box(X + 500, Y + 400, X + 1000, Y + 600), "CS2.1.2", "US6.6", 0.7}});
    auto report = run(file);
    expect_clean();
    EXPECT_GE(report->repairs_total, 2u);
    const auto json = report->to_json();
    EXPECT_NE(json.find("\"feature 1\""), std::string::npos) << json;
    EXPECT_NE(json.find("made valid (Self-intersection"), std::string::npos) << json;
    EXPECT_NE(json.find("\"feature 2\""), std::string::npos) << json;
    EXPECT_NE(json.find("exploded into 2 polygons"), std::string::npos) << json;
    EXPECT_EQ(query("SELECT count(*) FROM feature WHERE code_cs = 'CS2.1.1.1'")[0][0].as<int>(), 2);
    EXPECT_NEAR(area_of("code_cs = 'CS2.1.1.1'"), 400'000, 1e-6);
    EXPECT_NEAR(area_of("true"), 1e6, 1e-6) << "what the repair of the bow-tie leaves out is a small gap, filled";
}

TEST_F(IngestRepairDb, ModelClassesAreMappedAndAnUnmappedClassStopsTheImport) {
    const auto file = m_dir / "classes.gpkg";
    // The class travels in the code_cs field here: 11 (agricultural land) and 6 (coniferous).
    test::write_vector(file, "GPKG", 2154,
                       {{box(X, Y, X + 500, Y + 1000), "11", "", 0.9}, {box(X + 500, Y, X + 1000, Y + 1000), "6", "", 0.7}});
    const auto mapping = ingest::ClassMapping::flair();
    ingest::VectorOptions o;
    o.file = file;
    o.fields.model_class = "code_cs";
    o.fields.cs.clear();
    o.fields.us.clear();
    o.mapping = &mapping;
    auto report = run(o);
    auto rows = query("SELECT code_cs, code_us FROM feature ORDER BY ST_XMin(geom)");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0][0].as<std::string>(), "CS2.2.1");
    EXPECT_EQ(rows[0][1].as<std::string>(), "US1.1");
    EXPECT_EQ(rows[1][0].as<std::string>(), "CS2.1.1.2");
    EXPECT_EQ(rows[1][1].as<std::string>(), "US1.2");
    EXPECT_NEAR(report->totals.area_by_class["11"], 500'000, 1e-6);

    const auto unmapped = m_dir / "unmapped.gpkg";
    test::write_vector(unmapped, "GPKG", 2154,
                       {{box(X, Y, X + 500, Y + 1000), "11", "", 0.9}, {box(X + 500, Y, X + 1000, Y + 1000), "42", "", 0.7}});
    o.file = unmapped;
    o.load.prediction_set = "other";
    try {
        run(o);
        FAIL() << "class 42 is not mapped";
    } catch (const geo::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("unmapped.gpkg, layer 'prediction', feature 2: model class 42 is missing"),
                  std::string::npos)
            << e.what();
    }
}

TEST_F(IngestRepairDb, NonFiniteCoordinatesAndOtherGeometryTypesNameTheFeature) {
    GDALAllRegister();
    const auto write = [&](const std::filesystem::path& path, bool nan) {
        GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GPKG"), path.c_str(), 0, 0, 0, GDT_Unknown, nullptr);
        ASSERT_NE(ds, nullptr);
        OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
        OSRImportFromEPSG(srs, 2154);
        OGRLayerH layer = GDALDatasetCreateLayer(ds, "prediction", srs, wkbUnknown, nullptr);
        OSRDestroySpatialReference(srs);
        for (const char* name : {"code_cs", "code_us", "confidence"}) {
            OGRFieldDefnH f = OGR_Fld_Create(name, std::string(name) == "confidence" ? OFTReal : OFTString);
            OGR_L_CreateField(layer, f, 1);
            OGR_Fld_Destroy(f);
        }
        for (int i = 0; i < 2; ++i) {
            OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(layer));
            OGRGeometryH g = nullptr;
            if (i == 1 && !nan) {
                g = OGR_G_CreateGeometry(wkbLineString);
                OGR_G_AddPoint_2D(g, X, Y);
                OGR_G_AddPoint_2D(g, X + 10, Y + 10);
            } else {
                OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
                const double x0 = X + 500.0 * i;
                OGR_G_AddPoint_2D(ring, x0, Y);
                OGR_G_AddPoint_2D(ring, x0 + 500, Y);
                OGR_G_AddPoint_2D(ring, i == 1 ? std::numeric_limits<double>::quiet_NaN() : x0 + 500, Y + 1000);
                OGR_G_AddPoint_2D(ring, x0, Y + 1000);
                OGR_G_AddPoint_2D(ring, x0, Y);
                g = OGR_G_CreateGeometry(wkbPolygon);
                OGR_G_AddGeometryDirectly(g, ring);
            }
            OGR_F_SetGeometryDirectly(f, g);
            OGR_F_SetFieldString(f, 0, "CS2.2.1");
            OGR_F_SetFieldString(f, 1, "US1.1");
            OGR_F_SetFieldDouble(f, 2, 0.9);
            ASSERT_EQ(OGR_L_CreateFeature(layer, f), OGRERR_NONE);
            OGR_F_Destroy(f);
        }
        GDALClose(ds);
    };
    const auto expect = [&](const std::filesystem::path& path, const std::string& needle) {
        try {
            run(path);
            ADD_FAILURE() << "expected a refusal containing '" << needle << "'";
        } catch (const geo::InputError& e) {
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    write(m_dir / "nan.gpkg", true);
    expect(m_dir / "nan.gpkg", "nan.gpkg, layer 'prediction', feature 2: a coordinate is NaN or infinite");
    write(m_dir / "mixed.gpkg", false);
    expect(m_dir / "mixed.gpkg", "mixed.gpkg, layer 'prediction', feature 2: geometry is Line String");
    // No tile is half-loaded: the one tile both files touch was never committed.
    EXPECT_EQ(query("SELECT count(*) FROM feature")[0][0].as<int>(), 0);
}

TEST_F(IngestRepairDb, AnImportStoppedByBadInputResumesOnceTheInputIsFixed) {
    // Three tiles in a row. A line in the middle tile is found only when that tile is read (a bad
    // class would stop the first pass, before anything is written): the import stops after the
    // two others are committed (one worker, which takes every other tile of a row first, then
    // those between them).
    const auto file = m_dir / "rows.gpkg";
    std::vector<test::TestFeature> features;
    for (int i = 0; i < 3; ++i) features.push_back({box(X + 1000 * i, Y, X + 1000 * (i + 1), Y + 1000), "CS2.2.1", "US1.1", 0.9});
    test::write_vector(file, "GPKG", 2154, features);
    // Break the middle one: a line instead of its polygon.
    {
        GDALDatasetH ds = GDALOpenEx(file.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, nullptr, nullptr, nullptr);
        ASSERT_NE(ds, nullptr);
        OGRLayerH layer = GDALDatasetGetLayer(ds, 0);
        OGRFeatureH f = OGR_L_GetFeature(layer, 2);
        ASSERT_NE(f, nullptr);
        OGRGeometryH g = OGR_G_CreateGeometry(wkbLineString);
        OGR_G_AddPoint_2D(g, X + 1100, Y + 100);
        OGR_G_AddPoint_2D(g, X + 1900, Y + 900);
        OGR_F_SetGeometryDirectly(f, g);
        ASSERT_EQ(OGR_L_SetFeature(layer, f), OGRERR_NONE);
        OGR_F_Destroy(f);
        GDALClose(ds);
    }
    ingest::VectorOptions o;
    o.file = file;
    o.load.threads = 1;
    try {
        run(o);
        FAIL() << "feature 2 is not a polygon";
    } catch (const geo::InputError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("feature 2"), std::string::npos) << what;
        EXPECT_NE(what.find("tile 0881_6840"), std::string::npos) << what;
        EXPECT_NE(what.find("2 tiles were loaded and are kept"), std::string::npos) << what;
    }
    EXPECT_EQ(query("SELECT count(*) FROM tile")[0][0].as<int>(), 2);
    EXPECT_EQ(query("SELECT count(*) FROM ingest_tile")[0][0].as<int>(), 2);

    // Fixed, the same command resumes: the two loaded tiles are skipped, the middle one is loaded.
    test::write_vector(file, "GPKG", 2154, features);
    auto report = run(o);
    EXPECT_EQ(report->tiles_already_done, 2u);
    EXPECT_EQ(report->tiles_loaded, 1u);
    EXPECT_NE(m_log.find("resuming the import"), std::string::npos) << m_log;
    EXPECT_EQ(query("SELECT count(*) FROM tile")[0][0].as<int>(), 3);
    EXPECT_EQ(query("SELECT count(*) FROM event WHERE kind = 'tile_imported'")[0][0].as<int>(), 3) << "nothing loaded twice";
    EXPECT_FALSE(query("SELECT finished_at IS NULL FROM ingest_run")[0][0].as<bool>());
}

TEST_F(IngestRepairDb, EditedTilesAreRefusedOrGetTheNewPredictionBeside) {
    const auto file = m_dir / "two.gpkg";
    test::write_vector(file, "GPKG", 2154,
                       {{box(X, Y, X + 1000, Y + 1000), "CS2.2.1", "US1.1", 0.9},
                        {box(X + 1000, Y, X + 2000, Y + 1000), "CS2.2.1", "US1.1", 0.9}});
    run(file);
    {
        pqxx::connection c(m_db.url());
        pqxx::work tx(c);
        tx.exec("UPDATE feature SET version = 2, code_cs = 'CS2.1.1.1' WHERE tile_key = '0880_6840'");
        tx.commit();
    }
    const auto newer = m_dir / "newer.gpkg";
    test::write_vector(newer, "GPKG", 2154,
                       {{box(X, Y, X + 1000, Y + 1000), "CS1.2.2", "US6.3", 0.7},
                        {box(X + 1000, Y, X + 2000, Y + 1000), "CS1.2.2", "US6.3", 0.7}});
    ingest::VectorOptions o;
    o.file = newer;
    try {
        run(o);
        FAIL() << "tile 0880_6840 has been edited";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("0880_6840"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("--beside"), std::string::npos) << e.what();
    }
    EXPECT_EQ(query("SELECT count(*) FROM feature WHERE code_cs = 'CS1.2.2'")[0][0].as<int>(), 0) << "nothing written";

    o.load.prediction_set = "2027";
    o.load.beside_edited = true;
    auto report = run(o);
    EXPECT_EQ(report->tiles_beside, 1u);
    EXPECT_EQ(report->tiles_loaded, 1u);
    // People's work is untouched; the new prediction waits beside it; the untouched tile has it.
    EXPECT_EQ(query("SELECT code_cs FROM feature WHERE tile_key = '0880_6840'")[0][0].as<std::string>(), "CS2.1.1.1");
    EXPECT_EQ(query("SELECT code_cs FROM feature WHERE tile_key = '0881_6840'")[0][0].as<std::string>(), "CS1.2.2");
    auto beside = query("SELECT p.tile_key, p.code_cs, s.name FROM prediction_feature p JOIN prediction_set s "
                        "ON s.id = p.prediction_set_id");
    ASSERT_EQ(beside.size(), 1u);
    EXPECT_EQ(beside[0][0].as<std::string>(), "0880_6840");
    EXPECT_EQ(beside[0][1].as<std::string>(), "CS1.2.2");
    EXPECT_EQ(beside[0][2].as<std::string>(), "2027");
}

TEST_F(IngestRepairDb, ADryRunWritesNothingAndSaysWhatWouldBeLoaded) {
    const auto file = m_dir / "dry.gpkg";
    test::write_vector(file, "GPKG", 2154, test::straddling_partition(X, Y));
    ingest::VectorOptions o;
    o.file = file;
    o.load.dry_run = true;
    auto report = run(o);
    EXPECT_EQ(report->tiles_loaded, 4u);
    EXPECT_GT(report->totals.polygons, 6u);
    double area = 0;
    for (const auto& [cs, a] : report->totals.area_by_cs) area += a;
    EXPECT_NEAR(area, 4e6, 1e-3);
    std::ostringstream summary;
    report->print_summary(summary);
    EXPECT_NE(summary.str().find("dry run"), std::string::npos) << summary.str();
    EXPECT_NE(summary.str().find("confidence"), std::string::npos) << summary.str();
    EXPECT_EQ(query("SELECT count(*) FROM tile")[0][0].as<int>(), 0);
    EXPECT_EQ(query("SELECT count(*) FROM ingest_run")[0][0].as<int>(), 0);
    EXPECT_EQ(query("SELECT count(*) FROM prediction_set")[0][0].as<int>(), 0);
}
