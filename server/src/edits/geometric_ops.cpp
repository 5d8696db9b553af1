// reshape, split, merge and draw: each classifies the faces of one arrangement (see
// detail_arrangement.hpp) and lets rebuild() turn them into features.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "edits/detail_convert.hpp"
#include "edits/detail_workspace_impl.hpp"

namespace tessera::edits {

using detail::Arrangement;
using detail::EnvelopeCm;
using detail::Involved;
using detail::Output;
using detail::Piece;
using detail::Slot;
using geo::Geom;
using geo::GeosError;
using geo::PointCm;
using geo::RingsCm;

namespace {

// A few centimetres around the edit: enough to take in every feature whose edges snap-rounding
// could move (it never moves anything by a centimetre or more).
constexpr std::int64_t near_cm = 2;

std::string id_text(std::int64_t id) { return std::to_string(id); }

OpError beyond_loaded() {
    return OpError{"geometry", "the polygon reaches beyond the features loaded (outside the partition)"};
}

using geo::Prepared;

std::vector<Geom> rings_as_lines(const geo::Context& ctx, const GEOSGeometry* polygon) {
    std::vector<Geom> out;
    detail::append_rings_as_lines(ctx, polygon, out);
    return out;
}

}  // namespace

std::optional<OpError> Workspace::Impl::rebuild(const EnvelopeCm& region,
                                                const std::function<std::vector<Geom>()>& lines,
                                                const detail::PointSet& input_vertices,
                                                const detail::Classify& classify, const detail::Finish& finish,
                                                std::int64_t* created_id) {
    std::size_t previous = std::numeric_limits<std::size_t>::max();
    EnvelopeCm reach = region.grown(near_cm);
    Involved widest;
    for (int attempt = 0; attempt < 3; ++attempt) {
        Involved inv = attempt < 2 ? involve(reach) : involve_all();
        if (inv.ids.size() == previous) continue;  // nothing more to take in
        previous = inv.ids.size();
        widest = inv;
        for (const auto& e : inv.envelopes) reach.expand(e);
        reach = reach.grown(near_cm);

        Arrangement arr(ctx, origin, inv.geoms, inv.envelopes, lines());
        if (!arr.old_region_intact(inv.rings)) continue;
        std::vector<Slot> slots(inv.ids.size());
        for (std::size_t i = 0; i < inv.ids.size(); ++i) {
            const Feature& f = features.at(inv.ids[i]);
            slots[i].id = f.id;
            slots[i].code_cs = f.code_cs;
            slots[i].code_us = f.code_us;
            slots[i].reviewed = f.reviewed;
            slots[i].source = f.id;
        }
        if (auto err = classify(arr, inv, slots)) return err;

        // A feature that must stay one polygon gives its stray pieces (pinched off by the grid)
        // to its neighbours like any area it gives up.
        for (std::size_t s = 0; s < slots.size(); ++s) {
            if (!slots[s].one_piece) continue;
            auto parts = arr.components(static_cast<int>(s));
            for (std::size_t k = 1; k < parts.size(); ++k)
                for (auto f : parts[k]) arr.face(f).owner = Arrangement::given_up;
        }
        if (auto err =
                arr.resolve_given_up([&](int o) { return slots[static_cast<std::size_t>(o)].takes_no_given_up; }))
            return OpError{"geometry", *err};
        if (!arr.owners_match_old_region())
            throw GeosError("the edit left part of the features' region without an owner");

        std::vector<std::vector<Piece>> pieces(slots.size());
        for (std::size_t s = 0; s < slots.size(); ++s) {
            auto parts = arr.components(static_cast<int>(s));
            if (slots[s].must_be_single && parts.size() > 1)
                return OpError{"features", "the merged features do not form a single polygon"};
            for (const auto& part : parts) {
                // Noding leaves a vertex wherever another edge met this one; where the ring now
                // runs straight through it, it goes, unless the feature already had it there on
                // purpose or the edit's own geometry put it there.
                detail::PointSet keep;
                if (slots[s].keeps_input) keep = input_vertices;
                if (slots[s].source != 0) detail::add_straight_vertices(features.at(slots[s].source).rings, keep);
                Geom u = arr.union_of(part);
                if (GEOSGeomTypeId_r(ctx.handle(), u.get()) != GEOS_POLYGON)
                    throw GeosError("joining the faces of a feature did not give one polygon");
                Piece piece;
                piece.rings = detail::read_polygon(ctx, u.get(), origin);
                for (auto& ring : piece.rings) detail::drop_straight_vertices(ring, keep);
                piece.area2 = detail::polygon_area2(piece.rings);
                pieces[s].push_back(std::move(piece));
            }
        }
        return apply(inv, finish(slots, pieces), created_id);
    }
    return unexplained_failure(widest);
}

OpError Workspace::Impl::unexplained_failure(const Involved& inv) {
    // The outline of the features could not be kept: either the features handed in are not a
    // partition (say so, it is not the edit's fault), or an edge on the outline of the loaded
    // region passes too close to a vertex.
    for (std::size_t i = 0; i < inv.ids.size(); ++i) {
        const std::string why = detail::invalid_reason_m(ctx, inv.geoms[i], origin);
        if (!why.empty())
            return OpError{"geometry", "feature " + id_text(inv.ids[i]) + " is not a valid polygon (" + why +
                                           "): the tile needs repair before this edit"};
    }
    for (std::size_t i = 0; i < inv.ids.size(); ++i)
        for (std::size_t j = i + 1; j < inv.ids.size(); ++j) {
            if (!inv.envelopes[i].intersects(inv.envelopes[j])) continue;
            if (GEOSRelatePattern_r(ctx.handle(), inv.geoms[i], inv.geoms[j], "2********") == 1)
                return OpError{"geometry", "features " + id_text(inv.ids[i]) + " and " + id_text(inv.ids[j]) +
                                               " overlap: the tile needs repair before this edit"};
        }
    return OpError{"geometry", "the edit is too close to features outside the loaded region", true};
}

std::optional<OpError> Workspace::Impl::reshape(std::int64_t id, const RingsCm& geometry) {
    auto it = features.find(id);
    if (it == features.end()) return OpError{"feature", "there is no feature " + id_text(id) + " in this workspace"};
    Geom shape;
    if (auto err = check_polygon(geometry, "geometry", shape)) return err;
    EnvelopeCm region = envelopes.at(id);
    region.expand(detail::envelope_of(geometry));
    detail::PointSet input;
    detail::add_vertices(geometry, input);
    Prepared inside(ctx, shape.get());

    auto classify = [&](Arrangement& arr, const Involved& inv, std::vector<Slot>& slots) -> std::optional<OpError> {
        const int self = inv.index_of(id);
        bool any = false;
        for (std::size_t i = 0; i < arr.size(); ++i) {
            auto& f = arr.face(i);
            if (inside.contains(f.inside.get())) {
                if (f.old_owner < 0) return beyond_loaded();
                f.owner = self;
                any = true;
            } else if (f.old_owner == self) {
                f.owner = Arrangement::given_up;
            } else {
                f.owner = f.old_owner;
            }
        }
        if (!any) return OpError{"geometry", "the polygon is degenerate on the 1 cm grid"};
        auto& s = slots[static_cast<std::size_t>(self)];
        s.reviewed = true;
        s.keeps_input = true;
        s.one_piece = true;
        s.takes_no_given_up = true;
        return std::nullopt;
    };
    return rebuild(
        region, [&] { return rings_as_lines(ctx, shape.get()); }, input, classify, detail::outputs_by_slot, nullptr);
}

std::optional<OpError> Workspace::Impl::split(std::int64_t id, const std::vector<PointCm>& line,
                                              const std::vector<std::pair<std::string, std::string>>& part_classes) {
    auto it = features.find(id);
    if (it == features.end()) return OpError{"feature", "there is no feature " + id_text(id) + " in this workspace"};
    std::vector<PointCm> points;
    for (const auto& p : line)
        if (points.empty() || !(points.back() == p)) points.push_back(p);
    if (points.size() < 2) return OpError{"line", "a split line needs at least two distinct points"};
    if (points.size() > limits.max_vertices_per_feature)
        return OpError{"line", "the line has " + std::to_string(points.size()) + " points, more than the limit of " +
                                   std::to_string(limits.max_vertices_per_feature)};
    // A line may overshoot the feature, but not absurdly: beyond a tile's width around it the
    // coordinates are surely wrong.
    const EnvelopeCm sane = tile_env.grown(tile_env.max_x - tile_env.min_x);
    for (const auto& p : points)
        if (tile_env.empty() || p.x < sane.min_x || p.x > sane.max_x || p.y < sane.min_y || p.y > sane.max_y)
            return OpError{"line", "the line reaches far outside the tile"};

    // Only the part of the line inside the feature cuts: clipped first, so that where it
    // overshoots into neighbours it adds no node (and no snap-rounding) to their edges.
    Geom whole = detail::make_line(ctx, points, origin);
    Geom clipped = ctx.own(GEOSIntersection_r(ctx.handle(), whole.get(), geom(id)), "clipping the line");
    std::vector<Geom> cut;
    const int n = GEOSGetNumGeometries_r(ctx.handle(), clipped.get());
    for (int i = 0; i < n; ++i) {
        const GEOSGeometry* g = GEOSGetGeometryN_r(ctx.handle(), clipped.get(), i);
        if (GEOSGeomTypeId_r(ctx.handle(), g) == GEOS_LINESTRING && !GEOSisEmpty_r(ctx.handle(), g))
            cut.push_back(ctx.clone(g));
    }
    const OpError no_cut{
        "line", "the line does not cut feature " + id_text(id) + " (it must cross it from one side to another)"};
    if (cut.empty()) return no_cut;
    std::vector<const GEOSGeometry*> cut_parts;
    for (const auto& g : cut) cut_parts.push_back(g.get());

    detail::PointSet input(points.begin(), points.end());
    auto classify = [&](Arrangement& arr, const Involved& inv, std::vector<Slot>& slots) -> std::optional<OpError> {
        const int self = inv.index_of(id);
        const Slot base = slots[static_cast<std::size_t>(self)];
        for (std::size_t i = 0; i < arr.size(); ++i) {
            auto& f = arr.face(i);
            if (f.old_owner != self) {
                f.owner = f.old_owner;
                continue;
            }
            Slot part = base;
            part.id = 0;
            part.is_part = true;
            part.reviewed = true;
            part.keeps_input = true;
            f.owner = static_cast<int>(slots.size());
            slots.push_back(part);
        }
        if (slots.size() - inv.ids.size() < 2) return no_cut;
        return std::nullopt;
    };
    auto finish = [&](const std::vector<Slot>& slots, std::vector<std::vector<Piece>>& pieces) {
        std::vector<std::size_t> parts;
        for (std::size_t s = 0; s < slots.size(); ++s)
            if (slots[s].is_part && !pieces[s].empty()) parts.push_back(s);
        std::stable_sort(parts.begin(), parts.end(),
                         [&](auto a, auto b) { return pieces[a][0].area2 > pieces[b][0].area2; });
        std::vector<Slot> named = slots;
        for (std::size_t k = 0; k < parts.size(); ++k) {
            Slot& s = named[parts[k]];
            if (k == 0) s.id = id;
            if (k < part_classes.size()) {
                if (!part_classes[k].first.empty()) s.code_cs = part_classes[k].first;
                if (!part_classes[k].second.empty()) s.code_us = part_classes[k].second;
            }
        }
        return detail::outputs_by_slot(named, pieces);
    };
    return rebuild(
        envelopes.at(id),
        [&] {
            std::vector<Geom> copy;
            for (const auto* g : cut_parts) copy.push_back(ctx.clone(g));
            return copy;
        },
        input, classify, finish, nullptr);
}

std::optional<OpError> Workspace::Impl::merge(const std::vector<std::int64_t>& ids, const std::string& code_cs,
                                              const std::string& code_us) {
    if (ids.size() < 2) return OpError{"features", "a merge needs at least two features"};
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const std::string field = "features[" + std::to_string(i) + "]";
        if (!features.count(ids[i]))
            return OpError{field, "there is no feature " + id_text(ids[i]) + " in this workspace"};
        for (std::size_t j = 0; j < i; ++j)
            if (ids[j] == ids[i]) return OpError{field, "feature " + id_text(ids[i]) + " is listed twice"};
    }
    // Connected through shared edges: a walk over the pairs that share a boundary segment
    // (boundary/boundary of dimension 1), touching at a point is not enough.
    std::vector<char> reached(ids.size(), 0);
    std::vector<std::size_t> todo{0};
    reached[0] = 1;
    while (!todo.empty()) {
        const std::size_t a = todo.back();
        todo.pop_back();
        for (std::size_t b = 0; b < ids.size(); ++b) {
            if (reached[b] || !envelopes.at(ids[a]).intersects(envelopes.at(ids[b]))) continue;
            const char r = GEOSRelatePattern_r(ctx.handle(), geom(ids[a]), geom(ids[b]), "****1****");
            if (r == 2) throw GeosError("relating features: " + ctx.last_error());
            if (r == 1) {
                reached[b] = 1;
                todo.push_back(b);
            }
        }
    }
    for (std::size_t i = 0; i < ids.size(); ++i)
        if (!reached[i])
            return OpError{"features[" + std::to_string(i) + "]",
                           "feature " + id_text(ids[i]) +
                               " is not adjacent to the others (they must share a border, not just a point)"};

