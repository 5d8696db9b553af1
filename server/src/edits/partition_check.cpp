#include "edits/partition_check.hpp"

#include <algorithm>
#include <optional>

#include "edits/detail_convert.hpp"
#include "edits/detail_rings.hpp"
#include "geo/geos.hpp"

namespace tessera::edits {

using geo::Geom;

namespace {

// Geometry in centimetres relative to the first vertex seen, so every coordinate is a small
// exact integer.
struct Built {
    geo::Context ctx;
    geo::PointCm origin;
    std::map<std::int64_t, Geom> geoms;

    explicit Built(const std::map<std::int64_t, Feature>& features) {
        for (const auto& [id, f] : features)
            if (!f.rings.empty() && !f.rings.front().empty()) {
                origin = f.rings.front().front();
                break;
            }
    }
    std::optional<std::string> build(const Feature& f) {
        if (f.rings.empty()) return std::string("has no rings");
        for (std::size_t i = 0; i < f.rings.size(); ++i) {
            const auto& r = f.rings[i];
            if (r.size() < 4) return "ring " + std::to_string(i) + " has fewer than 4 points";
            if (!(r.front() == r.back())) return "ring " + std::to_string(i) + " is not closed";
        }
        try {
            geoms[f.id] = detail::make_polygon(ctx, f.rings, origin);
        } catch (const geo::GeosError& e) {
            return std::string(e.what());
        }
        return std::nullopt;
    }
    const GEOSGeometry* get(const Feature& f) {
        auto it = geoms.find(f.id);
        if (it != geoms.end()) return it->second.get();
        if (build(f)) return nullptr;
        return geoms.at(f.id).get();
    }
};

std::string name(std::int64_t id) { return "feature " + std::to_string(id); }

}  // namespace

std::int64_t polygon_area2(const geo::RingsCm& rings) { return detail::polygon_area2(rings); }

std::int64_t total_area2(const std::map<std::int64_t, Feature>& features) {
    std::int64_t a = 0;
    for (const auto& [id, f] : features) a += detail::polygon_area2(f.rings);
    return a;
}

std::vector<std::string> feature_problems(const std::map<std::int64_t, Feature>& features,
                                          const std::set<std::int64_t>& only) {
    std::vector<std::string> out;
    Built b(features);
    for (const auto& [id, f] : features) {
        if (!only.empty() && !only.count(id)) continue;
        if (f.id != id) out.push_back(name(id) + " is stored under another id");
        if (auto why = b.build(f)) {
            out.push_back(name(id) + ": " + *why);
            continue;
        }
        const GEOSGeometry* g = b.geoms.at(id).get();
        if (GEOSisValid_r(b.ctx.handle(), g) != 1) out.push_back(name(id) + " is invalid: " + b.ctx.invalid_reason(g));
        if (detail::polygon_area2(f.rings) <= 0) out.push_back(name(id) + " has no area");
    }
    return out;
}

std::vector<std::string> overlap_problems(const std::map<std::int64_t, Feature>& features,
                                          const std::set<std::int64_t>& only) {
    std::vector<std::string> out;
    Built b(features);
    std::vector<std::pair<std::int64_t, detail::EnvelopeCm>> boxes;
    for (const auto& [id, f] : features) boxes.emplace_back(id, detail::envelope_of(f.rings));
    // Sweep along x so the pairs tested are the ones whose boxes meet, not all of them.
    std::sort(boxes.begin(), boxes.end(), [](const auto& a, const auto& c) { return a.second.min_x < c.second.min_x; });
    for (std::size_t i = 0; i < boxes.size(); ++i) {
        for (std::size_t j = i + 1; j < boxes.size() && boxes[j].second.min_x <= boxes[i].second.max_x; ++j) {
            const auto ia = boxes[i].first, ib = boxes[j].first;
            if (!only.empty() && !only.count(ia) && !only.count(ib)) continue;
            if (!boxes[i].second.intersects(boxes[j].second)) continue;
            const GEOSGeometry* ga = b.get(features.at(ia));
            const GEOSGeometry* gb = b.get(features.at(ib));
            if (!ga || !gb) continue;  // reported by feature_problems
            const char r = GEOSRelatePattern_r(b.ctx.handle(), ga, gb, "2********");
            if (r != 0) out.push_back(name(ia) + " and " + name(ib) + (r == 1 ? " overlap" : " cannot be compared"));
        }
    }
    return out;
}

bool same_region(const std::map<std::int64_t, Feature>& features, const std::vector<Feature>& reference) {
    Built b(features);
    auto union_of = [&](auto&& each) -> Geom {
        std::vector<Geom> members;
        each([&](const Feature& f) {
            if (!b.build(f)) members.push_back(std::move(b.geoms.at(f.id)));
            b.geoms.erase(f.id);
        });
        Geom all = geo::make_collection(b.ctx, GEOS_GEOMETRYCOLLECTION, std::move(members));
        return b.ctx.own(GEOSUnaryUnion_r(b.ctx.handle(), all.get()), "union");
    };
    Geom now = union_of([&](auto&& add) {
        for (const auto& [id, f] : features) add(f);
    });
    Geom before = union_of([&](auto&& add) {
        for (const auto& f : reference) add(f);
    });
    if (GEOSisEmpty_r(b.ctx.handle(), now.get()) && GEOSisEmpty_r(b.ctx.handle(), before.get())) return true;
    return GEOSEquals_r(b.ctx.handle(), now.get(), before.get()) == 1;
}

std::vector<std::string> partition_problems(const std::map<std::int64_t, Feature>& features,
                                            const std::vector<Feature>& reference) {
    auto out = feature_problems(features);
    for (auto& p : overlap_problems(features)) out.push_back(std::move(p));
    std::int64_t ref_area2 = 0;
    for (const auto& f : reference) ref_area2 += detail::polygon_area2(f.rings);
    const std::int64_t area2 = total_area2(features);
    if (area2 != ref_area2)
        out.push_back("total area " + std::to_string(static_cast<double>(area2) / 2e4) + " m² instead of " +
                      std::to_string(static_cast<double>(ref_area2) / 2e4) + " m²");
    if (!same_region(features, reference)) out.push_back("the features do not cover the same region as before");
    return out;
}

}  // namespace tessera::edits
