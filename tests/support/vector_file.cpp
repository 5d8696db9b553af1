#include "support/vector_file.hpp"

#include <filesystem>
#include <stdexcept>

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

namespace tessera::test {

void write_vector(const std::string& path, const std::string& driver, int srid, const std::vector<TestFeature>& features,
                  bool with_confidence) {
    GDALAllRegister();
    std::filesystem::remove(path);
    GDALDriverH drv = GDALGetDriverByName(driver.c_str());
    if (!drv) throw std::runtime_error("no GDAL driver " + driver);
    GDALDatasetH ds = GDALCreate(drv, path.c_str(), 0, 0, 0, GDT_Unknown, nullptr);
    if (!ds) throw std::runtime_error("cannot create " + path);
    OGRSpatialReferenceH srs = nullptr;
    if (srid > 0) {
        srs = OSRNewSpatialReference(nullptr);
        OSRImportFromEPSG(srs, srid);
    }
    OGRLayerH layer = GDALDatasetCreateLayer(ds, "prediction", srs, wkbPolygon, nullptr);
    if (srs) OSRDestroySpatialReference(srs);
    if (!layer) throw std::runtime_error("cannot create a layer in " + path);
    for (const char* name : {"code_cs", "code_us"}) {
        OGRFieldDefnH f = OGR_Fld_Create(name, OFTString);
        OGR_L_CreateField(layer, f, 1);
        OGR_Fld_Destroy(f);
    }
    if (with_confidence) {
        OGRFieldDefnH f = OGR_Fld_Create("confidence", OFTReal);
        OGR_L_CreateField(layer, f, 1);
        OGR_Fld_Destroy(f);
    }
    for (const auto& tf : features) {
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(layer));
        OGRGeometryH g = nullptr;
        char* wkt = const_cast<char*>(tf.wkt.c_str());
        if (OGR_G_CreateFromWkt(&wkt, nullptr, &g) != OGRERR_NONE) throw std::runtime_error("bad WKT " + tf.wkt);
        OGR_F_SetGeometryDirectly(f, g);
        OGR_F_SetFieldString(f, 0, tf.cs.c_str());
        OGR_F_SetFieldString(f, 1, tf.us.c_str());
        if (with_confidence && tf.confidence) OGR_F_SetFieldDouble(f, 2, *tf.confidence);
        if (OGR_L_CreateFeature(layer, f) != OGRERR_NONE) throw std::runtime_error("cannot write a feature");
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
}

std::vector<TestFeature> straddling_partition(double x0, double y0) {
    auto P = [](double x, double y) { return std::to_string(x) + " " + std::to_string(y); };
    const double x1 = x0 + 2000, y1 = y0 + 2000, xm = x0 + 1000, ym = y0 + 1000;
    std::vector<TestFeature> out;
    const double fx0 = xm - 300, fx1 = xm + 300.37, fy0 = ym - 300, fy1 = ym + 250.5;
    // A river 20 m wide whose east bank is the vertical tile border x = xm, culverted under a field.
    out.push_back({"POLYGON((" + P(xm - 20, y0) + "," + P(xm, y0) + "," + P(xm, fy0) + "," + P(xm - 20, fy0) + "," +
                       P(xm - 20, y0) + "))",
                   "CS1.2.2", "US6.3", 0.93});
    // A field straddling the four tiles around (xm, ym), with a pond as a hole.
    const std::string pond = P(xm + 100, ym + 10) + "," + P(xm + 150, ym + 10) + "," + P(xm + 150, ym + 60) + "," +
                             P(xm + 100, ym + 60) + "," + P(xm + 100, ym + 10);
    out.push_back({"POLYGON((" + P(fx0, fy0) + "," + P(fx1, fy0) + "," + P(fx1, fy1) + "," + P(fx0, fy1) + "," +
                       P(fx0, fy0) + "),(" + pond + "))",
                   "CS2.2.1", "US1.1", 0.81});
    out.push_back({"POLYGON((" + pond + "))", "CS1.2.2", "US1.4", 0.55});
    // West of the river: a forest with a notch for the field, and a diagonal edge to a meadow.
    out.push_back({"POLYGON((" + P(x0, y0) + "," + P(xm - 20, y0) + "," + P(xm - 20, fy0) + "," + P(fx0, fy0) + "," +
                       P(fx0, fy1) + "," + P(xm - 20, fy1) + "," + P(xm - 20, ym + 400) + "," + P(x0, y1) + "," +
                       P(x0, y0) + "))",
                   "CS2.1.1.1", "US1.2", 0.9});
    out.push_back({"POLYGON((" + P(x0, y1) + "," + P(xm - 20, ym + 400) + "," + P(xm - 20, y1) + "," + P(x0, y1) + "))",
                   "CS2.2.1", "US6.3", 0.42});
    // East of the river: a meadow around the field.
    out.push_back({"POLYGON((" + P(xm, y0) + "," + P(x1, y0) + "," + P(x1, y1) + "," + P(xm, y1) + "," + P(xm, fy1) +
                       "," + P(fx1, fy1) + "," + P(fx1, fy0) + "," + P(xm, fy0) + "," + P(xm, y0) + "))",
                   "CS2.2.1", "US6.3", 0.77});
    // The river north of the field.
    out.push_back({"POLYGON((" + P(xm - 20, fy1) + "," + P(xm, fy1) + "," + P(xm, y1) + "," + P(xm - 20, y1) + "," +
                       P(xm - 20, fy1) + "))",
                   "CS1.2.2", "US6.3", 0.93});
    return out;
}

}  // namespace tessera::test
