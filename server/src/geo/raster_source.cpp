#include "geo/raster_source.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <gdal_alg.h>
#include <ogr_srs_api.h>

#include "geo/detail_gdal.hpp"

namespace tessera::geo {
namespace {

using detail::last_gdal_error;
using detail::QuietErrors;
using detail::register_drivers;

bool is_integer_type(GDALDataType t) {
    switch (t) {
        case GDT_Byte: case GDT_UInt16: case GDT_Int16: case GDT_UInt32: case GDT_Int32:
        case GDT_UInt64: case GDT_Int64:
            return true;
        default:
            return false;
    }
}

bool is_real_type(GDALDataType t) { return is_integer_type(t) || t == GDT_Float32 || t == GDT_Float64; }

double type_max(GDALDataType t) {
    switch (t) {
        case GDT_Byte: return 255;
        case GDT_UInt16: return 65535;
        case GDT_Int16: return 32767;
        case GDT_UInt32: return 4294967295.0;
        case GDT_Int32: return 2147483647.0;
        case GDT_UInt64: return 18446744073709551615.0;
        case GDT_Int64: return 9223372036854775807.0;
        default: return std::numeric_limits<double>::infinity();
    }
}

std::string format_size(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

// The intersection of a window with the raster, in raster pixels.
struct Clip {
    int x0, y0, x1, y1;  // [x0, x1) × [y0, y1)
    bool empty() const { return x1 <= x0 || y1 <= y0; }
};

Clip clip(int x0, int y0, int w, int h, int width, int height) {
    const auto cx0 = static_cast<int>(std::clamp<long long>(x0, 0, width));
    const auto cy0 = static_cast<int>(std::clamp<long long>(y0, 0, height));
    const auto cx1 = static_cast<int>(std::clamp<long long>(static_cast<long long>(x0) + w, 0, width));
    const auto cy1 = static_cast<int>(std::clamp<long long>(static_cast<long long>(y0) + h, 0, height));
    return {cx0, cy0, cx1, cy1};
}

// Quiets GDAL like QuietErrors and keeps what it said, for the open checks: a truncated file
// often opens, with warnings, and then seems to lack its CRS.
class ErrorCollector {
public:
    ErrorCollector() {
        CPLPushErrorHandlerEx(&ErrorCollector::handle, this);
        CPLErrorReset();
    }
    ~ErrorCollector() { CPLPopErrorHandler(); }
    ErrorCollector(const ErrorCollector&) = delete;
    ErrorCollector& operator=(const ErrorCollector&) = delete;

    // The first message that tells of a damaged file, or "".
    std::string damage() const {
        for (const auto& m : m_messages) {
            if (m.find("IO error") != std::string::npos || m.find("Read error") != std::string::npos ||
                m.find("truncat") != std::string::npos || m.find("corrupt") != std::string::npos)
                return m;
        }
        return "";
    }

private:
    static void CPL_STDCALL handle(CPLErr type, CPLErrorNum, const char* msg) {
        auto* self = static_cast<ErrorCollector*>(CPLGetErrorHandlerUserData());
        if (self && type >= CE_Warning && msg && self->m_messages.size() < 16) self->m_messages.emplace_back(msg);
    }
    std::vector<std::string> m_messages;
};

}  // namespace

struct RasterSource::Impl {
    std::filesystem::path path;
    std::string file;
    GDALDatasetH dataset = nullptr;
    GDALRasterBandH labels = nullptr, confidence = nullptr;
    int width = 0, height = 0;
    RasterGeometry geometry;
    std::optional<int> epsg;
    std::string crs;
    std::optional<double> nodata, confidence_nodata;
    GDALDataType label_type = GDT_Unknown;
    std::optional<ConfidenceScale> scale;

    ~Impl() {
        if (dataset) {
            QuietErrors quiet;
            GDALClose(dataset);
        }
    }

    [[noreturn]] void fail(const std::string& what) const { throw InputError(file + ": " + what); }

