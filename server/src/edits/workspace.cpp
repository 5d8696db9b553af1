#include "edits/workspace.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "edits/detail_convert.hpp"
#include "edits/detail_workspace_impl.hpp"

namespace tessera::edits {

using detail::EnvelopeCm;
using detail::Involved;
using detail::Output;
using geo::Geom;
using geo::GeosError;
using geo::PointCm;
using geo::RingsCm;

namespace {

std::string id_text(std::int64_t id) { return std::to_string(id); }

OpError no_feature(std::int64_t id, const char* field = "feature") {
    return OpError{field, "there is no feature " + id_text(id) + " in this workspace"};
}

bool same_rings(const RingsCm& a, const RingsCm& b) { return a == b || detail::canonical(a) == detail::canonical(b); }

}  // namespace

namespace detail {

int Involved::index_of(std::int64_t id) const {
    for (std::size_t i = 0; i < ids.size(); ++i)
        if (ids[i] == id) return static_cast<int>(i);
    return -1;
}

std::vector<Output> outputs_by_slot(const std::vector<Slot>& slots, std::vector<std::vector<Piece>>& pieces) {
    std::vector<Output> out;
    for (std::size_t s = 0; s < slots.size(); ++s) {
        const Slot& slot = slots[s];
        for (std::size_t k = 0; k < pieces[s].size(); ++k) {
            Output o;
            o.id = k == 0 ? slot.id : 0;
            o.primary = k == 0 && slot.primary;
            o.feature.code_cs = slot.code_cs;
            o.feature.code_us = slot.code_us;
            o.feature.reviewed = slot.reviewed;
            o.feature.rings = std::move(pieces[s][k].rings);
            out.push_back(std::move(o));
        }
    }
    return out;
}

}  // namespace detail

Workspace::Impl::Impl(const tiles::Box& tile, std::vector<Feature> initial, Limits lim) : limits(lim) {
    if (tile.valid() && std::fabs(tile.min_x) < 1e10 && std::fabs(tile.max_x) < 1e10 && std::fabs(tile.min_y) < 1e10 &&
        std::fabs(tile.max_y) < 1e10) {
        origin = PointCm{std::llround(tile.min_x * 100.0), std::llround(tile.min_y * 100.0)};
        tile_env = EnvelopeCm{origin.x, origin.y, std::llround(tile.max_x * 100.0), std::llround(tile.max_y * 100.0)};
    }
    for (auto& f : initial) {
        const std::int64_t id = f.id;
        next_id = std::min(next_id, id - 1);  // new ids never collide with ids handed in
        envelopes[id] = detail::envelope_of(f.rings);
        features[id] = std::move(f);
    }
}

const GEOSGeometry* Workspace::Impl::geom(std::int64_t id) {
    auto it = geoms.find(id);
    if (it != geoms.end()) return it->second.get();
    const Feature& f = features.at(id);
    Geom g = detail::make_polygon(ctx, f.rings, origin);
    return geoms.emplace(id, std::move(g)).first->second.get();
}

void Workspace::Impl::remember(std::int64_t id) {
    if (id <= 0 || originals.count(id)) return;
    auto it = features.find(id);
    if (it != features.end()) originals.emplace(id, it->second);
}

void Workspace::Impl::refresh(std::int64_t id) {
    auto it = features.find(id);
    if (id < 0) {
        if (it != features.end()) {
            created.insert(id);
        } else {
            created.erase(id);
        }
        return;
    }
    if (it == features.end()) {
        deleted.insert(id);
        class_changed.erase(id);
        geometry_changed.erase(id);
        return;
    }
    auto o = originals.find(id);
    if (o == originals.end()) return;
    const Feature& a = o->second;
    const Feature& b = it->second;
    if (a.code_cs != b.code_cs || a.code_us != b.code_us || a.reviewed != b.reviewed) {
        class_changed.insert(id);
    } else {
        class_changed.erase(id);
    }
    if (!same_rings(a.rings, b.rings)) {
        geometry_changed.insert(id);
    } else {
        geometry_changed.erase(id);
    }
}

std::optional<OpError> Workspace::Impl::check_polygon(const RingsCm& rings, const char* field, Geom& out) {
    if (rings.empty() || rings.front().empty()) return OpError{field, "the polygon is empty"};
    for (std::size_t i = 0; i < rings.size(); ++i) {
        const auto& r = rings[i];
        const std::string which = i == 0 ? "the exterior ring" : "hole " + std::to_string(i);
        if (r.size() < 4) return OpError{field, which + " has fewer than 4 points"};
        if (!(r.front() == r.back())) return OpError{field, which + " is not closed"};
    }
    const std::size_t n = detail::vertex_count(rings);
    if (n > limits.max_vertices_per_feature)
        return OpError{field, "the polygon has " + std::to_string(n) + " vertices, more than the limit of " +
                                  std::to_string(limits.max_vertices_per_feature)};
    for (const auto& r : rings)
        for (const auto& p : r)
            if (tile_env.empty() || p.x < tile_env.min_x || p.x > tile_env.max_x || p.y < tile_env.min_y ||
                p.y > tile_env.max_y)
                return OpError{field, "the polygon leaves the tile"};
    try {
        out = detail::make_polygon(ctx, rings, origin);
    } catch (const GeosError& e) {
        return OpError{field, std::string("not a polygon: ") + e.what()};
    }
    const std::string why = detail::invalid_reason_m(ctx, out.get(), origin);
    if (!why.empty()) return OpError{field, "invalid polygon: " + why};
    if (detail::polygon_area2(rings) <= 0) return OpError{field, "the polygon is degenerate (it has no area)"};
    return std::nullopt;
}

Involved Workspace::Impl::involve(const EnvelopeCm& region) {
    Involved inv;
    for (const auto& [id, f] : features) {
        const EnvelopeCm& e = envelopes.at(id);
        if (!e.intersects(region)) continue;
        inv.ids.push_back(id);
        inv.geoms.push_back(geom(id));
        inv.envelopes.push_back(e);
        inv.rings.push_back(&f.rings);
    }
    return inv;
}

Involved Workspace::Impl::involve_all() {
    EnvelopeCm all;
    for (const auto& [id, e] : envelopes) all.expand(e);
    return involve(all);
}

std::optional<OpError> Workspace::Impl::apply(const Involved& involved, std::vector<Output> outputs,
                                              std::int64_t* created_id) {
    // Check everything before changing anything: a refused edit leaves the workspace as it was.
    std::vector<Geom> built(outputs.size());
    std::set<std::int64_t> kept;
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        Output& o = outputs[i];
        if (o.id != 0) {
            kept.insert(o.id);
            const Feature& now = features.at(o.id);
            if (same_rings(now.rings, o.feature.rings)) {
                o.feature.rings = now.rings;
                continue;
            }
            // Back to what it was: the very same rings, so the store sees no change at all.
            auto was = originals.find(o.id);
            if (was != originals.end() && same_rings(was->second.rings, o.feature.rings)) {
                o.feature.rings = was->second.rings;
                continue;
            }
        }
        const std::size_t n = detail::vertex_count(o.feature.rings);
        const std::string who = o.id != 0 ? "feature " + id_text(o.id) : "a new feature";
        if (n > limits.max_vertices_per_feature)
            return OpError{"geometry", "the edit would give " + who + " " + std::to_string(n) +
                                           " vertices, more than the limit of " +
                                           std::to_string(limits.max_vertices_per_feature)};
        built[i] = detail::make_polygon(ctx, o.feature.rings, origin);
        const std::string why = detail::invalid_reason_m(ctx, built[i].get(), origin);
        if (!why.empty()) return OpError{"geometry", "the edit would make " + who + " invalid: " + why};
    }
    for (auto id : involved.ids) {
        if (kept.count(id)) continue;
        remember(id);
        features.erase(id);
        envelopes.erase(id);
        geoms.erase(id);
        refresh(id);
    }
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        Output& o = outputs[i];
        std::int64_t id = o.id;
        if (id == 0) id = next_id--;
        o.feature.id = id;
        auto it = features.find(id);
        const bool same = it != features.end() && it->second.code_cs == o.feature.code_cs &&
                          it->second.code_us == o.feature.code_us && it->second.reviewed == o.feature.reviewed &&
                          it->second.rings == o.feature.rings;
        if (!same) {
            remember(id);
            envelopes[id] = detail::envelope_of(o.feature.rings);
            if (built[i]) {
                geoms[id] = std::move(built[i]);
            } else {
                geoms.erase(id);  // rebuilt on next use
            }
            features[id] = std::move(o.feature);
            refresh(id);
        }
        if (o.primary && created_id) *created_id = id;
    }
    return std::nullopt;
}

