#include "edits/detail_splice.hpp"

#include <algorithm>
#include <cstdint>
#include <tuple>

#include "edits/detail_rings.hpp"
#include "geo/envelope.hpp"
#include "geo/ring_check.hpp"

namespace tessera::edits::detail {
namespace {

using geo::PointCm;
__extension__ using Int128 = __int128;
using Ring = std::vector<PointCm>;

constexpr auto less_xy = [](const PointCm& p, const PointCm& q) { return p.x < q.x || (p.x == q.x && p.y < q.y); };

Int128 cross(const PointCm& o, const PointCm& a, const PointCm& b) {
    return Int128(a.x - o.x) * (b.y - o.y) - Int128(a.y - o.y) * (b.x - o.x);
}

// An edge counted `weight` times from lo to hi (negative: the other way).
struct Edge {
    PointCm lo, hi;
    int weight;
    bool face = false;  // from one of the new faces
};

// Whether segment a-b passes through the open box.
bool crosses_interior(const PointCm& a, const PointCm& b, const geo::EnvelopeCm& box) {
    if (std::max(a.x, b.x) <= box.min_x || std::min(a.x, b.x) >= box.max_x || std::max(a.y, b.y) <= box.min_y ||
        std::min(a.y, b.y) >= box.max_y)
        return false;
    int above = 0, below = 0;
    for (const auto& c : {PointCm{box.min_x, box.min_y}, PointCm{box.max_x, box.min_y}, PointCm{box.max_x, box.max_y},
                          PointCm{box.min_x, box.max_y}}) {
        const auto side = cross(a, b, c);
        above += side > 0;
        below += side < 0;
    }
    return above > 0 && below > 0;
}

// Whether segment a-b meets the closed 1 cm square centred on v: the boxes meet (for a grid
// point, v inside the segment's box) and the square's corners are not all on one side of the
// segment's line. Exact, in doubled coordinates.
bool through_pixel(const PointCm& a, const PointCm& b, const PointCm& v) {
    if (v.x < std::min(a.x, b.x) || v.x > std::max(a.x, b.x) || v.y < std::min(a.y, b.y) || v.y > std::max(a.y, b.y))
        return false;
    const PointCm a2{2 * a.x, 2 * a.y}, b2{2 * b.x, 2 * b.y};
    int above = 0, below = 0;
    for (const auto& c : {PointCm{2 * v.x - 1, 2 * v.y - 1}, PointCm{2 * v.x + 1, 2 * v.y - 1},
                          PointCm{2 * v.x + 1, 2 * v.y + 1}, PointCm{2 * v.x - 1, 2 * v.y + 1}}) {
        const auto side = cross(a2, b2, c);
        above += side > 0;
        below += side < 0;
    }
    return above < 4 && below < 4;
}

bool strictly_on(const PointCm& a, const PointCm& b, const PointCm& v) {
    if (v == a || v == b) return false;
    if (v.x < std::min(a.x, b.x) || v.x > std::max(a.x, b.x) || v.y < std::min(a.y, b.y) || v.y > std::max(a.y, b.y))
        return false;
    return cross(a, b, v) == 0;
}

// Points sorted by x then y; those inside a box are a contiguous run in x, filtered in y.
class PointIndex {
public:
    explicit PointIndex(std::vector<PointCm> points) : m_points(std::move(points)) {
        std::sort(m_points.begin(), m_points.end(), less_xy);
        m_points.erase(std::unique(m_points.begin(), m_points.end()), m_points.end());
    }
    template <class F>
    void in_box(const PointCm& a, const PointCm& b, F&& f) const {
        const PointCm lo{std::min(a.x, b.x), std::min(a.y, b.y)};
        const PointCm hi{std::max(a.x, b.x), std::max(a.y, b.y)};
        auto it = std::lower_bound(m_points.begin(), m_points.end(), PointCm{lo.x, INT64_MIN}, less_xy);
        for (; it != m_points.end() && it->x <= hi.x; ++it)
            if (it->y >= lo.y && it->y <= hi.y) f(*it);
    }

private:
    std::vector<PointCm> m_points;
};

// How ring `i` of a polygon is counted so that the polygon's interior is on the left of its
// edges (exterior counter-clockwise, holes clockwise): 1 as it runs, -1 the other way; 0 when
// the ring has no area.
int turn(const geo::RingsCm& rings, std::size_t i) {
    const auto a = ring_area2(rings[i]);
    if (a == 0 || rings[i].size() < 4) return 0;
    return (i == 0) == (a > 0) ? 1 : -1;
}

// Adds each edge of `ring`, cut at the points `cut_at` gives for it (in order along the edge).
template <class Cut>
void add_ring(const Ring& ring, int weight, bool face, std::vector<Edge>& edges, std::vector<PointCm>& cuts,
              Cut&& cut_at) {
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
        const auto& a = ring[i];
        const auto& b = ring[i + 1];
        if (a == b) continue;
        cuts.clear();
        cut_at(a, b, cuts);
        if (cuts.size() > 1) {
            const PointCm d{b.x - a.x, b.y - a.y};
            std::sort(cuts.begin(), cuts.end(), [&](const PointCm& p, const PointCm& q) {
                return Int128(p.x - a.x) * d.x + Int128(p.y - a.y) * d.y <
                       Int128(q.x - a.x) * d.x + Int128(q.y - a.y) * d.y;
            });
        }
        PointCm from = a;
        const auto emit = [&](const PointCm& to) {
            if (to == from) return;
            if (less_xy(from, to)) {
                edges.push_back({from, to, weight, face});
            } else {
                edges.push_back({to, from, -weight, face});
            }
            from = to;
        };
        for (const auto& c : cuts) emit(c);
        emit(b);
    }
}

// Where `ring`'s vertices are against closed ring `shell`: 1 inside, -1 outside (the first
// vertex not on its boundary decides; a hole lies wholly on one side), 0 when all are on it.
int locate(const Ring& ring, const Ring& shell) {
    for (const auto& p : ring) {
        bool inside = false, on = false;
        for (std::size_t i = 0; i + 1 < shell.size() && !on; ++i) {
            const auto& a = shell[i];
            const auto& b = shell[i + 1];
            if (p == a || strictly_on(a, b, p)) {
                on = true;
            } else if ((a.y > p.y) != (b.y > p.y)) {
                // The edge crosses the horizontal through p: on which side, exactly.
                const auto c = cross(a, b, p);
                if ((c > 0) == (b.y > a.y)) inside = !inside;
            }
        }
        if (!on) return inside ? 1 : -1;
    }
    return 0;
}

}  // namespace