    void check_georeferencing() {
        OGRSpatialReferenceH srs = GDALGetSpatialRef(dataset);
        if (!srs) fail("the raster has no CRS; assign one (e.g. gdal_edit.py -a_srs EPSG:2154)");
        OGRSpatialReferenceH copy = OSRClone(srs);
        if (!OSRGetAuthorityCode(copy, nullptr)) OSRAutoIdentifyEPSG(copy);
        const char* auth = OSRGetAuthorityName(copy, nullptr);
        const char* code = OSRGetAuthorityCode(copy, nullptr);
        if (auth && code && std::string(auth) == "EPSG") {
            char* end = nullptr;
            const long v = std::strtol(code, &end, 10);
            if (end && *end == '\0' && v > 0) epsg = static_cast<int>(v);
        }
        const char* name = OSRGetName(copy);
        crs = epsg ? "EPSG:" + std::to_string(*epsg) : (name && *name ? name : "a CRS without an EPSG code");
        OSRDestroySpatialReference(copy);

        double gt[6];
        if (GDALGetGeoTransform(dataset, gt) != CE_None)
            fail("the raster has no geotransform (no georeferencing)");
        for (double v : gt)
            if (!std::isfinite(v)) fail("the geotransform has a NaN or infinite term");
        if (gt[2] != 0 || gt[4] != 0)
            fail("the geotransform is rotated or sheared (terms " + format_size(gt[2]) + ", " + format_size(gt[4]) +
                 "); warp it north-up first (gdalwarp)");
        const double sx = gt[1], sy = -gt[5];
        if (!(sx > 0) || !(sy > 0))
            fail("pixel size " + format_size(gt[1]) + " × " + format_size(gt[5]) +
                 " is not positive in x or not negative in y (north-up)");
        if (std::abs(sx - sy) > 1e-9 * std::max(sx, sy))
            fail("pixels are not square (" + format_size(sx) + " × " + format_size(sy) + ")");
        geometry = {gt[0], gt[3], sx};
    }

