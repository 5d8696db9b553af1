#include "demo/demo.hpp"

#include <chrono>
#include <cmath>
#include <ostream>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <gdal_priv.h>

#include "demo/gpkg_writer.hpp"
#include "demo/imagery.hpp"
#include "demo/osm_source.hpp"
#include "demo/partition.hpp"
#include "demo/prediction.hpp"
#include "demo/procedural.hpp"
#include "geo/geos.hpp"

namespace tessera::demo {

namespace {

class Stopwatch {
public:
    double lap() {
        const auto now = std::chrono::steady_clock::now();
        const double s = std::chrono::duration<double>(now - m_start).count();
        m_start = now;
        return s;
    }

private:
    std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
};

std::string seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f s", s);
    return buf;
}

void check_options(const Options& o, const tiles::Box& extent) {
    if (o.out_dir.empty()) throw std::runtime_error("demo: no output directory given");
    if (o.tile_size_m <= 0 || o.tile_size_m % 1000 != 0)
        throw std::runtime_error("demo: tile size must be a positive multiple of 1000 m, got " + std::to_string(o.tile_size_m));
    const double px = o.tile_size_m / o.imagery_resolution_m;
    if (!(o.imagery_resolution_m > 0) || std::abs(px - std::round(px)) > 1e-6 || px < 16 || px > 8192)
        throw std::runtime_error("demo: imagery resolution must divide the tile size into 16 to 8192 pixels");
    const double s = o.tile_size_m;
    auto whole = [s](double v) { return std::abs(v / s - std::round(v / s)) < 1e-9; };
    if (!extent.valid() || !whole(extent.min_x) || !whole(extent.min_y) || !whole(extent.max_x) || !whole(extent.max_y))
        throw std::runtime_error("demo: the extent must be made of whole tiles");
    if (tiles::Grid(o.tile_size_m).count_in(extent) > 2500)
        throw std::runtime_error("demo: the extent is too large for a demo (more than 2500 tiles)");
}

}  // namespace

Summary generate(const Options& options, std::ostream& log) {
    GDALAllRegister();
    Stopwatch total, watch;
    geo::Context ctx;

    std::optional<std::filesystem::path> osm;
    if (options.geo_dir) {
        const auto file = *options.geo_dir / osm_file_name;
        if (std::filesystem::is_regular_file(file))
            osm = file;
        else
            log << "demo: " << file.string() << " not found, generating a territory instead\n";
    }
    const tiles::Box extent = options.extent ? *options.extent
                              : osm          ? default_osm_extent(options.tile_size_m)
                                             : default_procedural_extent();
    check_options(options, extent);

    std::error_code ec;
    const auto imagery_dir = options.out_dir / "imagery";
    std::filesystem::create_directories(imagery_dir, ec);
    if (ec) throw std::runtime_error("demo: cannot create " + imagery_dir.string() + ": " + ec.message());

    // Tiles of an earlier run over another extent must not linger beside this run's.
    std::vector<std::filesystem::path> stale;
    for (const auto& entry : std::filesystem::directory_iterator(imagery_dir, ec)) {
        const auto& path = entry.path();
        if (entry.is_regular_file() && path.extension() == ".png" && tiles::parse_key(path.stem().string()))
            stale.push_back(path);
    }
    for (const auto& path : stale) std::filesystem::remove(path, ec);

    Territory territory;
    if (osm) {
        const tiles::Box bbox = osm_extract_bbox();
        if (extent.min_x < bbox.min_x || extent.min_y < bbox.min_y || extent.max_x > bbox.max_x || extent.max_y > bbox.max_y)
            log << "demo: the extent reaches beyond the OSM extract; land outside it takes the default class\n";
        OsmStats st;
        territory = read_osm_territory(ctx, *osm, extent, options.seed, &st);
        log << "demo: read " << osm->filename().string() << ": " << st.polygons_mapped << " of " << st.polygons_read
            << " polygons and " << st.lines_mapped << " of " << st.lines_read << " lines mapped in "
            << seconds(watch.lap()) << "\n";
    } else {
        territory = make_procedural_territory(ctx, extent, options.seed);
        log << "demo: generated territory: " << territory.items.size() << " source polygons in "
            << seconds(watch.lap()) << "\n";
    }

    const TruthBuild truth = build_truth(ctx, territory);
    log << "demo: truth: " << truth.clipped_items << " source polygons, " << truth.faces.size() << " faces -> "
        << truth.pieces.size() << " polygons in " << seconds(watch.lap()) << "\n";

    PredictionStats pst;
    const std::vector<PredictedPiece> predicted = predict(ctx, truth.pieces, extent, options.seed, &pst);
    std::size_t confused = 0;
    for (const auto& p : predicted) confused += p.confused ? 1 : 0;
    log << "demo: prediction: " << pst.confused_truth << " polygons confused, " << pst.merged_truth
        << " merged into a neighbour, " << pst.patches << " wrong patches, " << pst.faces << " faces -> "
        << predicted.size() << " polygons (" << confused << " mostly wrong) in " << seconds(watch.lap()) << "\n";

    Summary summary;
    summary.source = territory.source;
    summary.extent = extent;
    summary.truth_polygons = truth.pieces.size();
    summary.predicted_polygons = predicted.size();
    summary.confused_polygons = confused;
    summary.truth_path = options.out_dir / "truth.gpkg";
    summary.prediction_path = options.out_dir / "prediction.gpkg";
    summary.imagery_dir = imagery_dir;

    std::vector<FeatureRow> rows;
    rows.reserve(truth.pieces.size());
    for (const Piece& p : truth.pieces) rows.push_back(FeatureRow{p.geom.get(), p.cls, 1});
    write_gpkg(ctx, summary.truth_path, "truth", rows, false);
    rows.clear();
    for (const PredictedPiece& p : predicted) rows.push_back(FeatureRow{p.geom.get(), p.cls, p.confidence});
    write_gpkg(ctx, summary.prediction_path, "prediction", rows, true);
    log << "demo: wrote " << summary.truth_path.string() << " and " << summary.prediction_path.string() << " in "
        << seconds(watch.lap()) << "\n";

    const std::size_t tiles = render_imagery(ctx, territory, truth, imagery_dir, options.tile_size_m,
                                             options.imagery_resolution_m, options.seed);
    log << "demo: imagery: " << tiles << " tiles at " << options.imagery_resolution_m << " m in "
        << seconds(watch.lap()) << "\n";
    log << "demo: " << summary.source << " territory, " << tiles << " tiles, done in " << seconds(total.lap()) << "\n";
    return summary;
}

}  // namespace tessera::demo
