#pragma once

// Imagery rendered from the ground truth, one PNG per tile, so that the demo has a background
// to correct predictions against: each truth face is painted in the look of the source polygon
// it came from (crop stripes, tree crowns, roofs with their ridge, water, roads) with
// deterministic noise and cast shadows. PNG row 0 is the tile's north edge. GDAL must be
// registered by the caller.

#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "demo/partition.hpp"
#include "demo/territory.hpp"
#include "geo/geos.hpp"

namespace tessera::demo {

// Writes dir/<tilekey>.png for every tile of the territory's extent; returns how many.
// Throws std::runtime_error naming the file that could not be written.
std::size_t render_imagery(const geo::Context& ctx, const Territory& territory, const TruthBuild& truth,
                           const std::filesystem::path& dir, std::int32_t tile_size_m, double resolution_m,
                           std::uint64_t seed);

}  // namespace tessera::demo
