#pragma once

// Internals of QC: a feature read into integer-centimetre rings with its validity and the
// geometry the other checks work on, and the shape measures (area, a point inside, the sliver
// test). Values only; the Frame's GEOS context belongs to one call (one thread).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "geo/envelope.hpp"
#include "geo/geos.hpp"
#include "geo/wkb.hpp"
#include "qc/qc.hpp"
#include "qc/rules.hpp"
#include "tiles/grid.hpp"

namespace tessera::qc::detail {

// Exact products of centimetre coordinates (differences up to 2e14 cm fit in 48 bits).
__extension__ typedef __int128 Int128;

using Envelope = geo::EnvelopeCm;

// The frame of one call: its GEOS context, and local coordinates in centimetres from the
// tile's lower-left corner (small integers, exact in doubles; the 1 cm grid is a grid of 1).
struct Frame {
    explicit Frame(const tiles::Box& tile);
    geo::Context ctx;
    geo::PointCm origin;  // the tile's lower-left corner
    Envelope tile;        // the tile square
    geo::PointCm global(double local_x, double local_y) const;
    geo::Geom box(const Envelope& e) const;  // a local rectangle
};

enum class Shape {
    unreadable,  // no usable polygon (bad WKB, empty, unclosed or too short rings)
    over_limit,  // more vertices than Rules::max_vertices: no geometric check beyond coverage
    invalid,     // invalid by GEOS: covered by its repaired polygons
    valid,
};

struct Prepared {
    const Feature* feature = nullptr;
    std::vector<geo::RingsCm> parts;  // as read
    std::size_t vertices = 0;
    Shape shape = Shape::unreadable;
    std::string problem;  // for unreadable, over_limit and invalid: what is wrong
    std::optional<geo::PointCm> problem_at;
    // What coverage works on: `parts` (valid, over_limit), or the repaired polygons of an
    // invalid feature (GEOSMakeValid on the grid); every ring oriented with the interior on its
    // left (shells counter-clockwise, holes clockwise). Empty when nothing is usable.
    std::vector<geo::RingsCm> cover;
    // `cover` in local coordinates for GEOS (geometry()), for valid and repaired invalid features.
    bool has_geometry = false;
    mutable geo::Geom geom;  // built when first asked for: most features never meet trouble
    Envelope envelope;       // of `cover`
};

Prepared prepare(const Frame& frame, const Rules& rules, const Feature& feature);
// The feature as a GEOS geometry in local coordinates; null unless has_geometry.
const GEOSGeometry* geometry(const Frame& frame, const Prepared& p);

// Twice the area of oriented rings (shells positive, holes negative), cm².
Int128 area2(const std::vector<geo::RingsCm>& oriented);
// A point inside the polygons (on their boundary for a shape 1 cm thick), from the widest
// span of a horizontal line through the middle of the envelope.
geo::PointCm interior_point(const std::vector<geo::RingsCm>& polygons);

struct SliverVerdict {
    bool sliver = false;
    std::optional<double> radius_cm;  // the inscribed radius, or a bound just above it, when it was computed
};
// Whether the largest circle inside a valid feature is narrower than `width_cm`.
SliverVerdict sliver_test(const Prepared& p, double width_cm);

}  // namespace tessera::qc::detail
