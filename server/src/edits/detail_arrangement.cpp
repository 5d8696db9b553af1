#include "edits/detail_arrangement.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "edits/detail_convert.hpp"
#include "edits/detail_outline.hpp"

namespace tessera::edits::detail {

using geo::Geom;
using geo::GeosError;
using geo::PointCm;

namespace {

struct SegmentKey {
    PointCm a, b;  // a < b
    friend bool operator==(const SegmentKey&, const SegmentKey&) = default;
};

struct SegmentHash {
    std::size_t operator()(const SegmentKey& k) const noexcept {
        PointHash h;
        return h(k.a) * 31 ^ h(k.b);
    }
};

SegmentKey key_of(const PointCm& p, const PointCm& q) {
    if (std::tie(p.x, p.y) < std::tie(q.x, q.y)) return {p, q};
    return {q, p};
}

// Union-find over face indices.
struct Sets {
    std::vector<std::size_t> parent;
    explicit Sets(std::size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
    std::size_t find(std::size_t i) {
        while (parent[i] != i) i = parent[i] = parent[parent[i]];
        return i;
    }
    void join(std::size_t a, std::size_t b) { parent[find(a)] = find(b); }
};

Geom collection_of(const geo::Context& ctx, std::vector<Geom> members) {
    return geo::make_collection(ctx, GEOS_GEOMETRYCOLLECTION, std::move(members));
}

// The rings of the old features (local coordinates) as few lines as possible: a ring sharing a
// vertex with another is spliced into it there, so that rings connected through shared vertices
// make one closed walk. The noding gets exactly the same segments and vertices, in a few strings
// instead of one per ring; GEOS's snap-rounding starts the work of every string by seeding a
// random generator from std::random_device, which costs more than noding a small ring.
void append_rings_joined(const geo::Context& ctx, const std::vector<const GEOSGeometry*>& old,
                         std::vector<Geom>& out) {
    std::vector<std::vector<PointCm>> rings;  // closed, as GEOS keeps them
    for (const auto* g : old)
        for (auto& polygon : geo::read_polygons_cm(ctx, g, PointCm{0, 0}))
            for (auto& ring : polygon)
                if (ring.size() >= 4) rings.push_back(std::move(ring));
    // Where each vertex is: (ring, index), the closing point left out.
    std::unordered_map<PointCm, std::vector<std::pair<std::size_t, std::size_t>>, PointHash> at;
    for (std::size_t r = 0; r < rings.size(); ++r)
        for (std::size_t k = 0; k + 1 < rings[r].size(); ++k) at[rings[r][k]].emplace_back(r, k);
    // A spanning forest: each ring hangs from the first reached ring it shares a vertex with.
    struct Child {
        std::size_t at, ring, start;  // at: index in the parent; start: the same point's index in the ring
    };
    std::vector<std::vector<Child>> children(rings.size());  // sorted by `at`
    std::vector<char> reached(rings.size(), 0);
    std::vector<std::size_t> roots, queue;
    for (std::size_t root = 0; root < rings.size(); ++root) {
        if (reached[root]) continue;
        reached[root] = 1;
        roots.push_back(root);
        queue.assign(1, root);
        for (std::size_t q = 0; q < queue.size(); ++q) {
            const std::size_t p = queue[q];
            for (std::size_t k = 0; k + 1 < rings[p].size(); ++k)
                for (const auto& [c, ci] : at[rings[p][k]]) {
                    if (reached[c]) continue;
                    reached[c] = 1;
                    children[p].push_back(Child{k, c, ci});
                    queue.push_back(c);
                }
        }
    }
    // Each tree as one walk: round its root ring, and at each vertex first round the rings
    // hanging there (each comes back to that vertex). A ring rounded from `start` meets its
    // children in their order from the first at or after `start`, wrapping around.
    struct Step {
        std::size_t ring, start, first, j = 0, taken = 0;
    };
    const auto step = [&](std::size_t ring, std::size_t start) {
        const auto& hanging = children[ring];
        const auto first = std::lower_bound(hanging.begin(), hanging.end(), start,
                                            [](const Child& c, std::size_t v) { return c.at < v; });
        return Step{ring, start, static_cast<std::size_t>(first - hanging.begin())};
    };
    std::vector<PointCm> walk;
    std::vector<Step> stack;
    for (auto root : roots) {
        walk.assign(1, rings[root].front());
        stack.assign(1, step(root, 0));
        while (!stack.empty()) {
            Step& s = stack.back();
            const auto& ring = rings[s.ring];
            const std::size_t n = ring.size() - 1;
            if (s.j == n) {
                stack.pop_back();
                continue;
            }
            const std::size_t k = (s.start + s.j) % n;
            const auto& hanging = children[s.ring];
            if (s.taken < hanging.size()) {
                const Child c = hanging[(s.first + s.taken) % hanging.size()];
                if (c.at == k) {
                    ++s.taken;
                    stack.push_back(step(c.ring, c.start));  // may move `s`
                    continue;
                }
            }
            walk.push_back(ring[(k + 1) % n]);
            ++s.j;
        }
        out.push_back(make_line(ctx, walk, PointCm{0, 0}));
    }
}

// Old features holding a point: an STR-tree when there are many, a scan when few.
class OwnerIndex {
public:
    OwnerIndex(const geo::Context& ctx, const std::vector<const GEOSGeometry*>& old,
               const std::vector<EnvelopeCm>& envelopes, const PointCm& origin)
        : m_ctx(ctx), m_old(old), m_envelopes(envelopes), m_origin(origin), m_prepared(old.size()) {
        if (old.size() <= 32) return;
        m_tree = GEOSSTRtree_create_r(ctx.handle(), 10);
        if (!m_tree) throw GeosError("making an STR-tree: " + ctx.last_error());
        m_ids.resize(old.size());
        std::iota(m_ids.begin(), m_ids.end(), 0);
        for (std::size_t i = 0; i < old.size(); ++i) GEOSSTRtree_insert_r(ctx.handle(), m_tree, old[i], &m_ids[i]);
    }
    OwnerIndex(const OwnerIndex&) = delete;
    OwnerIndex& operator=(const OwnerIndex&) = delete;
    ~OwnerIndex() {
        if (m_tree) GEOSSTRtree_destroy_r(m_ctx.handle(), m_tree);
    }

