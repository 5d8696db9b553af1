#pragma once

// Outlines as sets of integer segments, compared exactly. The edit engine must prove that
// snap-rounding left the outline of the features it rebuilt where it was (anything else would
// tear the partition with the features around them); with every vertex on the centimetre grid
// that is integer arithmetic, far cheaper than unions and a relate. Pure functions; thread-safe.

#include <vector>

#include "geo/wkb.hpp"

namespace tessera::edits::detail {

struct Segment {
    geo::PointCm a, b;  // a before b (x, then y)
};

Segment make_segment(const geo::PointCm& p, const geo::PointCm& q);

// The boundary of the union of polygons that do not overlap: their segments, cut wherever a
// vertex of another lies on them (T-junctions), minus those two polygons share.
std::vector<Segment> outline_of(const std::vector<const geo::RingsCm*>& polygons);

// Whether two sets of segments, each without overlaps of its own, cover exactly the same points.
// A region is the set of points an odd number of outline crossings away from infinity, so equal
// outlines mean equal regions.
bool same_points(std::vector<Segment> a, std::vector<Segment> b);

}  // namespace tessera::edits::detail
