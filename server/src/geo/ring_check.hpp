#pragma once

// An exact validity test for a polygon in integer centimetres, without GEOS: the common cases
// are decided in O(n log n) integer work (a sweep over the edges), where GEOS builds a topology
// graph of the polygon. Pure; thread-safe.

#include <vector>

#include "geo/wkb.hpp"

namespace tessera::geo {

// True only when the polygon is valid by GEOS's rules (GEOSisValid, no flags): every ring
// closed with at least three distinct vertices; no edge crossing or running along another, nor
// turning back along the one before it; no ring touching itself; rings touching each other only
// at single points where they do not cross, and never so as to cut the interior in two (no cycle
// of rings through touch points); every hole inside the shell and outside the other holes.
// False decides nothing (three rings through one point, say, or more than 4,096 holes): ask GEOS
// then, which also says why.
bool certainly_valid(const RingsCm& rings);

// Consecutive repeated points removed (the closing point kept): what rounding to the grid may
// leave in a ring.
void drop_repeated_points(RingsCm& rings);

// Adds to every axis-parallel edge the `points` that lie strictly inside it, in order along the
// edge. The shape does not change; pieces cut along the same lines then have the same vertices
// there (what a coverage union and the tile-border check compare).
void add_points_on_edges(RingsCm& rings, std::vector<PointCm> points);

}  // namespace tessera::geo