    // The old feature holding the face: the one containing its interior point; failing that,
    // for a sliver that snap-rounding made (its point may lie on or next to an old edge), the one
    // it overlaps most. A face that is no sliver and whose point is in no old feature has none.
    template <class IsSliver>
    int owner_of(const GEOSGeometry* face, const GEOSGeometry* point, IsSliver is_sliver) const {
        for (int i : candidates(point))
            if (prepared(i).contains(point)) return i;
        if (!is_sliver()) return Arrangement::unowned;
        int best = Arrangement::unowned;
        double best_area = 0;
        for (int i : candidates(face)) {
            Geom common = m_ctx.own(GEOSIntersection_r(m_ctx.handle(), m_old[static_cast<std::size_t>(i)], face),
                                    "overlap of a face");
            const double a = m_ctx.area(common.get());
            if (a > best_area) {
                best_area = a;
                best = i;
            }
        }
        return best;
    }

private:
    const geo::Prepared& prepared(int i) const {
        auto& p = m_prepared[static_cast<std::size_t>(i)];
        if (!p) p.emplace(m_ctx, m_old[static_cast<std::size_t>(i)]);
        return *p;
    }

    std::vector<int> candidates(const GEOSGeometry* g) const {
        std::vector<int> out;
        if (m_tree) {
            GEOSSTRtree_query_r(
                m_ctx.handle(), m_tree, g,
                [](void* item, void* user) {
                    static_cast<std::vector<int>*>(user)->push_back(*static_cast<int*>(item));
                },
                &out);
            std::sort(out.begin(), out.end());
            return out;
        }
        double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        if (!GEOSGeom_getXMin_r(m_ctx.handle(), g, &x0) || !GEOSGeom_getYMin_r(m_ctx.handle(), g, &y0) ||
            !GEOSGeom_getXMax_r(m_ctx.handle(), g, &x1) || !GEOSGeom_getYMax_r(m_ctx.handle(), g, &y1))
            throw GeosError("envelope: " + m_ctx.last_error());
        const double dx = static_cast<double>(m_origin.x), dy = static_cast<double>(m_origin.y);
        for (std::size_t i = 0; i < m_old.size(); ++i) {
            const auto& e = m_envelopes[i];
            if (x0 + dx <= static_cast<double>(e.max_x) && x1 + dx >= static_cast<double>(e.min_x) &&
                y0 + dy <= static_cast<double>(e.max_y) && y1 + dy >= static_cast<double>(e.min_y))
                out.push_back(static_cast<int>(i));
        }
        return out;
    }

