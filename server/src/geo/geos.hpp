#pragma once

// RAII over the GEOS C API (reentrant `_r` functions only). One Context per thread: a Context
// owns a GEOS handle and must not be shared between threads at the same time.

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <geos_c.h>

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

}  // namespace tessera::geo