    // GeoTIFF tiles or strips recorded past the end of the file: a truncated copy or download.
    // Checked at open so the failure names the file before any worker starts.
    void check_not_truncated() {
        GDALDriverH driver = GDALGetDatasetDriver(dataset);
        if (!driver || std::string(GDALGetDriverShortName(driver)) != "GTiff") return;
        std::error_code ec;
        const auto size = std::filesystem::file_size(path, ec);
        if (ec) return;
        const int nbands = GDALGetRasterCount(dataset);
        for (int b = 1; b <= nbands; ++b) {
            GDALRasterBandH band = GDALGetRasterBand(dataset, b);
            int bw = 0, bh = 0;
            GDALGetBlockSize(band, &bw, &bh);
            if (bw <= 0 || bh <= 0) return;
            const long long nx = (width + bw - 1) / bw, ny = (height + bh - 1) / bh;
            if (nx * ny > 4'000'000) return;  // too many to look at cheaply; reads will tell
            for (long long j = ny - 1; j >= 0; --j) {
                for (long long i = nx - 1; i >= 0; --i) {
                    const std::string suffix = std::to_string(i) + "_" + std::to_string(j);
                    const char* off = GDALGetMetadataItem(band, ("BLOCK_OFFSET_" + suffix).c_str(), "TIFF");
                    const char* len = GDALGetMetadataItem(band, ("BLOCK_SIZE_" + suffix).c_str(), "TIFF");
                    if (!off || !len) continue;
                    const unsigned long long o = std::strtoull(off, nullptr, 10), n = std::strtoull(len, nullptr, 10);
                    if (o != 0 && o + n > size) {
                        throw InputError(file + ", band " + std::to_string(b) + ", pixels x " +
                                         std::to_string(i * bw) + ".." + std::to_string(std::min<long long>((i + 1) * bw, width) - 1) +
                                         ", y " + std::to_string(j * bh) + ".." +
                                         std::to_string(std::min<long long>((j + 1) * bh, height) - 1) +
                                         ": the file is truncated (this block ends at byte " + std::to_string(o + n) +
                                         ", the file has " + std::to_string(size) + ")");
                    }
                }
            }
        }
    }
};

RasterSource::RasterSource(const std::filesystem::path& path) : m_impl(std::make_unique<Impl>()) {
    register_drivers();
    ErrorCollector errors;
    auto& d = *m_impl;
    d.path = path;
    d.file = path.string();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) d.fail("no such file");
    if (std::filesystem::is_directory(path, ec)) d.fail("is a directory, not a raster file");
    d.dataset = GDALOpenEx(d.file.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR, nullptr, nullptr,
                           nullptr);
    if (!d.dataset) d.fail("cannot be read as a raster (" + last_gdal_error() + ")");
    if (const auto damage = errors.damage(); !damage.empty())
        d.fail("the file is truncated or corrupt (" + damage + ")");
    d.width = GDALGetRasterXSize(d.dataset);
    d.height = GDALGetRasterYSize(d.dataset);
    if (d.width <= 0 || d.height <= 0)
        d.fail("the raster is empty (" + std::to_string(d.width) + " × " + std::to_string(d.height) + " pixels)");
    const int nbands = GDALGetRasterCount(d.dataset);
    if (nbands < 1 || nbands > 2)
        d.fail("the raster has " + std::to_string(nbands) +
               " bands; expected 1 (model classes) or 2 (model classes, then confidence)");
    d.labels = GDALGetRasterBand(d.dataset, 1);
    d.label_type = GDALGetRasterDataType(d.labels);
    if (!is_integer_type(d.label_type) && d.label_type != GDT_Float32 && d.label_type != GDT_Float64)
        d.fail(std::string("band 1 (model classes) is of type ") + GDALGetDataTypeName(d.label_type) +
               "; expected an integer type");
    int has = 0;
    const double nd = GDALGetRasterNoDataValue(d.labels, &has);
    if (has) d.nodata = nd;
    if (nbands == 2) {
        d.confidence = GDALGetRasterBand(d.dataset, 2);
        const auto t = GDALGetRasterDataType(d.confidence);
        if (!is_real_type(t))
            d.fail(std::string("band 2 (confidence) is of type ") + GDALGetDataTypeName(t) + "; expected a real number type");
        d.scale = ConfidenceScale{GDALGetDataTypeName(t), !is_integer_type(t), type_max(t)};
        const double cnd = GDALGetRasterNoDataValue(d.confidence, &has);
        if (has) d.confidence_nodata = cnd;
    }
    d.check_georeferencing();
    d.check_not_truncated();
}

RasterSource::~RasterSource() = default;

const std::filesystem::path& RasterSource::path() const { return m_impl->path; }
int RasterSource::width() const { return m_impl->width; }
int RasterSource::height() const { return m_impl->height; }
const RasterGeometry& RasterSource::geometry() const { return m_impl->geometry; }
std::optional<int> RasterSource::epsg() const { return m_impl->epsg; }
std::string RasterSource::crs_description() const { return m_impl->crs; }
std::optional<double> RasterSource::nodata() const { return m_impl->nodata; }
bool RasterSource::has_confidence() const { return m_impl->confidence != nullptr; }
std::optional<ConfidenceScale> RasterSource::confidence_scale() const { return m_impl->scale; }

std::string RasterSource::where(int band, int x0, int y0, int w, int h) const {
    return m_impl->file + ", band " + std::to_string(band) + ", pixels x " + std::to_string(x0) + ".." +
           std::to_string(static_cast<long long>(x0) + w - 1) + ", y " + std::to_string(y0) + ".." +
           std::to_string(static_cast<long long>(y0) + h - 1);
}

namespace {

// Reads the clipped part of a window into `out` (already sized w × h rows, already filled with the
// outside value), as `type`, straight into place.
void read_window(const RasterSource& src, GDALRasterBandH band, int band_no, int x0, int y0, int w, const Clip& c,
                 void* out, GDALDataType type, int elem) {
    QuietErrors quiet;
    auto* base = static_cast<unsigned char*>(out) +
                 (static_cast<std::size_t>(c.y0 - y0) * static_cast<std::size_t>(w) + static_cast<std::size_t>(c.x0 - x0)) *
                     static_cast<std::size_t>(elem);
    const CPLErr err = GDALRasterIOEx(band, GF_Read, c.x0, c.y0, c.x1 - c.x0, c.y1 - c.y0, base, c.x1 - c.x0, c.y1 - c.y0,
                                      type, elem, static_cast<GSpacing>(w) * elem, nullptr);
    if (err != CE_None || CPLGetLastErrorType() >= CE_Failure)
        throw InputError(src.where(band_no, c.x0, c.y0, c.x1 - c.x0, c.y1 - c.y0) + ": read failed: " + last_gdal_error());
}

}  // namespace

void RasterSource::read_labels(int x0, int y0, int w, int h, std::vector<std::int32_t>& out, std::int32_t nodata_value) {
    if (w <= 0 || h <= 0) throw std::invalid_argument("read_labels: empty window");
    auto& d = *m_impl;
    const std::size_t n = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
    out.assign(n, nodata_value);
    const Clip c = clip(x0, y0, w, h, d.width, d.height);
    if (c.empty()) return;
    if (is_integer_type(d.label_type)) {
        // Integer nodata compares exactly after the conversion only when Int32 can hold it.
        std::optional<std::int32_t> nd;
        if (d.nodata && *d.nodata == std::floor(*d.nodata) && *d.nodata >= -2147483648.0 && *d.nodata <= 2147483647.0)
            nd = static_cast<std::int32_t>(*d.nodata);
        read_window(*this, d.labels, 1, x0, y0, w, c, out.data(), GDT_Int32, 4);
        if (nd && *nd != nodata_value) {
            for (int y = c.y0; y < c.y1; ++y) {
                std::int32_t* row = out.data() + static_cast<std::size_t>(y - y0) * w + (c.x0 - x0);
                for (int x = 0; x < c.x1 - c.x0; ++x)
                    if (row[x] == *nd) row[x] = nodata_value;
            }
        }
        return;
    }
    // A floating band 1 (a GeoTIFF whose confidence band is Float32 holds its classes as Float32
    // too): read as double, round, and map nodata and NaN.
    std::vector<double> tmp(n, std::numeric_limits<double>::quiet_NaN());
    read_window(*this, d.labels, 1, x0, y0, w, c, tmp.data(), GDT_Float64, 8);
    for (std::size_t i = 0; i < n; ++i) {
        const double v = tmp[i];
        if (std::isnan(v) || (d.nodata && v == *d.nodata) || v < -2147483648.0 || v > 2147483647.0)
            out[i] = nodata_value;
        else
            out[i] = static_cast<std::int32_t>(std::lround(v));
    }
}

void RasterSource::read_confidence(int x0, int y0, int w, int h, std::vector<float>& out) {
    auto& d = *m_impl;
    if (!d.confidence) throw std::logic_error("read_confidence: " + d.file + " has no confidence band");
    if (w <= 0 || h <= 0) throw std::invalid_argument("read_confidence: empty window");
    out.assign(static_cast<std::size_t>(w) * static_cast<std::size_t>(h), std::numeric_limits<float>::quiet_NaN());
    const Clip c = clip(x0, y0, w, h, d.width, d.height);
    if (c.empty()) return;
    read_window(*this, d.confidence, 2, x0, y0, w, c, out.data(), GDT_Float32, 4);
    if (d.confidence_nodata && !std::isnan(*d.confidence_nodata)) {
        const auto nd = static_cast<float>(*d.confidence_nodata);
        for (int y = c.y0; y < c.y1; ++y) {
            float* row = out.data() + static_cast<std::size_t>(y - y0) * w + (c.x0 - x0);
            for (int x = 0; x < c.x1 - c.x0; ++x)
                if (row[x] == nd) row[x] = std::numeric_limits<float>::quiet_NaN();
        }
    }
}

// ---- sieve -------------------------------------------------------------------------------------

namespace {

// A MEM dataset band over caller memory (no copy): DATAPOINTER is the MEM driver's documented
// way to wrap a buffer.
GDALRasterBandH wrap_band(GDALDatasetH ds, void* data, GDALDataType type, int elem, int w) {
    char pointer[64];
    CPLPrintPointer(pointer, data, sizeof pointer);
    CPLStringList options;
    options.SetNameValue("DATAPOINTER", pointer);
    options.SetNameValue("PIXELOFFSET", std::to_string(elem).c_str());
    options.SetNameValue("LINEOFFSET", std::to_string(static_cast<long long>(w) * elem).c_str());
    if (GDALAddBand(ds, type, options.List()) != CE_None) return nullptr;
    return GDALGetRasterBand(ds, GDALGetRasterCount(ds));
}

struct MemDataset {
    GDALDatasetH ds = nullptr;
    MemDataset(int w, int h) {
        GDALDriverH mem = GDALGetDriverByName("MEM");
        if (mem) ds = GDALCreate(mem, "", w, h, 0, GDT_Int32, nullptr);
    }
    ~MemDataset() {
        if (ds) GDALClose(ds);
    }
    MemDataset(const MemDataset&) = delete;
    MemDataset& operator=(const MemDataset&) = delete;
};

}  // namespace

void sieve(std::vector<std::int32_t>& labels, int w, int h, int threshold_px, std::int32_t nodata_value) {
    if (w <= 0 || h <= 0 || labels.size() != static_cast<std::size_t>(w) * static_cast<std::size_t>(h))
        throw std::invalid_argument("sieve: buffer size does not match " + std::to_string(w) + " × " + std::to_string(h));
    if (threshold_px <= 1) return;
    register_drivers();
    QuietErrors quiet;
    MemDataset mem(w, h);
    if (!mem.ds) throw std::runtime_error("sieve: cannot create an in-memory raster (" + last_gdal_error() + ")");
    GDALRasterBandH band = wrap_band(mem.ds, labels.data(), GDT_Int32, 4, w);
    if (!band) throw std::runtime_error("sieve: cannot wrap the buffer (" + last_gdal_error() + ")");
    // Nodata pixels are masked out: GDAL then neither sieves them nor merges a region into them.
    std::vector<std::uint8_t> mask;
    GDALRasterBandH mask_band = nullptr;
    if (std::find(labels.begin(), labels.end(), nodata_value) != labels.end()) {
        mask.resize(labels.size());
        for (std::size_t i = 0; i < labels.size(); ++i) mask[i] = labels[i] != nodata_value;
        mask_band = wrap_band(mem.ds, mask.data(), GDT_Byte, 1, w);
        if (!mask_band) throw std::runtime_error("sieve: cannot wrap the mask (" + last_gdal_error() + ")");
    }
    if (GDALSieveFilter(band, mask_band, band, threshold_px, 4, nullptr, nullptr, nullptr) != CE_None)
        throw std::runtime_error("sieve of a " + std::to_string(w) + " × " + std::to_string(h) +
                                 " window failed: " + last_gdal_error());
    GDALFlushCache(mem.ds);
}

// ---- writer ------------------------------------------------------------------------------------

struct RasterWriter::Impl {
    std::filesystem::path path;
    std::string file;
    RasterSpec spec;
    GDALDatasetH dataset = nullptr;

    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error("cannot write " + file + ": " + what + " (" + last_gdal_error() + ")");
    }
};

