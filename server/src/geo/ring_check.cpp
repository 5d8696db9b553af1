#include "geo/ring_check.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>

#include "geo/envelope.hpp"

namespace tessera::geo {
namespace {

__extension__ typedef __int128 Wide;

// The side of c from the line a→b: +1 left, -1 right, 0 on it. Exact.
int orient(const PointCm& a, const PointCm& b, const PointCm& c) {
    const Wide v = static_cast<Wide>(b.x - a.x) * (c.y - a.y) - static_cast<Wide>(b.y - a.y) * (c.x - a.x);
    return (v > 0) - (v < 0);
}

// c, on the line through a and b, lies on the closed segment ab.
bool within(const PointCm& a, const PointCm& b, const PointCm& c) {
    return std::min(a.x, b.x) <= c.x && c.x <= std::max(a.x, b.x) && std::min(a.y, b.y) <= c.y &&
           c.y <= std::max(a.y, b.y);
}

// How the closed segments ab and cd meet: not at all, at one point (`at`), or more (they cross
// or overlap).
enum class Meeting { none, point, more };

Meeting meet(const PointCm& a, const PointCm& b, const PointCm& c, const PointCm& d, PointCm& at) {
    const int o1 = orient(a, b, c), o2 = orient(a, b, d), o3 = orient(c, d, a), o4 = orient(c, d, b);
    if (o1 * o2 < 0 && o3 * o4 < 0) return Meeting::more;  // their interiors cross
    if (o1 == 0 && o2 == 0) {
        // On one line: the common part of the two intervals, along the line's longer axis.
        const bool by_x = std::max(a.x, b.x) - std::min(a.x, b.x) >= std::max(a.y, b.y) - std::min(a.y, b.y);
        const auto key = [by_x](const PointCm& p) { return by_x ? p.x : p.y; };
        const PointCm& lo1 = key(a) < key(b) ? a : b;
        const PointCm& hi1 = key(a) < key(b) ? b : a;
        const PointCm& lo2 = key(c) < key(d) ? c : d;
        const PointCm& hi2 = key(c) < key(d) ? d : c;
        const PointCm& lo = key(lo1) > key(lo2) ? lo1 : lo2;
        const PointCm& hi = key(hi1) < key(hi2) ? hi1 : hi2;
        if (key(lo) > key(hi)) return Meeting::none;
        if (key(lo) < key(hi)) return Meeting::more;
        at = lo;
        return Meeting::point;
    }
    // Not on one line: one common point at most, an end of one of them.
    if (o1 == 0 && within(a, b, c)) {
        at = c;
    } else if (o2 == 0 && within(a, b, d)) {
        at = d;
    } else if (o3 == 0 && within(c, d, a)) {
        at = a;
    } else if (o4 == 0 && within(c, d, b)) {
        at = b;
    } else {
        return Meeting::none;
    }
    return Meeting::point;
}

// Where two rings touch: one direction of a ring's edge leaving the point.
struct Touch {
    PointCm at;
    std::uint32_t ring;
    PointCm toward;
    friend bool operator==(const Touch&, const Touch&) = default;
};

// Points by x then y (columns), and by y then x (rows).
bool before(const PointCm& p, const PointCm& q) { return p.x != q.x ? p.x < q.x : p.y < q.y; }
bool below(const PointCm& p, const PointCm& q) { return p.y != q.y ? p.y < q.y : p.x < q.x; }

// The directions from `at` in counter-clockwise order starting at +x: whether u comes first.
bool angle_before(const PointCm& at, const PointCm& u, const PointCm& v) {
    const auto half = [&at](const PointCm& p) {
        const auto dy = p.y - at.y, dx = p.x - at.x;
        return dy < 0 || (dy == 0 && dx < 0);
    };
    const bool hu = half(u), hv = half(v);
    if (hu != hv) return !hu;
    return orient(at, u, v) > 0;
}

std::uint32_t root(std::vector<std::uint32_t>& parent, std::uint32_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
}

// Strictly inside the ring, for a point known not to lie on it (crossing number, exact).
bool inside(const std::vector<PointCm>& ring, const PointCm& v) {
    bool in = false;
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
        const PointCm& p = ring[i];
        const PointCm& q = ring[i + 1];
        if ((p.y > v.y) == (q.y > v.y)) continue;
        const int side = orient(p, q, v);
        if (q.y > p.y ? side > 0 : side < 0) in = !in;
    }
    return in;
}

struct Edge {
    PointCm a, b;
    std::int64_t min_x, max_x, min_y, max_y;
    std::uint32_t ring, index, count;  // its ring, its place in the ring, the ring's edge count
};

// Consecutive edges of one ring: they share the vertex between them, and only it unless the
// second turns back along the first.
bool consecutive(const Edge& e, const Edge& f) {
    if (e.ring != f.ring) return false;
    return (e.index + 1) % e.count == f.index || (f.index + 1) % f.count == e.index;
}

bool turns_back(const Edge& first, const Edge& second) {
    // first ends where second starts
    const PointCm& p = first.b;
    const PointCm& a = first.a;
    const PointCm& b = second.b;
    if (orient(a, p, b) != 0) return false;
    const Wide dot = static_cast<Wide>(a.x - p.x) * (b.x - p.x) + static_cast<Wide>(a.y - p.y) * (b.y - p.y);
    return dot > 0;
}

}  // namespace

