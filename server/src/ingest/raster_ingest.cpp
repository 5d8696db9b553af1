#include "ingest/raster_ingest.hpp"

#include <gdal.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>

#include "edits/partition_check.hpp"
#include "geo/raster_source.hpp"
#include "geo/wkb.hpp"
#include "ingest/progress.hpp"
#include "ingest/raster_polygonize.hpp"
#include "tiles/grid.hpp"

namespace tessera::ingest {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

constexpr std::int32_t nodata = std::numeric_limits<std::int32_t>::min();

// Where the tiles fall in the raster's pixels: every tile border on a pixel border.
struct PixelGrid {
    std::int64_t origin_x_cm = 0, origin_y_cm = 0, pixel_cm = 100;
    int tile_px = 0;
    int width = 0, height = 0;

    struct Window {
        int x0, y0, size;  // the tile's pixels: [x0, x0 + size) × [y0, y0 + size)
    };
    Window window(const tiles::Box& tile) const {
        const auto x_cm = std::llround(tile.min_x * 100), top_cm = std::llround(tile.max_y * 100);
        return {static_cast<int>((x_cm - origin_x_cm) / pixel_cm), static_cast<int>((origin_y_cm - top_cm) / pixel_cm),
                tile_px};
    }
};

// Model classes to OCS GE codes, looked up per pixel: a table for the usual small class numbers.
class ClassTable {
public:
    explicit ClassTable(const ClassMapping& mapping) : m_mapping(mapping) {
        for (const auto& [cls, codes] : mapping.entries()) {
            if (cls < 0 || cls > 65535) continue;
            if (static_cast<std::size_t>(cls) >= m_table.size()) m_table.resize(static_cast<std::size_t>(cls) + 1, nullptr);
            m_table[static_cast<std::size_t>(cls)] = &codes;
        }
    }
    const ClassCodes* find(std::int32_t cls) const {
        if (cls >= 0 && static_cast<std::size_t>(cls) < m_table.size()) return m_table[static_cast<std::size_t>(cls)];
        return m_mapping.find(cls);
    }

private:
    const ClassMapping& m_mapping;
    std::vector<const ClassCodes*> m_table;
};

// The temporary sieved raster, removed whatever happens.
struct TemporaryFile {
    std::filesystem::path path;
    ~TemporaryFile() {
        std::error_code ec;
        if (!path.empty()) std::filesystem::remove(path, ec);
    }
};

std::string pixel_where(const geo::RasterSource& source, int band, int x, int y) {
    return source.path().string() + ", band " + std::to_string(band) + ", pixel x " + std::to_string(x) + ", y " +
           std::to_string(y);
}

class RasterTiles {
public:
    RasterTiles(const RasterOptions& options, const std::filesystem::path& labels_file, const PixelGrid& pixels,
                const tiles::Grid& grid, const ClassTable& classes, int srid, double confidence_scale, double low)
        : m_options(options), m_pixels(pixels), m_grid(grid), m_classes(classes), m_srid(srid),
          m_scale(confidence_scale), m_low(low), m_labels(labels_file) {
        if (options.file != labels_file) m_source.emplace(options.file);
    }

