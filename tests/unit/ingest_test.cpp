// The pure parts of the imports: the class mapping and its file, the progress display, the
// import report.

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "core/nomenclature.hpp"
#include "ingest/class_mapping.hpp"
#include "ingest/progress.hpp"
#include "ingest/report.hpp"
#include "ingest/tile_loader.hpp"

using namespace tessera;

TEST(IngestMapping, TheShippedFileIsTheBuiltInDefault) {
    const auto file = std::filesystem::path(TESSERA_SOURCE_DIR) / "server/data/ingest/flair-classes.csv";
    const auto loaded = ingest::ClassMapping::load(file, core::Nomenclature::builtin());
    const auto builtin = ingest::ClassMapping::flair();
    EXPECT_EQ(loaded.to_csv(), builtin.to_csv());
    EXPECT_EQ(builtin.entries().size(), 19u);
    for (const auto& [cls, codes] : builtin.entries()) {
        EXPECT_TRUE(core::Nomenclature::builtin().is_leaf_cs(codes.code_cs)) << cls;
        EXPECT_TRUE(core::Nomenclature::builtin().is_leaf_us(codes.code_us)) << cls;
    }
    ASSERT_NE(builtin.find(11), nullptr);
    EXPECT_EQ(builtin.find(11)->code_cs, "CS2.2.1");
    EXPECT_EQ(builtin.find(20), nullptr);
}

TEST(IngestMapping, BadFilesNameTheLineAndTheProblem) {
    const auto dir = std::filesystem::path(testing::TempDir()) / "mapping_test";
    std::filesystem::create_directories(dir);
    const auto expect = [&](const std::string& text, const std::string& needle) {
        const auto file = dir / "m.csv";
        std::ofstream(file) << text;
        try {
            ingest::ClassMapping::load(file, core::Nomenclature::builtin());
            ADD_FAILURE() << "expected an error containing '" << needle << "' for:\n" << text;
        } catch (const std::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    expect("class,code_cs,code_us\n1,CS2.2.1,US1.1\n2,CS2.2,US1.1\n", "m.csv, line 3: 'CS2.2' is not a leaf land-cover code");
    expect("1,CS2.2.1,US1\n", "line 1: 'US1' is not a leaf land-use code");
    expect("1,CS2.2.1\n", "line 1: expected class,code_cs,code_us[,label], got 2 fields");
    expect("# comment\nx,CS2.2.1,US1.1\n", "line 2: 'x' is not a whole number");
    expect("1,CS2.2.1,US1.1\n1,CS2.2.1,US1.1\n", "line 2: class 1 is mapped twice");
    expect("# nothing\n", "maps no class");
    std::ofstream(dir / "ok.csv") << "# a comment\nclass,code_cs,code_us\n 5 , CS1.2.2 , US6.3 # water\n";
    const auto ok = ingest::ClassMapping::load(dir / "ok.csv", core::Nomenclature::builtin());
    ASSERT_NE(ok.find(5), nullptr);
    EXPECT_EQ(ok.find(5)->code_us, "US6.3");
    std::filesystem::remove_all(dir);
}

TEST(IngestProgress, PlainLinesWhenNotATerminalAndTotalsAtTheEnd) {
    std::ostringstream out;
    {
        ingest::Progress p(out, "tiles", 10, false);
        for (int i = 0; i < 10; ++i) p.advance(1, "polygons");
        p.finish("1234 polygons");
    }
    const auto text = out.str();
    EXPECT_NE(text.find("10/10 tiles"), std::string::npos) << text;
    EXPECT_NE(text.find("(1234 polygons)"), std::string::npos) << text;
    EXPECT_EQ(text.find('\r'), std::string::npos) << "no carriage return in a log";
    EXPECT_EQ(ingest::format_duration(5), "5 s");
    EXPECT_EQ(ingest::format_duration(247), "4:07");
    EXPECT_EQ(ingest::format_duration(3909), "1:05:09");
}

TEST(IngestProgress, ATerminalGetsABarRedrawnInPlace) {
    std::ostringstream out;
    ingest::Progress p(out, "tiles", 4, true);
    p.advance(2);
    p.finish();
    EXPECT_NE(out.str().find("\r[###############               ] 2/4 tiles"), std::string::npos) << out.str();
}

TEST(IngestReport, TalliesMergeAndTheJsonSaysWhatWasDone) {
    ingest::ImportReport report;
    report.kind = "raster";
    for (int t = 0; t < 2; ++t) {
        ingest::TileTally tally;
        tally.add_polygon("CS2.2.1", "11", 600, 0.95, 0.6);
        tally.add_polygon("CS2.1.1.2", "6", 400, 0.35, 0.6);
        tally.repairs.push_back({"feature 3", "made valid (Self-intersection)"});  // the same feature in both tiles
        tally.stage_seconds["polygonize"] = 0.5;
        report.merge(std::move(tally));
    }
    EXPECT_EQ(report.totals.polygons, 4u);
    EXPECT_NEAR(report.totals.area_by_cs["CS2.2.1"], 1200, 1e-9);
    EXPECT_NEAR(report.totals.confidence_area[9], 1200, 1e-9);
    EXPECT_NEAR(report.totals.confidence_area[3], 800, 1e-9);
    EXPECT_NEAR(report.totals.low_confidence_area, 800, 1e-9);
    EXPECT_EQ(report.repairs_total, 1u) << "a feature read by two tiles is one repair";
    EXPECT_NEAR(report.totals.stage_seconds["polygonize"], 1.0, 1e-9);
    const auto json = report.to_json();
    EXPECT_NE(json.find("\"low_confidence_share\": 0.4"), std::string::npos) << json;
    EXPECT_NE(json.find("\"polygons_out\": 4"), std::string::npos) << json;
}

TEST(IngestRunKey, TheDigestIsStableAndTellsPartsApart) {
    EXPECT_EQ(ingest::digest({"a", "b"}), ingest::digest({"a", "b"}));
    EXPECT_NE(ingest::digest({"ab", "c"}), ingest::digest({"a", "bc"}));
    EXPECT_EQ(ingest::digest({}).size(), 16u);
}
