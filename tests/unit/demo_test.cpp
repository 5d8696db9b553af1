// Demo data generator: ground truth and predictions are exact partitions of whole tiles with
// leaf OCS GE codes, the predictions are deterministic for a seed and their confidence tracks
// their errors, and the imagery has one PNG per tile.

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogrsf_frmts.h>

#include "demo/demo.hpp"
#include "geo/geos.hpp"
#include "tiles/grid.hpp"

#ifndef TESSERA_SOURCE_DIR
#define TESSERA_SOURCE_DIR "/work/main"
#endif

namespace fs = std::filesystem;
using tessera::geo::Context;
using tessera::geo::Geom;

namespace {

struct Feature {
    std::string wkb;
    std::string code_cs, code_us;
    double confidence = -1;
};

std::vector<Feature> read_layer(const fs::path& file, const char* layer_name) {
    GDALAllRegister();
    GDALDatasetUniquePtr ds(GDALDataset::Open(file.string().c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    if (!ds) throw std::runtime_error("cannot open " + file.string());
    OGRLayer* layer = ds->GetLayerByName(layer_name);
    if (!layer) throw std::runtime_error("no layer " + std::string(layer_name) + " in " + file.string());
    const OGRSpatialReference* srs = layer->GetSpatialRef();
    const char* code = srs ? srs->GetAuthorityCode(nullptr) : nullptr;
    EXPECT_TRUE(code && std::string(code) == "2154") << file;
    EXPECT_EQ(wkbFlatten(layer->GetGeomType()), wkbPolygon) << file;
    std::vector<Feature> out;
    for (auto& f : *layer) {
        Feature feat;
        const OGRGeometry* g = f->GetGeometryRef();
        if (g) {
            feat.wkb.resize(g->WkbSize());
            g->exportToWkb(wkbNDR, reinterpret_cast<unsigned char*>(feat.wkb.data()), wkbVariantIso);
        }
        feat.code_cs = f->GetFieldAsString("code_cs");
        feat.code_us = f->GetFieldAsString("code_us");
        const int ci = f->GetFieldIndex("confidence");
        if (ci >= 0) feat.confidence = f->GetFieldAsDouble(ci);
        out.push_back(std::move(feat));
    }
    return out;
}

std::vector<std::string> split_csv(const std::string& line) {
    std::vector<std::string> cells(1);
    bool quoted = false;
    for (char c : line) {
        if (c == '"') quoted = !quoted;
        else if (c == ',' && !quoted) cells.emplace_back();
        else if (c != '\r') cells.back().push_back(c);
    }
    return cells;
}

// Leaf codes of a nomenclature table: codes with a map colour that are nobody's parent.
std::set<std::string> leaf_codes(const fs::path& csv) {
    std::ifstream in(csv);
    EXPECT_TRUE(in) << "cannot read " << csv;
    std::string line;
    std::getline(in, line);  // header: code,level,parent,label_fr,color_hex
    std::set<std::string> coloured, parents;
    while (std::getline(in, line)) {
        const auto cells = split_csv(line);
        if (cells.size() < 5) continue;
        if (!cells[2].empty()) parents.insert(cells[2]);
        if (!cells[4].empty()) coloured.insert(cells[0]);
    }
    std::set<std::string> out;
    for (const auto& c : coloured)
        if (!parents.count(c)) out.insert(c);
    return out;
}

bool on_grid(double v) { return std::abs(v * 100 - std::round(v * 100)) < 1e-6; }

void expect_on_grid(const Context& ctx, const GEOSGeometry* g, std::size_t index) {
    const GEOSGeometry* shell = GEOSGetExteriorRing_r(ctx.handle(), g);
    const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx.handle(), shell);
    unsigned n = 0;
    GEOSCoordSeq_getSize_r(ctx.handle(), seq, &n);
    for (unsigned i = 0; i < n; ++i) {
        double x = 0, y = 0;
        GEOSCoordSeq_getXY_r(ctx.handle(), seq, i, &x, &y);
        if (!on_grid(x) || !on_grid(y)) {
            ADD_FAILURE() << "polygon " << index << " has a vertex off the 1 cm grid: " << x << " " << y;
            return;
        }
    }
}

// Every polygon valid, single-part, on the grid; areas add up to the extent and so does their
// union; polygons of one class never share an edge (their union has as many parts).
void expect_partition(const std::vector<Feature>& features, const tessera::tiles::Box& extent, const std::string& what) {
    Context ctx;
    ASSERT_FALSE(features.empty()) << what;
    double sum = 0;
    std::vector<Geom> all;
    std::map<std::string, std::vector<Geom>> by_class;
    for (std::size_t i = 0; i < features.size(); ++i) {
        Geom g = ctx.from_wkb(features[i].wkb);
        ASSERT_EQ(GEOSGeomTypeId_r(ctx.handle(), g.get()), GEOS_POLYGON) << what << " polygon " << i;
        ASSERT_TRUE(ctx.is_valid(g.get())) << what << " polygon " << i << ": " << ctx.invalid_reason(g.get());
        expect_on_grid(ctx, g.get(), i);
        sum += ctx.area(g.get());
        by_class[features[i].code_cs + "/" + features[i].code_us].push_back(ctx.clone(g.get()));
        all.push_back(std::move(g));
    }
    const double extent_area = extent.width() * extent.height();
    EXPECT_NEAR(sum, extent_area, extent_area * 1e-4) << what << ": polygons overlap or leave gaps";
    Geom u = ctx.unary_union(tessera::geo::make_collection(ctx, GEOS_MULTIPOLYGON, std::move(all)).get());
    EXPECT_NEAR(ctx.area(u.get()), extent_area, extent_area * 1e-6) << what << ": union differs from the extent";
    Geom box = ctx.box(extent.min_x, extent.min_y, extent.max_x, extent.max_y);
    EXPECT_LT(ctx.area(ctx.difference(box.get(), u.get()).get()), 1e-3) << what << ": gaps";
    EXPECT_LT(ctx.area(ctx.difference(u.get(), box.get()).get()), 1e-3) << what << ": outside the extent";
    for (auto& [cls, polys] : by_class) {
        const std::size_t n = polys.size();
        Geom merged = ctx.unary_union(tessera::geo::make_collection(ctx, GEOS_MULTIPOLYGON, std::move(polys)).get());
        EXPECT_EQ(ctx.polygons(merged.get()).size(), n) << what << ": adjacent polygons of class " << cls;
    }
}

fs::path fresh_dir(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("tessera-demo-test-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(dir);
    return dir;
}

constexpr tessera::tiles::Box small_extent{868000, 6827000, 870000, 6829000};

class DemoGenerated : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_dir = fresh_dir("generated");
        tessera::demo::Options o;
        o.out_dir = s_dir;
        o.extent = small_extent;
        std::ostringstream log;
        s_summary = tessera::demo::generate(o, log);
        s_log = log.str();
    }
    static void TearDownTestSuite() { fs::remove_all(s_dir); }

    static inline fs::path s_dir;
    static inline tessera::demo::Summary s_summary;
    static inline std::string s_log;
};

TEST_F(DemoGenerated, SummaryDescribesTheOutput) {
    EXPECT_EQ(s_summary.source, "generated");
    EXPECT_EQ(s_summary.extent.min_x, small_extent.min_x);
    EXPECT_EQ(s_summary.extent.max_y, small_extent.max_y);
    EXPECT_TRUE(fs::is_regular_file(s_summary.truth_path));
    EXPECT_TRUE(fs::is_regular_file(s_summary.prediction_path));
    EXPECT_GT(s_summary.truth_polygons, 50u);
    EXPECT_GT(s_summary.predicted_polygons, 50u);
    EXPECT_GT(s_summary.confused_polygons, 0u);
    EXPECT_LT(s_summary.confused_polygons, s_summary.predicted_polygons / 2);
    EXPECT_EQ(read_layer(s_summary.truth_path, "truth").size(), s_summary.truth_polygons);
    EXPECT_NE(s_log.find("imagery"), std::string::npos) << s_log;
}

TEST_F(DemoGenerated, TruthIsAPartitionOfTheExtent) {
    expect_partition(read_layer(s_summary.truth_path, "truth"), small_extent, "truth");
}

TEST_F(DemoGenerated, PredictionIsAPartitionOfTheExtent) {
    expect_partition(read_layer(s_summary.prediction_path, "prediction"), small_extent, "prediction");
}

TEST_F(DemoGenerated, CodesAreLeavesOfTheNomenclature) {
    const fs::path dir = fs::path(TESSERA_SOURCE_DIR) / "server/data/nomenclature";
    const auto cs = leaf_codes(dir / "couverture.csv");
    const auto us = leaf_codes(dir / "usage.csv");
    // 14 CS leaves; US leaves are the coloured ones (the legacy US2, US3, US5 have no colour).
    ASSERT_EQ(cs.size(), 14u);
    ASSERT_TRUE(us.count("US235") && us.count("US1.1") && !us.count("US2") && !us.count("US4.1"));
    for (const char* file : {"truth", "prediction"}) {
        const fs::path path = s_dir / (std::string(file) + ".gpkg");
        std::set<std::string> seen_cs;
        for (const Feature& f : read_layer(path, file)) {
            EXPECT_TRUE(cs.count(f.code_cs)) << file << ": " << f.code_cs;
            EXPECT_TRUE(us.count(f.code_us)) << file << ": " << f.code_us;
            seen_cs.insert(f.code_cs);
        }
        EXPECT_GE(seen_cs.size(), 5u) << file << " should show a varied countryside";
    }
}

TEST_F(DemoGenerated, ConfidenceIsLowerWhereThePredictionIsWrong) {
    Context ctx;
    std::vector<Geom> truth;
    std::vector<std::string> truth_class;
    for (const Feature& f : read_layer(s_summary.truth_path, "truth")) {
        truth.push_back(ctx.from_wkb(f.wkb));
        truth_class.push_back(f.code_cs + "/" + f.code_us);
    }
    double right_sum = 0, wrong_sum = 0;
    int right = 0, wrong = 0;
    for (const Feature& f : read_layer(s_summary.prediction_path, "prediction")) {
        ASSERT_GE(f.confidence, 0.0);
        ASSERT_LE(f.confidence, 1.0);
        Geom g = ctx.from_wkb(f.wkb);
        Geom p = ctx.own(GEOSPointOnSurface_r(ctx.handle(), g.get()), "point on surface");
        std::string here;
        for (std::size_t i = 0; i < truth.size() && here.empty(); ++i)
            if (GEOSCovers_r(ctx.handle(), truth[i].get(), p.get()) == 1) here = truth_class[i];
        ASSERT_FALSE(here.empty()) << "prediction point outside the truth";
        if (here == f.code_cs + "/" + f.code_us) {
            right_sum += f.confidence;
            ++right;
        } else {
            wrong_sum += f.confidence;
            ++wrong;
        }
    }
    ASSERT_GT(right, 0);
    ASSERT_GT(wrong, 0) << "the predictions should contain errors";
    EXPECT_LT(wrong_sum / wrong + 0.1, right_sum / right);
    EXPECT_GT(right_sum / right, 0.7);
}

TEST_F(DemoGenerated, ImageryHasOneSquarePngPerTile) {
    const tessera::tiles::Grid grid(1000);
    const auto keys = grid.keys_in(small_extent, 100);
    ASSERT_TRUE(keys && keys->size() == 4u);
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(s_summary.imagery_dir)) files += entry.path().extension() == ".png";
    EXPECT_EQ(files, keys->size());
    for (const auto& key : *keys) {
        const fs::path png = s_summary.imagery_dir / (key.str() + ".png");
        GDALDatasetUniquePtr ds(GDALDataset::Open(png.string().c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
        ASSERT_TRUE(ds) << png;
        EXPECT_EQ(ds->GetRasterXSize(), 500);
        EXPECT_EQ(ds->GetRasterYSize(), 500);
        EXPECT_EQ(ds->GetRasterCount(), 3);
        EXPECT_EQ(ds->GetDriver()->GetDescription(), std::string("PNG"));
    }
}

TEST(DemoDeterminism, SameSeedSamePredictionsOtherSeedOthers) {
    auto run = [](std::uint64_t seed, const std::string& name) {
        tessera::demo::Options o;
        o.out_dir = fresh_dir(name);
        o.extent = tessera::tiles::Box{868000, 6827000, 869000, 6828000};
        o.imagery_resolution_m = 10;
        o.seed = seed;
        std::ostringstream log;
        const auto s = tessera::demo::generate(o, log);
        auto features = read_layer(s.prediction_path, "prediction");
        fs::remove_all(o.out_dir);
        return features;
    };
    const auto a = run(7, "seed-a"), b = run(7, "seed-b"), c = run(8, "seed-c");
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].wkb, b[i].wkb) << "polygon " << i;
        EXPECT_EQ(a[i].code_cs, b[i].code_cs);
        EXPECT_EQ(a[i].code_us, b[i].code_us);
        EXPECT_EQ(a[i].confidence, b[i].confidence);
    }
    bool differs = a.size() != c.size();
    for (std::size_t i = 0; !differs && i < a.size(); ++i) differs = a[i].wkb != c[i].wkb;
    EXPECT_TRUE(differs) << "another seed should give other predictions";
}