    std::optional<TileOutput> operator()(const tiles::TileKey& key) {
        TileOutput out;
        auto& tally = out.tally;
        const auto bounds = m_grid.bounds(key);
        const auto w = m_pixels.window(bounds);
        auto t = Clock::now();
        LabelWindow window;
        window.width = window.height = w.size;
        m_labels.read_labels(w.x0 - 1, w.y0 - 1, w.size + 2, w.size + 2, window.labels, nodata);
        window.nodata = nodata;
        bool any = false;
        for (int y = 1; y <= w.size && !any; ++y)
            for (int x = 1; x <= w.size; ++x)
                if (window.labels[static_cast<std::size_t>(y) * static_cast<std::size_t>(w.size + 2) +
                                  static_cast<std::size_t>(x)] != nodata) {
                    any = true;
                    break;
                }
        if (!any) return std::nullopt;
        auto& confidence_source = m_source ? *m_source : m_labels;
        if (confidence_source.has_confidence()) {
            confidence_source.read_confidence(w.x0, w.y0, w.size, w.size, window.confidence);
            check_confidence(confidence_source, w, window.confidence);
        }
        tally.stage_seconds["read"] += since(t);

        t = Clock::now();
        window.origin_x_cm = std::llround(bounds.min_x * 100);
        window.origin_y_cm = std::llround(bounds.max_y * 100);
        window.pixel_cm = m_pixels.pixel_cm;
        window.simplify_cm = m_options.simplify_m ? std::llround(*m_options.simplify_m * 100) : m_pixels.pixel_cm;
        const auto polygons = polygonize_window(window);
        tally.stage_seconds["polygonize"] += since(t);

        t = Clock::now();
        out.features.reserve(polygons.size());
        const double pixel_m2 = static_cast<double>(m_pixels.pixel_cm * m_pixels.pixel_cm) / 1e4;
        for (const auto& p : polygons) {
            const auto* codes = m_classes.find(p.label);
            if (!codes) {  // without a sieve pass, classes are first seen here
                const auto& at = p.rings.front().front();
                throw geo::InputError(m_options.file.string() + ", band 1, the region with its corner at " +
                                      std::to_string(static_cast<double>(at.x) / 100) + ", " +
                                      std::to_string(static_cast<double>(at.y) / 100) + ": class " +
                                      std::to_string(p.label) + " is missing from the class mapping (" +
                                      m_options.mapping->origin() + ")");
            }
            const double confidence = std::isnan(p.mean_confidence) ? p.mean_confidence
                                                                    : std::clamp(p.mean_confidence / m_scale, 0.0, 1.0);
            std::optional<float> c;
            if (!std::isnan(confidence)) c = static_cast<float>(confidence);
            tally.add_polygon(codes->code_cs, std::to_string(p.label), static_cast<double>(p.pixels) * pixel_m2,
                              confidence, m_low);
            out.features.push_back(store::NewFeature{codes->code_cs, codes->code_us, c,
                                                     geo::polygon_to_wkb(p.rings, m_srid),
                                                     static_cast<double>(edits::polygon_area2(p.rings)) / 2e4});
        }
        tally.stage_seconds["encode"] += since(t);
        return out;
    }

private:
    void check_confidence(const geo::RasterSource& source, const PixelGrid::Window& w, const std::vector<float>& values) const {
        for (std::size_t i = 0; i < values.size(); ++i) {
            const float v = values[i];
            if (std::isnan(v)) continue;
            if (!std::isfinite(v) || v < 0 || v > m_scale * 1.0001) {
                const int x = w.x0 + static_cast<int>(i % static_cast<std::size_t>(w.size));
                const int y = w.y0 + static_cast<int>(i / static_cast<std::size_t>(w.size));
                throw geo::InputError(pixel_where(source, 2, x, y) + ": confidence " + std::to_string(v) +
                                      " is not within 0.." + (m_scale > 1 ? "100" : "1"));
            }
        }
    }

