#include "geo/geos.hpp"

#include <cmath>

#include "geo/ring_check.hpp"

namespace tessera::geo {

Context::Context() : m_handle(GEOS_init_r()) {
    if (!m_handle) throw GeosError("cannot initialise GEOS");
    GEOSContext_setErrorMessageHandler_r(m_handle, &Context::on_message, this);
}

Context::~Context() { GEOS_finish_r(m_handle); }

void Context::on_message(const char* message, void* self) {
    static_cast<Context*>(self)->m_last_error = message ? message : "";
}

Geom Context::own(GEOSGeometry* g, std::string_view what) const {
    if (!g) {
        throw GeosError(std::string(what) + ": " + (m_last_error.empty() ? "GEOS failed" : m_last_error));
    }
    return Geom(m_handle, g);
}

Geom Context::clone(const GEOSGeometry* g) const { return own(GEOSGeom_clone_r(m_handle, g), "clone"); }

Geom Context::from_wkt(std::string_view wkt) const {
    std::string text(wkt);
    GEOSWKTReader* reader = GEOSWKTReader_create_r(m_handle);
    GEOSGeometry* g = GEOSWKTReader_read_r(m_handle, reader, text.c_str());
    GEOSWKTReader_destroy_r(m_handle, reader);
    return own(g, "reading WKT");
}

std::string Context::to_wkt(const GEOSGeometry* g, int decimals) const {
    GEOSWKTWriter* writer = GEOSWKTWriter_create_r(m_handle);
    GEOSWKTWriter_setRoundingPrecision_r(m_handle, writer, decimals);
    GEOSWKTWriter_setTrim_r(m_handle, writer, 1);
    char* text = GEOSWKTWriter_write_r(m_handle, writer, g);
    GEOSWKTWriter_destroy_r(m_handle, writer);
    if (!text) throw GeosError("writing WKT: " + m_last_error);
    std::string out(text);
    GEOSFree_r(m_handle, text);
    return out;
}

Geom Context::from_wkb(const std::uint8_t* data, std::size_t size) const {
    GEOSWKBReader* reader = GEOSWKBReader_create_r(m_handle);
    GEOSGeometry* g = GEOSWKBReader_read_r(m_handle, reader, data, size);
    GEOSWKBReader_destroy_r(m_handle, reader);
    return own(g, "reading WKB");
}

std::string Context::to_wkb(const GEOSGeometry* g) const {
    GEOSWKBWriter* writer = GEOSWKBWriter_create_r(m_handle);
    GEOSWKBWriter_setOutputDimension_r(m_handle, writer, 2);
    GEOSWKBWriter_setByteOrder_r(m_handle, writer, GEOS_WKB_NDR);
    std::size_t size = 0;
    unsigned char* bytes = GEOSWKBWriter_write_r(m_handle, writer, g, &size);
    GEOSWKBWriter_destroy_r(m_handle, writer);
    if (!bytes) throw GeosError("writing WKB: " + m_last_error);
    std::string out(reinterpret_cast<const char*>(bytes), size);
    GEOSFree_r(m_handle, bytes);
    return out;
}

Geom Context::box(double min_x, double min_y, double max_x, double max_y) const {
    return own(GEOSGeom_createRectangle_r(m_handle, min_x, min_y, max_x, max_y), "making a box");
}

Geom Context::intersection(const GEOSGeometry* a, const GEOSGeometry* b) const {
    return own(GEOSIntersectionPrec_r(m_handle, a, b, grid_size_m), "intersection");
}

Geom Context::difference(const GEOSGeometry* a, const GEOSGeometry* b) const {
    return own(GEOSDifferencePrec_r(m_handle, a, b, grid_size_m), "difference");
}

Geom Context::unary_union(const GEOSGeometry* a) const {
    return own(GEOSUnaryUnionPrec_r(m_handle, a, grid_size_m), "union");
}

Geom Context::snap_to_grid(const GEOSGeometry* a) const {
    return own(GEOSGeom_setPrecision_r(m_handle, a, grid_size_m, 0), "snapping to the 1 cm grid");
}

double Context::area(const GEOSGeometry* g) const {
    double a = 0;
    if (!GEOSArea_r(m_handle, g, &a)) throw GeosError("area: " + m_last_error);
    return a;
}

bool Context::is_valid(const GEOSGeometry* g) const { return GEOSisValid_r(m_handle, g) == 1; }

std::string Context::invalid_reason(const GEOSGeometry* g) const {
    char* reason = GEOSisValidReason_r(m_handle, g);
    if (!reason) return m_last_error;
    std::string out(reason);
    GEOSFree_r(m_handle, reason);
    return out;
}

bool Context::is_empty(const GEOSGeometry* g) const { return GEOSisEmpty_r(m_handle, g) == 1; }

std::vector<Geom> Context::polygons(const GEOSGeometry* g) const {
    std::vector<Geom> out;
    const int type = GEOSGeomTypeId_r(m_handle, g);
    if (type == GEOS_POLYGON) {
        if (!is_empty(g)) out.push_back(clone(g));
        return out;
    }
    if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        const int n = GEOSGetNumGeometries_r(m_handle, g);
        for (int i = 0; i < n; ++i) {
            auto sub = polygons(GEOSGetGeometryN_r(m_handle, g, i));
            for (auto& p : sub) out.push_back(std::move(p));
        }
    }
    return out;
}

