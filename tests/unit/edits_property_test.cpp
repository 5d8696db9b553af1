// Long random sequences of edits on a random partition of a 1 km tile. Whatever is applied, the
// features must stay valid single polygons on the 1 cm grid, never overlap, and cover the tile
// exactly (total area conserved to the cm², union equal to the tile); whatever is refused must
// leave the workspace untouched. Seeds are fixed, so a failure replays.

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <map>
#include <numbers>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <time.h>

#include "edits/detail_outline.hpp"
#include "edits/partition_check.hpp"
#include "edits/workspace.hpp"
#include "geo/wkb.hpp"

using tessera::edits::Feature;
using tessera::edits::OpError;
using tessera::edits::Workspace;
using tessera::geo::PointCm;
using tessera::geo::RingsCm;

namespace {

constexpr std::int64_t ox = 88000000, oy = 684000000;  // the tile's corner, cm (880 km, 6840 km)
constexpr std::int64_t side = 100000;                  // 1 km
const tessera::tiles::Box tile{880000, 6840000, 881000, 6841000};

using Rng = std::mt19937_64;

std::int64_t uniform(Rng& rng, std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}

double uniform_real(Rng& rng, double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }

std::int64_t clamp_tile_x(std::int64_t x) { return std::clamp(x, ox, ox + side); }
std::int64_t clamp_tile_y(std::int64_t y) { return std::clamp(y, oy, oy + side); }

// An n×n grid whose inner nodes are jittered, each edge carrying `per_edge` extra vertices shared
// by the two cells it separates: an exact partition of the tile by construction.
std::vector<Feature> jittered_grid(int n, int per_edge, Rng& rng) {
    const double size = static_cast<double>(side) / n;
    auto node = [&](int i, int j) { return std::pair<int, int>{i, j}; };
    std::map<std::pair<int, int>, PointCm> nodes;
    for (int i = 0; i <= n; ++i)
        for (int j = 0; j <= n; ++j) {
            double x = i * size, y = j * size;
            if (i > 0 && i < n) x += uniform_real(rng, -0.2, 0.2) * size;
            if (j > 0 && j < n) y += uniform_real(rng, -0.2, 0.2) * size;
            nodes[node(i, j)] = PointCm{ox + std::llround(x), oy + std::llround(y)};
        }
    // Extra vertices of the edge from a to b; `border` edges stay straight on the tile border.
    auto edge = [&](PointCm a, PointCm b, bool border, bool vertical) {
        std::vector<PointCm> out;
        for (int k = 1; k <= per_edge; ++k) {
            const double t = static_cast<double>(k) / (per_edge + 1);
            double x = static_cast<double>(a.x) + t * static_cast<double>(b.x - a.x);
            double y = static_cast<double>(a.y) + t * static_cast<double>(b.y - a.y);
            const double wobble = border ? 0.0 : uniform_real(rng, -0.03, 0.03) * size * 4 * t * (1 - t);
            (vertical ? x : y) += wobble;
            out.push_back(PointCm{std::llround(x), std::llround(y)});
        }
        return out;
    };
    std::map<std::pair<int, int>, std::vector<PointCm>> horizontal, vertical;
    for (int i = 0; i < n; ++i)
        for (int j = 0; j <= n; ++j)
            horizontal[node(i, j)] = edge(nodes[node(i, j)], nodes[node(i + 1, j)], j == 0 || j == n, false);
    for (int i = 0; i <= n; ++i)
        for (int j = 0; j < n; ++j)
            vertical[node(i, j)] = edge(nodes[node(i, j)], nodes[node(i, j + 1)], i == 0 || i == n, true);
    std::vector<Feature> out;
    static const char* cs[] = {"CS1.1.1.1", "CS1.1.1.2", "CS2.1.1.1", "CS2.2.1"};
    static const char* us[] = {"US1.1", "US2", "US5", "US6.1"};
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i) {
            std::vector<PointCm> ring{nodes[node(i, j)]};
            for (auto p : horizontal[node(i, j)]) ring.push_back(p);
            ring.push_back(nodes[node(i + 1, j)]);
            for (auto p : vertical[node(i + 1, j)]) ring.push_back(p);
            ring.push_back(nodes[node(i + 1, j + 1)]);
            auto top = horizontal[node(i, j + 1)];
            ring.insert(ring.end(), top.rbegin(), top.rend());
            ring.push_back(nodes[node(i, j + 1)]);
            auto left = vertical[node(i, j)];
            ring.insert(ring.end(), left.rbegin(), left.rend());
            ring.push_back(ring.front());
            const std::int64_t id = j * n + i + 1;
            out.push_back(Feature{id, cs[id % 4], us[(id / 4) % 4], RingsCm{ring}, false});
        }
    return out;
}

