#include "geo/ogr_source.hpp"

#include <cmath>
#include <algorithm>
#include <mutex>
#include <vector>

#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "geo/detail_gdal.hpp"

namespace tessera::geo {
namespace {

using detail::last_gdal_error;
using detail::QuietErrors;
using detail::register_drivers;

bool finite_coords(OGRGeometryH g) {
    const int n = OGR_G_GetGeometryCount(g);
    if (n > 0) {
        for (int i = 0; i < n; ++i)
            if (!finite_coords(OGR_G_GetGeometryRef(g, i))) return false;
        return true;
    }
    const int points = OGR_G_GetPointCount(g);
    for (int i = 0; i < points; ++i) {
        if (!std::isfinite(OGR_G_GetX(g, i)) || !std::isfinite(OGR_G_GetY(g, i))) return false;
    }
    return true;
}

}  // namespace

struct VectorSource::Impl {
    std::filesystem::path path;
    GDALDatasetH dataset = nullptr;
    OGRLayerH layer = nullptr;
    std::string layer_name;
    OGRSpatialReferenceH target = nullptr;
    OGRCoordinateTransformationH transform = nullptr;
    std::string source_crs;
    OGRCoordinateTransformationH inverse = nullptr;  // target → source, for spatial filters
    int cs_index = -1, us_index = -1, class_index = -1, confidence_index = -1;
    bool attributes_only = false;
    std::vector<int> extra_index;

    ~Impl() {
        if (transform) OCTDestroyCoordinateTransformation(transform);
        if (inverse) OCTDestroyCoordinateTransformation(inverse);
        if (target) OSRDestroySpatialReference(target);
        if (dataset) GDALClose(dataset);
    }
};

VectorSource::VectorSource(const std::filesystem::path& path, const std::string& layer, int target_srid,
                           const FieldMap& fields)
    : m_impl(std::make_unique<Impl>()) {
    register_drivers();
    QuietErrors quiet;
    auto& d = *m_impl;
    d.path = path;
    const std::string file = path.string();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw InputError(file + ": no such file");
    d.dataset = GDALOpenEx(file.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr);
    if (!d.dataset) throw InputError(file + ": cannot be read as a vector file (" + last_gdal_error() + ")");
    const int nlayers = GDALDatasetGetLayerCount(d.dataset);
    if (nlayers == 0) throw InputError(file + ": the file has no layer");
    d.layer = layer.empty() ? GDALDatasetGetLayer(d.dataset, 0) : GDALDatasetGetLayerByName(d.dataset, layer.c_str());
    if (!d.layer) {
        std::string names;
        for (int i = 0; i < nlayers; ++i)
            names += (i ? ", " : "") + std::string(OGR_L_GetName(GDALDatasetGetLayer(d.dataset, i)));
        throw InputError(file + ": no layer '" + layer + "' (layers: " + names + ")");
    }
    d.layer_name = OGR_L_GetName(d.layer);
    const std::string here = file + ", layer '" + d.layer_name + "'";

    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(d.layer);
    auto field_index = [&](const std::string& name, const char* role) {
        const int i = OGR_FD_GetFieldIndex(defn, name.c_str());
        if (i < 0) {
            std::string names;
            for (int k = 0; k < OGR_FD_GetFieldCount(defn); ++k)
                names += (k ? ", " : "") + std::string(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, k)));
            throw InputError(here + ": no field '" + name + "' for " + role + " (fields: " + names + ")");
        }
        return i;
    };
    if (!fields.cs.empty()) d.cs_index = field_index(fields.cs, "the land cover (CS)");
    if (!fields.us.empty()) d.us_index = field_index(fields.us, "the land use (US)");
    if (!fields.model_class.empty()) d.class_index = field_index(fields.model_class, "the model class");
    if (!fields.confidence.empty()) d.confidence_index = field_index(fields.confidence, "the confidence");
    for (const auto& name : fields.extra) d.extra_index.push_back(field_index(name, "a requested field"));

    OGRSpatialReferenceH source = OGR_L_GetSpatialRef(d.layer);
    if (!source) throw InputError(here + ": the layer has no CRS; assign one (e.g. ogr2ogr -a_srs EPSG:2154)");
    const char* auth = OSRGetAuthorityName(source, nullptr);
    const char* code = OSRGetAuthorityCode(source, nullptr);
    d.source_crs = auth && code ? std::string(auth) + ":" + code : "a CRS without an EPSG code";
    d.target = OSRNewSpatialReference(nullptr);
    if (OSRImportFromEPSG(d.target, target_srid) != OGRERR_NONE)
        throw InputError("EPSG:" + std::to_string(target_srid) + " is not a CRS GDAL knows");
    OSRSetAxisMappingStrategy(d.target, OAMS_TRADITIONAL_GIS_ORDER);
    if (!OSRIsSame(source, d.target)) {
        OGRSpatialReferenceH src = OSRClone(source);
        OSRSetAxisMappingStrategy(src, OAMS_TRADITIONAL_GIS_ORDER);
        d.transform = OCTNewCoordinateTransformation(src, d.target);
        d.inverse = OCTNewCoordinateTransformation(d.target, src);
        OSRDestroySpatialReference(src);
        if (!d.transform || !d.inverse) {
            throw InputError(here + ": cannot reproject from " + d.source_crs + " to EPSG:" +
                             std::to_string(target_srid) + " (" + last_gdal_error() + ")");
        }
    }
    OGR_L_ResetReading(d.layer);
}

