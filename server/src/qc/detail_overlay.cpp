#include "qc/detail_overlay.hpp"

namespace tessera::qc::detail {

namespace {

constexpr double grid = 1.0;  // local units are centimetres

// A point inside a polygonal result. Computed on its rings by a scan line through the middle of
// the envelope, so it does not depend on where the rings start or on extra vertices along
// straight edges (which overlays of different neighbourhoods may leave there).
geo::PointCm inside_point(const Frame& frame, const GEOSGeometry* g) {
    const auto polygons = geo::read_polygons_cm(frame.ctx, g, frame.origin);
    if (polygons.empty()) return frame.origin;
    return interior_point(polygons);
}

}  // namespace

std::optional<OverlapFound> find_overlap(const Frame& frame, const Prepared& a, const Prepared& b) {
    if (!a.has_geometry || !b.has_geometry || !a.envelope.interiors_intersect(b.envelope)) return std::nullopt;
    const GEOSGeometry* ga = geometry(frame, a);
    const GEOSGeometry* gb = geometry(frame, b);
    if (!geo::relate_pattern(frame.ctx, ga, gb, "2********")) return std::nullopt;
    // That the interiors meet is decided above, exactly (coordinates are integer centimetres).
    // The area is measured on the exact intersection, whose crossing points lie between grid
    // points: rounding them would move the thin overlaps typical of a shifted edge by several
    // per cent. The location comes from the intersection on the grid when it has an area.
    geo::Geom exact = geo::intersection_exact(frame.ctx, ga, gb);
    const double area = frame.ctx.area(exact.get());
    geo::Geom on_grid = geo::intersection_on_grid(frame.ctx, ga, gb, grid);
    const bool gridded = frame.ctx.area(on_grid.get()) > 0;
    return OverlapFound{area, inside_point(frame, gridded ? on_grid.get() : exact.get())};
}

std::optional<std::vector<std::uint32_t>> candidates_in(const std::vector<Prepared>& features, const Envelope& box) {
    std::vector<std::uint32_t> out;
    for (std::uint32_t i = 0; i < features.size(); ++i) {
        if (features[i].cover.empty() || !features[i].envelope.intersects(box)) continue;
        if (features[i].shape == Shape::over_limit) return std::nullopt;
        if (features[i].has_geometry) out.push_back(i);
    }
    return out;
}

std::vector<GapFound> find_gaps(const Frame& frame, const std::vector<Prepared>& features, const Envelope& box,
                                const std::vector<std::uint32_t>& candidates) {
    std::vector<GapFound> out;
    const Envelope clip = box.intersection(frame.tile);
    if (!clip.has_area()) return out;  // a gap has an area, so its box has one too
    geo::Geom uncovered = frame.box(clip);
    if (!candidates.empty()) {
        std::vector<geo::Geom> members;
        members.reserve(candidates.size());
        for (auto i : candidates) members.push_back(frame.ctx.clone(geometry(frame, features[i])));
        geo::Geom all = geo::make_collection(frame.ctx, GEOS_GEOMETRYCOLLECTION, std::move(members));
        geo::Geom covered = geo::union_on_grid(frame.ctx, all.get(), grid);
        uncovered = geo::difference_on_grid(frame.ctx, uncovered.get(), covered.get(), grid);
    }
    for (auto& part : frame.ctx.polygons(uncovered.get())) {
        const double area = frame.ctx.area(part.get());
        if (area <= 0) continue;
        GapFound gap;
        gap.area_cm2 = area;
        const auto rings = geo::read_polygons_cm(frame.ctx, part.get(), frame.origin);
        gap.at = interior_point(rings);
        Envelope env;
        for (const auto& pt : rings.front().front()) env.expand(pt);
        for (auto i : candidates)
            if (features[i].envelope.intersects(env) &&
                geo::relate_pattern(frame.ctx, geometry(frame, features[i]), part.get(), "****1****"))
                gap.bordering.push_back(i);
        out.push_back(std::move(gap));
    }
    return out;
}

}  // namespace tessera::qc::detail