    const RasterOptions& m_options;
    const PixelGrid& m_pixels;
    const tiles::Grid& m_grid;
    const ClassTable& m_classes;
    int m_srid;
    double m_scale, m_low;
    geo::RasterSource m_labels;                 // the sieved classes (or the input itself)
    std::optional<geo::RasterSource> m_source;  // the input, for the confidence, when sieved apart
};

// Checks the raster against the project: its CRS, pixel size and alignment on the tile grid.
PixelGrid pixel_grid(const geo::RasterSource& source, const store::ProjectRecord& project) {
    const auto file = source.path().string();
    const auto epsg = source.epsg();
    if (!epsg || *epsg != project.srid) {
        throw geo::InputError(file + ": the raster is in " + source.crs_description() + ", the project in EPSG:" +
                              std::to_string(project.srid) + "; reproject it first, on the project's grid (gdalwarp -t_srs EPSG:" +
                              std::to_string(project.srid) + " -tr RES RES -tap -r near)");
    }
    const auto& g = source.geometry();
    PixelGrid p;
    const double pixel_cm = g.pixel_size * 100;
    p.pixel_cm = std::llround(pixel_cm);
    if (p.pixel_cm < 1 || std::fabs(pixel_cm - static_cast<double>(p.pixel_cm)) > 1e-6) {
        throw geo::InputError(file + ": pixels of " + std::to_string(g.pixel_size) +
                              " m are not a whole number of centimetres");
    }
    const std::int64_t tile_cm = static_cast<std::int64_t>(project.tile_size_m) * 100;
    if (tile_cm % p.pixel_cm != 0) {
        throw geo::InputError(file + ": pixels of " + std::to_string(g.pixel_size) + " m do not divide the " +
                              std::to_string(project.tile_size_m) + " m tiles");
    }
    const double ox = g.origin_x * 100, oy = g.origin_y * 100;
    p.origin_x_cm = std::llround(ox);
    p.origin_y_cm = std::llround(oy);
    if (std::fabs(ox - static_cast<double>(p.origin_x_cm)) > 1e-3 || std::fabs(oy - static_cast<double>(p.origin_y_cm)) > 1e-3 ||
        p.origin_x_cm % p.pixel_cm != 0 || p.origin_y_cm % p.pixel_cm != 0) {
        throw geo::InputError(file + ": the pixels are not aligned on the tile grid (origin " + std::to_string(g.origin_x) +
                              ", " + std::to_string(g.origin_y) + "); realign it (gdalwarp -tr RES RES -tap -r near)");
    }
    p.tile_px = static_cast<int>(tile_cm / p.pixel_cm);
    p.width = source.width();
    p.height = source.height();
    return p;
}

// 0..1 or 0..100: integer bands hold percentages; a floating band is sampled.
double confidence_scale(geo::RasterSource& source, ConfidenceUnit unit, std::ostream& log) {
    if (unit == ConfidenceUnit::unit) return 1;
    if (unit == ConfidenceUnit::percent) return 100;
    const auto scale = source.confidence_scale();
    if (!scale) return 1;
    if (!scale->floating) return 100;
    float largest = 0;
    std::vector<float> values;
    const int n = 512;
    const int xs[] = {0, std::max(0, source.width() / 2 - n / 2), std::max(0, source.width() - n)};
    const int ys[] = {0, std::max(0, source.height() / 2 - n / 2), std::max(0, source.height() - n)};
    for (int x : xs)
        for (int y : ys) {
            source.read_confidence(x, y, std::min(n, source.width()), std::min(n, source.height()), values);
            for (float v : values)
                if (std::isfinite(v)) largest = std::max(largest, v);
        }
    const double s = largest > 1.0f ? 100 : 1;
    log << "confidence band (" << scale->data_type << ") read as 0.." << (s > 1 ? "100" : "1") << " (largest sampled value "
        << largest << "; --confidence unit|percent to say)\n";
    return s;
}

// Pass 1: every tile window sieved with a margin around it, its core written to `out`.
void sieve_pass(const RasterOptions& options, const std::vector<tiles::TileKey>& keys, const tiles::Grid& grid,
                const PixelGrid& pixels, const ClassTable& classes, int threshold_px, const std::filesystem::path& out,
                ImportReport& report, std::ostream& log) {
    const int margin = std::clamp(static_cast<int>(std::ceil(std::sqrt(static_cast<double>(threshold_px)))) * 4, 16, 256);
    geo::RasterSpec spec;
    spec.width = pixels.width;
    spec.height = pixels.height;
    spec.type = geo::PixelType::int32;
    spec.bands = 1;
    spec.compression = geo::Compression::lzw;
    spec.nodata = static_cast<double>(nodata);
    {
        geo::RasterSource source(options.file);
        spec.epsg = *source.epsg();
        spec.geometry = source.geometry();
    }
    geo::RasterWriter writer(out, spec);
    std::mutex write_mutex;
    Progress progress(log, "tiles sieved", keys.size(), Progress::is_terminal(log));
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    std::exception_ptr error;
    std::mutex error_mutex;
    std::atomic<std::uint64_t> pixels_in{0}, changed{0};
    std::atomic<std::int64_t> busy_us{0};
    const auto work = [&] {
        try {
            geo::RasterSource source(options.file);
            std::vector<std::int32_t> labels, before;
            while (!stop) {
                const auto i = next.fetch_add(1);
                if (i >= keys.size()) return;
                const auto t0 = Clock::now();
                const auto w = pixels.window(grid.bounds(keys[i]));
                const int size = w.size + 2 * margin;
                source.read_labels(w.x0 - margin, w.y0 - margin, size, size, labels, nodata);
                // Every class of the tile must be mapped; the first one that is not is named.
                std::uint64_t in = 0;
                for (int y = margin; y < margin + w.size; ++y)
                    for (int x = margin; x < margin + w.size; ++x) {
                        const auto v = labels[static_cast<std::size_t>(y) * static_cast<std::size_t>(size) +
                                              static_cast<std::size_t>(x)];
                        if (v == nodata) continue;
                        ++in;
                        if (!classes.find(v)) {
                            throw geo::InputError(pixel_where(source, 1, w.x0 + x - margin, w.y0 + y - margin) +
                                                  ": class " + std::to_string(v) + " is missing from the class mapping (" +
                                                  options.mapping->origin() + ")");
                        }
                    }
                pixels_in += in;
                if (in == 0) {
                    progress.advance(1);
                    continue;
                }
                before = labels;
                geo::sieve(labels, size, size, threshold_px, nodata);
                // The core, clipped to the raster, goes to the sieved raster.
                const int x0 = std::max(w.x0, 0), y0 = std::max(w.y0, 0);
                const int x1 = std::min(w.x0 + w.size, pixels.width), y1 = std::min(w.y0 + w.size, pixels.height);
                std::vector<std::int32_t> core(static_cast<std::size_t>(x1 - x0) * static_cast<std::size_t>(y1 - y0));
                std::uint64_t moved = 0;
                for (int y = y0; y < y1; ++y)
                    for (int x = x0; x < x1; ++x) {
                        const auto at = static_cast<std::size_t>(y - w.y0 + margin) * static_cast<std::size_t>(size) +
                                        static_cast<std::size_t>(x - w.x0 + margin);
                        core[static_cast<std::size_t>(y - y0) * static_cast<std::size_t>(x1 - x0) +
                             static_cast<std::size_t>(x - x0)] = labels[at];
                        moved += labels[at] != before[at];
                    }
                changed += moved;
                {
                    std::lock_guard lock(write_mutex);
                    writer.write(1, x0, y0, x1 - x0, y1 - y0, core.data());
                }
                busy_us += std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
                progress.advance(1);
            }
        } catch (...) {
            std::lock_guard lock(error_mutex);
            if (!error) error = std::current_exception();
            stop = true;
        }
    };
    const unsigned n = std::min<unsigned>(worker_count(options.load.threads), static_cast<unsigned>(keys.size()));
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < n; ++t) threads.emplace_back(work);
    for (auto& t : threads) t.join();
    progress.finish();
    if (error) std::rethrow_exception(error);
    writer.close();
    report.input_pixels = pixels_in;
    report.sieved_m2 = static_cast<double>(changed) * static_cast<double>(pixels.pixel_cm * pixels.pixel_cm) / 1e4;
    report.totals.stage_seconds["sieve"] += static_cast<double>(busy_us.load()) / 1e6;
}

}  // namespace

