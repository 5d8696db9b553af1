#pragma once

// AI-like predictions made by degrading a ground truth the way a land-cover model errs:
// class confusions (whole small polygons, patches inside large ones), small features merged
// into a neighbour, boundaries off by 0.5–3 m, and a confidence per polygon that is lower where
// the prediction is wrong. The result is again an exact partition on the 1 cm grid.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "demo/territory.hpp"
#include "geo/geos.hpp"
#include "tiles/grid.hpp"

namespace tessera::demo {

struct PredictedPiece {
    geo::Geom geom;
    LandClass cls = LandClass::arable;
    double confidence = 1;
    bool confused = false;  // most of its area has another class in the truth
};

struct PredictionStats {
    std::size_t confused_truth = 0;  // truth polygons given a wrong class as a whole
    std::size_t merged_truth = 0;    // small truth polygons given their neighbour's class
    std::size_t patches = 0;         // wrong patches inside large truth polygons
    std::size_t faces = 0;
};

std::vector<PredictedPiece> predict(const geo::Context& ctx, const std::vector<Piece>& truth, const tiles::Box& extent,
                                    std::uint64_t seed, PredictionStats* stats = nullptr);

// The boundary displacement: a smooth field (0.5–3 m, strain well under 1 so that shapes never
// fold) that vanishes across the extent's edges, applied to a coordinate in place.
void warp_point(double& x, double& y, const tiles::Box& extent, std::uint64_t seed);

}  // namespace tessera::demo
