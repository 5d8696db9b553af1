#include "demo/geos_ops.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "demo/random.hpp"

namespace tessera::demo {

namespace {

GEOSCoordSequence* make_sequence(const geo::Context& ctx, const std::vector<XY>& pts) {
    GEOSCoordSequence* seq = GEOSCoordSeq_create_r(ctx.handle(), static_cast<unsigned>(pts.size()), 2);
    if (!seq) throw geo::GeosError("creating a coordinate sequence: " + ctx.last_error());
    for (unsigned i = 0; i < pts.size(); ++i) GEOSCoordSeq_setXY_r(ctx.handle(), seq, i, pts[i].x, pts[i].y);
    return seq;
}

const GEOSCoordSequence* sequence_of(const geo::Context& ctx, const GEOSGeometry* g) {
    const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx.handle(), g);
    if (!seq) throw geo::GeosError("reading coordinates: " + ctx.last_error());
    return seq;
}

void for_each_polygon(const geo::Context& ctx, const GEOSGeometry* g, auto&& fn) {
    const int type = GEOSGeomTypeId_r(ctx.handle(), g);
    if (type == GEOS_POLYGON) {
        fn(g);
    } else if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        const int n = GEOSGetNumGeometries_r(ctx.handle(), g);
        for (int i = 0; i < n; ++i) for_each_polygon(ctx, GEOSGetGeometryN_r(ctx.handle(), g, i), fn);
    }
}

void for_each_ring(const geo::Context& ctx, const GEOSGeometry* polygonal, auto&& fn) {
    for_each_polygon(ctx, polygonal, [&](const GEOSGeometry* poly) {
        if (GEOSisEmpty_r(ctx.handle(), poly) == 1) return;
        fn(GEOSGetExteriorRing_r(ctx.handle(), poly));
        const int holes = GEOSGetNumInteriorRings_r(ctx.handle(), poly);
        for (int i = 0; i < holes; ++i) fn(GEOSGetInteriorRingN_r(ctx.handle(), poly, i));
    });
}

SegmentKey key_of(XY a, XY b) {
    std::pair<double, double> p{a.x, a.y}, q{b.x, b.y};
    if (q < p) std::swap(p, q);
    return {p, q};
}

}  // namespace

geo::Geom make_point(const geo::Context& ctx, XY p) {
    return ctx.own(GEOSGeom_createPointFromXY_r(ctx.handle(), p.x, p.y), "making a point");
}

geo::Geom make_line(const geo::Context& ctx, const std::vector<XY>& pts) {
    return ctx.own(GEOSGeom_createLineString_r(ctx.handle(), make_sequence(ctx, pts)), "making a line");
}

geo::Geom make_polygon(const geo::Context& ctx, std::vector<XY> ring) {
    if (ring.size() < 3) throw geo::GeosError("making a polygon: fewer than 3 points");
    if (ring.front().x != ring.back().x || ring.front().y != ring.back().y) ring.push_back(ring.front());
    GEOSGeometry* shell = GEOSGeom_createLinearRing_r(ctx.handle(), make_sequence(ctx, ring));
    if (!shell) throw geo::GeosError("making a ring: " + ctx.last_error());
    return ctx.own(GEOSGeom_createPolygon_r(ctx.handle(), shell, nullptr, 0), "making a polygon");
}

geo::Geom make_oriented_rect(const geo::Context& ctx, XY c, double angle, double length, double width) {
    const double ux = std::cos(angle), uy = std::sin(angle);
    const double hl = length / 2, hw = width / 2;
    return make_polygon(ctx, {{c.x - ux * hl + uy * hw, c.y - uy * hl - ux * hw},
                              {c.x + ux * hl + uy * hw, c.y + uy * hl - ux * hw},
                              {c.x + ux * hl - uy * hw, c.y + uy * hl + ux * hw},
                              {c.x - ux * hl - uy * hw, c.y - uy * hl + ux * hw}});
}