std::optional<std::vector<geo::RingsCm>> splice(const geo::RingsCm& polygon, const std::vector<geo::EnvelopeCm>& windows,
                                   const std::vector<geo::RingsCm>& removed, const std::vector<geo::RingsCm>& added) {
    if (polygon.empty()) return std::nullopt;
    geo::EnvelopeCm local;
    std::vector<PointCm> cut_points, local_points;
    for (const auto* list : {&removed, &added})
        for (const auto& rings : *list)
            for (const auto& ring : rings)
                for (const auto& p : ring) {
                    local.expand(p);
                    local_points.push_back(p);
                }
    for (const auto& rings : removed)
        for (const auto& ring : rings) cut_points.insert(cut_points.end(), ring.begin(), ring.end());
    const PointIndex cuts_index(std::move(cut_points));

    std::vector<Edge> edges;
    std::vector<PointCm> cuts;
    // The polygon's edges near the pieces go through the vertices the cut put in their way.
    for (std::size_t r = 0; r < polygon.size(); ++r) {
        const int weight = turn(polygon, r);
        if (!weight) return std::nullopt;
        add_ring(polygon[r], weight, false, edges, cuts, [&](const PointCm& a, const PointCm& b, std::vector<PointCm>& c) {
            const geo::EnvelopeCm box{std::min(a.x, b.x), std::min(a.y, b.y), std::max(a.x, b.x), std::max(a.y, b.y)};
            if (!box.intersects(local)) return;
            cuts_index.in_box(a, b, [&](const PointCm& v) {
                if (v != a && v != b && through_pixel(a, b, v)) c.push_back(v);
            });
        });
    }
    // Every local edge split at the local vertices lying on it, so that shared runs cancel.
    for (const auto& e : edges)
        if (e.lo.x <= local.max_x && local.min_x <= e.hi.x) {
            local_points.push_back(e.lo);
            local_points.push_back(e.hi);
        }
    const PointIndex local_index(std::move(local_points));
    const auto on_edge = [&](const PointCm& a, const PointCm& b, std::vector<PointCm>& c) {
        local_index.in_box(a, b, [&](const PointCm& v) {
            if (strictly_on(a, b, v)) c.push_back(v);
        });
    };
    std::vector<Edge> near;
    std::vector<Edge> kept;
    kept.reserve(edges.size());
    for (const auto& e : edges) {
        const geo::EnvelopeCm box{e.lo.x, std::min(e.lo.y, e.hi.y), e.hi.x, std::max(e.lo.y, e.hi.y)};
        if (box.intersects(local)) {
            add_ring({e.lo, e.hi}, e.weight, false, near, cuts, on_edge);
        } else {
            kept.push_back(e);
        }
    }
    for (const bool face : {false, true}) {
        for (const auto& rings : face ? added : removed) {
            if (rings.empty()) return std::nullopt;
            for (std::size_t r = 0; r < rings.size(); ++r) {
                const int weight = turn(rings, r);
                if (!weight) return std::nullopt;
                add_ring(rings[r], face ? weight : -weight, face, near, cuts, on_edge);
            }
        }
    }

    // Shared edges cancel; an edge left more than once means the pieces did not fit, and so does
    // one of the polygon's own left inside a window (a piece the cut dropped as too thin).
    const auto in_a_window = [&](const Edge& e) {
        return std::any_of(windows.begin(), windows.end(),
                           [&](const geo::EnvelopeCm& w) { return crosses_interior(e.lo, e.hi, w); });
    };
    for (const auto& e : kept)
        if (in_a_window(e)) return std::nullopt;
    std::sort(near.begin(), near.end(), [](const Edge& p, const Edge& q) {
        return std::tie(p.lo.x, p.lo.y, p.hi.x, p.hi.y) < std::tie(q.lo.x, q.lo.y, q.hi.x, q.hi.y);
    });
    for (std::size_t i = 0; i < near.size();) {
        std::size_t j = i;
        int sum = 0;
        bool face = false;
        for (; j < near.size() && near[j].lo == near[i].lo && near[j].hi == near[i].hi; ++j) {
            sum += near[j].weight;
            face = face || near[j].face;
        }
        if (sum < -1 || sum > 1) return std::nullopt;
        if (sum != 0) {
            const Edge e{near[i].lo, near[i].hi, sum, face};
            if (!face && in_a_window(e)) return std::nullopt;
            kept.push_back(e);
        }
        i = j;
    }

    // Linked back into rings. Where rings touch (several edges leave one vertex), a ring goes on
    // by the first edge counter-clockwise from where it came, round the outside: the rings part
    // at the touch, as valid polygons have them.
    struct Directed {
        PointCm from, to;
    };
    std::vector<Directed> directed;
    directed.reserve(kept.size());
    for (const auto& e : kept) directed.push_back(e.weight > 0 ? Directed{e.lo, e.hi} : Directed{e.hi, e.lo});
    std::sort(directed.begin(), directed.end(), [](const Directed& p, const Directed& q) { return less_xy(p.from, q.from); });
    std::vector<char> used(directed.size(), 0);
    const auto next = [&](const Directed& came) -> std::size_t {
        auto first = std::lower_bound(directed.begin(), directed.end(), came.to,
                                      [](const Directed& d, const PointCm& q) { return less_xy(d.from, q); });
        auto last = first;
        while (last != directed.end() && last->from == came.to) ++last;
        if (first == last) return directed.size();
        auto best = first;
        if (last - first > 1) {
            // Counter-clockwise angle from the way back: halves (0, pi], (pi, 2 pi), then 2 pi.
            const PointCm back{came.from.x - came.to.x, came.from.y - came.to.y};
            const auto half = [&](const Directed& d) {
                const PointCm v{d.to.x - d.from.x, d.to.y - d.from.y};
                const auto c = Int128(back.x) * v.y - Int128(back.y) * v.x;
                const auto dot = Int128(back.x) * v.x + Int128(back.y) * v.y;
                if (c > 0 || (c == 0 && dot < 0)) return 0;
                return c < 0 ? 1 : 2;
            };
            const auto before = [&](const Directed& a, const Directed& b) {
                const int ha = half(a), hb = half(b);
                if (ha != hb) return ha < hb;
                const PointCm va{a.to.x - a.from.x, a.to.y - a.from.y}, vb{b.to.x - b.from.x, b.to.y - b.from.y};
                return Int128(va.x) * vb.y - Int128(va.y) * vb.x > 0;
            };
            for (auto it = first + 1; it != last; ++it)
                if (before(*it, *best)) best = it;
        }
        return static_cast<std::size_t>(best - directed.begin());
    };
    geo::RingsCm shells, holes;
    for (std::size_t start = 0; start < directed.size(); ++start) {
        if (used[start]) continue;
        Ring ring{directed[start].from};
        for (std::size_t at = start;;) {
            used[at] = 1;
            ring.push_back(directed[at].to);
            at = next(directed[at]);
            if (at == start) break;
            if (at == directed.size() || used[at]) return std::nullopt;
        }
        const auto area = ring_area2(ring);
        if (area > 0) {
            shells.push_back(std::move(ring));
        } else if (area < 0) {
            holes.push_back(std::move(ring));
        } else {
            return std::nullopt;
        }
    }
    if (shells.empty()) return holes.empty() ? std::optional(std::vector<geo::RingsCm>{}) : std::nullopt;
    // Each hole in the smallest shell around it (a shell may be an island in another's hole).
    std::vector<geo::RingsCm> parts;
    for (auto& shell : shells) parts.push_back({std::move(shell)});
    for (auto& hole : holes) {
        std::size_t best = parts.size();
        for (std::size_t k = 0; k < parts.size(); ++k) {
            if (parts.size() > 1) {
                const auto where = locate(hole, parts[k].front());
                if (where == 0) return std::nullopt;
                if (where < 0) continue;
            }
            if (best == parts.size() || ring_area2(parts[k].front()) < ring_area2(parts[best].front())) best = k;
        }
        if (best == parts.size()) return std::nullopt;
        parts[best].push_back(std::move(hole));
    }
    for (const auto& part : parts)
        if (!geo::certainly_valid(part)) return std::nullopt;
    return parts;
}

}  // namespace tessera::edits::detail
