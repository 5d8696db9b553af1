// Raster predictions in: windows read inside and across the raster's edge, nodata mapping, the
// sieve on a hand-made grid, and each bad input named clearly (missing, truncated, not a raster,
// no CRS, too many bands, non-square pixels, rotated).

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <gdal.h>
#include <gtest/gtest.h>
#include <ogr_srs_api.h>

#include "geo/raster_source.hpp"

namespace fs = std::filesystem;
using tessera::geo::InputError;
using tessera::geo::RasterSource;
using tessera::geo::RasterSpec;
using tessera::geo::RasterWriter;

namespace {

class RasterSourceTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_dir = fs::temp_directory_path() /
                ("tessera_raster_" + std::to_string(::getpid()) + "_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(m_dir);
        fs::create_directories(m_dir);
    }
    void TearDown() override { fs::remove_all(m_dir); }

    fs::path m_dir;
};

constexpr int W = 300, H = 200;

std::uint8_t label_at(int x, int y) {
    if (x >= 100 && x < 120 && y >= 50 && y < 60) return 0;  // a nodata hole
    return static_cast<std::uint8_t>((x / 10 + y / 10) % 19 + 1);
}
std::uint8_t confidence_at(int x, int y) { return static_cast<std::uint8_t>(1 + (x * 7 + y) % 100); }

// A 2-band Byte raster, 2 m pixels, nodata 0, origin (860000, 6840000), written in two halves.
fs::path write_sample(const fs::path& dir, const std::string& name = "pred.tif") {
    RasterSpec spec;
    spec.width = W;
    spec.height = H;
    spec.bands = 2;
    spec.geometry = {860000, 6840000, 2};
    spec.nodata = 0;
    const fs::path path = dir / name;
    RasterWriter writer(path, spec);
    std::vector<std::uint8_t> labels, confidence;
    for (int part = 0; part < 2; ++part) {
        const int y0 = part * H / 2, h = H / 2;
        labels.clear();
        confidence.clear();
        for (int y = y0; y < y0 + h; ++y)
            for (int x = 0; x < W; ++x) {
                labels.push_back(label_at(x, y));
                confidence.push_back(confidence_at(x, y));
            }
        writer.write(1, 0, y0, W, h, labels.data());
        writer.write(2, 0, y0, W, h, confidence.data());
    }
    writer.close();
    return path;
}

// A GeoTIFF made directly with GDAL, for georeferencing RasterWriter would never write.
void write_raw(const fs::path& path, int bands, const double* gt, int epsg) {
    GDALAllRegister();
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path.string().c_str(), 16, 16, bands, GDT_Byte, nullptr);
    ASSERT_NE(ds, nullptr);
    if (gt) GDALSetGeoTransform(ds, const_cast<double*>(gt));
    if (epsg) {
        OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
        OSRImportFromEPSG(srs, epsg);
        GDALSetSpatialRef(ds, srs);
        OSRDestroySpatialReference(srs);
    }
    GDALClose(ds);
}

