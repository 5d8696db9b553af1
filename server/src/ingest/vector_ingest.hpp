#pragma once

// Loads a vector prediction (any OGR format) into a project's tiles. Each worker reads the
// features of one tile at a time through the file's spatial index, reprojected to the project
// CRS; invalid polygons are repaired (and reported), multipart ones exploded, each piece clipped
// to the tile on the 1 cm grid. A tile whose pieces do not partition it exactly is repaired into
// a partition: overlaps go to the more confident polygon, small gaps are filled from the
// neighbour sharing the longest border or kept as flagged polygons, large uncovered areas (the
// edge of the prediction) are left empty. Tiles people have edited are never overwritten.

#include <filesystem>
#include <ostream>
#include <string>

#include "core/nomenclature.hpp"
#include "edits/normalize.hpp"
#include "geo/ogr_source.hpp"
#include "ingest/class_mapping.hpp"
#include "ingest/report.hpp"
#include "ingest/tile_loader.hpp"
#include "store/projects.hpp"

namespace tessera::ingest {

struct VectorOptions {
    std::filesystem::path file;
    std::string layer;  // empty: the first layer
    geo::FieldMap fields;
    const ClassMapping* mapping = nullptr;  // required when fields.model_class is set
    edits::GapPolicy gaps{2500, false};     // gaps over 2,500 m² (the largest UMC) stay uncovered
    LoadOptions load;                       // kind, source and run_key are set by ingest_vector
};

// Throws geo::InputError for a bad file (naming file, layer and feature) and
// std::runtime_error when tiles have been edited (listing them); see load_tiles.
void ingest_vector(VectorOptions options, store::ProjectStore& projects, const store::ProjectRecord& project,
                   const core::Nomenclature& nomenclature, ImportReport& report, std::ostream& log);

}  // namespace tessera::ingest
