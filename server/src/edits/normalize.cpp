#include "edits/normalize.hpp"

#include <algorithm>
#include <cmath>

#include "edits/detail_arrangement.hpp"
#include "edits/detail_convert.hpp"
#include "edits/detail_rings.hpp"

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

}  // namespace tessera::edits
