#include "qc/detail_coverage.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>
#include <tuple>

namespace tessera::qc::detail {

using geo::PointCm;

namespace {

struct Segment {
    PointCm a, b;
    std::uint32_t owner;
};

// A noded piece, stored with its lower end first (x, then y); dir +1 when the feature runs
// from lo to hi, -1 otherwise.
struct Piece {
    PointCm lo, hi;
    std::uint32_t owner;
    int dir;
};

constexpr auto less_xy = [](const PointCm& p, const PointCm& q) { return p.x < q.x || (p.x == q.x && p.y < q.y); };
constexpr auto less_yx = [](const PointCm& p, const PointCm& q) { return p.y < q.y || (p.y == q.y && p.x < q.x); };

Piece make_piece(const PointCm& from, const PointCm& to, std::uint32_t owner) {
    return less_xy(from, to) ? Piece{from, to, owner, 1} : Piece{to, from, owner, -1};
}

bool same_place(const Piece& p, const Piece& q) { return p.lo == q.lo && p.hi == q.hi; }

// By (lo, hi, owner, dir). A tile's pieces span so few centimetres that the six fields fit in one
// 128-bit integer, relative to the pieces' corner, in the same order: sorting those keys (and
// reading the pieces back from them) is several times faster than comparing the fields.
void sort_pieces(std::vector<Piece>& pieces) {
    __extension__ typedef unsigned __int128 Key;
    if (pieces.size() < 2) return;
    std::int64_t x0 = pieces[0].lo.x, y0 = pieces[0].lo.y, x1 = x0, y1 = y0;
    std::uint32_t most_owner = 0;
    for (const auto& p : pieces) {
        x0 = std::min({x0, p.lo.x, p.hi.x});
        x1 = std::max({x1, p.lo.x, p.hi.x});
        y0 = std::min({y0, p.lo.y, p.hi.y});
        y1 = std::max({y1, p.lo.y, p.hi.y});
        most_owner = std::max(most_owner, p.owner);
    }
    const auto span = static_cast<std::uint64_t>(std::max(x1 - x0, y1 - y0));
    const int b = std::bit_width(span), ob = std::bit_width(most_owner);
    if (4 * b + ob + 1 > 128) {
        std::sort(pieces.begin(), pieces.end(), [](const Piece& p, const Piece& q) {
            return std::tie(p.lo.x, p.lo.y, p.hi.x, p.hi.y, p.owner, p.dir) <
                   std::tie(q.lo.x, q.lo.y, q.hi.x, q.hi.y, q.owner, q.dir);
        });
        return;
    }
    std::vector<Key> keys;
    keys.reserve(pieces.size());
    for (const auto& p : pieces) {
        Key k = static_cast<std::uint64_t>(p.lo.x - x0);
        k = (k << b) | static_cast<std::uint64_t>(p.lo.y - y0);
        k = (k << b) | static_cast<std::uint64_t>(p.hi.x - x0);
        k = (k << b) | static_cast<std::uint64_t>(p.hi.y - y0);
        k = (k << ob) | p.owner;
        keys.push_back((k << 1) | (p.dir > 0 ? 1u : 0u));
    }
    std::sort(keys.begin(), keys.end());
    const Key field = (Key{1} << b) - 1;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        Key k = keys[i];
        Piece& p = pieces[i];
        p.dir = (k & 1) ? 1 : -1;
        k >>= 1;
        p.owner = static_cast<std::uint32_t>(k & ((Key{1} << ob) - 1));
        k >>= ob;
        p.hi.y = y0 + static_cast<std::int64_t>(k & field);
        k >>= b;
        p.hi.x = x0 + static_cast<std::int64_t>(k & field);
        k >>= b;
        p.lo.y = y0 + static_cast<std::int64_t>(k & field);
        k >>= b;
        p.lo.x = x0 + static_cast<std::int64_t>(k & field);
    }
}

Int128 cross(const PointCm& o, const PointCm& a, const PointCm& b) {
    return Int128(a.x - o.x) * (b.y - o.y) - Int128(a.y - o.y) * (b.x - o.x);
}

// Whether v lies on segment a-b, strictly between its ends (exact).
bool strictly_inside(const PointCm& a, const PointCm& b, const PointCm& v) {
    if (v == a || v == b) return false;
    if (std::min(a.x, b.x) > v.x || v.x > std::max(a.x, b.x) || std::min(a.y, b.y) > v.y || v.y > std::max(a.y, b.y))
        return false;
    return cross(a, b, v) == 0;
}

// Splits every segment at the vertices of the others lying inside it. Vertices are found in
// two sorted arrays: by x for steep segments, by y for flat ones, so a segment scans the points
// of a strip no wider than its smaller extent.
std::vector<Piece> node(const std::vector<Piece>& unsplit) {
    std::vector<Segment> segments;
    segments.reserve(unsplit.size());
    for (const auto& p : unsplit)
        segments.push_back(p.dir > 0 ? Segment{p.lo, p.hi, p.owner} : Segment{p.hi, p.lo, p.owner});
    std::vector<PointCm> by_x;
    by_x.reserve(segments.size() * 2);
    for (const auto& s : segments) {
        by_x.push_back(s.a);
        by_x.push_back(s.b);
    }
    std::sort(by_x.begin(), by_x.end(), less_xy);
    by_x.erase(std::unique(by_x.begin(), by_x.end()), by_x.end());
    std::vector<PointCm> by_y = by_x;
    std::sort(by_y.begin(), by_y.end(), less_yx);

    std::vector<Piece> pieces;
    pieces.reserve(segments.size() + segments.size() / 4);
    std::vector<PointCm> inside;
    for (const auto& s : segments) {
        inside.clear();
        const PointCm lo{std::min(s.a.x, s.b.x), std::min(s.a.y, s.b.y)};
        const PointCm hi{std::max(s.a.x, s.b.x), std::max(s.a.y, s.b.y)};
        if (hi.x - lo.x <= hi.y - lo.y) {
            auto first = std::lower_bound(by_x.begin(), by_x.end(), lo, less_xy);
            auto last = std::upper_bound(by_x.begin(), by_x.end(), hi, less_xy);
            for (auto it = first; it != last; ++it)
                if (strictly_inside(s.a, s.b, *it)) inside.push_back(*it);
        } else {
            auto first = std::lower_bound(by_y.begin(), by_y.end(), lo, less_yx);
            auto last = std::upper_bound(by_y.begin(), by_y.end(), hi, less_yx);
            for (auto it = first; it != last; ++it)
                if (strictly_inside(s.a, s.b, *it)) inside.push_back(*it);
        }
        if (inside.size() > 1) {
            const PointCm d{s.b.x - s.a.x, s.b.y - s.a.y};
            std::sort(inside.begin(), inside.end(), [&](const PointCm& p, const PointCm& q) {
                return Int128(p.x - s.a.x) * d.x + Int128(p.y - s.a.y) * d.y <
                       Int128(q.x - s.a.x) * d.x + Int128(q.y - s.a.y) * d.y;
            });
        }
        PointCm from = s.a;
        auto emit = [&](const PointCm& to) {
            pieces.push_back(make_piece(from, to, s.owner));
            from = to;
        };
        for (const auto& v : inside) emit(v);
        emit(s.b);
    }
    return pieces;
}

enum class Side { none, bottom, right, top, left };

Side side_of(const PointCm& lo, const PointCm& hi, const Envelope& tile) {
    if (lo.y == hi.y && lo.x >= tile.min_x && hi.x <= tile.max_x) {
        if (lo.y == tile.min_y) return Side::bottom;
        if (lo.y == tile.max_y) return Side::top;
    }
    if (lo.x == hi.x && lo.y >= tile.min_y && hi.y <= tile.max_y) {
        if (lo.x == tile.max_x) return Side::right;
        if (lo.x == tile.min_x) return Side::left;
    }
    return Side::none;
}

// The net count a piece must have: +1 counter-clockwise along the tile border (lo→hi runs +x
// on the bottom and +y on the right, against it on the top and left), 0 inside.
int expected_net(Side side) {
    switch (side) {
        case Side::bottom:
        case Side::right: return 1;
        case Side::top:
        case Side::left: return -1;
        case Side::none: break;
    }
    return 0;
}

double length(const PointCm& a, const PointCm& b) {
    return std::hypot(static_cast<double>(b.x - a.x), static_cast<double>(b.y - a.y));
}

Envelope box_of(const PointCm& a, const PointCm& b) {
    Envelope e;
    e.expand(a);
    e.expand(b);
    return e;
}

// Merges boxes that touch or overlap until the boxes left are pairwise disjoint.
std::vector<TroubleBox> merge(std::vector<TroubleBox> boxes) {
    while (boxes.size() > 1) {
        std::sort(boxes.begin(), boxes.end(), [](const TroubleBox& a, const TroubleBox& b) {
            return std::tie(a.box.min_x, a.box.min_y) < std::tie(b.box.min_x, b.box.min_y);
        });
        std::vector<std::size_t> parent(boxes.size());
        std::iota(parent.begin(), parent.end(), 0);
        auto find = [&](std::size_t i) {
            while (parent[i] != i) i = parent[i] = parent[parent[i]];
            return i;
        };
        for (std::size_t i = 0; i < boxes.size(); ++i)
            for (std::size_t j = i + 1; j < boxes.size() && boxes[j].box.min_x <= boxes[i].box.max_x; ++j)
                if (boxes[i].box.intersects(boxes[j].box)) parent[find(j)] = find(i);
        std::vector<TroubleBox> merged;
        std::vector<std::size_t> slot(boxes.size(), boxes.size());
        for (std::size_t i = 0; i < boxes.size(); ++i) {
            const std::size_t root = find(i);
            if (slot[root] == boxes.size()) {
                slot[root] = merged.size();
                merged.push_back(TroubleBox{});
            }
            auto& m = merged[slot[root]];
            m.box.expand(boxes[i].box);
            m.touched = m.touched || boxes[i].touched;
        }
        const bool done = merged.size() == boxes.size();
        boxes = std::move(merged);
        if (done) break;
    }
    return boxes;
}

}  // namespace