void drop_repeated_points(RingsCm& rings) {
    for (auto& ring : rings) ring.erase(std::unique(ring.begin(), ring.end()), ring.end());
}

void add_points_on_edges(RingsCm& rings, std::vector<PointCm> points) {
    if (points.empty()) return;
    std::sort(points.begin(), points.end(), before);
    points.erase(std::unique(points.begin(), points.end()), points.end());
    std::vector<PointCm> rows = points;
    std::sort(rows.begin(), rows.end(), below);
    for (auto& ring : rings) {
        std::vector<PointCm> out;
        out.reserve(ring.size());
        for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
            const PointCm a = ring[i], b = ring[i + 1];
            out.push_back(a);
            const bool vertical = a.x == b.x && a.y != b.y, horizontal = a.y == b.y && a.x != b.x;
            if (!vertical && !horizontal) continue;
            const auto& sorted = vertical ? points : rows;
            const auto less = vertical ? before : below;
            const PointCm lo = vertical ? PointCm{a.x, std::min(a.y, b.y)} : PointCm{std::min(a.x, b.x), a.y};
            const PointCm hi = vertical ? PointCm{a.x, std::max(a.y, b.y)} : PointCm{std::max(a.x, b.x), a.y};
            const auto first = std::upper_bound(sorted.begin(), sorted.end(), lo, less);
            const auto last = std::lower_bound(first, sorted.end(), hi, less);
            if (first == last) continue;
            const bool forward = vertical ? a.y < b.y : a.x < b.x;
            if (forward) {
                out.insert(out.end(), first, last);
            } else {
                out.insert(out.end(), std::make_reverse_iterator(last), std::make_reverse_iterator(first));
            }
        }
        out.push_back(ring.back());
        ring = std::move(out);
    }
}

