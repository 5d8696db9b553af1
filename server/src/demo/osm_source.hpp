#pragma once

// Real geography for the demo: the OpenStreetMap extract of Bure / Montiers-sur-Saulx
// (shared/data/geo, ODbL, © OpenStreetMap contributors) read from its Lambert-93 GeoPackage and
// mapped tag by tag to OCS GE classes (the table and its reasons are in osm_source.cpp).
// Functions of one geo::Context; GDAL must be registered by the caller.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "demo/territory.hpp"
#include "geo/geos.hpp"
#include "tiles/grid.hpp"

namespace tessera::demo {

inline constexpr std::string_view osm_file_name = "osm-bure-montiers-sur-saulx-2022-l93.gpkg";

// The Overpass bounding box of the extract, in Lambert-93 (SOURCE.md): polygons crossing it
// are complete, but lines and uncovered land are only known inside it.
tiles::Box osm_extract_bbox();
// The whole tiles inside that box: 5 × 8 km at 1 km tiles.
tiles::Box default_osm_extent(std::int32_t tile_size_m);

using Tags = std::vector<std::pair<std::string, std::string>>;
// Parses GDAL's OSM `other_tags` column: "key"=>"value","k2"=>"v2" with \" and \\ escapes.
// Malformed text ends the parse; what was read so far is kept.
void parse_other_tags(std::string_view text, Tags& out);
std::string_view tag_value(const Tags& tags, std::string_view key);

struct OsmStats {
    std::size_t polygons_read = 0, polygons_mapped = 0, lines_read = 0, lines_mapped = 0;
};

// Reads the GeoPackage and maps its features over `extent`. Throws std::runtime_error naming
// the file when it cannot be read or is not in Lambert-93.
Territory read_osm_territory(const geo::Context& ctx, const std::filesystem::path& gpkg, const tiles::Box& extent,
                             std::uint64_t seed, OsmStats* stats = nullptr);

}  // namespace tessera::demo