Feature tile_feature() {
    return Feature{1, "", "", RingsCm{{{ox, oy}, {ox + side, oy}, {ox + side, oy + side}, {ox, oy + side}, {ox, oy}}}};
}

struct PointLess {
    bool operator()(const PointCm& a, const PointCm& b) const { return a.x != b.x ? a.x < b.x : a.y < b.y; }
};
using PointSetLite = std::set<PointCm, PointLess>;

const Feature& pick(const Workspace& ws, Rng& rng) {
    auto it = ws.features().begin();
    std::advance(it, uniform(rng, 0, static_cast<std::int64_t>(ws.features().size()) - 1));
    return it->second;
}

// A feature whose box lies within [from, to]² of the tile (any feature when none does).
const Feature& pick(const Workspace& ws, Rng& rng, std::int64_t from, std::int64_t to) {
    std::vector<const Feature*> inside;
    for (const auto& [id, f] : ws.features()) {
        bool in = true;
        for (const auto& p : f.rings.front())
            in = in && p.x >= ox + from && p.x <= ox + to && p.y >= oy + from && p.y <= oy + to;
        if (in) inside.push_back(&f);
    }
    if (inside.empty()) return pick(ws, rng);
    return *inside[static_cast<std::size_t>(uniform(rng, 0, static_cast<std::int64_t>(inside.size()) - 1))];
}

// A feature sharing a vertex with `f` (or any feature when none does).
const Feature& pick_near(const Workspace& ws, const Feature& f, Rng& rng) {
    std::vector<const Feature*> near;
    PointSetLite mine(f.rings.front().begin(), f.rings.front().end());
    for (const auto& [id, g] : ws.features()) {
        if (id == f.id) continue;
        for (const auto& p : g.rings.front())
            if (mine.count(p)) {
                near.push_back(&g);
                break;
            }
    }
    if (near.empty()) return pick(ws, rng);
    return *near[static_cast<std::size_t>(uniform(rng, 0, static_cast<std::int64_t>(near.size()) - 1))];
}

// Moves one vertex (or a run of a few) of one ring, or inserts a vertex in an edge.
RingsCm moved(const Feature& f, Rng& rng, int how_many) {
    RingsCm r = f.rings;
    auto& ring = r[static_cast<std::size_t>(uniform(rng, 0, static_cast<std::int64_t>(r.size()) - 1))];
    const auto n = static_cast<std::int64_t>(ring.size()) - 1;
    const std::int64_t reach = uniform(rng, 50, 2500);
    const std::int64_t dx = uniform(rng, -reach, reach), dy = uniform(rng, -reach, reach);
    if (how_many == 0) {  // a new vertex in the middle of an edge, pulled aside
        const auto i = uniform(rng, 0, n - 1);
        const PointCm a = ring[static_cast<std::size_t>(i)], b = ring[static_cast<std::size_t>(i + 1)];
        const PointCm mid{clamp_tile_x((a.x + b.x) / 2 + dx), clamp_tile_y((a.y + b.y) / 2 + dy)};
        ring.insert(ring.begin() + i + 1, mid);
        return r;
    }
    const auto start = uniform(rng, 0, n - 1);
    for (int k = 0; k < how_many; ++k) {
        const auto i = static_cast<std::size_t>((start + k) % n);
        ring[i] = PointCm{clamp_tile_x(ring[i].x + dx), clamp_tile_y(ring[i].y + dy)};
    }
    ring.back() = ring.front();
    return r;
}