bool certainly_valid(const RingsCm& rings) {
    if (rings.empty()) return false;
    constexpr std::size_t most_holes = 4096;  // beyond, GEOS's indexed checks are the better tool
    if (rings.size() - 1 > most_holes) return false;
    std::vector<Edge> edges;
    for (std::uint32_t r = 0; r < rings.size(); ++r) {
        const auto& ring = rings[r];
        if (ring.size() < 4 || !(ring.front() == ring.back())) return false;
        const auto first = edges.size();
        for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
            const PointCm& a = ring[i];
            const PointCm& b = ring[i + 1];
            if (a == b) continue;  // a repeated point: no edge
            edges.push_back(Edge{a, b, std::min(a.x, b.x), std::max(a.x, b.x), std::min(a.y, b.y), std::max(a.y, b.y),
                                 r, 0, 0});
        }
        const auto count = static_cast<std::uint32_t>(edges.size() - first);
        if (count < 3) return false;
        for (std::uint32_t i = 0; i < count; ++i) {
            edges[first + i].index = i;
            edges[first + i].count = count;
        }
    }

    // Every pair of edges whose boxes meet, found by a sweep along x.
    std::vector<std::uint32_t> order(edges.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](auto i, auto j) { return edges[i].min_x < edges[j].min_x; });
    std::vector<std::uint32_t> active;
    std::vector<Touch> touches;
    for (const auto i : order) {
        const Edge& e = edges[i];
        std::erase_if(active, [&](auto j) { return edges[j].max_x < e.min_x; });
        for (const auto j : active) {
            const Edge& f = edges[j];
            if (f.max_y < e.min_y || e.max_y < f.min_y) continue;
            if (consecutive(e, f)) {
                const bool e_first = (e.index + 1) % e.count == f.index;
                if (turns_back(e_first ? e : f, e_first ? f : e)) return false;
            } else {
                PointCm at;
                const auto m = meet(e.a, e.b, f.a, f.b, at);
                if (m == Meeting::none) continue;
                if (m == Meeting::more || e.ring == f.ring) return false;  // crossing, overlapping, self-touching
                for (const Edge* g : {&e, &f}) {
                    if (!(g->a == at)) touches.push_back(Touch{at, g->ring, g->a});
                    if (!(g->b == at)) touches.push_back(Touch{at, g->ring, g->b});
                }
            }
        }
        active.push_back(i);
    }

    // Rings touching at points: valid when they do not cross there and the touches leave the
    // interior in one piece (no cycle of rings through touch points).
    std::vector<PointCm> touch_points;
    if (!touches.empty()) {
        std::sort(touches.begin(), touches.end(), [](const Touch& t, const Touch& u) {
            if (!(t.at == u.at)) return before(t.at, u.at);
            if (t.ring != u.ring) return t.ring < u.ring;
            return before(t.toward, u.toward);
        });
        touches.erase(std::unique(touches.begin(), touches.end()), touches.end());
        std::vector<std::uint32_t> parent(rings.size());
        for (std::uint32_t r = 0; r < parent.size(); ++r) parent[r] = r;
        for (std::size_t i = 0; i < touches.size();) {
            std::size_t j = i;
            while (j < touches.size() && touches[j].at == touches[i].at) ++j;
            // Exactly two rings, each passing through once (two directions).
            if (j - i != 4 || touches[i].ring != touches[i + 1].ring || touches[i + 2].ring != touches[i + 3].ring ||
                touches[i].ring == touches[i + 2].ring)
                return false;
            const PointCm at = touches[i].at;
            std::array<const Touch*, 4> around{&touches[i], &touches[i + 1], &touches[i + 2], &touches[i + 3]};
            std::sort(around.begin(), around.end(),
                      [&at](const Touch* t, const Touch* u) { return angle_before(at, t->toward, u->toward); });
            if (around[0]->ring == around[2]->ring) return false;  // alternating: the rings cross here
            const auto a = root(parent, touches[i].ring), b = root(parent, touches[i + 2].ring);
            if (a == b) return false;  // a cycle: the interior is cut in two
            parent[a] = b;
            touch_points.push_back(at);
            i = j;
        }
    }

    // Rings meet nowhere else: each hole is wholly inside or outside the shell and every other
    // hole, and any of its vertices that touches no other ring tells which.
    std::vector<EnvelopeCm> boxes(rings.size());
    for (std::size_t r = 0; r < rings.size(); ++r)
        for (const auto& p : rings[r]) boxes[r].expand(p);
    for (std::size_t h = 1; h < rings.size(); ++h) {
        const auto free = std::find_if(rings[h].begin(), rings[h].end(), [&](const PointCm& p) {
            return !std::binary_search(touch_points.begin(), touch_points.end(), p, before);
        });
        if (free == rings[h].end()) return false;
        if (!inside(rings[0], *free)) return false;
        for (std::size_t k = 1; k < rings.size(); ++k)
            if (k != h && boxes[k].contains(boxes[h]) && inside(rings[k], *free)) return false;
    }
    return true;
}

}  // namespace tessera::geo
