#pragma once

// A generated Meuse-like countryside: a meandering river with its meadows and riparian trees,
// one or two street villages (Lorraine "villages-rues": houses along the street behind a paved
// front strip, gardens and orchards behind), country roads and farm tracks, strip-like fields
// from a Voronoi diagram, large forest massifs and small woods. Deterministic for a seed.

#include <cstdint>

#include "demo/territory.hpp"
#include "geo/geos.hpp"
#include "tiles/grid.hpp"

namespace tessera::demo {

// 5 km × 5 km of whole 1 km tiles in the Meuse, near Bure (Lambert-93).
tiles::Box default_procedural_extent();

Territory make_procedural_territory(const geo::Context& ctx, const tiles::Box& extent, std::uint64_t seed);

}  // namespace tessera::demo
