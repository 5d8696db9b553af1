#include "edits/detail_convert.hpp"

#include <cmath>
#include <cstdio>

namespace tessera::edits::detail {

using geo::Context;
using geo::Geom;
using geo::GeosError;
using geo::PointCm;
using geo::RingsCm;

namespace {

void read_ring(const Context& ctx, const GEOSGeometry* ring, const PointCm& origin, std::vector<PointCm>& out) {
    const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx.handle(), ring);
    unsigned int n = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(ctx.handle(), seq, &n)) throw GeosError("reading a ring: " + ctx.last_error());
    std::vector<double> xy(static_cast<std::size_t>(n) * 2);
    if (n > 0 && !GEOSCoordSeq_copyToBuffer_r(ctx.handle(), seq, xy.data(), 0, 0))
        throw GeosError("reading a ring: " + ctx.last_error());
    out.clear();
    out.reserve(n);
    for (unsigned int i = 0; i < n; ++i) {
        const double x = xy[2 * i], y = xy[2 * i + 1];
        const double rx = std::round(x), ry = std::round(y);
        if (rx != x || ry != y) throw GeosError("a computed vertex is off the 1 cm grid");
        out.push_back(PointCm{static_cast<std::int64_t>(rx) + origin.x, static_cast<std::int64_t>(ry) + origin.y});
    }
}

}  // namespace

Geom make_line(const Context& ctx, const std::vector<PointCm>& points, const PointCm& origin) {
    return geo::line_cm(ctx, points, origin);
}

Geom make_polygon(const Context& ctx, const RingsCm& rings, const PointCm& origin) {
    return geo::polygon_cm(ctx, rings, origin);
}

Geom make_point(const Context& ctx, double x, double y) {
    return ctx.own(GEOSGeom_createPointFromXY_r(ctx.handle(), x, y), "making a point");
}

RingsCm read_polygon(const Context& ctx, const GEOSGeometry* polygon, const PointCm& origin) {
    RingsCm rings;
    if (GEOSGeomTypeId_r(ctx.handle(), polygon) != GEOS_POLYGON) throw GeosError("expected a polygon");
    const GEOSGeometry* shell = GEOSGetExteriorRing_r(ctx.handle(), polygon);
    if (!shell) throw GeosError("reading a polygon: " + ctx.last_error());
    rings.emplace_back();
    read_ring(ctx, shell, origin, rings.back());
    const int holes = GEOSGetNumInteriorRings_r(ctx.handle(), polygon);
    for (int i = 0; i < holes; ++i) {
        rings.emplace_back();
        read_ring(ctx, GEOSGetInteriorRingN_r(ctx.handle(), polygon, i), origin, rings.back());
    }
    return rings;
}

void append_rings_as_lines(const Context& ctx, const GEOSGeometry* g, std::vector<Geom>& out) {
    const int type = GEOSGeomTypeId_r(ctx.handle(), g);
    if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        const int n = GEOSGetNumGeometries_r(ctx.handle(), g);
        for (int i = 0; i < n; ++i) append_rings_as_lines(ctx, GEOSGetGeometryN_r(ctx.handle(), g, i), out);
        return;
    }
    if (type != GEOS_POLYGON || GEOSisEmpty_r(ctx.handle(), g)) return;
    auto add = [&](const GEOSGeometry* ring) {
        const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx.handle(), ring);
        if (!seq) throw GeosError("reading a ring: " + ctx.last_error());
        GEOSCoordSequence* copy = GEOSCoordSeq_clone_r(ctx.handle(), seq);
        if (!copy) throw GeosError("copying a ring: " + ctx.last_error());
        out.push_back(ctx.own(GEOSGeom_createLineString_r(ctx.handle(), copy), "making a line"));
    };
    add(GEOSGetExteriorRing_r(ctx.handle(), g));
    const int holes = GEOSGetNumInteriorRings_r(ctx.handle(), g);
    for (int i = 0; i < holes; ++i) add(GEOSGetInteriorRingN_r(ctx.handle(), g, i));
}

std::string invalid_reason_m(const Context& ctx, const GEOSGeometry* g, const PointCm& origin) {
    char* reason = nullptr;
    GEOSGeometry* location = nullptr;
    const char r = GEOSisValidDetail_r(ctx.handle(), g, 0, &reason, &location);
    std::string out;
    if (r == 1) return out;
    out = reason ? reason : (ctx.last_error().empty() ? "invalid" : ctx.last_error());
    if (reason) GEOSFree_r(ctx.handle(), reason);
    if (location) {
        double x = 0, y = 0;
        if (GEOSGeomGetX_r(ctx.handle(), location, &x) && GEOSGeomGetY_r(ctx.handle(), location, &y)) {
            char where[96];
            std::snprintf(where, sizeof where, " at %.2f %.2f", (x + static_cast<double>(origin.x)) / 100.0,
                          (y + static_cast<double>(origin.y)) / 100.0);
            out += where;
        }
        GEOSGeom_destroy_r(ctx.handle(), location);
    }
    return out;
}

}  // namespace tessera::edits::detail
