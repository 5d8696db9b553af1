#pragma once

// The exact overlaps and gaps, with GEOS fixed-precision overlay on the 1 cm grid, for the few
// places the coverage analysis could not clear. Detection only: what is found, not how it is
// reported.

#include <cstdint>
#include <optional>
#include <vector>

#include "geo/wkb.hpp"
#include "qc/detail_geometry.hpp"

namespace tessera::qc::detail {

struct OverlapFound {
    double area_cm2 = 0;
    geo::PointCm at;  // a point inside the overlap
};

struct GapFound {
    std::vector<std::uint32_t> bordering;  // features sharing a stretch of boundary with the gap
    double area_cm2 = 0;
    geo::PointCm at;  // a point inside the gap
};

// Whether the interiors of features a and b intersect (DE-9IM 2********), and over what.
std::optional<OverlapFound> find_overlap(const Frame& frame, const Prepared& a, const Prepared& b);

// The features whose envelope meets `box` (those that can cover part of it); nullopt when one
// of them is over the vertex limit, whose geometry GEOS is not given.
std::optional<std::vector<std::uint32_t>> candidates_in(const std::vector<Prepared>& features, const Envelope& box);

// The parts of `box` ∩ tile covered by none of `candidates`, each with the candidates
// bordering it. Exact for every gap lying inside `box`.
std::vector<GapFound> find_gaps(const Frame& frame, const std::vector<Prepared>& features, const Envelope& box,
                                const std::vector<std::uint32_t>& candidates);

}  // namespace tessera::qc::detail
