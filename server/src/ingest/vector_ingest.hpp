#pragma once

// Loads a vector prediction file into a project's tiles: reprojected to the project CRS,
// clipped to the tile grid with fixed-precision overlay on the 1 cm grid, each tile loaded in
// its own transaction with COPY. Tiles people have edited are never overwritten.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <ostream>
#include <string>

#include "core/nomenclature.hpp"
#include "geo/ogr_source.hpp"
#include "qc/rules.hpp"
#include "store/projects.hpp"

namespace tessera::ingest {

struct VectorOptions {
    std::filesystem::path file;
    std::string layer;  // empty: the first layer
    geo::FieldMap fields;
    std::string prediction_set = "default";
    bool dry_run = false;
    const qc::Rules* qc_rules = nullptr;  // the quality controls run on each loaded tile; null: the defaults
};

struct VectorReport {
    std::size_t features_read = 0;
    std::size_t repaired = 0;       // invalid input geometries made valid
    std::size_t polygons_loaded = 0;
    std::size_t tiles_loaded = 0;
    bool percent_confidence = false;  // confidence was given as 0..100
    std::map<std::string, double> area_by_cs;  // m²
    std::map<std::string, std::size_t> issues_by_code;  // quality-control issues of the loaded tiles
    std::size_t blocking_issues = 0;
    double seconds = 0;
};

// Throws geo::InputError for a bad file (naming file, layer and feature) and
// std::runtime_error when tiles have been edited (listing them); nothing is written then.
VectorReport ingest_vector(const VectorOptions& options, store::ProjectStore& projects,
                           const store::ProjectRecord& project, const core::Nomenclature& nomenclature,
                           std::ostream& log);

}  // namespace tessera::ingest
