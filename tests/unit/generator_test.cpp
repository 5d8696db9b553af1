// The prediction generator (`tessera generate`): deterministic for a seed and independent of
// the window layout, plausible class proportions, a confidence that drops at boundaries, and a
// vector output that VectorSource reads with leaf OCS GE codes and the injected errors counted.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <sstream>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "core/nomenclature.hpp"
#include "demo/prediction_raster.hpp"
#include "geo/geos.hpp"
#include "geo/ogr_source.hpp"
#include "geo/raster_source.hpp"

namespace fs = std::filesystem;
using namespace tessera;

namespace {

class GeneratorTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_dir = fs::temp_directory_path() /
                ("tessera_generator_" + std::to_string(::getpid()) + "_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(m_dir);
        fs::create_directories(m_dir);
    }
    void TearDown() override { fs::remove_all(m_dir); }

    // 4 km² at 2 m: 1000 × 1000 pixels.
    static demo::GridSpec small_grid() {
        demo::GridSpec g;
        g.side_km = 2;
        g.resolution_m = 2;
        return g;
    }

    demo::RasterSummary raster(const std::string& name, std::uint64_t seed,
                               demo::ConfidenceEncoding enc = demo::ConfidenceEncoding::percent) {
        demo::RasterOptions o;
        o.out = m_dir / name;
        o.grid = small_grid();
        o.seed = seed;
        o.confidence = enc;
        std::ostringstream log;
        return demo::generate_raster(o, log);
    }

    fs::path m_dir;
};

struct Pixels {
    std::vector<std::int32_t> labels;
    std::vector<float> confidence;
};

Pixels read_all(const fs::path& file) {
    geo::RasterSource source(file);
    Pixels p;
    source.read_labels(0, 0, source.width(), source.height(), p.labels, -1);
    if (source.has_confidence()) source.read_confidence(0, 0, source.width(), source.height(), p.confidence);
    return p;
}

}  // namespace

TEST_F(GeneratorTest, SameSeedSamePixels) {
    raster("a.tif", 7);
    raster("b.tif", 7);
    raster("c.tif", 8);
    const auto a = read_all(m_dir / "a.tif"), b = read_all(m_dir / "b.tif"), c = read_all(m_dir / "c.tif");
    ASSERT_EQ(a.labels.size(), 1000u * 1000u);
    EXPECT_TRUE(a.labels == b.labels);
    EXPECT_TRUE(a.confidence == b.confidence);
    EXPECT_FALSE(a.labels == c.labels);

    geo::RasterSource source(m_dir / "a.tif");
    EXPECT_EQ(source.epsg(), 2154);
    EXPECT_DOUBLE_EQ(source.geometry().pixel_size, 2);
    EXPECT_DOUBLE_EQ(source.geometry().origin_x, 860000);
    EXPECT_DOUBLE_EQ(source.geometry().origin_y, 6840000);
}

TEST_F(GeneratorTest, WindowLayoutDoesNotMatter) {
    const demo::Landscape land(42, small_grid());
    std::vector<std::uint8_t> whole, part;
    std::vector<float> whole_c, part_c;
    land.render(100, 200, 300, 200, whole, whole_c);
    land.render(250, 330, 70, 50, part, part_c);
    for (int j = 0; j < 50; ++j)
        for (int i = 0; i < 70; ++i) {
            const std::size_t w = static_cast<std::size_t>((130 + j) * 300 + 150 + i), p = static_cast<std::size_t>(j * 70 + i);
            ASSERT_EQ(whole[w], part[p]) << i << "," << j;
            ASSERT_EQ(whole_c[w], part_c[p]) << i << "," << j;
        }
}

TEST_F(GeneratorTest, PlausibleClassProportions) {
    const auto s = raster("p.tif", 20260101);
    const double total = static_cast<double>(s.width) * s.height;
    auto share = [&](std::initializer_list<demo::Flair> classes) {
        double n = 0;
        for (auto c : classes) n += static_cast<double>(s.class_pixels[static_cast<std::size_t>(c)]);
        return n / total;
    };
    using F = demo::Flair;
    EXPECT_EQ(s.class_pixels[0], 0u);
    EXPECT_GT(share({F::agricultural, F::plowed, F::herbaceous, F::coniferous, F::deciduous, F::mixed}), 0.6);
    EXPECT_GT(share({F::water}), 0.002);     // the river crosses every square
    EXPECT_GT(share({F::building}), 0.001);  // every square has a village
    EXPECT_GT(share({F::impervious}), 0.002);
    EXPECT_EQ(share({F::snow}), 0);
}