geo::Geom make_blob(const geo::Context& ctx, XY centre, double radius, std::uint64_t shape_seed) {
    Rng rng(shape_seed);
    double amp[4], phase[4];
    for (int k = 0; k < 4; ++k) {
        amp[k] = rng.uniform(0.0, 0.22 / (1 + 0.6 * k));
        phase[k] = rng.uniform(0.0, 2 * std::numbers::pi);
    }
    constexpr int n = 40;
    std::vector<XY> ring;
    ring.reserve(n + 1);
    for (int i = 0; i < n; ++i) {
        const double t = 2 * std::numbers::pi * i / n;
        double r = 1.0;
        for (int k = 0; k < 4; ++k) r += amp[k] * std::sin((k + 2) * t + phase[k]);
        ring.push_back({centre.x + radius * r * std::cos(t), centre.y + radius * r * std::sin(t)});
    }
    return make_polygon(ctx, std::move(ring));
}

geo::Geom buffer_line(const geo::Context& ctx, const GEOSGeometry* line, double width, bool round_caps) {
    // Four segments per quarter circle: bends stay smooth at 2 m pixels with few vertices.
    return ctx.own(GEOSBufferWithStyle_r(ctx.handle(), line, width / 2, 4,
                                         round_caps ? GEOSBUF_CAP_ROUND : GEOSBUF_CAP_FLAT,
                                         GEOSBUF_JOIN_ROUND, 5.0),
                   "buffering a line");
}

std::vector<XY> coords(const geo::Context& ctx, const GEOSGeometry* line_or_ring) {
    const GEOSCoordSequence* seq = sequence_of(ctx, line_or_ring);
    unsigned n = 0;
    GEOSCoordSeq_getSize_r(ctx.handle(), seq, &n);
    std::vector<XY> out(n);
    if (n > 0 && !GEOSCoordSeq_copyToBuffer_r(ctx.handle(), seq, &out[0].x, 0, 0))
        throw geo::GeosError("copying coordinates: " + ctx.last_error());
    return out;
}

Envelope envelope(const geo::Context& ctx, const GEOSGeometry* g) {
    Envelope e;
    if (!GEOSGeom_getExtent_r(ctx.handle(), g, &e.min_x, &e.min_y, &e.max_x, &e.max_y))
        throw geo::GeosError("envelope: " + ctx.last_error());
    return e;
}

XY point_on_surface(const geo::Context& ctx, const GEOSGeometry* g) {
    geo::Geom p = ctx.own(GEOSPointOnSurface_r(ctx.handle(), g), "point on surface");
    XY out;
    GEOSGeomGetX_r(ctx.handle(), p.get(), &out.x);
    GEOSGeomGetY_r(ctx.handle(), p.get(), &out.y);
    return out;
}

XY centroid(const geo::Context& ctx, const GEOSGeometry* g) {
    geo::Geom p = ctx.own(GEOSGetCentroid_r(ctx.handle(), g), "centroid");
    XY out;
    GEOSGeomGetX_r(ctx.handle(), p.get(), &out.x);
    GEOSGeomGetY_r(ctx.handle(), p.get(), &out.y);
    return out;
}

double length(const geo::Context& ctx, const GEOSGeometry* g) {
    double len = 0;
    if (!GEOSLength_r(ctx.handle(), g, &len)) throw geo::GeosError("length: " + ctx.last_error());
    return len;
}

double perimeter(const geo::Context& ctx, const GEOSGeometry* polygon) {
    double total = 0;
    for_each_ring(ctx, polygon, [&](const GEOSGeometry* ring) { total += length(ctx, ring); });
    return total;
}

void append_rings(const geo::Context& ctx, const GEOSGeometry* polygonal, std::vector<geo::Geom>& out) {
    for_each_ring(ctx, polygonal, [&](const GEOSGeometry* ring) {
        GEOSCoordSequence* seq = GEOSCoordSeq_clone_r(ctx.handle(), sequence_of(ctx, ring));
        if (!seq) throw geo::GeosError("cloning a ring: " + ctx.last_error());
        out.push_back(ctx.own(GEOSGeom_createLineString_r(ctx.handle(), seq), "ring as a line"));
    });
}

