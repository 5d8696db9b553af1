#pragma once

// Reads polygon features from any OGR vector file, reprojected to the project's CRS, as WKB.
// One VectorSource is used by one thread.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tiles/grid.hpp"

namespace tessera::geo {

// An input problem, with where it is: "file.gpkg, layer 'x', feature 12: ...".
class InputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct FieldMap {
    std::string cs = "code_cs";  // empty when `model_class` is given
    std::string us = "code_us";  // empty when `model_class` is given
    std::string model_class;     // a field of model classes, mapped to CS/US by the caller
    std::string confidence = "confidence";  // empty: the file has none
    std::vector<std::string> extra;          // more text fields to read (required)
};

struct VectorFeature {
    std::int64_t fid = 0;
    std::string wkb;  // ISO WKB in the target CRS (Polygon or MultiPolygon)
    std::string cs;
    std::string us;
    std::string model_class;           // FieldMap::model_class's value ("" when null or not mapped)
    std::optional<double> confidence;  // as stored (0..1 or 0..100)
    std::vector<std::string> extra;    // FieldMap::extra's values, in order ("" when null)
};

class VectorSource {
public:
    // Opens `path` (layer `layer`, or the first one) and prepares reprojection to EPSG:`srid`.
    // Throws InputError when the file cannot be opened, the layer or a mapped field is missing,
    // or the layer has no CRS.
    VectorSource(const std::filesystem::path& path, const std::string& layer, int target_srid, const FieldMap& fields);
    VectorSource(const VectorSource&) = delete;
    VectorSource& operator=(const VectorSource&) = delete;
    ~VectorSource();

    const std::string& layer_name() const;
    std::string source_crs() const;  // e.g. "EPSG:4326"
    bool reprojected() const;
    std::int64_t feature_count() const;  // -1 when the driver cannot tell cheaply

    // The layer's extent in the target CRS (its envelope reprojected, densified); nullopt when
    // the layer is empty.
    std::optional<tiles::Box> extent();
    // Only features whose envelope meets `box` (target CRS) from now on; nullopt: all of them.
    // Rewinds the reading.
    void restrict_to(const std::optional<tiles::Box>& box);
    // Read the fields only, not the geometries (a quick pass over a large file); rewinds.
    void attributes_only(bool on);

    // The next feature; false at the end. Throws InputError naming the feature when its
    // geometry is not polygonal, has non-finite coordinates or cannot be reprojected.
    bool next(VectorFeature& out);
    // "path, layer 'x', feature N"
    std::string where(std::int64_t fid) const;

private:
    void read_fields(void* feature, VectorFeature& out) const;

    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace tessera::geo
