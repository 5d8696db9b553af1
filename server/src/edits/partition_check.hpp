#pragma once

// Checks what the edit engine promises, independently of how it builds features (exact
// predicates and integer areas, no snap-rounding): each feature a valid single polygon on the
// 1 cm grid, no two features overlapping, and the features covering exactly a given region.
// For tests, and for callers that want to assert a tile is a partition. Each call makes its own
// GEOS context: thread-safe.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "edits/workspace.hpp"

namespace tessera::edits {

// Twice the area of one polygon (|shell| minus |holes|), in cm², exact.
std::int64_t polygon_area2(const geo::RingsCm& rings);

// Twice the total area of the features, in cm², exact.
std::int64_t total_area2(const std::map<std::int64_t, Feature>& features);

// Problems with single features: rings not closed, too short, invalid by GEOS, no area.
// `only`: the ids to look at (all when empty).
std::vector<std::string> feature_problems(const std::map<std::int64_t, Feature>& features,
                                          const std::set<std::int64_t>& only = {});

// Pairs of features whose interiors intersect (a 2-dimensional overlap, however thin), each
// pair involving one of `only` (all pairs when empty).
std::vector<std::string> overlap_problems(const std::map<std::int64_t, Feature>& features,
                                          const std::set<std::int64_t>& only = {});

// Whether the union of `features` is exactly the union of `reference` (topological equality).
bool same_region(const std::map<std::int64_t, Feature>& features, const std::vector<Feature>& reference);

// All of the above: empty when `features` is an exact partition of the region `reference` covers.
std::vector<std::string> partition_problems(const std::map<std::int64_t, Feature>& features,
                                            const std::vector<Feature>& reference);

}  // namespace tessera::edits