geo::Geom node_lines(const geo::Context& ctx, std::vector<geo::Geom> lines) {
    geo::Geom all = geo::make_collection(ctx, GEOS_MULTILINESTRING, std::move(lines));
    return ctx.own(GEOSUnaryUnionPrec_r(ctx.handle(), all.get(), geo::grid_size_m), "noding linework");
}

std::vector<geo::Geom> polygonize(const geo::Context& ctx, const GEOSGeometry* noded) {
    const GEOSGeometry* inputs[] = {noded};
    geo::Geom faces = ctx.own(GEOSPolygonize_r(ctx.handle(), inputs, 1), "polygonizing");
    return ctx.polygons(faces.get());
}

geo::Geom coverage_union(const geo::Context& ctx, std::vector<geo::Geom> polygons) {
    if (polygons.size() == 1) return std::move(polygons.front());
    geo::Geom all = geo::make_collection(ctx, GEOS_MULTIPOLYGON, std::move(polygons));
    return ctx.own(GEOSCoverageUnion_r(ctx.handle(), all.get()), "coverage union");
}

std::map<SegmentKey, double> ring_segments(const geo::Context& ctx, const GEOSGeometry* polygon) {
    std::map<SegmentKey, double> out;
    for_each_ring(ctx, polygon, [&](const GEOSGeometry* ring) {
        const auto pts = coords(ctx, ring);
        for (std::size_t i = 1; i < pts.size(); ++i)
            out[key_of(pts[i - 1], pts[i])] += std::hypot(pts[i].x - pts[i - 1].x, pts[i].y - pts[i - 1].y);
    });
    return out;
}

double shared_length(const geo::Context& ctx, const std::map<SegmentKey, double>& segments,
                     const GEOSGeometry* other) {
    if (segments.empty()) return 0;
    const double lo_x = segments.begin()->first.first.first;
    const double hi_x = segments.rbegin()->first.first.first;
    double total = 0;
    for_each_ring(ctx, other, [&](const GEOSGeometry* ring) {
        const auto pts = coords(ctx, ring);
        for (std::size_t i = 1; i < pts.size(); ++i) {
            const double min_x = std::min(pts[i - 1].x, pts[i].x);
            if (min_x < lo_x || min_x > hi_x) continue;  // cheap reject before the map lookup
            const auto it = segments.find(key_of(pts[i - 1], pts[i]));
            if (it != segments.end()) total += it->second;
        }
    });
    return total;
}

StrTree::StrTree(const geo::Context& ctx) : m_ctx(ctx), m_tree(GEOSSTRtree_create_r(ctx.handle(), 10)) {
    if (!m_tree) throw geo::GeosError("creating an STRtree: " + ctx.last_error());
}

StrTree::~StrTree() { GEOSSTRtree_destroy_r(m_ctx.handle(), m_tree); }

void StrTree::insert(const GEOSGeometry* g, std::size_t id) {
    if (GEOSisEmpty_r(m_ctx.handle(), g) == 1) return;
    const Envelope e = envelope(m_ctx, g);
    m_envelopes.push_back(m_ctx.box(e.min_x, e.min_y, std::max(e.max_x, e.min_x), std::max(e.max_y, e.min_y)));
    // Ids are stored in the pointer itself, offset by one so that id 0 is not a null item.
    GEOSSTRtree_insert_r(m_ctx.handle(), m_tree, m_envelopes.back().get(), reinterpret_cast<void*>(id + 1));
}

std::vector<std::size_t> StrTree::query(const GEOSGeometry* g) const {
    std::vector<std::size_t> out;
    GEOSSTRtree_query_r(
        m_ctx.handle(), m_tree, g,
        [](void* item, void* user) {
            static_cast<std::vector<std::size_t>*>(user)->push_back(reinterpret_cast<std::size_t>(item) - 1);
        },
        &out);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::size_t> StrTree::query(const Envelope& e) const {
    geo::Geom box = m_ctx.box(e.min_x, e.min_y, e.max_x, e.max_y);
    return query(box.get());
}


}  // namespace tessera::demo
