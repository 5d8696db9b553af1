#include "demo/gpkg_writer.hpp"

#include <stdexcept>
#include <system_error>

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

namespace tessera::demo {

namespace {

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what) {
    const char* gdal = CPLGetLastErrorMsg();
    throw std::runtime_error("demo: cannot write " + file.string() + ": " + what +
                             (gdal && *gdal ? std::string(" (") + gdal + ")" : std::string()));
}

}  // namespace

void write_gpkg(const geo::Context& ctx, const std::filesystem::path& file, const std::string& layer_name,
                const std::vector<FeatureRow>& rows, bool with_confidence) {
    CPLErrorReset();
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        std::filesystem::remove(file.string() + suffix, ec);

    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
    if (!driver) fail(file, "GDAL has no GPKG driver");
    GDALDatasetUniquePtr ds(driver->Create(file.string().c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds) fail(file, "cannot create the GeoPackage");

    OGRSpatialReference srs;
    if (srs.importFromEPSG(2154) != OGRERR_NONE) fail(file, "EPSG:2154 unknown to PROJ");
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    CPLStringList options;
    options.SetNameValue("GEOMETRY_NAME", "geom");
    OGRLayer* layer = ds->CreateLayer(layer_name.c_str(), &srs, wkbPolygon, options.List());
    if (!layer) fail(file, "cannot create layer " + layer_name);
    OGRFieldDefn cs("code_cs", OFTString), us("code_us", OFTString), confidence("confidence", OFTReal);
    if (layer->CreateField(&cs) != OGRERR_NONE || layer->CreateField(&us) != OGRERR_NONE ||
        (with_confidence && layer->CreateField(&confidence) != OGRERR_NONE))
        fail(file, "cannot create the fields of layer " + layer_name);

    if (ds->StartTransaction() != OGRERR_NONE) fail(file, "cannot start a transaction");
    for (const FeatureRow& row : rows) {
        const std::string wkb = ctx.to_wkb(row.geom);
        OGRGeometry* geom = nullptr;
        if (OGRGeometryFactory::createFromWkb(wkb.data(), nullptr, &geom, wkb.size(), wkbVariantIso) != OGRERR_NONE)
            fail(file, "cannot convert a polygon to OGR");
        OGRFeature feature(layer->GetLayerDefn());
        feature.SetGeometryDirectly(geom);
        const ClassInfo& info = class_info(row.cls);
        feature.SetField("code_cs", std::string(info.code_cs).c_str());
        feature.SetField("code_us", std::string(info.code_us).c_str());
        if (with_confidence) feature.SetField("confidence", row.confidence);
        if (layer->CreateFeature(&feature) != OGRERR_NONE) fail(file, "cannot write a feature");
    }
    if (ds->CommitTransaction() != OGRERR_NONE) fail(file, "cannot commit");
    ds.reset();
    if (CPLGetLastErrorType() >= CE_Failure) fail(file, "closing failed");
}

}  // namespace tessera::demo
