#include "ingest/vector_ingest.hpp"

#include <chrono>
#include <cmath>
#include <vector>

#include "core/hex.hpp"
#include "edits/normalize.hpp"
#include "geo/geos.hpp"
#include "geo/wkb.hpp"
#include "tiles/grid.hpp"
#include "workflow/tile_checks.hpp"

namespace tessera::ingest {
namespace {

struct Input {
    std::int64_t fid;
    geo::Geom geom;
    std::string cs, us;
    std::optional<double> confidence;
};

}  // namespace

VectorReport ingest_vector(const VectorOptions& options, store::ProjectStore& projects,
                           const store::ProjectRecord& project, const core::Nomenclature& nomenclature,
                           std::ostream& log) {
    const auto t0 = std::chrono::steady_clock::now();
    VectorReport report;
    geo::Context ctx;
    geo::VectorSource source(options.file, options.layer, project.srid, options.fields);
    log << "reading " << options.file.string() << ", layer '" << source.layer_name() << "' (" << source.source_crs()
        << (source.reprojected() ? ", reprojected to EPSG:" + std::to_string(project.srid) : "") << ")\n";

    // Read and check everything first: a bad feature stops the import before any tile is written.
    std::vector<Input> inputs;
    geo::VectorFeature f;
    double max_confidence = 0;
    while (source.next(f)) {
        const auto here = source.where(f.fid);
        if (!nomenclature.is_leaf_cs(f.cs)) {
            throw geo::InputError(here + ": '" + f.cs + "' in field '" + options.fields.cs +
                                  "' is not a leaf land-cover code (CS1.1.1.1 ... CS2.2.2)");
        }
        if (!nomenclature.is_leaf_us(f.us) && !nomenclature.is_legacy_us(f.us)) {
            throw geo::InputError(here + ": '" + f.us + "' in field '" + options.fields.us +
                                  "' is not a leaf land-use code (US1.1 ... US6.6, US235)");
        }
        if (f.confidence) {
            if (!std::isfinite(*f.confidence) || *f.confidence < 0 || *f.confidence > 100) {
                throw geo::InputError(here + ": confidence " + std::to_string(*f.confidence) +
                                      " is not within 0..1 (or 0..100)");
            }
            max_confidence = std::max(max_confidence, *f.confidence);
        }
        auto g = ctx.from_wkb(f.wkb);
        if (!ctx.is_valid(g.get())) {
            g = ctx.own(GEOSMakeValid_r(ctx.handle(), g.get()), here + ": repairing");
            ++report.repaired;
        }
        inputs.push_back(Input{f.fid, std::move(g), f.cs, f.us, f.confidence});
    }
    report.features_read = inputs.size();
    if (inputs.empty()) throw geo::InputError(source.where(0).substr(0, source.where(0).rfind(',')) + ": no features");
    report.percent_confidence = max_confidence > 1.0;

    // Clip to tiles.
    const tiles::Grid grid(project.tile_size_m);
    struct Clipped {
        geo::RingsCm rings;
        const Input* from;
        std::optional<float> confidence;
    };
    std::map<tiles::TileKey, std::vector<Clipped>> clipped_by_tile;
    for (const auto& in : inputs) {
        double x0, y0, x1, y1;
        GEOSGeom_getXMin_r(ctx.handle(), in.geom.get(), &x0);
        GEOSGeom_getYMin_r(ctx.handle(), in.geom.get(), &y0);
        GEOSGeom_getXMax_r(ctx.handle(), in.geom.get(), &x1);
        GEOSGeom_getYMax_r(ctx.handle(), in.geom.get(), &y1);
        auto keys = grid.keys_in(tiles::Box{x0, y0, std::nextafter(x1, 1e300), std::nextafter(y1, 1e300)}, 1'000'000);
        if (!keys) throw geo::InputError(source.where(in.fid) + ": the polygon spans more than a million tiles");
        std::optional<float> confidence;
        if (in.confidence) confidence = static_cast<float>(report.percent_confidence ? *in.confidence / 100 : *in.confidence);
        for (const auto& key : *keys) {
            const auto b = grid.bounds(key);
            auto box = ctx.box(b.min_x, b.min_y, b.max_x, b.max_y);
            auto clipped = ctx.intersection(in.geom.get(), box.get());
            for (auto& part : ctx.polygons(clipped.get())) {
                if (ctx.area(part.get()) <= 0) continue;
                auto rings = geo::polygon_from_wkb(ctx.to_wkb(part.get()));
                if (rings) clipped_by_tile[key].push_back({std::move(*rings), &in, confidence});
            }
        }
    }
    // Polygons clipped one by one may differ from their neighbours by sub-centimetre slivers:
    // each tile is rebuilt as an exact partition of its square (one noding of all its edges).
    std::map<tiles::TileKey, std::vector<store::NewFeature>> by_tile;
    for (auto& [key, pieces] : clipped_by_tile) {
        std::vector<geo::RingsCm> polygons;
        polygons.reserve(pieces.size());
        for (const auto& p : pieces) polygons.push_back(p.rings);
        auto parts = edits::normalize_partition(grid.bounds(key), polygons);
        auto& features = by_tile[key];
        for (auto& part : parts) {
            const auto& from = pieces[part.source];
            auto wkb = geo::polygon_to_wkb(part.rings, project.srid);
            auto g = ctx.from_wkb(wkb);
            report.area_by_cs[from.from->cs] += ctx.area(g.get());
            features.push_back(store::NewFeature{from.from->cs, from.from->us, from.confidence, core::hex(wkb)});
            ++report.polygons_loaded;
        }
    }
    clipped_by_tile.clear();
    inputs.clear();

    std::vector<std::string> keys;
    for (const auto& [key, features] : by_tile) keys.push_back(key.str());
    auto edited = projects.edited_tiles(project, keys);
    if (!edited.empty()) {
        std::string list;
        for (std::size_t i = 0; i < edited.size() && i < 50; ++i) list += (i ? ", " : "") + edited[i];
        if (edited.size() > 50) list += ", ...";
        throw std::runtime_error(std::to_string(edited.size()) +
                                 " tiles have been edited and would lose people's work; nothing was imported: " + list);
    }
    log << report.features_read << " features read (" << report.repaired << " repaired), " << report.polygons_loaded
        << " polygons in " << by_tile.size() << " tiles" << (options.dry_run ? " (dry run: nothing written)" : "")
        << "\n";
    if (!options.dry_run) {
        const int set_id = projects.prediction_set(project, options.prediction_set, options.file.filename().string());
        std::size_t done = 0;
        const workflow::Checker checker{options.qc_rules ? *options.qc_rules : qc::Rules::defaults(), nomenclature, grid};
        for (const auto& [key, features] : by_tile) {
            projects.load_tile(project, key, set_id, features, options.file.filename().string(),
                               [&, k = key](store::QcAccess& access, std::int64_t seq) {
                                   const auto check = workflow::check_whole_tile(checker, access, k, seq);
                                   for (const auto& issue : check.issues) ++report.issues_by_code[issue.code];
                                   report.blocking_issues += static_cast<std::size_t>(check.counts.blocking);
                               });
            ++done;
            if (done % 10 == 0 || done == by_tile.size())
                log << "  " << done << "/" << by_tile.size() << " tiles loaded\n" << std::flush;
        }
        report.tiles_loaded = done;
        std::size_t issues = 0;
        std::string by_code;
        for (const auto& [code, n] : report.issues_by_code) {
            issues += n;
            by_code += (by_code.empty() ? "" : ", ") + code + " " + std::to_string(n);
        }
        log << "quality controls: " << issues << " issues (" << report.blocking_issues << " blocking)"
            << (by_code.empty() ? "" : ": " + by_code) << "\n";
    }
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return report;
}

}  // namespace tessera::ingest