// A point within a centimetre of a random edge of `f` (rarely exactly on it): the kind of
// near miss that snap-rounding bends edges for.
PointCm near_edge(const Feature& f, Rng& rng) {
    const auto& ring =
        f.rings[static_cast<std::size_t>(uniform(rng, 0, static_cast<std::int64_t>(f.rings.size()) - 1))];
    const auto i = static_cast<std::size_t>(uniform(rng, 0, static_cast<std::int64_t>(ring.size()) - 2));
    const double t = uniform_real(rng, 0.05, 0.95);
    const double x = static_cast<double>(ring[i].x) + t * static_cast<double>(ring[i + 1].x - ring[i].x);
    const double y = static_cast<double>(ring[i].y) + t * static_cast<double>(ring[i + 1].y - ring[i].y);
    return PointCm{clamp_tile_x(std::llround(x) + uniform(rng, -1, 1)),
                   clamp_tile_y(std::llround(y) + uniform(rng, -1, 1))};
}

std::vector<PointCm> cut_line(const Feature& f, Rng& rng) {
    std::int64_t min_x = INT64_MAX, min_y = INT64_MAX, max_x = INT64_MIN, max_y = INT64_MIN;
    for (const auto& p : f.rings.front()) {
        min_x = std::min(min_x, p.x), min_y = std::min(min_y, p.y);
        max_x = std::max(max_x, p.x), max_y = std::max(max_y, p.y);
    }
    const double cx = (min_x + max_x) / 2.0 + uniform_real(rng, -0.25, 0.25) * static_cast<double>(max_x - min_x);
    const double cy = (min_y + max_y) / 2.0 + uniform_real(rng, -0.25, 0.25) * static_cast<double>(max_y - min_y);
    const double len = std::hypot(static_cast<double>(max_x - min_x), static_cast<double>(max_y - min_y));
    const double angle = uniform_real(rng, 0, std::numbers::pi);
    const double ux = std::cos(angle) * len, uy = std::sin(angle) * len;
    std::vector<PointCm> line{{std::llround(cx - ux), std::llround(cy - uy)}};
    if (uniform(rng, 0, 2) == 0)  // sometimes bent in the middle
        line.push_back({std::llround(cx + uniform_real(rng, -0.1, 0.1) * len),
                        std::llround(cy + uniform_real(rng, -0.1, 0.1) * len)});
    line.push_back({std::llround(cx + ux), std::llround(cy + uy)});
    return line;
}

// A star-shaped polygon (so simple) of a few metres to a few tens of metres.
RingsCm random_polygon(Rng& rng, std::int64_t from = 0, std::int64_t to = side) {
    const std::int64_t cx = uniform(rng, ox + from, ox + to), cy = uniform(rng, oy + from, oy + to);
    const double radius = uniform_real(rng, 200, 3000);
    std::vector<double> angles;
    const int n = static_cast<int>(uniform(rng, 3, 7));
    for (int i = 0; i < n; ++i) angles.push_back(uniform_real(rng, 0, 2 * std::numbers::pi));
    std::sort(angles.begin(), angles.end());
    std::vector<PointCm> ring;
    for (double a : angles) {
        const double r = radius * uniform_real(rng, 0.4, 1.0);
        ring.push_back(
            {clamp_tile_x(cx + std::llround(std::cos(a) * r)), clamp_tile_y(cy + std::llround(std::sin(a) * r))});
    }
    ring.push_back(ring.front());
    return RingsCm{ring};
}

bool same_features(const std::map<std::int64_t, Feature>& a, const std::map<std::int64_t, Feature>& b) {
    if (a.size() != b.size()) return false;
    for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
        const Feature &x = i->second, &y = j->second;
        if (i->first != j->first || x.id != y.id || x.code_cs != y.code_cs || x.code_us != y.code_us ||
            x.reviewed != y.reviewed || x.rings != y.rings)
            return false;
    }
    return true;
}

struct Tally {
    int applied = 0, refused = 0;
    double micros = 0;
};

std::string problems_text(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& p : v) s += p + "\n";
    return s;
}

