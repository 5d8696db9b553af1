#include "geo/geos.hpp"

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

}  // namespace tessera::geo
