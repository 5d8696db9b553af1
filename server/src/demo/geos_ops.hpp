#pragma once

// GEOS helpers the demo needs beyond geo/geos.hpp: building lines and polygons from
// coordinates, noding and polygonizing linework on the 1 cm grid, coverage union, a spatial
// index and prepared geometries. GEOS C API (reentrant) only. Objects hold a geo::Context by
// reference and share its thread constraints: one thread at a time.

#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include <geos_c.h>

#include "geo/geos.hpp"

namespace tessera::demo {

struct XY {
    double x = 0, y = 0;
};

struct Envelope {
    double min_x = 0, min_y = 0, max_x = 0, max_y = 0;
};

geo::Geom make_point(const geo::Context& ctx, XY p);
geo::Geom make_line(const geo::Context& ctx, const std::vector<XY>& pts);
// Closes the ring if needed.
geo::Geom make_polygon(const geo::Context& ctx, std::vector<XY> ring);
// A rectangle of `length` along `angle` and `width` across, centred on `c`.
geo::Geom make_oriented_rect(const geo::Context& ctx, XY c, double angle, double length, double width);
// An irregular roundish polygon (a wood, a patch of misclassified crop): a circle of `radius`
// whose radius wanders with a few harmonics chosen by `shape_seed`.
geo::Geom make_blob(const geo::Context& ctx, XY centre, double radius, std::uint64_t shape_seed);
// Buffers a line to a corridor `width` wide; flat caps cut roads square at their ends.
geo::Geom buffer_line(const geo::Context& ctx, const GEOSGeometry* line, double width, bool round_caps);

std::vector<XY> coords(const geo::Context& ctx, const GEOSGeometry* line_or_ring);
Envelope envelope(const geo::Context& ctx, const GEOSGeometry* g);
XY point_on_surface(const geo::Context& ctx, const GEOSGeometry* g);
XY centroid(const geo::Context& ctx, const GEOSGeometry* g);
double length(const geo::Context& ctx, const GEOSGeometry* g);
double perimeter(const geo::Context& ctx, const GEOSGeometry* polygon);

// Appends every ring of a (multi)polygon as a LineString.
void append_rings(const geo::Context& ctx, const GEOSGeometry* polygonal, std::vector<geo::Geom>& out);
// Nodes linework with snap-rounding on the 1 cm grid: every crossing becomes a vertex, duplicate
// edges collapse into one, every coordinate lands on the grid.
geo::Geom node_lines(const geo::Context& ctx, std::vector<geo::Geom> lines);
// The faces enclosed by noded linework. Faces share their edges vertex for vertex.
std::vector<geo::Geom> polygonize(const geo::Context& ctx, const GEOSGeometry* noded);
// Union of polygons that share edges exactly (faces of one polygonization); exact and fast.
geo::Geom coverage_union(const geo::Context& ctx, std::vector<geo::Geom> polygons);

// Segments of polygon rings keyed by their (ordered) end points, with their length: two faces
// of one polygonization share an edge iff they share such keys, which makes shared-boundary
// lengths exact without overlay.
using SegmentKey = std::pair<std::pair<double, double>, std::pair<double, double>>;
std::map<SegmentKey, double> ring_segments(const geo::Context& ctx, const GEOSGeometry* polygon);
double shared_length(const geo::Context& ctx, const std::map<SegmentKey, double>& segments,
                     const GEOSGeometry* other);

// STRtree over geometries identified by index. Query results are sorted, so callers see a
// deterministic order whatever the tree's shape.
class StrTree {
public:
    explicit StrTree(const geo::Context& ctx);
    StrTree(const StrTree&) = delete;
    StrTree& operator=(const StrTree&) = delete;
    ~StrTree();

    // Only the envelope is kept; all inserts must come before the first query.
    void insert(const GEOSGeometry* g, std::size_t id);
    std::vector<std::size_t> query(const GEOSGeometry* g) const;
    std::vector<std::size_t> query(const Envelope& e) const;

private:
    const geo::Context& m_ctx;
    GEOSSTRtree* m_tree;
    std::vector<geo::Geom> m_envelopes;  // GEOS keeps pointers to the inserted geometries
};

using geo::Prepared;

}  // namespace tessera::demo