PointCm middle_grid_point(const PointCm& a, const PointCm& b) {
    const std::int64_t dx = b.x - a.x, dy = b.y - a.y;
    const std::int64_t g = std::gcd(dx < 0 ? -dx : dx, dy < 0 ? -dy : dy);
    if (g == 0) return a;
    const std::int64_t k = g / 2;
    return PointCm{a.x + dx / g * k, a.y + dy / g * k};
}

Coverage analyse_coverage(const std::vector<Prepared>& features, const Envelope& tile,
                          const std::vector<bool>& touched) {
    Coverage out;
    out.perimeter_cm.assign(features.size(), 0);
    out.tile_border_cm.assign(features.size(), 0);

    // Every edge as an unsplit piece. An edge met exactly once in the opposite direction by
    // another feature's edge, and by nothing else, cancels as it is: that is nearly every edge
    // of a clean tile, and splitting both at the same vertices would change nothing. Only the
    // others are noded, at the ends of the others: two chains are equal exactly when they
    // are once subdivided at all the ends of their segments.
    std::vector<Piece> edges;
    for (std::uint32_t i = 0; i < features.size(); ++i)
        for (const auto& rings : features[i].cover)
            for (const auto& ring : rings)
                for (std::size_t k = 0; k + 1 < ring.size(); ++k)
                    if (!(ring[k] == ring[k + 1])) edges.push_back(make_piece(ring[k], ring[k + 1], i));
    sort_pieces(edges);
    std::vector<Piece> matched, rest;
    matched.reserve(edges.size());
    for (std::size_t i = 0; i < edges.size();) {
        std::size_t j = i;
        while (j < edges.size() && same_place(edges[j], edges[i])) ++j;
        const bool pair = j == i + 2 && edges[i].dir != edges[i + 1].dir && edges[i].owner != edges[i + 1].owner;
        (pair ? matched : rest).insert((pair ? matched : rest).end(), edges.begin() + static_cast<std::ptrdiff_t>(i),
                                       edges.begin() + static_cast<std::ptrdiff_t>(j));
        i = j;
    }
    edges = {};
    std::vector<Piece> noded = node(rest);
    rest = {};
    sort_pieces(noded);

    struct Contact {
        std::uint32_t a, b;
        double length;
        PointCm lo, hi;
    };
    std::vector<Contact> contacts;
    std::vector<TroubleBox> trouble;
    // Per side of the tile, the stretches (positions along the side) that pieces cover.
    std::vector<std::pair<std::int64_t, std::int64_t>> on_side[5];

    auto take = [&](const std::vector<Piece>& pieces) {
        for (std::size_t i = 0; i < pieces.size();) {
            std::size_t j = i;
            while (j < pieces.size() && same_place(pieces[j], pieces[i])) ++j;
            const PointCm lo = pieces[i].lo, hi = pieces[i].hi;
            const double len = length(lo, hi);
            const Side side = side_of(lo, hi, tile);
            int net = 0;
            bool any_touched = false;
            for (std::size_t k = i; k < j; ++k) {
                net += pieces[k].dir;
                out.perimeter_cm[pieces[k].owner] += len;
                if (side != Side::none) out.tile_border_cm[pieces[k].owner] += len;
                any_touched = any_touched || touched[pieces[k].owner];
                if (pieces[k].dir < 0) continue;
                for (std::size_t m = i; m < j; ++m)
                    if (pieces[m].dir < 0 && pieces[m].owner != pieces[k].owner)
                        contacts.push_back(Contact{std::min(pieces[k].owner, pieces[m].owner),
                                                   std::max(pieces[k].owner, pieces[m].owner), len, lo, hi});
            }
            if (net != expected_net(side)) trouble.push_back(TroubleBox{box_of(lo, hi), any_touched});
            if (side == Side::bottom || side == Side::top) on_side[static_cast<int>(side)].emplace_back(lo.x, hi.x);
            if (side == Side::left || side == Side::right) on_side[static_cast<int>(side)].emplace_back(lo.y, hi.y);
            i = j;
        }
    };
    take(matched);
    take(noded);

    // Stretches of the tile border that no piece covers bound a gap too.
    auto missing = [&](Side side, std::int64_t from, std::int64_t to, auto&& point) {
        auto& spans = on_side[static_cast<int>(side)];
        std::sort(spans.begin(), spans.end());
        std::int64_t reached = from;
        for (const auto& [a, b] : spans) {
            if (a > reached) trouble.push_back(TroubleBox{box_of(point(reached), point(a)), false});
            reached = std::max(reached, b);
        }
        if (reached < to) trouble.push_back(TroubleBox{box_of(point(reached), point(to)), false});
    };
    missing(Side::bottom, tile.min_x, tile.max_x, [&](std::int64_t x) { return PointCm{x, tile.min_y}; });
    missing(Side::top, tile.min_x, tile.max_x, [&](std::int64_t x) { return PointCm{x, tile.max_y}; });
    missing(Side::left, tile.min_y, tile.max_y, [&](std::int64_t y) { return PointCm{tile.min_x, y}; });
    missing(Side::right, tile.min_y, tile.max_y, [&](std::int64_t y) { return PointCm{tile.max_x, y}; });
    out.trouble_pieces.reserve(trouble.size());
    for (const auto& t : trouble) out.trouble_pieces.push_back(t.box);
    out.trouble = merge(std::move(trouble));

    // Shared boundaries, summed in piece order so every caller gets the same sums.
    // By (a, b), ties in piece order: sorted as 128-bit keys (a, b, place), then moved there.
    {
        __extension__ typedef unsigned __int128 Key;
        std::vector<Key> keys(contacts.size());
        for (std::size_t i = 0; i < contacts.size(); ++i)
            keys[i] = (Key{contacts[i].a} << 96) | (Key{contacts[i].b} << 64) | i;
        std::sort(keys.begin(), keys.end());
        std::vector<Contact> sorted;
        sorted.reserve(contacts.size());
        for (const auto k : keys) sorted.push_back(contacts[static_cast<std::size_t>(k & ~std::uint64_t{0})]);
        contacts = std::move(sorted);
    }
    for (std::size_t i = 0; i < contacts.size();) {
        SharedBoundary s{contacts[i].a, contacts[i].b, 0, {}};
        double longest = -1;
        for (; i < contacts.size() && contacts[i].a == s.a && contacts[i].b == s.b; ++i) {
            s.length_cm += contacts[i].length;
            if (contacts[i].length > longest) {
                longest = contacts[i].length;
                s.at = middle_grid_point(contacts[i].lo, contacts[i].hi);
            }
        }
        out.shared.push_back(s);
    }
    return out;
}

