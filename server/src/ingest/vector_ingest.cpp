#include "ingest/vector_ingest.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "edits/partition_check.hpp"
#include "geo/envelope.hpp"
#include "geo/geos.hpp"
#include "geo/ring_check.hpp"
#include "geo/wkb.hpp"
#include "qc/qc.hpp"
#include "tiles/grid.hpp"

namespace tessera::ingest {
namespace {

constexpr double no_confidence = std::numeric_limits<double>::quiet_NaN();

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Piece {
    geo::RingsCm rings;
    double confidence;  // 0..1, NaN: none
    std::int64_t fid;
    std::string cs, us, model_class;
};

class VectorTiles {
public:
    VectorTiles(const VectorOptions& options, const store::ProjectRecord& project, bool percent, double low)
        : m_options(options), m_grid(project.tile_size_m), m_srid(project.srid), m_percent(percent), m_low(low),
          m_source(options.file, options.layer, project.srid, options.fields) {}

    std::optional<TileOutput> operator()(const tiles::TileKey& key) {
        TileOutput out;
        auto& tally = out.tally;
        const auto bounds = m_grid.bounds(key);
        auto t = Clock::now();
        const auto pieces = read_pieces(bounds, tally);
        tally.stage_seconds["read and clip"] += since(t);
        if (pieces.empty()) return std::nullopt;

        t = Clock::now();
        std::vector<geo::RingsCm> polygons;
        polygons.reserve(pieces.size());
        for (auto& p : pieces) polygons.push_back(std::move(p.rings));  // the pieces keep their classes
        std::vector<edits::NormalizedPart> parts;
        out.coverage.emplace(bounds, polygons);
        if (out.coverage->exact()) {
            parts.reserve(pieces.size());
            for (std::size_t i = 0; i < pieces.size(); ++i) parts.push_back({i, std::move(polygons[i]), false});
        } else {
            // Repaired where the coverage test found trouble; the whole tile only if that fails.
            std::vector<edits::BoxCm> boxes;
            for (const auto& b : out.coverage->trouble()) boxes.push_back({b.min_x, b.min_y, b.max_x, b.max_y});
            out.coverage.reset();
            edits::NormalizeStats stats;
            parts = edits::normalize_locally(bounds, polygons, boxes, m_options.gaps, &stats);
            if (!stats.gaps_left) {
                std::vector<geo::RingsCm> repaired;
                repaired.reserve(parts.size());
                for (const auto& part : parts) repaired.push_back(part.rings);
                out.coverage.emplace(bounds, repaired);
                if (!out.coverage->exact()) {
                    out.coverage.reset();
                    parts = edits::normalize_partition(bounds, polygons, m_options.gaps, &stats);
                    ++tally.whole_tile_repairs;
                }
            }
            ++tally.repaired_tiles;
            tally.overlap_m2 += stats.overlap_m2;
            tally.gaps_filled += stats.gaps_filled;
            tally.gaps_filled_m2 += stats.gaps_filled_m2;
            tally.gaps_flagged += stats.gaps_flagged;
            tally.gaps_flagged_m2 += stats.gaps_flagged_m2;
            tally.uncovered_m2 += stats.gaps_left_m2;
        }
        tally.stage_seconds["partition"] += since(t);

        t = Clock::now();
        out.features.reserve(parts.size());
        for (const auto& part : parts) {
            const auto& from = pieces[part.source];
            // A flagged gap takes its neighbour's classes with no confidence at all: the quality
            // controls then ask a person to look at it.
            const double confidence = part.gap ? 0.0 : from.confidence;
            std::optional<float> c;
            if (!std::isnan(confidence)) c = static_cast<float>(confidence);
            auto wkb = geo::polygon_to_wkb(part.rings, m_srid);
            const double area = static_cast<double>(edits::polygon_area2(part.rings)) / 2e4;
            tally.add_polygon(from.cs, from.model_class, area, confidence, m_low);
            out.features.push_back(store::NewFeature{from.cs, from.us, c, std::move(wkb), area});
        }
        tally.stage_seconds["encode"] += since(t);
        return out;
    }

private:
    std::vector<Piece> read_pieces(const tiles::Box& bounds, TileTally& tally) {
        std::vector<Piece> pieces;
        m_source.restrict_to(bounds);
        const geo::PointCm min{std::llround(bounds.min_x * 100), std::llround(bounds.min_y * 100)};
        const geo::PointCm max{std::llround(bounds.max_x * 100), std::llround(bounds.max_y * 100)};
        geo::VectorFeature f;
        while (m_source.next(f)) {
            std::vector<geo::RingsCm> rings_list;
            if (!read_feature(f, min, max, bounds, tally, rings_list)) continue;
            Piece base{{}, confidence_of(f), f.fid, {}, {}, f.model_class};
            codes_of(f, base);
            for (auto& rings : rings_list) {
                if (rings.empty() || edits::polygon_area2(rings) <= 0) continue;
                Piece piece = base;
                piece.rings = std::move(rings);
                pieces.push_back(std::move(piece));
            }
        }
        // Overlaps go to the more confident polygon: the partition repair gives a face covered
        // twice to the first polygon holding it.
        std::stable_sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) {
            const double ca = std::isnan(a.confidence) ? -1 : a.confidence;
            const double cb = std::isnan(b.confidence) ? -1 : b.confidence;
            return ca != cb ? ca > cb : a.fid < b.fid;
        });
        return pieces;
    }

