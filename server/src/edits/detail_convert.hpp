#pragma once

// Integer-centimetre rings to GEOS and back. Inside the edit engine GEOS works in centimetres
// relative to the tile's lower-left corner ("local" coordinates): every vertex is then a small
// integer held exactly in a double, and snap-rounding on a grid of 1 is exact rounding to the
// centimetre. Functions throw geo::GeosError when GEOS fails.

#include <string>
#include <vector>

#include <geos_c.h>

#include "geo/geos.hpp"
#include "geo/wkb.hpp"

namespace tessera::edits::detail {

// Snap-rounding grid in local units (centimetres).
inline constexpr double local_grid = 1.0;

// `origin` is subtracted from every point (local = global - origin); see geo::polygon_cm.
geo::Geom make_line(const geo::Context& ctx, const std::vector<geo::PointCm>& points, const geo::PointCm& origin);
geo::Geom make_polygon(const geo::Context& ctx, const geo::RingsCm& rings, const geo::PointCm& origin);
geo::Geom make_point(const geo::Context& ctx, double x, double y);

// The rings of a GEOS Polygon, `origin` added back. Throws GeosError if a coordinate is not on
// the centimetre grid (which the fixed-precision operations guarantee never happens).
geo::RingsCm read_polygon(const geo::Context& ctx, const GEOSGeometry* polygon, const geo::PointCm& origin);

// Every linear ring of the polygons in `g` as a LineString (clones).
void append_rings_as_lines(const geo::Context& ctx, const GEOSGeometry* g, std::vector<geo::Geom>& out);

// GEOS's reason for an invalid geometry, its location given in metres (global).
std::string invalid_reason_m(const geo::Context& ctx, const GEOSGeometry* g, const geo::PointCm& origin);

}  // namespace tessera::edits::detail
