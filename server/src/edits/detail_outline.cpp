#include "edits/detail_outline.hpp"

#include <algorithm>
#include <cstdint>
#include <tuple>

namespace tessera::edits::detail {

using geo::PointCm;

namespace {

bool less_point(const PointCm& p, const PointCm& q) { return std::tie(p.x, p.y) < std::tie(q.x, q.y); }

bool less_segment(const Segment& s, const Segment& t) {
    return std::tie(s.a.x, s.a.y, s.b.x, s.b.y) < std::tie(t.a.x, t.a.y, t.b.x, t.b.y);
}

bool same_segment(const Segment& s, const Segment& t) { return s.a == t.a && s.b == t.b; }

// Cuts each segment at the points of `points` (sorted, unique) lying strictly inside it.
std::vector<Segment> cut(const std::vector<Segment>& segments, const std::vector<PointCm>& points) {
    std::vector<Segment> out;
    out.reserve(segments.size());
    std::vector<PointCm> inside;
    for (const auto& s : segments) {
        inside.clear();
        // a.x <= b.x: the candidates are the points with x in [a.x, b.x].
        auto it = std::lower_bound(points.begin(), points.end(), PointCm{s.a.x, INT64_MIN}, less_point);
        const std::int64_t lo_y = std::min(s.a.y, s.b.y), hi_y = std::max(s.a.y, s.b.y);
        const std::int64_t dx = s.b.x - s.a.x, dy = s.b.y - s.a.y;
        for (; it != points.end() && it->x <= s.b.x; ++it) {
            const PointCm& p = *it;
            if (p.y < lo_y || p.y > hi_y || p == s.a || p == s.b) continue;
            if (dx * (p.y - s.a.y) - dy * (p.x - s.a.x) != 0) continue;
            inside.push_back(p);
        }
        if (inside.empty()) {
            out.push_back(s);
            continue;
        }
        // Along the segment, points sort as they do lexicographically (a < b lexicographically).
        std::sort(inside.begin(), inside.end(), less_point);
        PointCm from = s.a;
        for (const auto& p : inside) {
            out.push_back(Segment{from, p});
            from = p;
        }
        out.push_back(Segment{from, s.b});
    }
    return out;
}

std::vector<PointCm> endpoints(const std::vector<Segment>& a, const std::vector<Segment>& b) {
    std::vector<PointCm> out;
    out.reserve(2 * (a.size() + b.size()));
    for (const auto* set : {&a, &b})
        for (const auto& s : *set) {
            out.push_back(s.a);
            out.push_back(s.b);
        }
    std::sort(out.begin(), out.end(), less_point);
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace

Segment make_segment(const PointCm& p, const PointCm& q) { return less_point(p, q) ? Segment{p, q} : Segment{q, p}; }

std::vector<Segment> outline_of(const std::vector<const geo::RingsCm*>& polygons) {
    std::vector<Segment> all;
    std::vector<PointCm> vertices;
    for (const auto* rings : polygons)
        for (const auto& ring : *rings)
            for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
                vertices.push_back(ring[i]);
                if (!(ring[i] == ring[i + 1])) all.push_back(make_segment(ring[i], ring[i + 1]));
            }
    std::sort(vertices.begin(), vertices.end(), less_point);
    vertices.erase(std::unique(vertices.begin(), vertices.end()), vertices.end());
    all = cut(all, vertices);
    std::sort(all.begin(), all.end(), less_segment);
    // Shared by two polygons: inside the union. Once: on its outline.
    std::vector<Segment> out;
    for (std::size_t i = 0; i < all.size();) {
        std::size_t j = i + 1;
        while (j < all.size() && same_segment(all[j], all[i])) ++j;
        if (j - i == 1) out.push_back(all[i]);
        i = j;
    }
    return out;
}

bool same_points(std::vector<Segment> a, std::vector<Segment> b) {
    const auto points = endpoints(a, b);
    a = cut(a, points);
    b = cut(b, points);
    if (a.size() != b.size()) return false;
    std::sort(a.begin(), a.end(), less_segment);
    std::sort(b.begin(), b.end(), less_segment);
    return std::equal(a.begin(), a.end(), b.begin(), same_segment);
}

}  // namespace tessera::edits::detail