namespace {

GDALDataType gdal_type(PixelType t) {
    switch (t) {
        case PixelType::byte: return GDT_Byte;
        case PixelType::int32: return GDT_Int32;
        case PixelType::float32: return GDT_Float32;
    }
    return GDT_Unknown;
}

}  // namespace

RasterWriter::RasterWriter(const std::filesystem::path& path, const RasterSpec& spec) : m_impl(std::make_unique<Impl>()) {
    register_drivers();
    QuietErrors quiet;
    auto& d = *m_impl;
    d.path = path;
    d.file = path.string();
    d.spec = spec;
    if (spec.width <= 0 || spec.height <= 0 || spec.bands <= 0)
        throw std::invalid_argument("cannot write " + d.file + ": empty raster or no band");
    if (!(spec.geometry.pixel_size > 0) || !std::isfinite(spec.geometry.pixel_size))
        throw std::invalid_argument("cannot write " + d.file + ": the pixel size must be positive");
    GDALDriverH driver = GDALGetDriverByName("GTiff");
    if (!driver) d.fail("GDAL has no GTiff driver");
    CPLStringList options;
    options.SetNameValue("TILED", "YES");
    options.SetNameValue("BLOCKXSIZE", "256");
    options.SetNameValue("BLOCKYSIZE", "256");
    options.SetNameValue("BIGTIFF", "IF_SAFER");
    options.SetNameValue("INTERLEAVE", spec.band_interleave ? "BAND" : "PIXEL");
    switch (spec.compression) {
        case Compression::none: break;
        case Compression::deflate:
            options.SetNameValue("COMPRESS", "DEFLATE");
            options.SetNameValue("ZLEVEL", std::to_string(std::clamp(spec.zlevel, 1, 9)).c_str());
            break;
        case Compression::lzw: options.SetNameValue("COMPRESS", "LZW"); break;
    }
    std::error_code ec;
    std::filesystem::remove(path, ec);
    d.dataset = GDALCreate(driver, d.file.c_str(), spec.width, spec.height, spec.bands, gdal_type(spec.type), options.List());
    if (!d.dataset) d.fail("cannot create the GeoTIFF");
    OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
    const bool srs_ok = OSRImportFromEPSG(srs, spec.epsg) == OGRERR_NONE && GDALSetSpatialRef(d.dataset, srs) == CE_None;
    OSRDestroySpatialReference(srs);
    if (!srs_ok) d.fail("cannot set the CRS EPSG:" + std::to_string(spec.epsg));
    double gt[6] = {spec.geometry.origin_x, spec.geometry.pixel_size, 0, spec.geometry.origin_y, 0, -spec.geometry.pixel_size};
    if (GDALSetGeoTransform(d.dataset, gt) != CE_None) d.fail("cannot set the geotransform");
    if (spec.nodata && GDALSetRasterNoDataValue(GDALGetRasterBand(d.dataset, 1), *spec.nodata) != CE_None)
        d.fail("cannot set the nodata value");
}