bool covered_once(const std::vector<Prepared>& features, const Coverage& coverage, std::uint32_t i) {
    const Envelope& e = features[i].envelope;
    if (features[i].shape != Shape::valid || !e.has_area()) return false;
    for (const auto& box : coverage.trouble_pieces)
        if (e.interiors_intersect(box)) return false;
    // The line y = row + 1/2 (doubled: 2 row + 1) lies inside the envelope, and meets no vertex.
    const std::int64_t row = e.min_y + (e.max_y - e.min_y - 1) / 2;
    const Int128 line2 = Int128(2) * row + 1;
    int w = 0;
    for (const auto& f : features) {
        if (f.cover.empty() || !f.envelope.interiors_intersect(e)) continue;
        if (f.shape != Shape::valid) return false;
        for (const auto& rings : f.cover)
            for (const auto& ring : rings)
                for (std::size_t k = 0; k + 1 < ring.size(); ++k) {
                    const PointCm& a = ring[k];
                    const PointCm& b = ring[k + 1];
                    if ((a.y <= row) == (b.y <= row)) continue;  // does not cross the line
                    // Crossing at x = a.x + dx (line2 - 2 a.y) / (2 dy); counted when x <= e.min_x.
                    const Int128 num = Int128(b.x - a.x) * (line2 - Int128(2) * a.y);
                    const Int128 den = Int128(2) * (b.y - a.y);
                    const Int128 room = Int128(e.min_x - a.x) * den;
                    const bool left = den > 0 ? num <= room : num >= room;
                    // Interiors on the left: a shell enters going down, a hole going up.
                    if (left) w += b.y < a.y ? 1 : -1;
                }
    }
    return w == 1;
}

}  // namespace tessera::qc::detail