Geom make_collection(const Context& ctx, int type, std::vector<Geom> members) {
    std::vector<GEOSGeometry*> raw;
    raw.reserve(members.size());
    for (auto& m : members) raw.push_back(m.release());
    GEOSGeometry* c = GEOSGeom_createCollection_r(ctx.handle(), type, raw.data(),
                                                  static_cast<unsigned>(raw.size()));
    if (!c) {
        for (auto* g : raw) GEOSGeom_destroy_r(ctx.handle(), g);
    }
    return ctx.own(c, "making a collection");
}

Prepared::Prepared(const Context& ctx, const GEOSGeometry* g)
    : m_ctx(&ctx), m_prepared(GEOSPrepare_r(ctx.handle(), g)) {
    if (!m_prepared) throw GeosError("preparing a geometry: " + ctx.last_error());
}

Prepared::~Prepared() {
    if (m_prepared) GEOSPreparedGeom_destroy_r(m_ctx->handle(), m_prepared);
}

namespace {

bool predicate(const Context& ctx, char result, std::string_view what) {
    if (result == 2) throw GeosError(std::string(what) + ": " + ctx.last_error());
    return result == 1;
}

}  // namespace

bool Prepared::contains(const GEOSGeometry* g) const {
    return predicate(*m_ctx, GEOSPreparedContains_r(m_ctx->handle(), m_prepared, g), "contains");
}

bool Prepared::covers(const GEOSGeometry* g) const {
    return predicate(*m_ctx, GEOSPreparedCovers_r(m_ctx->handle(), m_prepared, g), "covers");
}

bool Prepared::intersects(const GEOSGeometry* g) const {
    return predicate(*m_ctx, GEOSPreparedIntersects_r(m_ctx->handle(), m_prepared, g), "intersects");
}

namespace {

GEOSCoordSequence* local_sequence(const Context& ctx, const std::vector<PointCm>& points, const PointCm& origin) {
    std::vector<double> xy;
    xy.reserve(points.size() * 2);
    for (const auto& p : points) {
        xy.push_back(static_cast<double>(p.x - origin.x));
        xy.push_back(static_cast<double>(p.y - origin.y));
    }
    GEOSCoordSequence* seq =
        GEOSCoordSeq_copyFromBuffer_r(ctx.handle(), xy.data(), static_cast<unsigned>(points.size()), 0, 0);
    if (!seq) throw GeosError("making a coordinate sequence: " + ctx.last_error());
    return seq;
}

Geom local_ring(const Context& ctx, const std::vector<PointCm>& ring, const PointCm& origin) {
    // Checked here: GEOS refuses these with an exception whose ownership rules are murky.
    if (ring.size() < 4 || !(ring.front() == ring.back()))
        throw GeosError("a ring is not closed or has fewer than 4 points");
    return ctx.own(GEOSGeom_createLinearRing_r(ctx.handle(), local_sequence(ctx, ring, origin)), "making a ring");
}

void read_ring_cm(const Context& ctx, const GEOSGeometry* ring, const PointCm& origin, std::vector<PointCm>& out) {
    const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx.handle(), ring);
    unsigned int n = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(ctx.handle(), seq, &n)) throw GeosError("reading a ring: " + ctx.last_error());
    std::vector<double> xy(static_cast<std::size_t>(n) * 2);
    if (n > 0 && !GEOSCoordSeq_copyToBuffer_r(ctx.handle(), seq, xy.data(), 0, 0))
        throw GeosError("reading a ring: " + ctx.last_error());
    out.clear();
    out.reserve(n);
    for (unsigned int i = 0; i < n; ++i)
        out.push_back(PointCm{std::llround(xy[2 * i]) + origin.x, std::llround(xy[2 * i + 1]) + origin.y});
}