TEST(DemoOptions, RejectsAnExtentOfPartialTiles) {
    tessera::demo::Options o;
    o.out_dir = fresh_dir("bad-extent");
    o.extent = tessera::tiles::Box{868000, 6827000, 868500, 6828000};
    std::ostringstream log;
    EXPECT_THROW(tessera::demo::generate(o, log), std::runtime_error);
    fs::remove_all(o.out_dir);
}

TEST(DemoOsm, RealGeographyGivesAPartitionWithBuildingsAndForest) {
    const fs::path geo_dir = fs::path(TESSERA_SOURCE_DIR) / ".." / "shared" / "data" / "geo";
    if (!fs::is_regular_file(geo_dir / "osm-bure-montiers-sur-saulx-2022-l93.gpkg"))
        GTEST_SKIP() << "real geography not available at " << geo_dir.string();
    tessera::demo::Options o;
    o.out_dir = fresh_dir("osm");
    o.geo_dir = geo_dir;
    // Montiers-sur-Saulx, the Saulx and the edge of the forest of Montiers.
    o.extent = tessera::tiles::Box{867000, 6827000, 869000, 6830000};
    o.imagery_resolution_m = 5;
    std::ostringstream log;
    const auto s = tessera::demo::generate(o, log);
    EXPECT_EQ(s.source, "osm") << log.str();
    const auto truth = read_layer(s.truth_path, "truth");
    expect_partition(truth, *o.extent, "osm truth");
    expect_partition(read_layer(s.prediction_path, "prediction"), *o.extent, "osm prediction");
    std::map<std::string, int> cs;
    for (const Feature& f : truth) ++cs[f.code_cs];
    EXPECT_GT(cs["CS1.1.1.1"], 100) << "the village's buildings";
    EXPECT_GT(cs["CS2.1.1.1"] + cs["CS2.1.1.2"] + cs["CS2.1.1.3"], 0) << "forest";
    EXPECT_GT(cs["CS1.2.2"], 0) << "the Saulx";
    EXPECT_GT(cs["CS1.1.1.2"], 0) << "roads";
    EXPECT_TRUE(fs::is_regular_file(s.imagery_dir / "0867_6828.png"));
    fs::remove_all(o.out_dir);
}

}  // namespace
