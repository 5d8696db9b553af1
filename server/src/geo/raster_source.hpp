#pragma once

// Raster predictions in and out with GDAL: RasterSource reads a model's class raster (band 1)
// and its optional confidence (band 2) window by window; sieve() removes small regions from an
// in-memory class buffer; RasterWriter writes tiled GeoTIFFs (the generator, and the ingest's
// temporary sieved raster).
//
// Thread-safety: a RasterSource or a RasterWriter is used by one thread at a time (open one
// source per worker thread; GDAL's block cache is shared and thread-safe). sieve() is
// thread-safe when each thread passes its own buffers.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "geo/ogr_source.hpp"  // InputError

namespace tessera::geo {

// North-up georeferencing: the top-left corner of pixel (0, 0) and the side of a square pixel.
struct RasterGeometry {
    double origin_x = 0;
    double origin_y = 0;
    double pixel_size = 1;
};

// What the confidence band's values may be, to tell 0..1 from 0..100 without reading it all.
struct ConfidenceScale {
    std::string data_type;     // GDAL's name: "Byte", "UInt16", "Float32", ...
    bool floating = false;
    double max_possible = 0;   // the largest value the type can hold (infinity for floats)
};

class RasterSource {
public:
    // Opens `path` read-only and checks it: a raster GDAL can read, 1 or 2 bands (band 1 of an
    // integer type, or a floating type holding whole class numbers; band 2 any real type), a
    // CRS, a north-up geotransform with square pixels, sane dimensions. Throws InputError naming
    // the file and the problem.
    explicit RasterSource(const std::filesystem::path& path);
    RasterSource(const RasterSource&) = delete;
    RasterSource& operator=(const RasterSource&) = delete;
    ~RasterSource();

    const std::filesystem::path& path() const;
    int width() const;
    int height() const;
    const RasterGeometry& geometry() const;
    std::optional<int> epsg() const;      // when the CRS has (or is identified with) an EPSG code
    std::string crs_description() const;  // "EPSG:2154" or the CRS's name
    std::optional<double> nodata() const; // band 1's nodata value, if it declares one
    bool has_confidence() const;
    std::optional<ConfidenceScale> confidence_scale() const;  // nullopt without a band 2

    // Band 1 over pixels [x0, x0 + w) × [y0, y0 + h); `out` is resized to w × h, row-major.
    // Pixels outside the raster and band-1 nodata pixels become `nodata_value`. Throws
    // InputError naming the file, band and window when GDAL cannot read it (a truncated file).
    void read_labels(int x0, int y0, int w, int h, std::vector<std::int32_t>& out, std::int32_t nodata_value);
    // Band 2 likewise, as stored (no rescaling); outside pixels and band-2 nodata become NaN.
    // Throws std::logic_error when the raster has no confidence band.
    void read_confidence(int x0, int y0, int w, int h, std::vector<float>& out);

    // "pred.tif, band 1, pixels x 2048..2303, y 512..767" (inclusive ranges).
    std::string where(int band, int x0, int y0, int w, int h) const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// GDAL's sieve (GDALSieveFilter, 4-connectedness) over a w × h row-major class buffer, in
// place: regions of fewer than `threshold_px` pixels take the class of their largest neighbour.
// Pixels equal to `nodata_value` are never changed and never spread. Throws std::runtime_error
// if GDAL fails (out of memory).
void sieve(std::vector<std::int32_t>& labels, int w, int h, int threshold_px, std::int32_t nodata_value);

enum class PixelType { byte, int32, float32 };
enum class Compression { none, deflate, lzw };

struct RasterSpec {
    int width = 0;
    int height = 0;
    int bands = 1;
    PixelType type = PixelType::byte;  // GeoTIFF holds one type for all bands
    int epsg = 2154;
    RasterGeometry geometry;
    Compression compression = Compression::deflate;
    int zlevel = 6;                     // DEFLATE level, 1 (fast) .. 9 (small)
    std::optional<double> nodata;       // GeoTIFF keeps one nodata value for all bands
    bool band_interleave = true;        // INTERLEAVE=BAND: reading band 1 alone decodes less
};

// A tiled (256 × 256) GeoTIFF, BIGTIFF=IF_SAFER, created (replaced) at construction.
// Errors throw std::runtime_error naming the file.
class RasterWriter {
public:
    RasterWriter(const std::filesystem::path& path, const RasterSpec& spec);
    RasterWriter(const RasterWriter&) = delete;
    RasterWriter& operator=(const RasterWriter&) = delete;
    ~RasterWriter();  // closes if close() was not called, ignoring errors

    // Writes a w × h row-major window of `data`, whose type is the spec's pixel type, to band
    // `band` (1-based) at pixel (x0, y0); the window must lie inside the raster.
    void write(int band, int x0, int y0, int w, int h, const void* data);
    // Writes the blocks cached so far to the file (GDAL would keep up to its whole cache, 5 %
    // of the RAM, of dirty blocks): call it after each row of tiles to bound memory.
    void flush();
    // Flushes and closes the file; the raster is complete only after it returns.
    void close();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace tessera::geo