    // Features as polygons on the grid, parts exploded. Valid ones inside the tile come straight
    // from the file; valid ones crossing its sides are cut by rectangle clipping; GEOS's
    // fixed-precision overlays do the rest (invalid features, repaired and reported, and what
    // clipping or rounding leaves invalid). False when the feature misses the tile.
    bool read_feature(const geo::VectorFeature& f, const geo::PointCm& min, const geo::PointCm& max,
                      const tiles::Box& bounds, TileTally& tally, std::vector<geo::RingsCm>& out) {
        bool rounded = true;
        auto direct = geo::polygons_from_wkb(f.wkb, nullptr, &rounded);
        if (direct && rounded)
            for (auto& part : *direct) geo::drop_repeated_points(part);
        // One polygon that no ring crosses or touches once on the grid: no GEOS (the common case).
        const bool simple = direct && direct->size() == 1 && geo::certainly_valid(direct->front());
        geo::Geom g;
        bool valid = simple;
        if (!simple) {
            g = m_ctx.from_wkb(f.wkb);
            valid = m_ctx.is_valid(g.get());
        }
        geo::EnvelopeCm e;
        if (direct) {
            for (const auto& part : *direct)
                for (const auto& p : part.front()) e.expand(p);
        } else {
            double x0, y0, x1, y1;
            GEOSGeom_getXMin_r(m_ctx.handle(), g.get(), &x0);
            GEOSGeom_getYMin_r(m_ctx.handle(), g.get(), &y0);
            GEOSGeom_getXMax_r(m_ctx.handle(), g.get(), &x1);
            GEOSGeom_getYMax_r(m_ctx.handle(), g.get(), &y1);
            e = {std::llround(x0 * 100), std::llround(y0 * 100), std::llround(x1 * 100), std::llround(y1 * 100)};
        }
        const geo::EnvelopeCm tile{min.x, min.y, max.x, max.y};
        if (!e.interiors_intersect(tile)) return false;
        const bool inside = tile.contains(e);
        const auto exploded = [&](std::size_t parts) {
            if (parts > 1)
                tally.repairs.push_back({"feature " + std::to_string(f.fid),
                                         "multipart: exploded into " + std::to_string(parts) + " polygons"});
            return true;
        };
        if (valid && direct && (simple || !rounded)) {
            if (inside) {
                const auto parts = direct->size();
                out = std::move(*direct);
                return exploded(parts);
            }
            if (direct->size() == 1) {
                if (auto pieces = geo::clip_to_box_cm(m_ctx, direct->front(), min, max)) {
                    out = std::move(*pieces);
                    return true;
                }
            }
        }
        if (!g) g = m_ctx.from_wkb(f.wkb);
        if (!valid) {
            tally.repairs.push_back({"feature " + std::to_string(f.fid), "made valid (" + m_ctx.invalid_reason(g.get()) + ")"});
            g = m_ctx.own(GEOSMakeValid_r(m_ctx.handle(), g.get()), m_source.where(f.fid) + ": repairing");
        }
        auto box = m_ctx.box(bounds.min_x, bounds.min_y, bounds.max_x, bounds.max_y);
        const auto parts = m_ctx.polygons(g.get());
        for (const auto& part : parts) {
            auto clipped = inside ? m_ctx.snap_to_grid(part.get())
                                  : geo::intersection_on_grid(m_ctx, part.get(), box.get(), 0.01);
            for (auto& p : m_ctx.polygons(clipped.get())) {
                auto rings = geo::polygon_from_wkb(m_ctx.to_wkb(p.get()));
                if (rings) out.push_back(std::move(*rings));
            }
        }
        return exploded(parts.size());
    }

    double confidence_of(const geo::VectorFeature& f) const {
        if (!f.confidence) return no_confidence;
        return m_percent ? *f.confidence / 100 : *f.confidence;
    }

    void codes_of(const geo::VectorFeature& f, Piece& piece) const {
        if (m_options.fields.model_class.empty()) {
            piece.cs = f.cs;
            piece.us = f.us;
            return;
        }
        // Checked by the first pass: every class is mapped.
        const auto* codes = m_options.mapping->find(std::stoll(f.model_class));
        piece.cs = codes->code_cs;
        piece.us = codes->code_us;
    }

    const VectorOptions& m_options;
    tiles::Grid m_grid;
    int m_srid;
    bool m_percent;
    double m_low;
    geo::Context m_ctx;
    geo::VectorSource m_source;
};