Workspace::Workspace(const tiles::Box& tile, std::vector<Feature> features, Limits limits)
    : m_impl(std::make_unique<Impl>(tile, std::move(features), limits)) {}

Workspace::~Workspace() = default;

std::optional<OpError> Workspace::set_class(std::int64_t id, const std::string& code_cs, const std::string& code_us) {
    auto it = m_impl->features.find(id);
    if (it == m_impl->features.end()) return no_feature(id);
    if (code_cs.empty() && code_us.empty()) return OpError{"code_cs", "give a CS code, a US code or both"};
    m_impl->remember(id);
    if (!code_cs.empty()) it->second.code_cs = code_cs;
    if (!code_us.empty()) it->second.code_us = code_us;
    it->second.reviewed = true;
    m_impl->refresh(id);
    return std::nullopt;
}

std::optional<OpError> Workspace::confirm(std::int64_t id) {
    auto it = m_impl->features.find(id);
    if (it == m_impl->features.end()) return no_feature(id);
    m_impl->remember(id);
    it->second.reviewed = true;
    m_impl->refresh(id);
    return std::nullopt;
}

// GEOS failures inside a geometric edit come from what the edit was given (or the stored
// features it met): they refuse the edit, which leaves the workspace unchanged.
template <class Fn>
static std::optional<OpError> guarded(Fn&& fn) {
    try {
        return fn();
    } catch (const GeosError& e) {
        return OpError{"geometry", std::string("the edit cannot be computed: ") + e.what()};
    }
}

