#include "edits/normalize.hpp"

#include <cmath>

#include "edits/detail_arrangement.hpp"
#include "edits/detail_convert.hpp"
#include "edits/detail_rings.hpp"

namespace tessera::edits {

std::vector<NormalizedPart> normalize_partition(const tiles::Box& tile, const std::vector<geo::RingsCm>& polygons) {
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
    for (std::size_t i = 0; i < arr.size(); ++i) {
        auto& f = arr.face(i);
        f.owner = f.old_owner == detail::Arrangement::unowned ? detail::Arrangement::given_up : f.old_owner;
    }
    if (auto err = arr.resolve_given_up([](int) { return false; })) throw geo::GeosError(*err);

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
            out.push_back({s, std::move(rings)});
        }
    }
    return out;
}

}  // namespace tessera::edits
