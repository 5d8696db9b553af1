#pragma once

// The raster → polygons core of `tessera ingest raster`: one tile window of class labels
// (already sieved to the minimum mapping unit) becomes the polygons of its regions, simplified
// without tearing the partition. The boundary arrangement is built once and each boundary chain
// simplified once, so two regions sharing an edge share exactly the same simplified edge; the
// vertices along the window's border depend only on the pixels on both sides of it, so
// neighbouring windows polygonized independently meet exactly. Pure logic, no GEOS and no
// GDAL; calls share nothing, so windows can be polygonized in parallel threads.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "geo/wkb.hpp"

namespace tessera::ingest {

// One tile window of a class raster, with a ring of one pixel taken from the neighbouring
// windows (nodata outside the raster): the ring fixes where the border vertices go, so both
// sides of a window border choose the same ones.
struct LabelWindow {
    int width = 0, height = 0;  // the window's core, in pixels
    // (width + 2) * (height + 2) labels, row-major, first row north, ring included.
    std::vector<std::int32_t> labels;
    std::int32_t nodata = std::numeric_limits<std::int32_t>::min();
    // width * height confidences of the core (any scale; NaN: no value), or empty.
    std::vector<float> confidence;
    std::int64_t origin_x_cm = 0, origin_y_cm = 0;  // the core's top-left corner (x min, y max)
    std::int64_t pixel_cm = 100;                    // square pixels, whole centimetres
    std::int64_t simplify_cm = 0;                   // Douglas–Peucker tolerance; 0: none
};

struct RasterPolygon {
    geo::RingsCm rings;  // exterior first (counter-clockwise), then holes (clockwise), closed
    std::int32_t label = 0;
    double mean_confidence = std::numeric_limits<double>::quiet_NaN();  // NaN: no confidence
    std::int64_t pixels = 0;
};

struct PolygonizeStats {
    std::size_t regions = 0;          // polygons made
    std::size_t junctions = 0;        // fixed points of the arrangement
    std::size_t chains = 0;           // boundary chains between fixed points
    std::size_t vertices_before = 0;  // chain points before simplification (ends counted per chain)
    std::size_t vertices_after = 0;   // chain points after simplification and repair
    std::size_t refined_chains = 0;   // chain refinements made to repair the simplification
    std::size_t refinement_rounds = 0;
    // Chains found at fault, by check: segments crossing or touching away from a shared vertex;
    // chains leaving a node in another angular order; a floating part changing face.
    std::size_t crossing_repairs = 0, turn_repairs = 0, island_repairs = 0;
};

// The regions (4-connected pixels of one label, nodata excluded) of the window's core, as
// valid polygons on the centimetre grid that partition the covered part of the core exactly;
// ordered by their first pixel in row-major order. Throws std::invalid_argument for a window
// whose sizes do not match.
std::vector<RasterPolygon> polygonize_window(const LabelWindow& window, PolygonizeStats* stats = nullptr);

}  // namespace tessera::ingest