void collect_polygons_cm(const Context& ctx, const GEOSGeometry* g, const PointCm& origin,
                         std::vector<RingsCm>& out) {
    const int type = GEOSGeomTypeId_r(ctx.handle(), g);
    if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        const int n = GEOSGetNumGeometries_r(ctx.handle(), g);
        for (int i = 0; i < n; ++i) collect_polygons_cm(ctx, GEOSGetGeometryN_r(ctx.handle(), g, i), origin, out);
        return;
    }
    if (type != GEOS_POLYGON || GEOSisEmpty_r(ctx.handle(), g)) return;
    RingsCm rings(1);
    read_ring_cm(ctx, GEOSGetExteriorRing_r(ctx.handle(), g), origin, rings[0]);
    const int holes = GEOSGetNumInteriorRings_r(ctx.handle(), g);
    for (int i = 0; i < holes; ++i) {
        rings.emplace_back();
        read_ring_cm(ctx, GEOSGetInteriorRingN_r(ctx.handle(), g, i), origin, rings.back());
    }
    out.push_back(std::move(rings));
}

}  // namespace

Geom line_cm(const Context& ctx, const std::vector<PointCm>& points, const PointCm& origin) {
    return ctx.own(GEOSGeom_createLineString_r(ctx.handle(), local_sequence(ctx, points, origin)), "making a line");
}

Geom polygon_cm(const Context& ctx, const RingsCm& rings, const PointCm& origin) {
    if (rings.empty()) return ctx.own(GEOSGeom_createEmptyPolygon_r(ctx.handle()), "making a polygon");
    Geom shell = local_ring(ctx, rings[0], origin);
    std::vector<Geom> holes;
    holes.reserve(rings.size() - 1);
    for (std::size_t i = 1; i < rings.size(); ++i) holes.push_back(local_ring(ctx, rings[i], origin));
    std::vector<GEOSGeometry*> raw;
    raw.reserve(holes.size());
    for (auto& h : holes) raw.push_back(h.release());
    GEOSGeometry* p =
        GEOSGeom_createPolygon_r(ctx.handle(), shell.get(), raw.data(), static_cast<unsigned>(raw.size()));
    if (!p) {
        for (auto* h : raw) GEOSGeom_destroy_r(ctx.handle(), h);
        return ctx.own(p, "making a polygon");
    }
    shell.release();  // owned by the polygon now
    return ctx.own(p, "making a polygon");
}

Geom polygons_cm(const Context& ctx, const std::vector<RingsCm>& parts, const PointCm& origin) {
    if (parts.size() == 1) return polygon_cm(ctx, parts[0], origin);
    std::vector<Geom> members;
    members.reserve(parts.size());
    for (const auto& part : parts) members.push_back(polygon_cm(ctx, part, origin));
    return make_collection(ctx, GEOS_MULTIPOLYGON, std::move(members));
}

std::vector<RingsCm> read_polygons_cm(const Context& ctx, const GEOSGeometry* g, const PointCm& origin) {
    std::vector<RingsCm> out;
    collect_polygons_cm(ctx, g, origin, out);
    return out;
}

std::optional<InvalidDetail> invalid_detail(const Context& ctx, const GEOSGeometry* g) {
    char* reason = nullptr;
    GEOSGeometry* location = nullptr;
    const char r = GEOSisValidDetail_r(ctx.handle(), g, 0, &reason, &location);
    if (r == 1) return std::nullopt;
    InvalidDetail out;
    out.reason = reason ? reason : (ctx.last_error().empty() ? "invalid" : ctx.last_error());
    if (reason) GEOSFree_r(ctx.handle(), reason);
    if (location) {
        double x = 0, y = 0;
        if (GEOSGeomGetX_r(ctx.handle(), location, &x) && GEOSGeomGetY_r(ctx.handle(), location, &y))
            out.location = std::make_pair(x, y);
        GEOSGeom_destroy_r(ctx.handle(), location);
    }
    return out;
}

