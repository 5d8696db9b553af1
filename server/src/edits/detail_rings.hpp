#pragma once

// Integer-centimetre ring arithmetic for the edit engine, without GEOS: envelopes, exact areas,
// a canonical form (so "did this feature change?" is an exact comparison that ignores where a
// ring starts and which way it turns) and the removal of straight-through vertices added by
// noding. Pure functions; thread-safe.

#include <cstdint>
#include <cstddef>
#include <functional>
#include <unordered_set>
#include <vector>

#include "geo/envelope.hpp"
#include "geo/wkb.hpp"

namespace tessera::edits::detail {

struct PointHash {
    std::size_t operator()(const geo::PointCm& p) const noexcept {
        const auto x = static_cast<std::uint64_t>(p.x);
        const auto y = static_cast<std::uint64_t>(p.y);
        return std::hash<std::uint64_t>{}(x * 0x9E3779B97F4A7C15ull ^ (y + 0x632BE59BD9B4E019ull));
    }
};

using PointSet = std::unordered_set<geo::PointCm, PointHash>;

using geo::EnvelopeCm;

EnvelopeCm envelope_of(const geo::RingsCm& rings);

// Twice the signed area of a closed ring (positive when counter-clockwise), exact.
std::int64_t ring_area2(const std::vector<geo::PointCm>& ring);
// Twice the area of a polygon: |shell| minus |holes|, exact.
std::int64_t polygon_area2(const geo::RingsCm& rings);

// Vertices of a polygon, closing points not counted.
std::size_t vertex_count(const geo::RingsCm& rings);

// Exterior counter-clockwise, holes clockwise, each ring closed and starting at its smallest
// vertex (x, then y), repeated consecutive points dropped, holes sorted. Two polygons with the
// same vertices in the same cyclic order have the same canonical form.
geo::RingsCm canonical(const geo::RingsCm& rings);

// Drops the vertices of closed `ring` that lie exactly on the straight segment between their
// neighbours, unless they are in `keep`. Noding adds such vertices wherever another edge used to
// meet this one; they say nothing about the shape and would make unchanged neighbours look
// changed. Removing one never moves the ring, so the partition stays exact.
void drop_straight_vertices(std::vector<geo::PointCm>& ring, const PointSet& keep);

void add_vertices(const geo::RingsCm& rings, PointSet& out);
// Adds the vertices that lie exactly on the straight segment between their neighbours (kept on
// purpose, e.g. to match a neighbouring tile's vertices along the tile border).
void add_straight_vertices(const geo::RingsCm& rings, PointSet& out);

}  // namespace tessera::edits::detail
