#pragma once

// Turns polygons that partition a tile only approximately — clipped one by one, each
// snap-rounded on its own, so that neighbours may differ by sub-centimetre slivers — into an
// exact partition of the tile square: every boundary is noded together once, each face goes
// to the polygon it lies in, and the slivers of gaps and overlaps to the neighbour sharing the
// longest border. Pure computation; thread-safe (each call has its own GEOS context).

#include <cstddef>
#include <vector>

#include "geo/wkb.hpp"
#include "tiles/grid.hpp"

namespace tessera::edits {

struct NormalizedPart {
    std::size_t source;  // index of the input polygon it comes from
    geo::RingsCm rings;  // one polygon, on the 1 cm grid
};

// `polygons` must lie inside `tile`. A polygon that ends in several pieces gives several parts
// (largest first); one that ends empty gives none.
std::vector<NormalizedPart> normalize_partition(const tiles::Box& tile, const std::vector<geo::RingsCm>& polygons);

}  // namespace tessera::edits