RasterWriter::~RasterWriter() {
    if (m_impl && m_impl->dataset) {
        QuietErrors quiet;
        GDALClose(m_impl->dataset);
    }
}

void RasterWriter::write(int band, int x0, int y0, int w, int h, const void* data) {
    auto& d = *m_impl;
    if (!d.dataset) throw std::logic_error("RasterWriter::write after close: " + d.file);
    if (band < 1 || band > d.spec.bands || x0 < 0 || y0 < 0 || w <= 0 || h <= 0 ||
        static_cast<long long>(x0) + w > d.spec.width || static_cast<long long>(y0) + h > d.spec.height)
        throw std::invalid_argument("cannot write " + d.file + ": band " + std::to_string(band) + ", pixels x " +
                                    std::to_string(x0) + "+" + std::to_string(w) + ", y " + std::to_string(y0) + "+" +
                                    std::to_string(h) + " is outside the raster");
    QuietErrors quiet;
    const GDALDataType type = gdal_type(d.spec.type);
    if (GDALRasterIO(GDALGetRasterBand(d.dataset, band), GF_Write, x0, y0, w, h, const_cast<void*>(data), w, h, type, 0, 0) !=
        CE_None)
        d.fail("band " + std::to_string(band) + ", pixels x " + std::to_string(x0) + ".." + std::to_string(x0 + w - 1) +
               ", y " + std::to_string(y0) + ".." + std::to_string(y0 + h - 1) + ": write failed");
}

void RasterWriter::flush() {
    auto& d = *m_impl;
    if (!d.dataset) return;
    QuietErrors quiet;
    // Per band: the dataset's flush would also rewrite the TIFF directory each time.
    for (int b = 1; b <= d.spec.bands; ++b)
        if (GDALFlushRasterCache(GDALGetRasterBand(d.dataset, b)) != CE_None) d.fail("band " + std::to_string(b) + ": flushing failed");
}

void RasterWriter::close() {
    auto& d = *m_impl;
    if (!d.dataset) return;
    QuietErrors quiet;
    GDALDatasetH ds = d.dataset;
    d.dataset = nullptr;
    // GDALClose reports write failures (disk full) only through the error state before 3.7.
    GDALFlushCache(ds);
    const bool flush_failed = CPLGetLastErrorType() >= CE_Failure;
    GDALClose(ds);
    if (flush_failed || CPLGetLastErrorType() >= CE_Failure) d.fail("flushing failed");
}

}  // namespace tessera::geo