    EnvelopeCm region;
    detail::PointSet input;
    for (auto id : ids) region.expand(envelopes.at(id));
    auto classify = [&](Arrangement& arr, const Involved& inv, std::vector<Slot>& slots) -> std::optional<OpError> {
        std::vector<char> target(inv.ids.size(), 0);
        for (auto id : ids) target[static_cast<std::size_t>(inv.index_of(id))] = 1;
        const int first = inv.index_of(ids.front());
        for (std::size_t i = 0; i < arr.size(); ++i) {
            auto& f = arr.face(i);
            f.owner = f.old_owner >= 0 && target[static_cast<std::size_t>(f.old_owner)] ? first : f.old_owner;
        }
        auto& s = slots[static_cast<std::size_t>(first)];
        if (!code_cs.empty()) s.code_cs = code_cs;
        if (!code_us.empty()) s.code_us = code_us;
        s.reviewed = true;
        s.must_be_single = true;
        return std::nullopt;
    };
    return rebuild(
        region, [] { return std::vector<Geom>{}; }, input, classify, detail::outputs_by_slot, nullptr);
}

std::optional<OpError> Workspace::Impl::draw(const RingsCm& geometry, const std::string& code_cs,
                                             const std::string& code_us, std::int64_t* created_id) {
    if (code_cs.empty()) return OpError{"code_cs", "a drawn feature needs a CS code"};
    if (code_us.empty()) return OpError{"code_us", "a drawn feature needs a US code"};
    Geom shape;
    if (auto err = check_polygon(geometry, "geometry", shape)) return err;
    detail::PointSet input;
    detail::add_vertices(geometry, input);
    Prepared inside(ctx, shape.get());

    auto classify = [&](Arrangement& arr, const Involved&, std::vector<Slot>& slots) -> std::optional<OpError> {
        Slot drawn;
        drawn.code_cs = code_cs;
        drawn.code_us = code_us;
        drawn.reviewed = true;
        drawn.one_piece = true;
        drawn.takes_no_given_up = true;
        drawn.primary = true;
        drawn.keeps_input = true;
        const int self = static_cast<int>(slots.size());
        slots.push_back(drawn);
        bool any = false;
        for (std::size_t i = 0; i < arr.size(); ++i) {
            auto& f = arr.face(i);
            if (inside.contains(f.inside.get())) {
                if (f.old_owner < 0) return beyond_loaded();
                f.owner = self;
                any = true;
            } else {
                f.owner = f.old_owner;
            }
        }
        if (!any) return OpError{"geometry", "the polygon is degenerate on the 1 cm grid"};
        return std::nullopt;
    };
    return rebuild(
        detail::envelope_of(geometry), [&] { return rings_as_lines(ctx, shape.get()); }, input, classify,
        detail::outputs_by_slot, created_id);
}

}  // namespace tessera::edits