// The features of a 20×20 grid whose boxes meet the middle 500 m of the tile: a workspace as
// the store loads it, whose outline runs through features left out. Edits keep 100 m away
// from that outline, as the store's contract has it (every feature near an edit is loaded).
constexpr std::int64_t window_from = 25000, window_to = 75000, keep_off = 10000;

std::vector<Feature> loaded_subset(Rng& rng) {
    std::vector<Feature> out;
    for (auto& f : jittered_grid(20, 3, rng)) {
        std::int64_t x0 = INT64_MAX, y0 = INT64_MAX, x1 = INT64_MIN, y1 = INT64_MIN;
        for (const auto& p : f.rings.front()) {
            x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
        }
        if (x1 >= ox + window_from && x0 <= ox + window_to && y1 >= oy + window_from && y0 <= oy + window_to)
            out.push_back(std::move(f));
    }
    return out;
}

std::vector<tessera::edits::detail::Segment> outline(const std::map<std::int64_t, Feature>& features) {
    std::vector<const RingsCm*> all;
    for (const auto& [id, f] : features) all.push_back(&f.rings);
    return tessera::edits::detail::outline_of(all);
}

// Runs `ops` random edits from `seed` on the whole tile or (`subset`) on a loaded subset;
// returns false (after reporting) on the first violation.
bool run_sequence(std::uint64_t seed, int ops, bool subset, std::map<std::string, Tally>& tally,
                  std::map<std::string, int>& reasons) {
    Rng rng(seed);
    const auto start = subset ? loaded_subset(rng) : jittered_grid(10, 3, rng);
    const std::vector<Feature> reference = subset ? start : std::vector<Feature>{tile_feature()};
    Workspace ws(tile, start);
    std::map<std::int64_t, Feature> start_map;
    for (const auto& f : start) start_map[f.id] = f;
    const auto start_outline = outline(start_map);
    const std::int64_t tile_area2 = tessera::edits::total_area2(start_map);
    if (!subset) {
        EXPECT_EQ(tile_area2, 2 * side * side);
    }
    const std::int64_t from = subset ? window_from + keep_off : 0, to = subset ? window_to - keep_off : side;
    // The store's contract: every feature whose box comes within 1 m of the edit's region is
    // loaded. On a subset, edits that would break it are not issued.
    auto allowed = [&](std::initializer_list<const RingsCm*> parts) {
        if (!subset) return true;
        std::int64_t x0 = INT64_MAX, y0 = INT64_MAX, x1 = INT64_MIN, y1 = INT64_MIN;
        for (const auto* rings : parts)
            for (const auto& p : rings->front()) {
                x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
            }
        const std::int64_t margin = 102;
        return x0 - margin > ox + window_from && y0 - margin > oy + window_from && x1 + margin < ox + window_to &&
               y1 + margin < oy + window_to;
    };
    int skipped = 0;
    auto before = ws.features();
    for (int step = 0; step < ops; ++step) {
        const auto kind = uniform(rng, 0, 99);
        std::string name;
        std::optional<OpError> err;
        const auto t0 = std::chrono::steady_clock::now();
        if (kind < 15) {
            name = "reshape(move vertex)";
            const Feature& f = pick(ws, rng, from, to);
            const RingsCm g = moved(f, rng, 1);
            if (!allowed({&f.rings, &g})) {
                ++skipped;
                continue;
            }
            err = ws.reshape(f.id, g);
        } else if (kind < 21) {
            name = "reshape(move side)";
            const Feature& f = pick(ws, rng, from, to);
            const RingsCm g = moved(f, rng, static_cast<int>(uniform(rng, 2, 4)));
            if (!allowed({&f.rings, &g})) {
                ++skipped;
                continue;
            }
            err = ws.reshape(f.id, g);
        } else if (kind < 29) {
            name = "reshape(near miss)";
            // A vertex moved to within a centimetre of an edge of a neighbour (or of itself).
            const Feature& f = pick(ws, rng, from, to);
            const Feature& g = uniform(rng, 0, 3) ? pick_near(ws, f, rng) : f;
            RingsCm r = f.rings;
            auto& ring = r.front();
            const auto i = static_cast<std::size_t>(uniform(rng, 0, static_cast<std::int64_t>(ring.size()) - 2));
            ring[i] = near_edge(g, rng);
            if (i == 0) ring.back() = ring.front();
            if (!allowed({&f.rings, &r})) {
                ++skipped;
                continue;
            }
            err = ws.reshape(f.id, r);
        } else if (kind < 34) {
            name = "reshape(onto a vertex)";
            // A vertex moved exactly onto a vertex of a neighbour: edits that touch, pinch and
            // run along existing edges.
            const Feature& f = pick(ws, rng, from, to);
            const Feature& g = pick_near(ws, f, rng);
            RingsCm r = f.rings;
            auto& ring = r.front();
            const auto i = static_cast<std::size_t>(uniform(rng, 0, static_cast<std::int64_t>(ring.size()) - 2));
            const auto& other = g.rings.front();
            ring[i] = other[static_cast<std::size_t>(uniform(rng, 0, static_cast<std::int64_t>(other.size()) - 2))];
            if (i == 0) ring.back() = ring.front();
            if (!allowed({&f.rings, &r})) {
                ++skipped;
                continue;
            }
            err = ws.reshape(f.id, r);
        } else if (kind < 38) {
            name = "reshape(add vertex)";
            const Feature& f = pick(ws, rng, from, to);
            const RingsCm g = moved(f, rng, 0);
            if (!allowed({&f.rings, &g})) {
                ++skipped;
                continue;
            }
            err = ws.reshape(f.id, g);
        } else if (kind < 50) {
            name = "split";
            const Feature& f = pick(ws, rng, from, to);
            const auto line = cut_line(f, rng);
            if (!allowed({&f.rings})) {
                ++skipped;
                continue;
            }
            err = ws.split(f.id, line, {{"CS2.1.1.1", ""}, {"", "US1.1"}});
        } else if (kind < 56) {
            name = "split(through vertices)";
            // From one vertex to another, overshooting both: lines through nodes and along edges.
            const Feature& f = pick(ws, rng, from, to);
            const auto& ring = f.rings.front();
            const auto n = static_cast<std::int64_t>(ring.size()) - 2;
            const PointCm a = ring[static_cast<std::size_t>(uniform(rng, 0, n))];
            const PointCm b = ring[static_cast<std::size_t>(uniform(rng, 0, n))];
            if (!allowed({&f.rings})) {
                ++skipped;
                continue;
            }
            err = ws.split(
                f.id,
                {{a.x - (b.x - a.x) / 4, a.y - (b.y - a.y) / 4}, a, b, {b.x + (b.x - a.x) / 4, b.y + (b.y - a.y) / 4}},
                {});
        } else if (kind < 70) {
            name = "merge";
            const Feature& f = pick(ws, rng, from, to);
            const Feature& g = pick_near(ws, f, rng);
            const bool keep_class = uniform(rng, 0, 1) == 0;
            if (!allowed({&f.rings, &g.rings})) {
                ++skipped;
                continue;
            }
            err = ws.merge({f.id, g.id}, keep_class ? "" : "CS2.2.1", "");
        } else if (kind < 79) {
            name = "draw(near misses)";
            // A triangle whose corners sit within a centimetre of edges of one feature.
            const Feature& f = pick(ws, rng, from, to);
            std::vector<PointCm> ring{near_edge(f, rng), near_edge(f, rng), near_edge(f, rng)};
            ring.push_back(ring.front());
            const RingsCm g{ring};
            if (!allowed({&g})) {
                ++skipped;
                continue;
            }
            std::int64_t created = 0;
            err = ws.draw(g, "CS1.1.1.1", "US1.1", &created);
        } else if (kind < 91) {
            name = "draw";
            std::int64_t created = 0;
            const RingsCm g = subset ? random_polygon(rng, from, to) : random_polygon(rng);
            if (!allowed({&g})) {
                ++skipped;
                continue;
            }
            err = ws.draw(g, "CS1.1.1.1", "US1.1", &created);
            if (!err && !ws.find(created)) {
                ADD_FAILURE() << "seed " << seed << " step " << step << ": drawn feature " << created << " missing";
                return false;
            }
        } else {
            name = "set_class";
            err = ws.set_class(pick(ws, rng, from, to).id, "CS2.1.2", "");
        }
        const auto t1 = std::chrono::steady_clock::now();
        auto& t = tally[name];
        t.micros += std::chrono::duration<double, std::micro>(t1 - t0).count();
        if (err) {
            ++t.refused;
            ++reasons[name + ": " + err->message.substr(0, err->message.find_first_of("0123456789"))];
            if (!same_features(ws.features(), before)) {
                ADD_FAILURE() << "seed " << seed << " step " << step << ": refused " << name
                              << " changed the workspace";
                return false;
            }
            continue;
        }
        ++t.applied;
        // What changed, checked against everything it could overlap; the area sum over all.
        std::set<std::int64_t> changed;
        for (const auto& [id, f] : ws.features()) {
            auto it = before.find(id);
            if (it == before.end() || it->second.rings != f.rings) changed.insert(id);
            for (const auto& r : f.rings)
                for (const auto& p : r)
                    if (p.x < ox || p.x > ox + side || p.y < oy || p.y > oy + side) {
                        ADD_FAILURE() << "seed " << seed << " step " << step << ": feature " << id
                                      << " leaves the tile";
                        return false;
                    }
        }
        auto problems = tessera::edits::feature_problems(ws.features(), changed);
        if (!changed.empty())
            for (auto& p : tessera::edits::overlap_problems(ws.features(), changed)) problems.push_back(p);
        const std::int64_t area2 = tessera::edits::total_area2(ws.features());
        if (area2 != tile_area2)
            problems.push_back("total area off by " + std::to_string((area2 - tile_area2) / 2.0) + " cm²");
        // A loaded subset must keep its outline exactly (it is shared with features left out).
        if (subset && (step % 10 == 9 || step == ops - 1) &&
            !tessera::edits::detail::same_points(outline(ws.features()), start_outline))
            problems.push_back("the outline of the loaded features moved");
        if (step % 50 == 49 || step == ops - 1)
            for (auto& p : tessera::edits::partition_problems(ws.features(), reference)) problems.push_back(p);
        if (!problems.empty()) {
            ADD_FAILURE() << "seed " << seed << " step " << step << " (" << name << "):\n" << problems_text(problems);
            return false;
        }
        before = ws.features();
    }
    // The change sets agree with a plain comparison against the start.
    std::set<std::int64_t> geometry, created, deleted;
    std::map<std::int64_t, const Feature*> initial;
    for (const auto& f : start) initial[f.id] = &f;
    for (const auto& [id, f] : ws.features()) {
        if (id < 0) {
            created.insert(id);
        } else if (f.rings != initial.at(id)->rings) {
            geometry.insert(id);
        }
    }
    for (const auto& f : start)
        if (!ws.find(f.id)) deleted.insert(f.id);
    EXPECT_EQ(ws.created(), created) << "seed " << seed;
    EXPECT_EQ(ws.deleted(), deleted) << "seed " << seed;
    EXPECT_EQ(ws.geometry_changed(), geometry) << "seed " << seed;
    if (subset) tally["(not issued: beyond the loaded subset)"].refused += skipped;
    return true;
}