std::string open_error(const fs::path& path) {
    try {
        RasterSource source(path);
        std::vector<std::int32_t> labels;
        for (int y = 0; y < source.height(); y += 256)
            for (int x = 0; x < source.width(); x += 256) source.read_labels(x, y, 256, 256, labels, -1);
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_F(RasterSourceTest, OpensAndDescribes) {
    RasterSource source(write_sample(m_dir));
    EXPECT_EQ(source.width(), W);
    EXPECT_EQ(source.height(), H);
    ASSERT_TRUE(source.epsg());
    EXPECT_EQ(*source.epsg(), 2154);
    EXPECT_EQ(source.crs_description(), "EPSG:2154");
    EXPECT_DOUBLE_EQ(source.geometry().origin_x, 860000);
    EXPECT_DOUBLE_EQ(source.geometry().origin_y, 6840000);
    EXPECT_DOUBLE_EQ(source.geometry().pixel_size, 2);
    ASSERT_TRUE(source.nodata());
    EXPECT_EQ(*source.nodata(), 0);
    ASSERT_TRUE(source.has_confidence());
    ASSERT_TRUE(source.confidence_scale());
    EXPECT_EQ(source.confidence_scale()->data_type, "Byte");
    EXPECT_FALSE(source.confidence_scale()->floating);
    EXPECT_EQ(source.confidence_scale()->max_possible, 255);
}

TEST_F(RasterSourceTest, ReadsWindowsInsideAndAcrossTheEdge) {
    RasterSource source(write_sample(m_dir));
    std::vector<std::int32_t> labels;
    std::vector<float> confidence;
    struct Window {
        int x0, y0, w, h;
    };
    for (const Window& win : {Window{10, 20, 64, 32}, Window{-5, 190, 20, 20}, Window{290, -3, 16, 8},
                              Window{95, 45, 30, 20}, Window{400, 400, 8, 8}}) {
        source.read_labels(win.x0, win.y0, win.w, win.h, labels, -1);
        source.read_confidence(win.x0, win.y0, win.w, win.h, confidence);
        ASSERT_EQ(labels.size(), static_cast<std::size_t>(win.w * win.h));
        ASSERT_EQ(confidence.size(), labels.size());
        for (int j = 0; j < win.h; ++j) {
            for (int i = 0; i < win.w; ++i) {
                const int x = win.x0 + i, y = win.y0 + j;
                const std::size_t k = static_cast<std::size_t>(j * win.w + i);
                const bool inside = x >= 0 && y >= 0 && x < W && y < H;
                const int expected = inside && label_at(x, y) != 0 ? label_at(x, y) : -1;
                ASSERT_EQ(labels[k], expected) << "pixel " << x << "," << y;
                if (inside)
                    ASSERT_EQ(confidence[k], confidence_at(x, y)) << "pixel " << x << "," << y;
                else
                    ASSERT_TRUE(std::isnan(confidence[k])) << "pixel " << x << "," << y;
            }
        }
    }
}

TEST_F(RasterSourceTest, FloatBandsHoldWholeClasses) {
    RasterSpec spec;
    spec.width = 8;
    spec.height = 4;
    spec.bands = 2;
    spec.type = tessera::geo::PixelType::float32;
    spec.compression = tessera::geo::Compression::lzw;
    const fs::path path = m_dir / "unit.tif";
    {
        RasterWriter writer(path, spec);
        std::vector<float> labels(32, 11.0f), confidence(32, 0.75f);
        labels[3] = 5.0f;
        writer.write(1, 0, 0, 8, 4, labels.data());
        writer.write(2, 0, 0, 8, 4, confidence.data());
        writer.close();
    }
    RasterSource source(path);
    EXPECT_TRUE(source.confidence_scale()->floating);
    EXPECT_FALSE(source.nodata());
    std::vector<std::int32_t> labels;
    std::vector<float> confidence;
    source.read_labels(0, 0, 8, 4, labels, -1);
    source.read_confidence(0, 0, 8, 4, confidence);
    EXPECT_EQ(labels[0], 11);
    EXPECT_EQ(labels[3], 5);
    EXPECT_FLOAT_EQ(confidence[5], 0.75f);
}

TEST_F(RasterSourceTest, SieveMergesSmallRegionsIntoTheLargestNeighbour) {
    // 3 touches 1 (27 px) and 2 (14 px): it becomes 1. 5 touches nodata and 1: it becomes 1,
    // never nodata. The nodata region (5 px, under the threshold) stays as it is.
    const int w = 8, h = 6;
    std::vector<std::int32_t> grid = {
        1, 1, 1, 1, 2, 2, 2, 2,  //
        1, 1, 1, 3, 2, 2, 2, 2,  //
        1, 1, 1, 1, 1, 2, 2, 2,  //
        0, 0, 1, 1, 1, 1, 2, 2,  //
        0, 5, 1, 1, 1, 1, 1, 2,  //
        0, 0, 1, 1, 1, 1, 1, 1,  //
    };
    for (auto& v : grid)
        if (v == 0) v = -1;
    auto expected = grid;
    expected[1 * w + 3] = 1;
    expected[4 * w + 1] = 1;
    tessera::geo::sieve(grid, w, h, 6, -1);
    EXPECT_EQ(grid, expected);

    // Without nodata, regions at or above the threshold are kept.
    std::vector<std::int32_t> two = {7, 7, 7, 8, 8, 8, 7, 7, 7, 8, 8, 8};
    const auto before = two;
    tessera::geo::sieve(two, 6, 2, 6, -1);
    EXPECT_EQ(two, before);
}

TEST_F(RasterSourceTest, MissingFile) {
    const auto message = open_error(m_dir / "absent.tif");
    EXPECT_NE(message.find("absent.tif: no such file"), std::string::npos) << message;
}

TEST_F(RasterSourceTest, NotARaster) {
    const fs::path path = m_dir / "notes.tif";
    std::ofstream(path) << "this is not a GeoTIFF\n";
    const auto message = open_error(path);
    EXPECT_NE(message.find("notes.tif: cannot be read as a raster"), std::string::npos) << message;
}

TEST_F(RasterSourceTest, TruncatedFileNamesTheFileOrWindow) {
    // Noisy content so that the tiles are large and the cut falls inside the data.
    RasterSpec spec;
    spec.width = 1024;
    spec.height = 1024;
    spec.bands = 2;
    spec.compression = tessera::geo::Compression::deflate;
    const fs::path path = m_dir / "cut.tif";
    {
        RasterWriter writer(path, spec);
        std::vector<std::uint8_t> data(1024 * 1024);
        std::uint32_t s = 12345;
        for (auto& v : data) {
            s = s * 1664525u + 1013904223u;
            v = static_cast<std::uint8_t>(s >> 24);
        }
        writer.write(1, 0, 0, 1024, 1024, data.data());
        writer.write(2, 0, 0, 1024, 1024, data.data());
        writer.close();
    }
    fs::resize_file(path, fs::file_size(path) / 2);
    const auto message = open_error(path);
    ASSERT_FALSE(message.empty()) << "a truncated file was read without error";
    EXPECT_NE(message.find("cut.tif"), std::string::npos) << message;
}

TEST_F(RasterSourceTest, NoCrs) {
    const double gt[6] = {860000, 1, 0, 6840000, 0, -1};
    write_raw(m_dir / "nocrs.tif", 1, gt, 0);
    const auto message = open_error(m_dir / "nocrs.tif");
    EXPECT_NE(message.find("nocrs.tif: the raster has no CRS"), std::string::npos) << message;
}

TEST_F(RasterSourceTest, ThreeBands) {
    const double gt[6] = {860000, 1, 0, 6840000, 0, -1};
    write_raw(m_dir / "rgb.tif", 3, gt, 2154);
    const auto message = open_error(m_dir / "rgb.tif");
    EXPECT_NE(message.find("rgb.tif: the raster has 3 bands"), std::string::npos) << message;
}

TEST_F(RasterSourceTest, NonSquarePixels) {
    const double gt[6] = {860000, 1, 0, 6840000, 0, -2};
    write_raw(m_dir / "oblong.tif", 1, gt, 2154);
    const auto message = open_error(m_dir / "oblong.tif");
    EXPECT_NE(message.find("oblong.tif: pixels are not square"), std::string::npos) << message;
}

TEST_F(RasterSourceTest, RotatedGeotransform) {
    const double gt[6] = {860000, 1, 0.2, 6840000, 0.2, -1};
    write_raw(m_dir / "rotated.tif", 1, gt, 2154);
    const auto message = open_error(m_dir / "rotated.tif");
    EXPECT_NE(message.find("rotated.tif: the geotransform is rotated or sheared"), std::string::npos) << message;
}

TEST_F(RasterSourceTest, SouthUpIsRefused) {
    const double gt[6] = {860000, 1, 0, 6840000, 0, 1};
    write_raw(m_dir / "southup.tif", 1, gt, 2154);
    const auto message = open_error(m_dir / "southup.tif");
    EXPECT_NE(message.find("southup.tif: pixel size"), std::string::npos) << message;
}