VectorSource::~VectorSource() = default;

const std::string& VectorSource::layer_name() const { return m_impl->layer_name; }
std::string VectorSource::source_crs() const { return m_impl->source_crs; }
bool VectorSource::reprojected() const { return m_impl->transform != nullptr; }
std::int64_t VectorSource::feature_count() const { return OGR_L_GetFeatureCount(m_impl->layer, 0); }

namespace {

// The envelope of a box carried through a transformation, its edges densified so that curved
// images are covered.
std::optional<tiles::Box> transformed_box(OGRCoordinateTransformationH t, const tiles::Box& b) {
    constexpr int steps = 20;
    std::vector<double> xs, ys;
    for (int i = 0; i <= steps; ++i) {
        const double f = static_cast<double>(i) / steps;
        const double x = b.min_x + f * b.width(), y = b.min_y + f * b.height();
        xs.insert(xs.end(), {x, x, b.min_x, b.max_x});
        ys.insert(ys.end(), {b.min_y, b.max_y, y, y});
    }
    std::vector<int> ok(xs.size());
    if (!OCTTransformEx(t, static_cast<int>(xs.size()), xs.data(), ys.data(), nullptr, ok.data())) return std::nullopt;
    tiles::Box out{1e300, 1e300, -1e300, -1e300};
    for (std::size_t i = 0; i < xs.size(); ++i) {
        if (!ok[i] || !std::isfinite(xs[i]) || !std::isfinite(ys[i])) continue;
        out.min_x = std::min(out.min_x, xs[i]);
        out.min_y = std::min(out.min_y, ys[i]);
        out.max_x = std::max(out.max_x, xs[i]);
        out.max_y = std::max(out.max_y, ys[i]);
    }
    if (out.min_x > out.max_x) return std::nullopt;
    return out;
}

}  // namespace

std::optional<tiles::Box> VectorSource::extent() {
    QuietErrors quiet;
    auto& d = *m_impl;
    OGREnvelope e;
    if (OGR_L_GetExtent(d.layer, &e, 1) != OGRERR_NONE) return std::nullopt;
    tiles::Box b{e.MinX, e.MinY, e.MaxX, e.MaxY};
    if (!std::isfinite(b.min_x) || !std::isfinite(b.max_x) || !std::isfinite(b.min_y) || !std::isfinite(b.max_y)) {
        // Find the feature to blame: reading it names it.
        const bool fields_only = d.attributes_only;
        attributes_only(false);
        VectorFeature f;
        while (next(f)) {
        }
        attributes_only(fields_only);
        throw InputError(d.path.string() + ", layer '" + d.layer_name + "': the extent is not finite (NaN or infinite coordinates)");
    }
    if (!d.transform) return b;
    return transformed_box(d.transform, b);
}

