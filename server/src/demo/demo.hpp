#pragma once

// The demo data set: a ground-truth land-cover partition (OCS GE classes), AI-like predictions
// degraded from it, and aerial-looking imagery rendered from it — over a generated Meuse-like
// territory, or over real OpenStreetMap geography of Bure / Montiers-sur-Saulx when it is
// available. Stateless; one call uses one GEOS context and may run on any thread (GDAL must
// be usable from it).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

#include "tiles/grid.hpp"

namespace tessera::demo {

struct Options {
    std::uint64_t seed = 20260101;
    std::filesystem::path out_dir;                 // created if missing
    std::optional<std::filesystem::path> geo_dir;  // real geography; nullopt → procedural territory
    std::int32_t tile_size_m = 1000;
    double imagery_resolution_m = 2.0;             // pixel size of the rendered imagery
    // Whole tiles to cover, Lambert-93 metres; nullopt → 5 × 5 km near Bure (generated) or the
    // whole tiles of the OSM extract (5 × 8 km). Tests use a small one.
    std::optional<tiles::Box> extent;
};

struct Summary {
    std::string source;            // "generated" or "osm"
    tiles::Box extent;             // whole tiles, Lambert-93 metres
    std::size_t truth_polygons = 0, predicted_polygons = 0, confused_polygons = 0;
    std::filesystem::path truth_path, prediction_path, imagery_dir;
};

// Writes out_dir/truth.gpkg (layer "truth": code_cs, code_us), out_dir/prediction.gpkg (layer
// "prediction": code_cs, code_us, confidence Real 0..1), both EPSG:2154 Polygon layers, and
// out_dir/imagery/<tilekey>.png, one PNG per tile. Deterministic for a seed. Throws
// std::runtime_error with a clear message naming the file on failure.
//
// When geo_dir is given but does not hold the OSM GeoPackage, the territory is generated
// instead (the log says so), as the demo must run without the third-party data.
Summary generate(const Options& options, std::ostream& log);

}  // namespace tessera::demo
