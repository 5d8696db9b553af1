#pragma once

// Writes small vector files with GDAL for tests (inputs the tests make themselves).

#include <optional>
#include <string>
#include <vector>

namespace tessera::test {

struct TestFeature {
    std::string wkt;
    std::string cs;
    std::string us;
    std::optional<double> confidence;
};

// Writes `features` to `path` with the OGR driver `driver` ("GPKG", "ESRI Shapefile",
// "GeoJSON"), in EPSG:`srid` (0: no CRS at all). Fields code_cs, code_us and, unless
// `with_confidence` is false, confidence.
void write_vector(const std::string& path, const std::string& driver, int srid, const std::vector<TestFeature>& features,
                  bool with_confidence = true);

// A partition of the 2 km × 2 km square [x0, x0+2000] × [y0, y0+2000] into polygons that
// straddle tile borders: a field over four tiles, a river along a tile border, holes.
std::vector<TestFeature> straddling_partition(double x0, double y0);

}  // namespace tessera::test
