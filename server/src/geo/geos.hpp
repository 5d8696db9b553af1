#pragma once

// RAII over the GEOS C API (reentrant `_r` functions only). One Context per thread: a Context
// owns a GEOS handle and must not be shared between threads at the same time.

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <geos_c.h>

#include "geo/wkb.hpp"

namespace tessera::geo {

// The project's coordinate grid: every stored coordinate is a multiple of 1 cm.
inline constexpr double grid_size_m = 0.01;

class GeosError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Context;

// Owns one GEOSGeometry; frees it with the handle of the Context that made it.
class Geom {
public:
    Geom() = default;
    Geom(GEOSContextHandle_t handle, GEOSGeometry* geom) noexcept : m_handle(handle), m_geom(geom) {}
    Geom(const Geom&) = delete;
    Geom& operator=(const Geom&) = delete;
    Geom(Geom&& other) noexcept : m_handle(other.m_handle), m_geom(other.release()) {}
    Geom& operator=(Geom&& other) noexcept {
        if (this != &other) {
            reset();
            m_handle = other.m_handle;
            m_geom = other.release();
        }
        return *this;
    }
    ~Geom() { reset(); }

    GEOSGeometry* get() const noexcept { return m_geom; }
    explicit operator bool() const noexcept { return m_geom != nullptr; }
    GEOSGeometry* release() noexcept {
        GEOSGeometry* g = m_geom;
        m_geom = nullptr;
        return g;
    }
    void reset() noexcept {
        if (m_geom) GEOSGeom_destroy_r(m_handle, m_geom);
        m_geom = nullptr;
    }

private:
    GEOSContextHandle_t m_handle = nullptr;
    GEOSGeometry* m_geom = nullptr;
};

// Owns a GEOS context handle. Errors reported by GEOS are kept and thrown as GeosError by the
// helpers below when a call returns null.
class Context {
public:
    Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;
    ~Context();

    GEOSContextHandle_t handle() const noexcept { return m_handle; }

    // Wraps a result: throws GeosError with GEOS's last message if `g` is null.
    Geom own(GEOSGeometry* g, std::string_view what) const;
    Geom clone(const GEOSGeometry* g) const;

    Geom from_wkt(std::string_view wkt) const;
    std::string to_wkt(const GEOSGeometry* g, int decimals = 2) const;
    Geom from_wkb(const std::uint8_t* data, std::size_t size) const;
    Geom from_wkb(std::string_view wkb) const {
        return from_wkb(reinterpret_cast<const std::uint8_t*>(wkb.data()), wkb.size());
    }
    // ISO WKB, little endian, 2D.
    std::string to_wkb(const GEOSGeometry* g) const;

    Geom box(double min_x, double min_y, double max_x, double max_y) const;

    // Fixed-precision overlay on the 1 cm grid.
    Geom intersection(const GEOSGeometry* a, const GEOSGeometry* b) const;
    Geom difference(const GEOSGeometry* a, const GEOSGeometry* b) const;
    Geom unary_union(const GEOSGeometry* a) const;
    // Puts every coordinate on the 1 cm grid (keeping the geometry valid).
    Geom snap_to_grid(const GEOSGeometry* a) const;

    double area(const GEOSGeometry* g) const;
    bool is_valid(const GEOSGeometry* g) const;
    std::string invalid_reason(const GEOSGeometry* g) const;
    bool is_empty(const GEOSGeometry* g) const;

    // The polygons of a geometry: a Polygon gives itself, a MultiPolygon or a collection its
    // polygonal members (lines and points are dropped). Clones.
    std::vector<Geom> polygons(const GEOSGeometry* g) const;

    const std::string& last_error() const noexcept { return m_last_error; }

private:
    static void on_message(const char* message, void* self);

