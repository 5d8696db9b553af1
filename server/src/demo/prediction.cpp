#include "demo/prediction.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include "demo/geos_ops.hpp"
#include "demo/partition.hpp"
#include "demo/random.hpp"

namespace tessera::demo {

namespace {

enum Stream : std::uint64_t { s_confuse = 101, s_merge, s_patch, s_confidence, s_warp };

// Boundaries are densified before the warp so that long straight edges bend like a model's
// outlines do, instead of only moving their end points.
constexpr double densify_step_m = 10.0;

bool is_forest(LandClass c) {
    return c == LandClass::broadleaf || c == LandClass::conifer || c == LandClass::mixed_forest;
}

// Small polygons are wrong more often than large ones; large ones are rarely wrong as a whole
// and get wrong patches instead.
double size_factor(double area) {
    if (area < 500) return 1.8;
    if (area < 5000) return 1.2;
    if (area < 40000) return 0.8;
    return 0.25;
}

double patch_probability(LandClass c) {
    if (is_forest(c)) return 0.5;
    if (c == LandClass::fallow) return 0.4;
    if (c == LandClass::arable || c == LandClass::garden) return 0.3;
    return 0.15;
}

LandClass pick_confusion(LandClass c, Rng& rng) {
    const ClassInfo& info = class_info(c);
    return rng.chance(0.75) ? info.confused_as[0] : info.confused_as[1];
}

double smooth_ramp(double t) {
    t = std::clamp(t, 0.0, 1.0);
    return t * t * (3 - 2 * t);
}

struct WarpParams {
    tiles::Box extent;
    std::uint64_t seed;
};

int warp_callback(double* x, double* y, void* user) {
    const auto* p = static_cast<const WarpParams*>(user);
    warp_point(*x, *y, p->extent, p->seed);
    return 1;
}

// A spatial index over polygons with lazily prepared geometries, answering "which polygon
// covers this point" (lowest index first).
class Locator {
public:
    Locator(const geo::Context& ctx, std::vector<const GEOSGeometry*> geoms)
        : m_ctx(ctx), m_geoms(std::move(geoms)), m_tree(ctx), m_prepared(m_geoms.size()) {
        for (std::size_t i = 0; i < m_geoms.size(); ++i) m_tree.insert(m_geoms[i], i);
    }
    int find(const GEOSGeometry* point) {
        for (std::size_t i : m_tree.query(point)) {
            if (!m_prepared[i]) m_prepared[i] = std::make_unique<Prepared>(m_ctx, m_geoms[i]);
            if (m_prepared[i]->covers(point)) return static_cast<int>(i);
        }
        return -1;
    }

private:
    const geo::Context& m_ctx;
    std::vector<const GEOSGeometry*> m_geoms;
    StrTree m_tree;
    std::vector<std::unique_ptr<Prepared>> m_prepared;
};

struct Patch {
    geo::Geom geom;
    std::unique_ptr<Prepared> prepared;
    LandClass cls;
};

}  // namespace

void warp_point(double& x, double& y, const tiles::Box& e, std::uint64_t seed) {
    const std::uint64_t s1 = hash_combine(seed, s_warp, 1), s2 = hash_combine(seed, s_warp, 2);
    const std::uint64_t s3 = hash_combine(seed, s_warp, 3), s4 = hash_combine(seed, s_warp, 4);
    auto field = [&](std::uint64_t a, std::uint64_t b) {
        return 2.2 * (2 * value_noise(x / 70, y / 70, a) - 1) + 0.7 * (2 * value_noise(x / 18, y / 18, b) - 1);
    };
    double dx = field(s1, s2);
    double dy = field(s3, s4);
    // No displacement across the extent's edges: its border stays where the tiles are.
    dx *= smooth_ramp(std::min(x - e.min_x, e.max_x - x) / 30);
    dy *= smooth_ramp(std::min(y - e.min_y, e.max_y - y) / 30);
    x = std::clamp(x + dx, e.min_x, e.max_x);
    y = std::clamp(y + dy, e.min_y, e.max_y);
}

std::vector<PredictedPiece> predict(const geo::Context& ctx, const std::vector<Piece>& truth, const tiles::Box& extent,
                                    std::uint64_t seed, PredictionStats* stats) {
    const std::size_t n = truth.size();
    PredictionStats st;
    std::vector<double> areas(n);
    std::vector<const GEOSGeometry*> truth_geoms(n);
    for (std::size_t i = 0; i < n; ++i) {
        areas[i] = ctx.area(truth[i].geom.get());
        truth_geoms[i] = truth[i].geom.get();
    }
    Locator truth_at(ctx, truth_geoms);
    StrTree truth_tree(ctx);
    for (std::size_t i = 0; i < n; ++i) truth_tree.insert(truth_geoms[i], i);

    // 1. Whole polygons given a wrong class, at each class's confusion rate.
    std::vector<LandClass> first(n);
    for (std::size_t i = 0; i < n; ++i) {
        Rng rng(seed, s_confuse, i);
        first[i] = truth[i].cls;
        if (rng.chance(class_info(truth[i].cls).confusion_rate * size_factor(areas[i]))) {
            first[i] = pick_confusion(truth[i].cls, rng);
            ++st.confused_truth;
        }
    }

    // 2. Small features the model does not separate from their surroundings: a shed merged
    //    into the garden or the street beside it, a small meadow into the next field, a narrow
    //    stream lost under the trees.
    std::vector<LandClass> pred = first;
    for (std::size_t i = 0; i < n; ++i) {
        const LandClass c = truth[i].cls;
        double p = 0;
        if ((c == LandClass::building || c == LandClass::farm_building) && areas[i] < 150) p = 0.3;
        if ((c == LandClass::paved || c == LandClass::farmyard) && areas[i] < 300) p = 0.25;
        // Two neighbouring small parcels read as one field.
        if ((c == LandClass::arable || c == LandClass::fallow || c == LandClass::garden || c == LandClass::orchard) &&
            areas[i] < 10000)
            p = 0.15;
        const bool water = c == LandClass::water || c == LandClass::navigable;
        if (water && 2 * areas[i] / perimeter(ctx, truth_geoms[i]) < 10) p = 0.5;
        Rng rng(seed, s_merge, i);
        if (p == 0 || !rng.chance(p)) continue;
        const auto segments = ring_segments(ctx, truth_geoms[i]);
        double best_len = 0;
        std::size_t best = i;
        for (std::size_t j : truth_tree.query(truth_geoms[i])) {
            if (j == i) continue;
            const double len = shared_length(ctx, segments, truth_geoms[j]);
            if (len > best_len) best_len = len, best = j;
        }
        if (best == i || (water && !is_forest(truth[best].cls))) continue;
        pred[i] = first[best];
        ++st.merged_truth;
    }

    // 3. Wrong patches inside large polygons: a stand of the forest read as conifers, a
    //    corner of a field read as fallow.
    geo::Geom box = ctx.box(extent.min_x, extent.min_y, extent.max_x, extent.max_y);
    std::vector<geo::Geom> lines;
    std::vector<Patch> patches;
    std::multimap<std::size_t, std::size_t> patches_of;
    for (std::size_t i = 0; i < n; ++i) {
        if (areas[i] < 30000 || pred[i] != truth[i].cls) continue;
        Rng rng(seed, s_patch, i);
        if (!rng.chance(patch_probability(truth[i].cls))) continue;
        const int count = 1 + (areas[i] > 500000 ? static_cast<int>(rng.below(3)) : 0);
        const Envelope e = envelope(ctx, truth_geoms[i]);
        Prepared inside(ctx, truth_geoms[i]);
        for (int k = 0; k < count; ++k) {
            for (int attempt = 0; attempt < 30; ++attempt) {
                const XY c{rng.uniform(e.min_x, e.max_x), rng.uniform(e.min_y, e.max_y)};
                geo::Geom pt = make_point(ctx, c);
                if (!inside.covers(pt.get())) continue;
                const double radius = std::clamp(std::sqrt(areas[i]) * rng.uniform(0.06, 0.2), 20.0, 180.0);
                geo::Geom blob = ctx.intersection(make_blob(ctx, c, radius, rng.next()).get(), box.get());
                if (ctx.is_empty(blob.get())) break;
                append_rings(ctx, blob.get(), lines);
                auto prepared = std::make_unique<Prepared>(ctx, blob.get());
                patches.push_back(Patch{std::move(blob), std::move(prepared), pick_confusion(truth[i].cls, rng)});
                patches_of.emplace(i, patches.size() - 1);
                ++st.patches;
                break;
            }
        }
    }

    // 4. Boundaries displaced by one smooth field: vertices shared by neighbours move together,
    //    so the warped polygons still fit; re-noding settles what the warp made cross.
    WarpParams params{extent, seed};
    std::vector<geo::Geom> warped(n);
    std::vector<const GEOSGeometry*> warped_geoms(n);
    for (std::size_t i = 0; i < n; ++i) {
        geo::Geom dense = ctx.own(GEOSDensify_r(ctx.handle(), truth_geoms[i], densify_step_m), "densifying");
        warped[i] = ctx.own(GEOSGeom_transformXY_r(ctx.handle(), dense.get(), &warp_callback, &params), "warping");
        warped_geoms[i] = warped[i].get();
        append_rings(ctx, warped[i].get(), lines);
    }
    Faces faces = polygonize_lines(ctx, std::move(lines), extent);
    st.faces = faces.size();

    // 5. Each face takes the prediction of the truth polygon it was warped from.
    Locator warped_at(ctx, warped_geoms);
    std::vector<int> labels(faces.size());
    std::vector<int> truth_label(faces.size());
    for (std::size_t f = 0; f < faces.size(); ++f) {
        geo::Geom p = make_point(ctx, faces.inner[f]);
        int t = warped_at.find(p.get());
        const int here = truth_at.find(p.get());
        if (t < 0) t = here;
        truth_label[f] = here >= 0 ? static_cast<int>(truth[static_cast<std::size_t>(here)].cls) : -1;
        if (t < 0) {
            labels[f] = -1;
            continue;
        }
        const auto ti = static_cast<std::size_t>(t);
        LandClass c = pred[ti];
        const auto [lo, hi] = patches_of.equal_range(ti);
        for (auto it = lo; it != hi; ++it)
            if (patches[it->second].prepared->covers(p.get())) c = patches[it->second].cls;
        labels[f] = static_cast<int>(c);
    }
    absorb_slivers(ctx, faces, labels, 2.0, 0.3, 200.0);
    Dissolved dissolved = dissolve(ctx, faces, labels);
    // Like the truth, the model's output is generalised: no polygon of a few m².
    Dissolved cleaned = clean_partition(ctx, std::move(dissolved.pieces), 20.0, 1.5, 2000.0);
    for (std::size_t& k : dissolved.face_piece) k = cleaned.face_piece[k];
    dissolved.pieces = std::move(cleaned.pieces);

    // 6. Confidence: high where the model is right, lower for classes it often confuses, for
    //    small polygons, and where it is wrong — though a fifth of its errors stay confident.
    std::vector<double> total(dissolved.pieces.size(), 0), correct(dissolved.pieces.size(), 0);
    for (std::size_t f = 0; f < faces.size(); ++f) {
        const std::size_t k = dissolved.face_piece[f];
        total[k] += faces.areas[f];
        if (truth_label[f] == static_cast<int>(dissolved.pieces[k].cls)) correct[k] += faces.areas[f];
    }
    std::vector<PredictedPiece> out;
    out.reserve(dissolved.pieces.size());
    for (std::size_t k = 0; k < dissolved.pieces.size(); ++k) {
        Piece& piece = dissolved.pieces[k];
        const double q = total[k] > 0 ? correct[k] / total[k] : 0;
        const double area = total[k];
        Rng rng(seed, s_confidence, k);
        double conf = 0.975 - 0.45 * class_info(piece.cls).confusion_rate - 0.42 * (1 - q);
        if (area < 200) conf -= 0.12;
        else if (area < 1000) conf -= 0.06;
        else if (area < 5000) conf -= 0.025;
        conf += rng.normal(0.045);
        const bool confused = q < 0.5;
        if (confused && rng.chance(0.2)) conf += 0.25;
        conf = std::round(std::clamp(conf, 0.05, 0.995) * 1000) / 1000;
        out.push_back(PredictedPiece{std::move(piece.geom), piece.cls, conf, confused});
    }
    if (stats) *stats = st;
    return out;
}

}  // namespace tessera::demo
