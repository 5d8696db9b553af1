#pragma once

// What a territory source (procedural or OpenStreetMap) hands to the partition builder:
// possibly overlapping polygons, each with a class, a priority and a look. Value types that own
// GEOS geometries of one geo::Context.

#include <cstdint>
#include <string>
#include <vector>

#include "demo/classes.hpp"
#include "geo/geos.hpp"
#include "tiles/grid.hpp"

namespace tessera::demo {

struct Item {
    geo::Geom geom;  // polygonal, Lambert-93 metres
    LandClass cls = LandClass::arable;
    int priority = priority::farmland;  // lower wins where items overlap
    Appearance look;
};

struct Territory {
    std::string source;  // "generated" or "osm"
    tiles::Box extent;
    std::vector<Item> items;
    // Land no item covers.
    LandClass background = LandClass::arable;
    Appearance background_look{Look::arable_patches};
};

// One polygon of a partition.
struct Piece {
    geo::Geom geom;
    LandClass cls = LandClass::arable;
};

}  // namespace tessera::demo