void report(const std::map<std::string, Tally>& tally, const std::map<std::string, int>& reasons,
            std::chrono::steady_clock::duration took) {
    std::printf("%-24s %8s %8s %10s\n", "op", "applied", "refused", "mean µs");
    for (const auto& [name, t] : tally) {
        std::printf("%-24s %8d %8d %10.0f\n", name.c_str(), t.applied, t.refused,
                    t.micros / std::max(1, t.applied + t.refused));
        ::testing::Test::RecordProperty(name + " applied", t.applied);
        ::testing::Test::RecordProperty(name + " refused", t.refused);
    }
    std::printf("refusals by reason:\n");
    for (const auto& [why, count] : reasons) std::printf("  %5d  %s\n", count, why.c_str());
    std::printf("total %.1f s\n", std::chrono::duration<double>(took).count());
}

std::uint64_t seed_count(std::uint64_t otherwise) {
    // TESSERA_EDITS_SEEDS=N runs N seeds instead (a longer soak when changing the engine).
    const char* env = std::getenv("TESSERA_EDITS_SEEDS");
    return env ? std::strtoull(env, nullptr, 10) : otherwise;
}

}  // namespace

TEST(EditsPropertyUnit, RandomEditSequencesKeepAnExactPartition) {
    std::map<std::string, Tally> tally;
    std::map<std::string, int> reasons;
    const auto t0 = std::chrono::steady_clock::now();
    for (std::uint64_t seed = 1; seed <= seed_count(20); ++seed)
        if (!run_sequence(seed, 200, false, tally, reasons)) break;
    report(tally, reasons, std::chrono::steady_clock::now() - t0);
    for (const auto& [name, t] : tally) EXPECT_GT(t.applied, 0) << name;
    // The workspace is the whole tile, whose square outline no snap-rounding can bend: this
    // refusal would mean the engine lost track of its own features.
    for (const auto& [why, count] : reasons) EXPECT_EQ(why.find("too close"), std::string::npos) << why;
}