void ingest_raster(RasterOptions options, store::ProjectStore& projects, const store::ProjectRecord& project,
                   const core::Nomenclature& nomenclature, ImportReport& report, std::ostream& log) {
    const auto t0 = Clock::now();
    if (!options.mapping) throw std::invalid_argument("a raster import needs a class mapping");
    // GDAL's block cache is shared by the workers; bounded so that memory does not grow with
    // the raster.
    GDALSetCacheMax64(256ll << 20);
    geo::RasterSource source(options.file);
    const auto pixels = pixel_grid(source, project);
    log << "reading " << options.file.string() << " (" << source.width() << " × " << source.height() << " pixels of "
        << source.geometry().pixel_size << " m, " << source.crs_description()
        << (source.has_confidence() ? ", with confidence" : ", no confidence band") << ")\n";
    if (options.simplify_m && (!std::isfinite(*options.simplify_m) || *options.simplify_m < 0))
        throw std::invalid_argument("the simplification tolerance must be 0 or more metres");
    const double scale = source.has_confidence() ? confidence_scale(source, options.confidence, log) : 1;

    const tiles::Grid grid(project.tile_size_m);
    const auto& g = source.geometry();
    const tiles::Box extent{g.origin_x, g.origin_y - source.height() * g.pixel_size,
                            g.origin_x + source.width() * g.pixel_size, g.origin_y};
    auto keys = grid.keys_in(extent, 1'000'000);
    if (!keys) throw geo::InputError(options.file.string() + ": the raster spans more than a million tiles");
    report.mapping = options.mapping->origin();
    const ClassTable classes(*options.mapping);

    options.load.kind = "raster";
    options.load.source = options.file.string();
    char tolerance[32];
    std::snprintf(tolerance, sizeof tolerance, "%.4f", options.simplify_m.value_or(-1));
    options.load.run_key = digest({"raster", std::filesystem::absolute(options.file).lexically_normal().string(),
                                   options.mapping->to_csv(), std::to_string(options.sieve_m2), tolerance,
                                   std::to_string(scale), options.load.prediction_set,
                                   options.load.beside_edited ? "beside" : ""});

    // Pass 1: the sieve, into a temporary raster read by pass 2.
    TemporaryFile sieved;
    std::filesystem::path labels_file = options.file;
    const double pixel_m2 = static_cast<double>(pixels.pixel_cm * pixels.pixel_cm) / 1e4;
    const int threshold_px = static_cast<int>(std::ceil(options.sieve_m2 / pixel_m2 - 1e-9));
    if (threshold_px > 1) {
        const auto dir = options.work_dir.empty() ? std::filesystem::temp_directory_path() : options.work_dir;
        sieved.path = dir / ("tessera-sieved-" + options.load.run_key + "-" + std::to_string(::getpid()) + ".tif");
        log << "sieving regions under " << options.sieve_m2 << " m² (" << threshold_px << " pixels), " << keys->size()
            << " tiles\n";
        sieve_pass(options, *keys, grid, pixels, classes, threshold_px, sieved.path, report, log);
        labels_file = sieved.path;
    }

    const double low = (options.load.qc_rules ? *options.load.qc_rules : qc::Rules::defaults()).confidence_threshold();
    const auto factory = [&]() -> TileProducer {
        auto tiles = std::make_shared<RasterTiles>(options, labels_file, pixels, grid, classes, project.srid, scale, low);
        return [tiles](const tiles::TileKey& key) { return (*tiles)(key); };
    };
    log << "polygonizing and loading " << keys->size() << " tiles, " << worker_count(options.load.threads)
        << " workers\n";
    load_tiles(*keys, factory, options.load, projects, project, nomenclature, report, log);
    report.seconds = since(t0);
}

}  // namespace tessera::ingest
