#pragma once

// Loads a model's class raster (GeoTIFF: band 1 classes, optional band 2 confidence 0..1 or
// 0..100) into a project's tiles (SPEC §6), tile window by tile window on every core:
//  1. sieve: GDAL's sieve over each tile window with a margin, regions under the sieve area
//     given to their largest neighbour, written to a temporary raster so that both sides of a
//     tile border later read the same sieved pixels;
//  2. per tile: polygonize the sieved window with a one-pixel ring from its neighbours,
//     simplify each boundary chain once (shared edges stay shared, tile borders meet exactly),
//     map model classes to CS/US, mean confidence per polygon, COPY with the quality controls.
// Memory is bounded by the tile windows in flight, whatever the raster's size.

#include <filesystem>
#include <optional>
#include <ostream>

#include "core/nomenclature.hpp"
#include "ingest/class_mapping.hpp"
#include "ingest/report.hpp"
#include "ingest/tile_loader.hpp"
#include "store/projects.hpp"

namespace tessera::ingest {

enum class ConfidenceUnit { automatic, unit, percent };

struct RasterOptions {
    std::filesystem::path file;
    const ClassMapping* mapping = nullptr;  // required
    double sieve_m2 = 200;                  // regions smaller than this are sieved; 0: no sieve
    std::optional<double> simplify_m;       // simplification tolerance; default: one pixel
    ConfidenceUnit confidence = ConfidenceUnit::automatic;
    std::filesystem::path work_dir;         // for the temporary sieved raster; default: the system's
    LoadOptions load;                       // kind, source and run_key are set by ingest_raster
};

// Throws geo::InputError for a bad raster (naming the file and, where it applies, the pixel
// window), std::runtime_error when tiles have been edited (listing them); see load_tiles.
void ingest_raster(RasterOptions options, store::ProjectStore& projects, const store::ProjectRecord& project,
                   const core::Nomenclature& nomenclature, ImportReport& report, std::ostream& log);

}  // namespace tessera::ingest
