#pragma once

// Reading and writing WKB polygons as integer centimetres, without GEOS: the snapshot path
// turns stored WKB straight into wire coordinates. Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::geo {

struct PointCm {
    std::int64_t x = 0;
    std::int64_t y = 0;
    friend bool operator==(const PointCm&, const PointCm&) = default;
};

// A polygon's rings, exterior first, each closed (last point equals the first).
using RingsCm = std::vector<std::vector<PointCm>>;

// Parses an ISO/OGC WKB Polygon (either byte order; EWKB with an SRID is accepted) and rounds
// its coordinates to centimetres. nullopt with `error` set for anything else or truncated input.
std::optional<RingsCm> polygon_from_wkb(std::string_view wkb, std::string* error = nullptr);

// Parses an ISO/OGC WKB Polygon or MultiPolygon (either byte order, EWKB SRID accepted) into
// its polygons (one for a Polygon, none for an empty MultiPolygon), rounding coordinates to
// centimetres. nullopt with `error` set for any other type or truncated input. `rounded`, when
// given, tells whether any coordinate was off the centimetre grid (and so was moved).
std::optional<std::vector<RingsCm>> polygons_from_wkb(std::string_view wkb, std::string* error = nullptr,
                                                      bool* rounded = nullptr);

// Writes a little-endian WKB Polygon (metres). With `srid` > 0, EWKB carrying the SRID.
std::string polygon_to_wkb(const RingsCm& rings, int srid = 0);

}  // namespace tessera::geo