std::optional<std::vector<RingsCm>> clip_to_box_cm(const Context& ctx, const RingsCm& polygon, const PointCm& min,
                                                   const PointCm& max) {
    // In centimetres from the box's corner: the box and every vertex are small integers, held
    // exactly, and only the new vertices on the box's sides are rounded.
    const Geom g = polygon_cm(ctx, polygon, min);
    const Geom clipped = ctx.own(GEOSClipByRect_r(ctx.handle(), g.get(), 0, 0, static_cast<double>(max.x - min.x),
                                                  static_cast<double>(max.y - min.y)),
                                 "clipping to a box");
    // Rectangle clipping keeps no vertex that lies on the box's sides: they are put back, so
    // that what lies across those sides can match them.
    std::vector<PointCm> on_sides;
    for (const auto& ring : polygon)
        for (const auto& p : ring) {
            const bool in_x = min.x <= p.x && p.x <= max.x, in_y = min.y <= p.y && p.y <= max.y;
            if ((in_y && (p.x == min.x || p.x == max.x)) || (in_x && (p.y == min.y || p.y == max.y)))
                on_sides.push_back(p);
        }
    std::vector<RingsCm> pieces;
    for (auto& rings : read_polygons_cm(ctx, clipped.get(), min)) {
        drop_repeated_points(rings);
        add_points_on_edges(rings, on_sides);
        if (rings.empty() || rings.front().size() < 4) continue;  // flattened by rounding
        std::erase_if(rings, [first = &rings.front()](const auto& r) { return &r != first && r.size() < 4; });
        if (!certainly_valid(rings) && GEOSisValid_r(ctx.handle(), polygon_cm(ctx, rings, min).get()) != 1)
            return std::nullopt;
        pieces.push_back(std::move(rings));
    }
    return pieces;
}

Geom intersection_on_grid(const Context& ctx, const GEOSGeometry* a, const GEOSGeometry* b, double grid) {
    return ctx.own(GEOSIntersectionPrec_r(ctx.handle(), a, b, grid), "intersection");
}

Geom difference_on_grid(const Context& ctx, const GEOSGeometry* a, const GEOSGeometry* b, double grid) {
    return ctx.own(GEOSDifferencePrec_r(ctx.handle(), a, b, grid), "difference");
}

Geom union_on_grid(const Context& ctx, const GEOSGeometry* a, double grid) {
    return ctx.own(GEOSUnaryUnionPrec_r(ctx.handle(), a, grid), "union");
}

Geom coverage_union_on_grid(const Context& ctx, const GEOSGeometry* a, double grid) {
    if (GEOSGeometry* u = GEOSCoverageUnion_r(ctx.handle(), a)) {
        Geom result(ctx.handle(), u);
        const int type = GEOSGeomTypeId_r(ctx.handle(), u);
        if ((type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON) && ctx.is_valid(u)) {
            const double area = ctx.area(a);
            if (std::abs(ctx.area(u) - area) <= 1e-6 * std::max(1.0, area)) return result;
        }
    }
    return union_on_grid(ctx, a, grid);
}

Geom intersection_exact(const Context& ctx, const GEOSGeometry* a, const GEOSGeometry* b) {
    return ctx.own(GEOSIntersection_r(ctx.handle(), a, b), "intersection");
}

Geom make_valid_on_grid(const Context& ctx, const GEOSGeometry* g, double grid) {
    Geom valid = ctx.own(GEOSMakeValid_r(ctx.handle(), g), "making valid");
    std::vector<Geom> parts = ctx.polygons(valid.get());
    Geom polygonal = make_collection(ctx, GEOS_MULTIPOLYGON, std::move(parts));
    return ctx.own(GEOSGeom_setPrecision_r(ctx.handle(), polygonal.get(), grid, 0), "putting on the grid");
}

bool relate_pattern(const Context& ctx, const GEOSGeometry* a, const GEOSGeometry* b, const char* pattern) {
    const char r = GEOSRelatePattern_r(ctx.handle(), a, b, pattern);
    if (r == 2) throw GeosError("relate: " + ctx.last_error());
    return r == 1;
}

}  // namespace tessera::geo
