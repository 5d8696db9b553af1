#pragma once

// Writes demo polygons to a GeoPackage layer in Lambert-93 with GDAL. One call writes one file,
// replacing any previous one. GDAL must be registered by the caller.

#include <filesystem>
#include <string>
#include <vector>

#include <geos_c.h>

#include "demo/classes.hpp"
#include "geo/geos.hpp"

namespace tessera::demo {

struct FeatureRow {
    const GEOSGeometry* geom = nullptr;
    LandClass cls = LandClass::arable;
    double confidence = 1;
};

// Fields code_cs, code_us and, when `with_confidence`, confidence (Real). Throws
// std::runtime_error naming the file on failure.
void write_gpkg(const geo::Context& ctx, const std::filesystem::path& file, const std::string& layer_name,
                const std::vector<FeatureRow>& rows, bool with_confidence);

}  // namespace tessera::demo
