#pragma once

// Turns polygons that partition a tile only approximately — clipped one by one, each
// snap-rounded on its own, so that neighbours may differ by sub-centimetre slivers — into an
// exact partition of the tile square: every boundary is noded together once, each face goes
// to the polygon it lies in (the first of them, when they overlap: order the polygons by
// priority), and the faces no polygon covers (gaps) to the neighbour sharing the longest border
// with them. Pure computation; thread-safe (each call has its own GEOS context).

#include <cstddef>
#include <limits>
#include <vector>

#include "geo/wkb.hpp"
#include "tiles/grid.hpp"

namespace tessera::edits {

struct NormalizedPart {
    std::size_t source;  // index of the input polygon it comes from (for a flagged gap: its neighbour)
    geo::RingsCm rings;  // one polygon, on the 1 cm grid
    bool gap = false;    // a gap kept as its own polygon (GapPolicy::flag)
};

// What becomes of a gap: a connected group of faces that no polygon covers.
struct GapPolicy {
    // Gaps larger than this (m²) are left uncovered: beyond what the polygons describe (the edge
    // of the prediction), not a hole between them. Infinite: every gap is filled or flagged.
    double max_area_m2 = std::numeric_limits<double>::infinity();
    // Flag instead of fill: the gap becomes its own polygon (source = the neighbour sharing the
    // longest border with it, whose classes it takes).
    bool flag = false;
};

struct NormalizeStats {
    double overlap_m2 = 0;  // area covered by more than one polygon, given to the first
    std::size_t gaps_filled = 0, gaps_flagged = 0, gaps_left = 0;
    double gaps_filled_m2 = 0, gaps_flagged_m2 = 0, gaps_left_m2 = 0;
    bool whole_tile = false;  // the whole tile was normalized (set by callers that fall back)
};

// `polygons` must lie inside `tile`. A polygon that ends in several pieces gives several parts
// (largest first); one that ends empty gives none.
std::vector<NormalizedPart> normalize_partition(const tiles::Box& tile, const std::vector<geo::RingsCm>& polygons,
                                                const GapPolicy& gaps = {}, NormalizeStats* stats = nullptr);

// A box of the 1 cm grid, closed.
struct BoxCm {
    std::int64_t min_x, min_y, max_x, max_y;
};

// The same result where the polygons are already an exact partition but for a few places:
// `trouble` holds boxes around every overlap and gap (qc::partition_trouble). Only the polygons
// reaching into each box, grown by a margin, are cut there and normalized within it, then made
// whole again; the rest of the tile is not touched. The caller checks the result (snap-rounding
// within a box may, rarely, leave it inexact) and falls back to normalize_partition.
std::vector<NormalizedPart> normalize_locally(const tiles::Box& tile, const std::vector<geo::RingsCm>& polygons,
                                              const std::vector<BoxCm>& trouble, const GapPolicy& gaps = {},
                                              NormalizeStats* stats = nullptr);

}  // namespace tessera::edits
