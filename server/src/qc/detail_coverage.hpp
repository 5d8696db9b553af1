#pragma once

// The exact partition test on the 1 cm grid, without GEOS. Every ring's edges are taken as
// directed integer segments with the interior on their left (shells counter-clockwise, holes
// clockwise). An edge met by exactly one opposite edge of another feature cancels as it is;
// the other edges are noded at every end of another such edge lying exactly on them (exact
// integer collinearity). The features partition the tile exactly when every noded piece is cancelled
// by the same piece in the opposite direction, except pieces on the tile border, which appear
// once, counter-clockwise, and cover the whole border. Why: the sum W of the features' winding
// numbers changes only across pieces that do not cancel, so then W is the winding number of
// the tile's boundary, 1 inside the tile and 0 outside; valid polygons have winding numbers 0
// or 1, so every point of the tile is in exactly one feature and none is outside.
//
// Pieces that do not cancel ("trouble") bound every place where W is not what it should be:
// each overlap (W ≥ 2), each gap (W = 0 inside the tile). A connected trouble region lies in
// the bounding box of its outer boundary, which is a connected chain of trouble pieces, so
// every overlap and gap lies inside one of the disjoint boxes built by merging the boxes of
// trouble pieces that touch. Only those boxes need GEOS.
//
// The same noded pieces give the boundary shared by each pair of features (a piece with one
// feature on each side) and each feature's perimeter. Pure; thread-safe.

#include <cstdint>
#include <vector>

#include "geo/wkb.hpp"
#include "qc/detail_geometry.hpp"
#include "qc/qc.hpp"

namespace tessera::qc::detail {

struct SharedBoundary {
    std::uint32_t a = 0, b = 0;  // indices of the two features, a < b
    double length_cm = 0;
    geo::PointCm at;  // a grid point on the longest shared piece, near its middle
};

struct TroubleBox {
    Envelope box;
    bool touched = false;  // holds a trouble piece of a touched feature
};

struct Coverage {
    std::vector<SharedBoundary> shared;  // sorted by (a, b)
    std::vector<double> perimeter_cm;    // per feature, the length of its noded boundary
    std::vector<double> tile_border_cm;  // per feature, the part of it on the tile border
    std::vector<TroubleBox> trouble;     // pairwise disjoint; empty for an exact partition
    std::vector<Envelope> trouble_pieces;  // the box of each trouble piece and border stretch, unmerged
};

}  // namespace tessera::qc::detail

namespace tessera::qc {

// What CoverageAnalysis keeps: the analysis, and the oriented rings it was made of, which tell
// check_tile whether its features are those polygons.
struct CoverageAnalysis::Kept {
    detail::Coverage coverage;
    std::vector<std::vector<geo::RingsCm>> covers;
};

}  // namespace tessera::qc

namespace tessera::qc::detail {

// `touched`: one flag per feature. Features with an empty `cover` take no part.
Coverage analyse_coverage(const std::vector<Prepared>& features, const Envelope& tile,
                          const std::vector<bool>& touched);

// Whether no other feature can overlap features[i], shown exactly without GEOS. W changes only
// across trouble pieces, so when none passes through the inside of the feature's envelope, W is
// the same all over it. It is then counted on a horizontal line half-way between grid rows,
// just right of the envelope's left side (every edge's crossing compared exactly); when it is 1
// there, every point inside the feature is in it alone. False when that cannot be shown this
// way (a trouble piece inside the envelope, a feature there that is not valid, W not 1): the
// caller then tests the pairs.
bool covered_once(const std::vector<Prepared>& features, const Coverage& coverage, std::uint32_t i);

// The grid point of segment a-b nearest its middle (exactly on the segment).
geo::PointCm middle_grid_point(const geo::PointCm& a, const geo::PointCm& b);

}  // namespace tessera::qc::detail
