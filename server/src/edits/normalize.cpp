#include "edits/normalize.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "edits/detail_arrangement.hpp"
#include "edits/detail_convert.hpp"
#include "edits/detail_rings.hpp"
#include "edits/detail_splice.hpp"

namespace tessera::edits {

std::vector<NormalizedPart> normalize_partition(const tiles::Box& tile, const std::vector<geo::RingsCm>& polygons,
                                                const GapPolicy& gaps, NormalizeStats* stats) {
    geo::Context ctx;
    const geo::PointCm origin{std::llround(tile.min_x * 100), std::llround(tile.min_y * 100)};
    std::vector<geo::Geom> geoms;
    std::vector<const GEOSGeometry*> old;
    std::vector<detail::EnvelopeCm> envelopes;
    geoms.reserve(polygons.size());
    for (const auto& rings : polygons) {
        geoms.push_back(detail::make_polygon(ctx, rings, origin));
        old.push_back(geoms.back().get());
        detail::EnvelopeCm e;
        for (const auto& ring : rings)
            for (const auto& p : ring) e.expand(p);
        envelopes.push_back(e);
    }
    // The tile's square is part of the linework, so that a gap along the border is a face too.
    const geo::PointCm lo = origin;
    const geo::PointCm hi{std::llround(tile.max_x * 100), std::llround(tile.max_y * 100)};
    std::vector<geo::Geom> lines;
    lines.push_back(detail::make_line(ctx, {lo, {hi.x, lo.y}, hi, {lo.x, hi.y}, lo}, origin));
    detail::Arrangement arr(ctx, origin, old, envelopes, std::move(lines));
    std::int64_t input_area2 = 0, covered_area2 = 0;
    for (const auto& rings : polygons) input_area2 += detail::polygon_area2(rings);
    for (std::size_t i = 0; i < arr.size(); ++i) {
        auto& f = arr.face(i);
        f.owner = f.old_owner == detail::Arrangement::unowned ? detail::Arrangement::given_up : f.old_owner;
        if (f.old_owner != detail::Arrangement::unowned) covered_area2 += f.area2;
    }
    NormalizeStats local;
    // Gaps: beyond the size of a hole between polygons they stay uncovered; those that border no
    // polygon at all cannot be filled either.
    const auto to_m2 = [](std::int64_t area2) { return static_cast<double>(area2) / 2e4; };
    std::vector<std::vector<std::size_t>> flagged;
    for (auto& group : arr.components(detail::Arrangement::given_up)) {
        std::int64_t area2 = 0;
        bool borders_owner = false;
        for (auto i : group) {
            area2 += arr.face(i).area2;
            for (auto e : arr.face(i).edges)
                for (int side : arr.edges()[e].faces)
                    if (side >= 0 && arr.face(static_cast<std::size_t>(side)).owner >= 0) borders_owner = true;
        }
        if (!borders_owner || to_m2(area2) > gaps.max_area_m2) {
            for (auto i : group) arr.face(i).owner = detail::Arrangement::unowned;
            ++local.gaps_left;
            local.gaps_left_m2 += to_m2(area2);
        } else if (gaps.flag) {
            flagged.push_back(group);
            ++local.gaps_flagged;
            local.gaps_flagged_m2 += to_m2(area2);
        } else {
            ++local.gaps_filled;
            local.gaps_filled_m2 += to_m2(area2);
        }
    }
    local.overlap_m2 = std::max(0.0, to_m2(input_area2 - covered_area2));
    if (auto err = arr.resolve_given_up([](int) { return false; })) throw geo::GeosError(*err);
    // A flagged gap went to its neighbour like a filled one; it is taken back as its own part.
    std::vector<std::size_t> flagged_source;
    const int first_flag = static_cast<int>(polygons.size());
    for (std::size_t g = 0; g < flagged.size(); ++g) {
        flagged_source.push_back(static_cast<std::size_t>(arr.face(flagged[g].front()).owner));
        for (auto i : flagged[g]) arr.face(i).owner = first_flag + static_cast<int>(g);
    }
    if (stats) *stats = local;

    std::vector<NormalizedPart> out;
    for (std::size_t s = 0; s < polygons.size(); ++s) {
        // Keep the polygon's own vertices; drop those that noding added on straight runs.
        detail::PointSet keep;
        detail::add_straight_vertices(polygons[s], keep);
        for (const auto& part : arr.components(static_cast<int>(s))) {
            geo::Geom u = arr.union_of(part);
            if (GEOSGeomTypeId_r(ctx.handle(), u.get()) != GEOS_POLYGON) continue;
            auto rings = detail::read_polygon(ctx, u.get(), origin);
            for (auto& ring : rings) detail::drop_straight_vertices(ring, keep);
            out.push_back({s, std::move(rings), false});
        }
    }
    for (std::size_t g = 0; g < flagged.size(); ++g) {
        for (const auto& part : arr.components(first_flag + static_cast<int>(g))) {
            geo::Geom u = arr.union_of(part);
            if (GEOSGeomTypeId_r(ctx.handle(), u.get()) != GEOS_POLYGON) continue;
            out.push_back({flagged_source[g], detail::read_polygon(ctx, u.get(), origin), true});
        }
    }
    return out;
}

namespace {

// Whether two lists of canonical polygons hold the same polygons, in any order.
bool same_polygons(std::vector<geo::RingsCm> a, const std::vector<geo::RingsCm>& b) {
    if (a.size() != b.size()) return false;
    for (const auto& p : b) {
        const auto it = std::find(a.begin(), a.end(), p);
        if (it == a.end()) return false;
        a.erase(it);
    }
    return true;
}

void add(NormalizeStats& to, const NormalizeStats& s) {
    to.overlap_m2 += s.overlap_m2;
    to.gaps_filled += s.gaps_filled;
    to.gaps_flagged += s.gaps_flagged;
    to.gaps_left += s.gaps_left;
    to.gaps_filled_m2 += s.gaps_filled_m2;
    to.gaps_flagged_m2 += s.gaps_flagged_m2;
    to.gaps_left_m2 += s.gaps_left_m2;
}

}  // namespace

std::vector<NormalizedPart> normalize_locally(const tiles::Box& tile, const std::vector<geo::RingsCm>& polygons,
                                              const std::vector<BoxCm>& trouble, const GapPolicy& gaps,
                                              NormalizeStats* stats) {
    // Each trouble box grown by a margin (so that the cut lines stay clear of the repair) and
    // kept in the tile; boxes that then meet are merged, so that windows are disjoint.
    constexpr std::int64_t margin = 100;  // cm
    const BoxCm square{std::llround(tile.min_x * 100), std::llround(tile.min_y * 100), std::llround(tile.max_x * 100),
                       std::llround(tile.max_y * 100)};
    std::vector<geo::EnvelopeCm> windows;
    for (const auto& t : trouble) {
        geo::EnvelopeCm w{std::max(square.min_x, t.min_x - margin), std::max(square.min_y, t.min_y - margin),
                          std::min(square.max_x, t.max_x + margin), std::min(square.max_y, t.max_y + margin)};
        for (bool merged = true; merged;) {
            merged = false;
            for (std::size_t i = 0; i < windows.size(); ++i) {
                if (!windows[i].interiors_intersect(w)) continue;
                w.expand(windows[i]);
                windows.erase(windows.begin() + static_cast<std::ptrdiff_t>(i));
                merged = true;
                break;
            }
        }
        windows.push_back(w);
    }

    // The windows do not overlap, so each is repaired on the polygons as they came; each polygon
    // that any window changes is then made whole again once: its part outside those windows
    // and its faces in them, by edge arithmetic (detail::splice), or by overlays where that
    // cannot be sure of its answer.
    geo::Context ctx;
    const geo::PointCm origin{square.min_x, square.min_y};
    std::vector<detail::EnvelopeCm> envelopes;
    envelopes.reserve(polygons.size());
    for (const auto& rings : polygons) envelopes.push_back(detail::envelope_of(rings));
    std::vector<geo::Geom> geoms(polygons.size());
    const auto geom_of = [&](std::size_t i) -> const GEOSGeometry* {
        if (!geoms[i]) geoms[i] = detail::make_polygon(ctx, polygons[i], origin);
        return geoms[i].get();
    };
    const auto local_box = [&](const geo::EnvelopeCm& b) {
        return ctx.box(static_cast<double>(b.min_x - origin.x), static_cast<double>(b.min_y - origin.y),
                       static_cast<double>(b.max_x - origin.x), static_cast<double>(b.max_y - origin.y));
    };
    struct Change {
        std::vector<std::size_t> windows;
        std::vector<geo::RingsCm> removed;  // its pieces in those windows, as cut
        std::vector<geo::RingsCm> faces;    // what it has there now
    };
    std::map<std::size_t, Change> changes;
    std::vector<NormalizedPart> flagged;
    NormalizeStats total;
    for (std::size_t wi = 0; wi < windows.size(); ++wi) {
        const auto& w = windows[wi];
        const tiles::Box box{static_cast<double>(w.min_x) / 100, static_cast<double>(w.min_y) / 100,
                             static_cast<double>(w.max_x) / 100, static_cast<double>(w.max_y) / 100};
        std::vector<std::size_t> involved;
        std::vector<geo::RingsCm> inside;
        std::vector<std::size_t> inside_of;  // index into `involved`
        for (std::size_t i = 0; i < polygons.size(); ++i) {
            if (!envelopes[i].interiors_intersect(w)) continue;
            // Cut by rectangle clipping (no noding); by a snap-rounded overlay where rounding
            // leaves a piece invalid.
            auto pieces = geo::clip_to_box_cm(ctx, polygons[i], {w.min_x, w.min_y}, {w.max_x, w.max_y});
            if (!pieces) {
                auto in = geo::intersection_on_grid(ctx, geom_of(i), local_box(w).get(), 1.0);
                pieces = geo::read_polygons_cm(ctx, in.get(), origin);
            }
            if (pieces->empty()) continue;
            const auto k = involved.size();
            involved.push_back(i);
            for (auto& rings : *pieces) {
                inside.push_back(std::move(rings));
                inside_of.push_back(k);
            }
        }
        NormalizeStats local;
        auto parts = normalize_partition(box, inside, gaps, &local);
        add(total, local);
        // A polygon whose faces in the window give back exactly what it had there keeps its shape.
        std::vector<std::vector<geo::RingsCm>> before(involved.size()), after(involved.size());
        for (std::size_t j = 0; j < inside.size(); ++j) before[inside_of[j]].push_back(detail::canonical(inside[j]));
        for (const auto& part : parts)
            if (!part.gap) after[inside_of[part.source]].push_back(detail::canonical(part.rings));
        std::vector<char> kept(involved.size());
        for (std::size_t k = 0; k < involved.size(); ++k) {
            kept[k] = same_polygons(std::move(before[k]), after[k]);
            if (!kept[k]) changes[involved[k]].windows.push_back(wi);
        }
        for (std::size_t j = 0; j < inside.size(); ++j)
            if (!kept[inside_of[j]]) changes[involved[inside_of[j]]].removed.push_back(std::move(inside[j]));
        for (auto& part : parts) {
            const auto k = inside_of[part.source];
            if (part.gap) {
                flagged.push_back({involved[k], std::move(part.rings), true});
            } else if (!kept[k]) {
                changes[involved[k]].faces.push_back(std::move(part.rings));
            }
        }
    }
    // The new parts of each changed polygon (none: given away whole).
    std::vector<std::optional<std::vector<geo::RingsCm>>> changed(polygons.size());
    for (auto& [i, change] : changes) {
        std::vector<geo::EnvelopeCm> around;
        for (auto wi : change.windows) around.push_back(windows[wi]);
        if (auto spliced = detail::splice(polygons[i], around, change.removed, change.faces)) {
            changed[i] = std::move(*spliced);
            continue;
        }
        std::vector<geo::Geom> boxes;
        for (auto wi : change.windows) boxes.push_back(local_box(windows[wi]));
        // Windows may touch: their union is the valid polygon to cut with.
        geo::Geom cut;
        if (boxes.size() == 1) {
            cut = std::move(boxes.front());
        } else {
            auto all = geo::make_collection(ctx, GEOS_GEOMETRYCOLLECTION, std::move(boxes));
            cut = geo::union_on_grid(ctx, all.get(), 1.0);
        }
        auto outside = geo::difference_on_grid(ctx, geom_of(i), cut.get(), 1.0);
        std::vector<geo::Geom> pieces = ctx.polygons(outside.get());
        for (const auto& f : change.faces) pieces.push_back(detail::make_polygon(ctx, f, origin));
        auto all = geo::make_collection(ctx, GEOS_GEOMETRYCOLLECTION, std::move(pieces));
        auto whole = geo::coverage_union_on_grid(ctx, all.get(), 1.0);
        changed[i] = geo::read_polygons_cm(ctx, whole.get(), origin);
    }
    if (stats) *stats = total;

    std::vector<NormalizedPart> out;
    out.reserve(polygons.size() + flagged.size());
    for (std::size_t i = 0; i < polygons.size(); ++i) {
        if (!changed[i]) {
            out.push_back({i, polygons[i], false});
            continue;
        }
        for (auto& rings : *changed[i]) out.push_back({i, std::move(rings), false});
    }
    for (auto& f : flagged) out.push_back(std::move(f));
    return out;
}

}  // namespace tessera::edits
