#include "edits/detail_rings.hpp"

#include <algorithm>
#include <tuple>

namespace tessera::edits::detail {

using geo::PointCm;
using geo::RingsCm;

EnvelopeCm envelope_of(const RingsCm& rings) {
    EnvelopeCm e;
    if (!rings.empty())
        for (const auto& p : rings.front()) e.expand(p);
    return e;
}

std::int64_t ring_area2(const std::vector<PointCm>& ring) {
    if (ring.size() < 4) return 0;
    // Relative to the first vertex: the products stay far below 2^63 for any tile.
    const PointCm o = ring.front();
    std::int64_t sum = 0;
    for (std::size_t i = 1; i + 1 < ring.size(); ++i) {
        const std::int64_t ax = ring[i].x - o.x, ay = ring[i].y - o.y;
        const std::int64_t bx = ring[i + 1].x - o.x, by = ring[i + 1].y - o.y;
        sum += ax * by - bx * ay;
    }
    return sum;
}

std::int64_t polygon_area2(const RingsCm& rings) {
    std::int64_t a = 0;
    for (std::size_t i = 0; i < rings.size(); ++i) {
        const std::int64_t r = ring_area2(rings[i]);
        a += (i == 0 ? 1 : -1) * (r < 0 ? -r : r);
    }
    return a;
}

std::size_t vertex_count(const RingsCm& rings) {
    std::size_t n = 0;
    for (const auto& r : rings) n += r.empty() ? 0 : r.size() - 1;
    return n;
}

namespace {

// On the line of its neighbours and between them (not a spike).
bool straight(const PointCm& a, const PointCm& v, const PointCm& b) {
    const std::int64_t ux = v.x - a.x, uy = v.y - a.y, wx = b.x - v.x, wy = b.y - v.y;
    return ux * wy - uy * wx == 0 && ux * wx + uy * wy > 0;
}

bool less_point(const PointCm& a, const PointCm& b) { return std::tie(a.x, a.y) < std::tie(b.x, b.y); }

std::vector<PointCm> canonical_ring(const std::vector<PointCm>& ring, bool counter_clockwise) {
    std::vector<PointCm> open;
    open.reserve(ring.size());
    for (const auto& p : ring)
        if (open.empty() || !(open.back() == p)) open.push_back(p);
    while (open.size() > 1 && open.back() == open.front()) open.pop_back();
    if (open.empty()) return open;
    std::vector<PointCm> closed = open;
    closed.push_back(open.front());
    if ((ring_area2(closed) > 0) != counter_clockwise) std::reverse(open.begin(), open.end());
    const auto first = std::min_element(open.begin(), open.end(), less_point);
    std::rotate(open.begin(), first, open.end());
    open.push_back(open.front());
    return open;
}

}  // namespace

RingsCm canonical(const RingsCm& rings) {
    RingsCm out;
    out.reserve(rings.size());
    for (std::size_t i = 0; i < rings.size(); ++i) out.push_back(canonical_ring(rings[i], i == 0));
    if (out.size() > 2)
        std::sort(out.begin() + 1, out.end(), [](const auto& a, const auto& b) {
            return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), less_point);
        });
    return out;
}

void drop_straight_vertices(std::vector<PointCm>& ring, const PointSet& keep) {
    if (ring.size() < 5) return;  // a triangle has nothing to drop
    std::vector<PointCm> open(ring.begin(), ring.end() - 1);
    bool changed = true;
    while (changed && open.size() > 3) {
        changed = false;
        std::vector<PointCm> next;
        next.reserve(open.size());
        const std::size_t n = open.size();
        for (std::size_t i = 0; i < n; ++i) {
            const PointCm& prev = next.empty() ? open[(i + n - 1) % n] : next.back();
            const PointCm& v = open[i];
            const PointCm& after = open[(i + 1) % n];
            if (!keep.count(v) && straight(prev, v, after) && n - (i - next.size()) > 3) {
                changed = true;
                continue;
            }
            next.push_back(v);
        }
        open = std::move(next);
    }
    open.push_back(open.front());
    ring = std::move(open);
}

void add_vertices(const RingsCm& rings, PointSet& out) {
    for (const auto& r : rings)
        for (const auto& p : r) out.insert(p);
}

void add_straight_vertices(const RingsCm& rings, PointSet& out) {
    for (const auto& r : rings) {
        if (r.size() < 4) continue;
        const std::size_t n = r.size() - 1;  // open ring
        for (std::size_t i = 0; i < n; ++i)
            if (straight(r[(i + n - 1) % n], r[i], r[(i + 1) % n])) out.insert(r[i]);
    }
}

}  // namespace tessera::edits::detail