void VectorSource::restrict_to(const std::optional<tiles::Box>& box) {
    auto& d = *m_impl;
    if (!box) {
        OGR_L_SetSpatialFilter(d.layer, nullptr);
    } else if (!d.inverse) {
        OGR_L_SetSpatialFilterRect(d.layer, box->min_x, box->min_y, box->max_x, box->max_y);
    } else if (auto b = transformed_box(d.inverse, *box)) {
        OGR_L_SetSpatialFilterRect(d.layer, b->min_x, b->min_y, b->max_x, b->max_y);
    } else {
        OGR_L_SetSpatialFilter(d.layer, nullptr);  // cannot tell: read everything, clipping sorts it out
    }
    OGR_L_ResetReading(d.layer);
}

void VectorSource::attributes_only(bool on) {
    auto& d = *m_impl;
    const char* ignore[] = {"OGR_GEOMETRY", nullptr};
    const char* none[] = {nullptr};
    OGR_L_SetIgnoredFields(d.layer, on ? ignore : none);
    d.attributes_only = on;
    OGR_L_ResetReading(d.layer);
}

std::string VectorSource::where(std::int64_t fid) const {
    return m_impl->path.string() + ", layer '" + m_impl->layer_name + "', feature " + std::to_string(fid);
}

void VectorSource::read_fields(void* feature, VectorFeature& out) const {
    const auto& d = *m_impl;
    auto f = static_cast<OGRFeatureH>(feature);
    const auto text = [f](int i) {
        return i >= 0 && OGR_F_IsFieldSetAndNotNull(f, i) ? std::string(OGR_F_GetFieldAsString(f, i)) : std::string();
    };
    out.cs = text(d.cs_index);
    out.us = text(d.us_index);
    out.model_class = text(d.class_index);
    out.confidence.reset();
    if (d.confidence_index >= 0 && OGR_F_IsFieldSetAndNotNull(f, d.confidence_index))
        out.confidence = OGR_F_GetFieldAsDouble(f, d.confidence_index);
    out.extra.clear();
    for (int i : d.extra_index) out.extra.push_back(text(i));
}

bool VectorSource::next(VectorFeature& out) {
    QuietErrors quiet;
    auto& d = *m_impl;
    OGRFeatureH f = OGR_L_GetNextFeature(d.layer);
    if (!f) {
        if (CPLGetLastErrorType() >= CE_Failure)
            throw InputError(d.path.string() + ", layer '" + d.layer_name + "': reading failed (" + last_gdal_error() + ")");
        return false;
    }
    struct Release {
        OGRFeatureH f;
        ~Release() { OGR_F_Destroy(f); }
    } release{f};
    out.fid = OGR_F_GetFID(f);
    read_fields(f, out);
    if (d.attributes_only) return true;
    const auto here = where(out.fid);
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    if (!g || OGR_G_IsEmpty(g)) throw InputError(here + ": no geometry");
    const auto type = wkbFlatten(OGR_G_GetGeometryType(g));
    if (type != wkbPolygon && type != wkbMultiPolygon) {
        throw InputError(here + ": geometry is " + OGRGeometryTypeToName(OGR_G_GetGeometryType(g)) +
                         ", expected Polygon or MultiPolygon");
    }
    OGRGeometryH copy = OGR_F_StealGeometry(f);  // the feature's own, not a copy: it is destroyed next
    struct ReleaseGeom {
        OGRGeometryH g;
        ~ReleaseGeom() { OGR_G_DestroyGeometry(g); }
    } release_copy{copy};
    OGR_G_FlattenTo2D(copy);
    if (!finite_coords(copy)) throw InputError(here + ": a coordinate is NaN or infinite");
    if (d.transform) {
        if (OGR_G_Transform(copy, d.transform) != OGRERR_NONE)
            throw InputError(here + ": cannot be reprojected (" + last_gdal_error() + ")");
        if (!finite_coords(copy)) throw InputError(here + ": reprojection gave a non-finite coordinate");
    }
    out.wkb.resize(static_cast<std::size_t>(OGR_G_WkbSize(copy)));
    OGR_G_ExportToIsoWkb(copy, wkbNDR, reinterpret_cast<unsigned char*>(out.wkb.data()));
    return true;
}

}  // namespace tessera::geo