    const geo::Context& m_ctx;
    const std::vector<const GEOSGeometry*>& m_old;
    const std::vector<EnvelopeCm>& m_envelopes;
    PointCm m_origin;
    // Prepared on first use: a face's point is tested against a polygon through its index.
    mutable std::vector<std::optional<geo::Prepared>> m_prepared;
    GEOSSTRtree* m_tree = nullptr;
    std::vector<int> m_ids;
};

}  // namespace

double Arrangement::Edge::length() const {
    return std::hypot(static_cast<double>(b.x - a.x), static_cast<double>(b.y - a.y));
}

Arrangement::Arrangement(const geo::Context& ctx, const PointCm& origin, const std::vector<const GEOSGeometry*>& old,
                         const std::vector<EnvelopeCm>& old_envelopes, std::vector<Geom> lines)
    : m_ctx(ctx), m_origin(origin) {
    append_rings_joined(ctx, old, lines);
    Geom all = geo::make_collection(ctx, GEOS_MULTILINESTRING, std::move(lines));
    // One snap-rounded noding of everything: intersections land on the grid and every edge
    // passing through a vertex's pixel is bent through it, identically for both sides.
    Geom noded = ctx.own(GEOSUnaryUnionPrec_r(ctx.handle(), all.get(), local_grid), "noding the boundaries");
    const GEOSGeometry* inputs[] = {noded.get()};
    Geom faces = ctx.own(GEOSPolygonize_r(ctx.handle(), inputs, 1), "polygonizing");

    OwnerIndex index(ctx, old, old_envelopes, origin);
    std::unordered_map<SegmentKey, std::size_t, SegmentHash> edge_of;
    const int n = GEOSGetNumGeometries_r(ctx.handle(), faces.get());
    m_faces.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        const GEOSGeometry* g = GEOSGetGeometryN_r(ctx.handle(), faces.get(), i);
        if (GEOSGeomTypeId_r(ctx.handle(), g) != GEOS_POLYGON || GEOSisEmpty_r(ctx.handle(), g)) continue;
        Face f;
        f.rings = read_polygon(ctx, g, origin);
        f.area2 = polygon_area2(f.rings);
        if (f.area2 <= 0) continue;
        f.geom = ctx.clone(g);
        f.inside = ctx.own(GEOSPointOnSurface_r(ctx.handle(), g), "an interior point");
        const int self = static_cast<int>(m_faces.size());
        for (const auto& ring : f.rings) {
            for (std::size_t k = 0; k + 1 < ring.size(); ++k) {
                if (ring[k] == ring[k + 1]) continue;
                const SegmentKey key = key_of(ring[k], ring[k + 1]);
                auto [it, fresh] = edge_of.try_emplace(key, m_edges.size());
                if (fresh) m_edges.push_back(Edge{key.a, key.b, {-1, -1}});
                Edge& e = m_edges[it->second];
                if (e.faces[0] < 0) {
                    e.faces[0] = self;
                } else if (e.faces[1] < 0 && e.faces[0] != self) {
                    e.faces[1] = self;
                }
                f.edges.push_back(it->second);
            }
        }
        // A sliver: about two centimetres wide or less (twice its area over its perimeter).
        const auto is_sliver = [&] {
            double perimeter = 0;
            for (auto e : f.edges) perimeter += m_edges[e].length();
            return static_cast<double>(f.area2) <= 2 * perimeter;
        };
        f.old_owner = index.owner_of(g, f.inside.get(), is_sliver);
        m_faces.push_back(std::move(f));
    }
}

std::int64_t Arrangement::group_area2(const std::vector<std::size_t>& group) const {
    std::int64_t a = 0;
    for (auto i : group) a += m_faces[i].area2;
    return a;
}

std::vector<std::vector<std::size_t>> Arrangement::groups(int owner) const {
    Sets sets(m_faces.size());
    for (const auto& e : m_edges) {
        if (e.faces[0] < 0 || e.faces[1] < 0) continue;
        const auto a = static_cast<std::size_t>(e.faces[0]), b = static_cast<std::size_t>(e.faces[1]);
        if (m_faces[a].owner == owner && m_faces[b].owner == owner) sets.join(a, b);
    }
    std::vector<std::vector<std::size_t>> out;
    std::unordered_map<std::size_t, std::size_t> slot;
    for (std::size_t i = 0; i < m_faces.size(); ++i) {
        if (m_faces[i].owner != owner) continue;
        auto [it, fresh] = slot.try_emplace(sets.find(i), out.size());
        if (fresh) out.emplace_back();
        out[it->second].push_back(i);
    }
    // Largest first; ties by first face so the order is deterministic.
    std::stable_sort(out.begin(), out.end(),
                     [&](const auto& a, const auto& b) { return group_area2(a) > group_area2(b); });
    return out;
}

std::vector<std::vector<std::size_t>> Arrangement::components(int owner) const { return groups(owner); }

std::optional<std::string> Arrangement::give_group(const std::vector<std::size_t>& group,
                                                   const std::vector<char>& excluded) {
    std::vector<double> border(excluded.size(), 0.0);
    for (auto i : group) {
        for (auto ei : m_faces[i].edges) {
            const Edge& e = m_edges[ei];
            const int other = e.faces[0] == static_cast<int>(i) ? e.faces[1] : e.faces[0];
            if (other < 0) continue;
            const int o = m_faces[static_cast<std::size_t>(other)].owner;
            if (o < 0 || excluded[static_cast<std::size_t>(o)]) continue;
            border[static_cast<std::size_t>(o)] += e.length();
        }
    }
    int best = -1;
    for (std::size_t o = 0; o < border.size(); ++o)
        if (border[o] > 0 && (best < 0 || border[o] > border[static_cast<std::size_t>(best)]))
            best = static_cast<int>(o);
    if (best < 0) {
        const auto& p = m_faces[group.front()].rings.front().front();
        char where[96];
        std::snprintf(where, sizeof where, "%.2f %.2f", static_cast<double>(p.x) / 100.0,
                      static_cast<double>(p.y) / 100.0);
        return std::string("the area given up near ") + where +
               " borders no other feature that could take it (it would leave a hole)";
    }
    for (auto i : group) m_faces[i].owner = best;
    return std::nullopt;
}

Geom Arrangement::union_of(const std::vector<std::size_t>& faces) const {
    if (faces.size() == 1) return m_ctx.clone(m_faces[faces.front()].geom.get());
    std::vector<Geom> members;
    members.reserve(faces.size());
    for (auto i : faces) members.push_back(m_ctx.clone(m_faces[i].geom.get()));
    Geom all = collection_of(m_ctx, std::move(members));
    // Faces share their edges exactly, which is what the coverage union needs; the general
    // union is the fallback for the odd configuration it refuses (it adds no vertex either,
    // since faces never cross).
    GEOSGeometry* u = GEOSCoverageUnion_r(m_ctx.handle(), all.get());
    if (u && GEOSGeomTypeId_r(m_ctx.handle(), u) == GEOS_POLYGON && GEOSisValid_r(m_ctx.handle(), u) == 1)
        return Geom(m_ctx.handle(), u);
    if (u) GEOSGeom_destroy_r(m_ctx.handle(), u);
    return m_ctx.own(GEOSUnaryUnion_r(m_ctx.handle(), all.get()), "joining faces");
}

bool Arrangement::old_region_intact(const std::vector<const geo::RingsCm*>& old_rings) const {
    std::int64_t before = 0, after = 0;
    for (const auto* r : old_rings) before += polygon_area2(*r);
    for (const auto& f : m_faces)
        if (f.old_owner >= 0) after += f.area2;
    if (before != after) return false;  // the cheap, common answer
    std::vector<Segment> outline;
    for (const auto& e : m_edges) {
        int inside = 0;
        for (int side : e.faces)
            if (side >= 0 && m_faces[static_cast<std::size_t>(side)].old_owner >= 0) ++inside;
        if (inside == 1) outline.push_back(make_segment(e.a, e.b));
    }
    return same_points(outline_of(old_rings), std::move(outline));
}

bool Arrangement::owners_match_old_region() const {
    for (const auto& f : m_faces)
        if ((f.owner >= 0) != (f.old_owner >= 0)) return false;
    return true;
}

}  // namespace tessera::edits::detail