    GEOSContextHandle_t m_handle;
    std::string m_last_error;
};

// Makes a collection (MultiPolygon, GeometryCollection...) from owned members.
Geom make_collection(const Context& ctx, int type, std::vector<Geom> members);

// A prepared geometry, for many predicate tests against the same geometry (point in polygon
// through an index, in logarithmic time, where the plain predicates build a whole topology
// graph of the polygon each time). The source geometry and the context must outlive it.
// Predicates throw GeosError when GEOS fails.
class Prepared {
public:
    Prepared(const Context& ctx, const GEOSGeometry* g);
    Prepared(const Prepared&) = delete;
    Prepared& operator=(const Prepared&) = delete;
    Prepared(Prepared&& other) noexcept : m_ctx(other.m_ctx), m_prepared(other.m_prepared) {
        other.m_prepared = nullptr;
    }
    Prepared& operator=(Prepared&&) = delete;
    ~Prepared();

    bool contains(const GEOSGeometry* g) const;
    bool covers(const GEOSGeometry* g) const;
    bool intersects(const GEOSGeometry* g) const;

private:
    const Context* m_ctx;
    const GEOSPreparedGeometry* m_prepared;
};

// --- Geometry in local centimetres ---------------------------------------------------------
// Integer-centimetre rings given to GEOS in centimetres relative to an origin (local = global -
// origin): every vertex is then a small integer held exactly in a double, and fixed-precision
// overlay on a grid of 1 is exact rounding to the centimetre. Functions throw GeosError when
// GEOS fails.

// A LineString from integer-centimetre points, `origin` subtracted (local centimetres).
Geom line_cm(const Context& ctx, const std::vector<PointCm>& points, const PointCm& origin);

// A Polygon from its rings (exterior first); throws GeosError for a ring that is not closed or
// has fewer than 4 points. No rings: an empty Polygon.
Geom polygon_cm(const Context& ctx, const RingsCm& rings, const PointCm& origin);
// A Polygon for one part, a MultiPolygon otherwise.
Geom polygons_cm(const Context& ctx, const std::vector<RingsCm>& parts, const PointCm& origin);
// The polygons of `g` (Polygon, MultiPolygon or collection; other members ignored) as rings,
// coordinates rounded to whole local units and `origin` added back.
std::vector<RingsCm> read_polygons_cm(const Context& ctx, const GEOSGeometry* g, const PointCm& origin);

// Why `g` is invalid (GEOS's reason, and the point it names in the geometry's own
// coordinates), or nullopt when it is valid.
struct InvalidDetail {
    std::string reason;
    std::optional<std::pair<double, double>> location;
};
std::optional<InvalidDetail> invalid_detail(const Context& ctx, const GEOSGeometry* g);

// A valid polygon cut to a box on the grid (GEOS's rectangle clipping, which needs no noding,
// then the new vertices rounded to the centimetre): its pieces, each valid (by the integer test,
// or else by GEOS), or nullopt when rounding left one that is not (the caller then uses
// intersection_on_grid). Pieces that rounding flattens to nothing are dropped.
std::optional<std::vector<RingsCm>> clip_to_box_cm(const Context& ctx, const RingsCm& polygon, const PointCm& min,
                                                   const PointCm& max);

// Fixed-precision overlay on a grid of `grid` units of the geometry's coordinates.
Geom intersection_on_grid(const Context& ctx, const GEOSGeometry* a, const GEOSGeometry* b, double grid);
Geom difference_on_grid(const Context& ctx, const GEOSGeometry* a, const GEOSGeometry* b, double grid);
Geom union_on_grid(const Context& ctx, const GEOSGeometry* a, double grid);
// The union of polygons that share their edges exactly and do not overlap (a coverage), without
// noding: no vertex moves and no segment is bent. When GEOS refuses the input, or its result is
// not valid or not of the same area, the snap-rounded union_on_grid instead.
Geom coverage_union_on_grid(const Context& ctx, const GEOSGeometry* a, double grid);
// Floating overlay (GEOS's own snapping heuristics), for what a grid would collapse.
Geom intersection_exact(const Context& ctx, const GEOSGeometry* a, const GEOSGeometry* b);
// GEOSMakeValid, keeping only the polygonal part, put on the grid (valid, maybe empty).
Geom make_valid_on_grid(const Context& ctx, const GEOSGeometry* g, double grid);

// DE-9IM relation of `a` and `b` against `pattern`; throws GeosError when GEOS cannot decide.
bool relate_pattern(const Context& ctx, const GEOSGeometry* a, const GEOSGeometry* b, const char* pattern);

}  // namespace tessera::geo