TEST_F(GeneratorTest, ConfidenceLowAtBoundaries) {
    raster("conf.tif", 3);
    const auto p = read_all(m_dir / "conf.tif");
    const int w = 1000;
    double inner = 0, edge = 0;
    std::size_t n_inner = 0, n_edge = 0;
    for (int y = 1; y < w - 1; ++y)
        for (int x = 1; x < w - 1; ++x) {
            const std::size_t k = static_cast<std::size_t>(y * w + x);
            const float c = p.confidence[k];
            ASSERT_TRUE(c >= 1 && c <= 100) << c;
            const bool boundary = p.labels[k - 1] != p.labels[k] || p.labels[k + 1] != p.labels[k] ||
                                  p.labels[k - w] != p.labels[k] || p.labels[k + w] != p.labels[k];
            (boundary ? edge : inner) += c;
            ++(boundary ? n_edge : n_inner);
        }
    inner /= static_cast<double>(n_inner);
    edge /= static_cast<double>(n_edge);
    EXPECT_GT(inner, 70);
    EXPECT_LT(edge, inner - 15);

    // The unit encoding: the same classes, Float32 confidence in (0, 1] matching the percents.
    raster("unit.tif", 3, demo::ConfidenceEncoding::unit);
    geo::RasterSource unit(m_dir / "unit.tif");
    ASSERT_TRUE(unit.confidence_scale());
    EXPECT_TRUE(unit.confidence_scale()->floating);
    const auto u = read_all(m_dir / "unit.tif");
    EXPECT_TRUE(u.labels == p.labels);
    for (std::size_t k = 0; k < u.confidence.size(); k += 997) {
        ASSERT_GT(u.confidence[k], 0);
        ASSERT_LE(u.confidence[k], 1);
        ASSERT_NEAR(u.confidence[k] * 100, p.confidence[k], 0.51);
    }
}

TEST_F(GeneratorTest, VectorReadableWithErrorsCounted) {
    demo::VectorOptions o;
    o.out = m_dir / "pred.gpkg";
    o.grid = small_grid();
    o.seed = 11;
    // More errors than the defaults so that a small area has some of each.
    o.bowtie_share = 0.01;
    o.shifted_share = 0.02;
    o.multipolygon_share = 0.01;
    std::ostringstream log;
    const auto s = demo::generate_vector(o, log);
    ASSERT_GT(s.features, 1000u);
    EXPECT_EQ(s.windows, 4);  // borders at 0, 1250 m and 2000 m on each axis
    EXPECT_GT(s.bowties, 0u);
    EXPECT_GT(s.shifted, 0u);
    EXPECT_GT(s.multipolygons, 0u);
    EXPECT_EQ(s.features, s.polygons - (s.grouped_parts - s.multipolygons));

    geo::FieldMap fields;
    fields.extra = {"classe"};
    geo::VectorSource source(o.out, "prediction", 2154, fields);
    EXPECT_FALSE(source.reprojected());
    const auto& nomenclature = core::Nomenclature::builtin();
    geo::Context ctx;
    std::uint64_t features = 0, multi = 0, invalid = 0, straddling = 0;
    geo::VectorFeature f;
    while (source.next(f)) {
        ++features;
        ASSERT_TRUE(nomenclature.is_leaf_cs(f.cs)) << f.cs;
        ASSERT_TRUE(nomenclature.is_leaf_us(f.us)) << f.us;
        ASSERT_TRUE(f.confidence && *f.confidence > 0 && *f.confidence <= 1);
        const int cls = std::stoi(f.extra[0]);
        ASSERT_TRUE(cls >= 1 && cls <= 19 && cls != 14) << cls;
        std::uint32_t type = 0;
        std::memcpy(&type, f.wkb.data() + 1, 4);
        if (type == 6) ++multi;
        const auto g = ctx.from_wkb(f.wkb);
        if (!ctx.is_valid(g.get())) ++invalid;
        double minx = 0, maxx = 0;
        GEOSGeom_getXMin_r(ctx.handle(), g.get(), &minx);
        GEOSGeom_getXMax_r(ctx.handle(), g.get(), &maxx);
        if (minx < 861000 && maxx > 861000) ++straddling;
    }
    EXPECT_EQ(features, s.features);
    EXPECT_EQ(multi, s.multipolygons);
    EXPECT_EQ(invalid, s.bowties);
    EXPECT_GT(straddling, 10u);  // windows are not aligned on the 1 km tiles
}

TEST_F(GeneratorTest, GridChecks) {
    EXPECT_EQ(demo::side_for_area(100), 10);
    EXPECT_EQ(demo::side_for_area(4), 2);
    EXPECT_EQ(demo::side_for_area(0.2), 1);
    EXPECT_THROW(demo::side_for_area(-1), std::invalid_argument);
    demo::GridSpec g;
    g.resolution_m = 3;
    EXPECT_THROW(demo::check_grid(g), std::invalid_argument);
    g.resolution_m = 0.5;
    g.origin_x = 860500;
    EXPECT_THROW(demo::check_grid(g), std::invalid_argument);
    g.origin_x = 860000;
    EXPECT_NO_THROW(demo::check_grid(g));
}