TEST(EditsPropertyUnit, RandomEditsOnALoadedSubsetKeepItsOutline) {
    std::map<std::string, Tally> tally;
    std::map<std::string, int> reasons;
    const auto t0 = std::chrono::steady_clock::now();
    for (std::uint64_t seed = 1001; seed <= 1000 + seed_count(20) / 2; ++seed)
        if (!run_sequence(seed, 200, true, tally, reasons)) break;
    report(tally, reasons, std::chrono::steady_clock::now() - t0);
    for (const auto& [name, t] : tally) {
        if (name[0] != '(') {
            EXPECT_GT(t.applied, 0) << name;
        }
    }
    // Edits that keep the store's contract never come near the outline of what is loaded.
    for (const auto& [why, count] : reasons) EXPECT_EQ(why.find("too close"), std::string::npos) << why;
}

namespace {

// CPU time of this thread: the machine running the tests may be busy with other work.
double cpu_micros() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

// Mean CPU time of each kind of edit on a workspace of n×n features of ~28 vertices (the time
// to pick the edit's input included, a few µs).
void time_edits(int n) {
    Rng rng(42);
    Workspace ws(tile, jittered_grid(n, 6, rng));
    std::map<std::string, Tally> tally;
    auto timed = [&](const std::string& name, auto&& op) {
        const double t0 = cpu_micros();
        const std::optional<OpError> err = op();
        const double us = cpu_micros() - t0;
        auto& t = tally[name];
        if (err) {
            ++t.refused;
        } else {
            ++t.applied;
            t.micros += us;
        }
    };
    for (int i = 0; i < 100; ++i) {
        timed("reshape", [&] {
            const Feature& f = pick(ws, rng);
            return ws.reshape(f.id, moved(f, rng, 1));
        });
        timed("split", [&] {
            const Feature& f = pick(ws, rng);
            return ws.split(f.id, cut_line(f, rng), {});
        });
        timed("merge", [&] {
            const Feature& f = pick(ws, rng);
            return ws.merge({f.id, pick_near(ws, f, rng).id}, "", "");
        });
        timed("draw", [&] { return ws.draw(random_polygon(rng), "CS1.1.1.1", "US1.1", nullptr); });
    }
    std::printf("%zu features (~28 vertices each):\n", static_cast<std::size_t>(n) * static_cast<std::size_t>(n));
    for (const auto& [name, t] : tally) {
        const double mean = t.micros / std::max(1, t.applied);
        std::printf("  %-8s %6.0f µs per applied edit (%d applied, %d refused)\n", name.c_str(), mean, t.applied,
                    t.refused);
        ::testing::Test::RecordProperty(name + " µs", static_cast<int>(mean));
    }
    EXPECT_EQ(tessera::edits::total_area2(ws.features()), 2 * side * side);
}

}  // namespace

// Prints the time per edit (speed is for benchmarks to judge); checks the partition holds.
TEST(EditsPropertyUnit, EditTimesOnSmallAndLargeWorkspaces) {
    time_edits(7);   // 49 features: what the store loads around an edit
    time_edits(55);  // 3,025 features: a whole dense tile
}