// Parses a model class; nullopt when it is not a whole number.
std::optional<std::int64_t> model_class(const std::string& text) {
    if (text.empty()) return std::nullopt;
    std::size_t used = 0;
    try {
        const auto v = std::stoll(text, &used);
        if (used == text.size()) return v;
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

}  // namespace

void ingest_vector(VectorOptions options, store::ProjectStore& projects, const store::ProjectRecord& project,
                   const core::Nomenclature& nomenclature, ImportReport& report, std::ostream& log) {
    const auto t0 = Clock::now();
    if (!options.fields.model_class.empty() && !options.mapping)
        throw std::invalid_argument("a model-class field needs a class mapping");
    geo::VectorSource source(options.file, options.layer, project.srid, options.fields);
    log << "reading " << options.file.string() << ", layer '" << source.layer_name() << "' (" << source.source_crs()
        << (source.reprojected() ? ", reprojected to EPSG:" + std::to_string(project.srid) : "") << ")\n";

    // First pass, fields only: a bad code or confidence stops the import before anything is
    // written, and the confidence scale (0..1 or 0..100) is known before any tile is made.
    source.attributes_only(true);
    geo::VectorFeature f;
    double max_confidence = 0;
    std::size_t count = 0;
    while (source.next(f)) {
        ++count;
        const auto here = source.where(f.fid);
        if (!options.fields.model_class.empty()) {
            const auto cls = model_class(f.model_class);
            if (!cls) {
                throw geo::InputError(here + ": '" + f.model_class + "' in field '" + options.fields.model_class +
                                      "' is not a model class (a whole number)");
            }
            if (!options.mapping->find(*cls)) {
                throw geo::InputError(here + ": model class " + f.model_class + " is missing from the class mapping (" +
                                      options.mapping->origin() + ")");
            }
        } else {
            if (!nomenclature.is_leaf_cs(f.cs)) {
                throw geo::InputError(here + ": '" + f.cs + "' in field '" + options.fields.cs +
                                      "' is not a leaf land-cover code (CS1.1.1.1 ... CS2.2.2)");
            }
            if (!nomenclature.is_leaf_us(f.us) && !nomenclature.is_legacy_us(f.us)) {
                throw geo::InputError(here + ": '" + f.us + "' in field '" + options.fields.us +
                                      "' is not a leaf land-use code (US1.1 ... US6.6, US235)");
            }
        }
        if (f.confidence) {
            if (!std::isfinite(*f.confidence) || *f.confidence < 0 || *f.confidence > 100) {
                throw geo::InputError(here + ": confidence " + std::to_string(*f.confidence) +
                                      " is not within 0..1 (or 0..100)");
            }
            max_confidence = std::max(max_confidence, *f.confidence);
        }
    }
    const auto layer_here = options.file.string() + ", layer '" + source.layer_name() + "'";
    if (count == 0) throw geo::InputError(layer_here + ": no features");
    report.input_features = count;
    const bool percent = max_confidence > 1.0;
    report.percent_confidence = percent;
    if (percent) log << "confidence given as 0..100 (largest value " << max_confidence << ")\n";
    source.attributes_only(false);

    const auto extent = source.extent();
    if (!extent || !extent->valid()) throw geo::InputError(layer_here + ": no usable extent (empty geometries?)");
    const tiles::Grid grid(project.tile_size_m);
    constexpr std::size_t most_tiles = 1'000'000;
    auto keys = grid.keys_in(tiles::Box{extent->min_x, extent->min_y, std::nextafter(extent->max_x, 1e300),
                                        std::nextafter(extent->max_y, 1e300)},
                             most_tiles);
    if (!keys) {
        throw geo::InputError(layer_here + ": the layer spans more than a million " + std::to_string(grid.size_m()) +
                              " m tiles: is its CRS right?");
    }
    if (options.mapping) report.mapping = options.mapping->origin();

    options.load.kind = "vector";
    options.load.source = options.file.string();
    const auto mapping_text = options.mapping ? options.mapping->to_csv() : std::string();
    options.load.run_key = digest({"vector", std::filesystem::absolute(options.file).lexically_normal().string(),
                                   source.layer_name(), options.fields.cs, options.fields.us, options.fields.model_class,
                                   options.fields.confidence, mapping_text, std::to_string(options.gaps.max_area_m2),
                                   options.gaps.flag ? "flag" : "fill", options.load.prediction_set,
                                   options.load.beside_edited ? "beside" : ""});
    const double low = (options.load.qc_rules ? *options.load.qc_rules : qc::Rules::defaults()).confidence_threshold();
    const auto factory = [&]() -> TileProducer {
        auto tiles = std::make_shared<VectorTiles>(options, project, percent, low);
        return [tiles](const tiles::TileKey& key) { return (*tiles)(key); };
    };
    log << count << " features over " << keys->size() << " possible tiles, " << worker_count(options.load.threads)
        << " workers\n";
    load_tiles(*keys, factory, options.load, projects, project, nomenclature, report, log);
    report.seconds = since(t0);
}

}  // namespace tessera::ingest