std::optional<OpError> Workspace::reshape(std::int64_t id, const RingsCm& geometry) {
    return guarded([&] { return m_impl->reshape(id, geometry); });
}

std::optional<OpError> Workspace::split(std::int64_t id, const std::vector<PointCm>& line,
                                        const std::vector<std::pair<std::string, std::string>>& part_classes) {
    return guarded([&] { return m_impl->split(id, line, part_classes); });
}

std::optional<OpError> Workspace::merge(const std::vector<std::int64_t>& ids, const std::string& code_cs,
                                        const std::string& code_us) {
    return guarded([&] { return m_impl->merge(ids, code_cs, code_us); });
}

std::optional<OpError> Workspace::draw(const RingsCm& geometry, const std::string& code_cs, const std::string& code_us,
                                       std::int64_t* created) {
    return guarded([&] { return m_impl->draw(geometry, code_cs, code_us, created); });
}

const Feature* Workspace::find(std::int64_t id) const {
    auto it = m_impl->features.find(id);
    return it == m_impl->features.end() ? nullptr : &it->second;
}

const std::map<std::int64_t, Feature>& Workspace::features() const { return m_impl->features; }
const std::set<std::int64_t>& Workspace::class_changed() const { return m_impl->class_changed; }
const std::set<std::int64_t>& Workspace::geometry_changed() const { return m_impl->geometry_changed; }
const std::set<std::int64_t>& Workspace::created() const { return m_impl->created; }
const std::set<std::int64_t>& Workspace::deleted() const { return m_impl->deleted; }

}  // namespace tessera::edits
