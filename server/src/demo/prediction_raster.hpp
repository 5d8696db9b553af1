#pragma once

// Realistic AI predictions for tests and benchmarks, at any size: a Meuse-like landscape (open
// fields and bocage, forest massifs, a river with riparian trees, a road network, street
// villages with houses, gardens, pools and greenhouses) as a FLAIR-1 class raster with a
// confidence band, degraded the way a segmentation model errs (speckle, small wrong blobs,
// ragged boundaries, whole parcels confused with a similar class; confidence low near
// boundaries and on errors). Every pixel is a pure function of the seed and its Lambert-93
// position, so windows are computed independently, in parallel, in bounded memory, and give the
// same values whatever the window layout. The vector form polygonizes the same landscape.
//
// Landscape is immutable after construction: render() may be called from several threads.
// generate_raster / generate_vector use GDAL (registering its drivers) and their own threads.

#include <array>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string_view>
#include <vector>

#include "geo/raster_source.hpp"

namespace tessera::demo {

// FLAIR-1 classes, as the model writes them in band 1.
enum class Flair : std::uint8_t {
    building = 1, pervious, impervious, bare_soil, water, coniferous, deciduous, brushwood, vineyard,
    herbaceous, agricultural, plowed, swimming_pool, snow, clear_cut, mixed, ligneous, greenhouse, other,
};
inline constexpr int flair_class_count = 19;
std::string_view flair_name(Flair c);

// Where a pixel lies; with its class it decides the land use (US) of the vector prediction.
enum class Setting : std::uint8_t { rural, forest, village, road, water };

// A pixel's code: the FLAIR class in the low 5 bits, the setting above (at most 4·32 + 19).
constexpr std::uint8_t make_code(Flair c, Setting s) {
    return static_cast<std::uint8_t>(static_cast<unsigned>(c) | (static_cast<unsigned>(s) << 5));
}
constexpr Flair flair_of(std::uint8_t code) { return static_cast<Flair>(code & 31u); }
constexpr Setting setting_of(std::uint8_t code) { return static_cast<Setting>(code >> 5); }

// The OCS GE leaf codes of a pixel code (see the table in prediction_raster.cpp).
struct OcsCodes {
    std::string_view cs, us;
};
OcsCodes ocs_codes(std::uint8_t code);

// A square of whole kilometres, top-left corner in Lambert-93 (EPSG:2154), and its pixels.
struct GridSpec {
    double origin_x = 860000;   // top-left: 860–870 km E, 6830–6840 km N for 100 km², the Meuse
    double origin_y = 6840000;  // south of Bar-le-Duc, around Bure (the demo territory)
    int side_km = 10;
    double resolution_m = 1;
    int width() const;   // pixels on a side
    int height() const { return width(); }
};

// The side (whole km, at least 1) of the square closest to `area_km2`, and checks of a grid:
// whole-km origin, a resolution that divides 1 km. Throw std::invalid_argument with the reason.
int side_for_area(double area_km2);
void check_grid(const GridSpec& grid);

class Landscape {
public:
    Landscape(std::uint64_t seed, const GridSpec& grid);

    // Pixels [x0, x0 + w) × [y0, y0 + h) of the grid (may reach outside it), row-major: codes
    // (class and setting) and the model's confidence in 0..1.
    void render(int x0, int y0, int w, int h, std::vector<std::uint8_t>& codes, std::vector<float>& confidence) const;

    const GridSpec& grid() const { return m_grid; }
    std::uint64_t seed() const { return m_seed; }

    struct World;  // the seed's derived streams, the river, the village every extent gets

private:
    std::uint64_t m_seed;
    GridSpec m_grid;
    std::shared_ptr<const World> m_world;
};

enum class ConfidenceEncoding { percent, unit, none };

struct RasterOptions {
    std::filesystem::path out;
    GridSpec grid;
    std::uint64_t seed = 20260101;
    ConfidenceEncoding confidence = ConfidenceEncoding::percent;
    geo::Compression compression = geo::Compression::deflate;
    int zlevel = 1;
    int threads = 2;
};

struct RasterSummary {
    int width = 0, height = 0;
    std::array<std::uint64_t, flair_class_count + 1> class_pixels{};  // index = FLAIR class
    double seconds = 0;
};

// Band 1 Byte classes 1..19 (nodata 0, never written), band 2 Byte confidence 1..100 (percent),
// or both bands Float32 with confidence 0..1 (unit: GeoTIFF holds one type for all bands), or
// no band 2 (none). Tiled 256 × 256. Progress lines go to `log`. Throws std::runtime_error
// naming the file on failure.
RasterSummary generate_raster(const RasterOptions& options, std::ostream& log);

struct VectorOptions {
    std::filesystem::path out;
    GridSpec grid;
    std::uint64_t seed = 20260101;
    double sieve_m2 = 4;     // regions under this area are merged before polygonizing
    double window_m = 1500;  // polygonizing windows, offset from the 1 km tile grid
    double window_offset_m = 1250;
    int threads = 2;
    // Injected vector errors, as shares of the polygons.
    double shifted_share = 0.005;    // moved by 0.3–2 m: overlaps and gaps with neighbours
    double bowtie_share = 0.0005;    // exterior ring with two vertices swapped: self-intersecting
    double multipolygon_share = 0.001;  // a polygon grouped with 1–2 same-class neighbours
};

struct VectorSummary {
    std::uint64_t features = 0;       // rows written
    std::uint64_t polygons = 0;       // polygons before grouping (parts)
    std::uint64_t shifted = 0, bowties = 0, multipolygons = 0, grouped_parts = 0;
    int windows = 0;
    double seconds = 0;
};

// Layer "prediction" (EPSG:2154, geometry type GEOMETRY: Polygons and a few MultiPolygons) with
// fields classe (Integer, FLAIR class), confidence (Real 0..1, the polygon's mean), code_cs and
// code_us (String). Throws std::runtime_error naming the file on failure.
VectorSummary generate_vector(const VectorOptions& options, std::ostream& log);

}  // namespace tessera::demo
