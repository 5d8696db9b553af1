#include "geo/ring_check.hpp"

#include <algorithm>
#include <array>
#include <cmath>
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

// Whether the ray from v towards -x crosses the edge p→q, for a point level with it (one end
// strictly above v, the other not) and not on it: the crossing-number rule, exact.
bool crosses_leftwards(const PointCm& p, const PointCm& q, const PointCm& v) {
    const int side = orient(p, q, v);
    return q.y > p.y ? side > 0 : side < 0;
}

// Strictly inside the ring, for a point known not to lie on it.
bool inside(const std::vector<PointCm>& ring, const PointCm& v) {
    bool in = false;
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
        const PointCm& p = ring[i];
        const PointCm& q = ring[i + 1];
        if ((p.y > v.y) != (q.y > v.y) && crosses_leftwards(p, q, v)) in = !in;
    }
    return in;
}

// inside() for many points at once: each edge of the ring flips the points level with it (by
// binary search on the points' y) that lie on its side, so the work grows with the ring's edges
// and the crossings rather than with edges times points.
std::vector<bool> inside_each(const std::vector<PointCm>& ring, const std::vector<PointCm>& points) {
    std::vector<std::uint32_t> by_y(points.size());
    for (std::uint32_t i = 0; i < by_y.size(); ++i) by_y[i] = i;
    std::sort(by_y.begin(), by_y.end(), [&](auto i, auto j) { return points[i].y < points[j].y; });
    std::vector<std::int64_t> ys(by_y.size());
    for (std::size_t i = 0; i < by_y.size(); ++i) ys[i] = points[by_y[i]].y;
    std::vector<bool> in(points.size(), false);
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
        const PointCm& p = ring[i];
        const PointCm& q = ring[i + 1];
        if (p.y == q.y) continue;
        // Level with it: lo <= y < hi, as inside() counts (one end strictly above the point).
        const auto first = std::lower_bound(ys.begin(), ys.end(), std::min(p.y, q.y));
        const auto last = std::lower_bound(first, ys.end(), std::max(p.y, q.y));
        for (auto it = first; it != last; ++it) {
            const auto k = by_y[static_cast<std::size_t>(it - ys.begin())];
            if (crosses_leftwards(p, q, points[k])) in[k] = !in[k];
        }
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

bool boxes_meet(const Edge& e, const Edge& f) {
    return e.min_x <= f.max_x && f.min_x <= e.max_x && e.min_y <= f.max_y && f.min_y <= e.max_y;
}

// Calls test(e, f) once for every pair of edges whose boxes meet, until it returns false (then
// returns false). A small polygon's pairs are all looked at. A larger one's edges go into the
// cells of a grid over its envelope (about two edges a cell) that their boxes cover, and a pair
// is tested in the one cell that holds the lower-left corner of the two boxes' intersection: the
// work grows with the edges, where a sweep's grows with how many edges a vertical line crosses
// (hundreds, across a forest with hundreds of holes).
template <typename Test>
bool for_each_meeting_pair(const std::vector<Edge>& edges, Test&& test) {
    const std::size_t n = edges.size();
    constexpr std::size_t all_pairs_below = 32;
    if (n < all_pairs_below) {
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = i + 1; j < n; ++j)
                if (boxes_meet(edges[i], edges[j]) && !test(edges[i], edges[j])) return false;
        return true;
    }
    EnvelopeCm box;
    for (const auto& e : edges) {
        box.expand(e.a);
        box.expand(e.b);
    }
    const auto w = static_cast<double>(box.max_x - box.min_x) + 1, h = static_cast<double>(box.max_y - box.min_y) + 1;
    const double cells = static_cast<double>(n) / 2;
    const auto across = [](double v) { return static_cast<std::int64_t>(std::clamp(v, 1.0, 2048.0)); };
    const std::int64_t gx = across(std::sqrt(cells * w / h)), gy = across(cells / static_cast<double>(gx));
    const std::int64_t cw = (box.max_x - box.min_x) / gx + 1, ch = (box.max_y - box.min_y) / gy + 1;
    const auto column = [&](std::int64_t x) { return (x - box.min_x) / cw; };
    const auto row = [&](std::int64_t y) { return (y - box.min_y) / ch; };
    // The cells' edges, one array in cell order (counted, then placed).
    std::vector<std::uint32_t> start(static_cast<std::size_t>(gx * gy) + 1, 0);
    std::size_t placed = 0;
    for (const auto& e : edges) {
        const auto c0 = column(e.min_x), c1 = column(e.max_x), r0 = row(e.min_y), r1 = row(e.max_y);
        placed += static_cast<std::size_t>((c1 - c0 + 1) * (r1 - r0 + 1));
        if (placed > 16 * n) break;  // long diagonal edges over most cells: the sweep below
        for (auto r = r0; r <= r1; ++r)
            for (auto c = c0; c <= c1; ++c) ++start[static_cast<std::size_t>(r * gx + c) + 1];
    }
    if (placed <= 16 * n) {
        for (std::size_t k = 1; k < start.size(); ++k) start[k] += start[k - 1];
        std::vector<std::uint32_t> in_cell(placed), next(start.begin(), start.end() - 1);
        for (std::uint32_t i = 0; i < n; ++i) {
            const auto& e = edges[i];
            for (auto r = row(e.min_y); r <= row(e.max_y); ++r)
                for (auto c = column(e.min_x); c <= column(e.max_x); ++c)
                    in_cell[next[static_cast<std::size_t>(r * gx + c)]++] = i;
        }
        for (std::int64_t r = 0; r < gy; ++r)
            for (std::int64_t c = 0; c < gx; ++c) {
                const auto k = static_cast<std::size_t>(r * gx + c);
                for (auto i = start[k]; i < start[k + 1]; ++i)
                    for (auto j = i + 1; j < start[k + 1]; ++j) {
                        const Edge& e = edges[in_cell[i]];
                        const Edge& f = edges[in_cell[j]];
                        if (!boxes_meet(e, f)) continue;
                        if (column(std::max(e.min_x, f.min_x)) != c || row(std::max(e.min_y, f.min_y)) != r) continue;
                        if (!test(e, f)) return false;
                    }
            }
        return true;
    }
    // A sweep along x: edges by their left end, each tested against those still reaching it.
    std::vector<std::uint32_t> order(n);
    for (std::uint32_t i = 0; i < n; ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](auto i, auto j) { return edges[i].min_x < edges[j].min_x; });
    std::vector<std::uint32_t> active;
    for (const auto i : order) {
        const Edge& e = edges[i];
        std::erase_if(active, [&](auto j) { return edges[j].max_x < e.min_x; });
        for (const auto j : active)
            if (boxes_meet(e, edges[j]) && !test(e, edges[j])) return false;
        active.push_back(i);
    }
    return true;
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

    // Every pair of edges whose boxes meet, tested once.
    std::vector<Touch> touches;
    const auto test = [&](const Edge& e, const Edge& f) {
        if (consecutive(e, f)) {
            const bool e_first = (e.index + 1) % e.count == f.index;
            return !turns_back(e_first ? e : f, e_first ? f : e);
        }
        PointCm at;
        const auto m = meet(e.a, e.b, f.a, f.b, at);
        if (m == Meeting::none) return true;
        if (m == Meeting::more || e.ring == f.ring) return false;  // crossing, overlapping, self-touching
        for (const Edge* g : {&e, &f}) {
            if (!(g->a == at)) touches.push_back(Touch{at, g->ring, g->a});
            if (!(g->b == at)) touches.push_back(Touch{at, g->ring, g->b});
        }
        return true;
    };
    if (!for_each_meeting_pair(edges, test)) return false;

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
    for (std::size_t r = 0; r < rings.size(); ++r) {
        auto& b = boxes[r];
        b = EnvelopeCm{rings[r][0].x, rings[r][0].y, rings[r][0].x, rings[r][0].y};
        for (const auto& p : rings[r]) {
            b.min_x = std::min(b.min_x, p.x);
            b.max_x = std::max(b.max_x, p.x);
            b.min_y = std::min(b.min_y, p.y);
            b.max_y = std::max(b.max_y, p.y);
        }
    }
    std::vector<PointCm> free;  // of hole h at h - 1
    for (std::size_t h = 1; h < rings.size(); ++h) {
        const auto p = std::find_if(rings[h].begin(), rings[h].end(), [&](const PointCm& q) {
            return !std::binary_search(touch_points.begin(), touch_points.end(), q, before);
        });
        if (p == rings[h].end()) return false;
        free.push_back(*p);
    }
    const auto in_shell = inside_each(rings[0], free);
    for (std::size_t h = 1; h < rings.size(); ++h)
        if (!in_shell[h - 1]) return false;
    // A hole inside another: only where one's box contains the other's, so their x-ranges meet;
    // pairs found by a sweep along x.
    std::vector<std::uint32_t> holes(rings.size() - 1);
    for (std::uint32_t h = 0; h < holes.size(); ++h) holes[h] = h + 1;
    std::sort(holes.begin(), holes.end(), [&](auto a, auto b) { return boxes[a].min_x < boxes[b].min_x; });
    std::vector<std::uint32_t> active;
    const auto nested = [&](std::uint32_t h, std::uint32_t k) {  // hole h inside hole k
        return boxes[k].contains(boxes[h]) && inside(rings[k], free[h - 1]);
    };
    for (const auto h : holes) {
        std::erase_if(active, [&](auto k) { return boxes[k].max_x < boxes[h].min_x; });
        for (const auto k : active)
            if (nested(h, k) || nested(k, h)) return false;
        active.push_back(h);
    }
    return true;
}

}  // namespace tessera::geo
