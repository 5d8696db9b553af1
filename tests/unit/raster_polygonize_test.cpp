// The raster → polygons core of `tessera ingest raster`: hand-made grids with known answers,
// then windows cut from one larger grid (a field over four tiles, a river along a tile border)
// whose polygons must meet exactly across window borders, then random grids and tolerances.
// Validity and coverage are checked with GEOS, areas with integers. Seeds are fixed.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "geo/geos.hpp"
#include "geo/wkb.hpp"
#include "ingest/raster_polygonize.hpp"

using tessera::geo::Context;
using tessera::geo::Geom;
using tessera::geo::PointCm;
using tessera::ingest::LabelWindow;
using tessera::ingest::polygonize_window;
using tessera::ingest::PolygonizeStats;
using tessera::ingest::RasterPolygon;

namespace {

constexpr std::int32_t nodata = -1;
constexpr std::int64_t west_cm = 88000000, north_cm = 684100000;  // the big grid's top-left corner

// A label grid, first row north; outside it is nodata.
struct Grid {
    int width = 0, height = 0;
    std::vector<std::int32_t> cells;

    std::int32_t at(int r, int c) const {
        return r < 0 || c < 0 || r >= height || c >= width ? nodata : cells[static_cast<std::size_t>(r) * width + c];
    }
    std::int32_t& at(int r, int c) { return cells[static_cast<std::size_t>(r) * width + c]; }
};

// One character per pixel: '.' is nodata, any other its character code.
Grid parse(const std::vector<std::string>& rows) {
    Grid g;
    g.height = static_cast<int>(rows.size());
    g.width = static_cast<int>(rows.front().size());
    for (const auto& row : rows)
        for (const char ch : row) g.cells.push_back(ch == '.' ? nodata : ch);
    return g;
}

// The window of `g` whose core is rows [r0, r0 + h) and columns [c0, c0 + w), with its ring.
LabelWindow cut(const Grid& g, int r0, int c0, int h, int w, std::int64_t pixel_cm, std::int64_t simplify_cm) {
    LabelWindow win;
    win.width = w;
    win.height = h;
    win.nodata = nodata;
    win.pixel_cm = pixel_cm;
    win.simplify_cm = simplify_cm;
    win.origin_x_cm = west_cm + c0 * pixel_cm;
    win.origin_y_cm = north_cm - r0 * pixel_cm;
    for (int r = r0 - 1; r <= r0 + h; ++r)
        for (int c = c0 - 1; c <= c0 + w; ++c) win.labels.push_back(g.at(r, c));
    return win;
}

LabelWindow whole(const Grid& g, std::int64_t pixel_cm = 100, std::int64_t simplify_cm = 0) {
    return cut(g, 0, 0, g.height, g.width, pixel_cm, simplify_cm);
}

std::int64_t area2(const std::vector<PointCm>& ring) {
    std::int64_t a = 0;
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) a += ring[i].x * ring[i + 1].y - ring[i + 1].x * ring[i].y;
    return a;
}

std::int64_t polygon_area2(const RasterPolygon& p) {
    std::int64_t a = 0;
    for (const auto& ring : p.rings) a += area2(ring);
    return a;
}

std::int64_t core_pixels(const LabelWindow& w) {
    std::int64_t n = 0;
    for (int r = 1; r <= w.height; ++r)
        for (int c = 1; c <= w.width; ++c) n += w.labels[static_cast<std::size_t>(r) * (w.width + 2) + c] != w.nodata;
    return n;
}

std::set<std::pair<std::int64_t, std::int64_t>> vertex_set(const std::vector<PointCm>& ring) {
    std::set<std::pair<std::int64_t, std::int64_t>> out;
    for (const auto& v : ring) out.insert({v.x, v.y});
    return out;
}

// The closed ring started at `start` instead (same cycle).
std::vector<PointCm> starting_at(const std::vector<PointCm>& ring, const PointCm& start) {
    const auto it = std::find(ring.begin(), ring.end() - 1, start);
    if (it == ring.end() - 1) return ring;
    std::vector<PointCm> out(it, ring.end() - 1);
    out.insert(out.end(), ring.begin(), it + 1);
    return out;
}

const RasterPolygon* find_label(const std::vector<RasterPolygon>& polys, char label) {
    for (const auto& p : polys)
        if (p.label == label) return &p;
    return nullptr;
}

// GEOS works in centimetres from the big grid's south-west corner: small exact integers.
const PointCm origin{west_cm, north_cm - 100000};

// Floating overlay: every vertex is an integer, and snap-rounding would only cost time here.
Geom union_of(const Context& ctx, std::vector<Geom> parts) {
    Geom all = make_collection(ctx, GEOS_GEOMETRYCOLLECTION, std::move(parts));
    return ctx.own(GEOSUnaryUnion_r(ctx.handle(), all.get()), "union");
}

// The covered part of a window's core, from its pixels (runs along rows, unioned).
Geom covered_region(const Context& ctx, const LabelWindow& w) {
    std::vector<Geom> boxes;
    for (int r = 0; r < w.height; ++r) {
        const std::int32_t* row = w.labels.data() + static_cast<std::size_t>(r + 1) * (w.width + 2) + 1;
        for (int c = 0; c < w.width;) {
            if (row[c] == w.nodata) {
                ++c;
                continue;
            }
            int end = c;
            while (end < w.width && row[end] != w.nodata) ++end;
            const double x0 = double(w.origin_x_cm - origin.x), y1 = double(w.origin_y_cm - origin.y);
            const double p = double(w.pixel_cm);
            boxes.push_back(ctx.box(x0 + c * p, y1 - (r + 1) * p, x0 + end * p, y1 - r * p));
            c = end;
        }
    }
    return union_of(ctx, std::move(boxes));
}

double symmetric_difference_area(const Context& ctx, const GEOSGeometry* a, const GEOSGeometry* b) {
    return ctx.area(ctx.own(GEOSSymDifference_r(ctx.handle(), a, b), "symmetric difference").get());
}

// No vertex of any polygon strictly inside a segment of another, and no segment used twice in one
// direction: where two polygons meet, they have the very same edges.
void expect_edges_shared(const std::vector<RasterPolygon>& polys, const std::string& what) {
    std::set<std::pair<std::int64_t, std::int64_t>> vertices;
    std::set<std::pair<std::pair<std::int64_t, std::int64_t>, std::pair<std::int64_t, std::int64_t>>> directed;
    for (const auto& p : polys)
        for (const auto& ring : p.rings)
            for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
                vertices.insert({ring[i].x, ring[i].y});
                EXPECT_TRUE(directed.insert({{ring[i].x, ring[i].y}, {ring[i + 1].x, ring[i + 1].y}}).second)
                    << what << ": a segment used twice in one direction";
            }
    for (const auto& [a, b] : directed) {
        const auto lo = std::min(a.first, b.first), hi = std::max(a.first, b.first);
        for (auto it = vertices.lower_bound({lo, INT64_MIN}); it != vertices.end() && it->first <= hi; ++it) {
            const auto& v = *it;
            if (v == a || v == b) continue;
            if (v.second < std::min(a.second, b.second) || v.second > std::max(a.second, b.second)) continue;
            const auto cross =
                (b.first - a.first) * (v.second - a.second) - (b.second - a.second) * (v.first - a.first);
            EXPECT_NE(cross, 0) << what << ": vertex " << v.first << " " << v.second
                                << " inside a segment (T-junction)";
        }
    }
}

// Every polygon valid, oriented and on the pixel lattice; together an exact partition of the
// covered part of the core: integer areas add up, no overlaps, no gaps.
void expect_partition(const Context& ctx, const LabelWindow& w, const std::vector<RasterPolygon>& polys,
                      const std::string& what) {
    const std::int64_t px = w.pixel_cm;
    const std::int64_t south = w.origin_y_cm - w.height * px, east = w.origin_x_cm + w.width * px;
    std::int64_t total2 = 0, pixels = 0;
    double sum_geos = 0;
    std::vector<Geom> geoms;
    for (const auto& p : polys) {
        ASSERT_FALSE(p.rings.empty()) << what;
        for (std::size_t i = 0; i < p.rings.size(); ++i) {
            const auto& ring = p.rings[i];
            ASSERT_GE(ring.size(), 4u) << what;
            EXPECT_EQ(ring.front(), ring.back()) << what;
            if (i == 0) {
                EXPECT_GT(area2(ring), 0) << what << ": the shell is not counter-clockwise";
            } else {
                EXPECT_LT(area2(ring), 0) << what << ": a hole is not clockwise";
            }
            for (const auto& v : ring) {
                EXPECT_EQ((v.x - w.origin_x_cm) % px, 0) << what << ": off the pixel lattice";
                EXPECT_EQ((w.origin_y_cm - v.y) % px, 0) << what << ": off the pixel lattice";
                EXPECT_TRUE(v.x >= w.origin_x_cm && v.x <= east && v.y >= south && v.y <= w.origin_y_cm) << what;
            }
        }
        total2 += polygon_area2(p);
        pixels += p.pixels;
        Geom g = tessera::geo::polygon_cm(ctx, p.rings, origin);
        EXPECT_TRUE(ctx.is_valid(g.get()))
            << what << ": label " << p.label << ": " << ctx.invalid_reason(g.get()) << "\n"
            << ctx.to_wkt(g.get(), 0);
        sum_geos += ctx.area(g.get());
        geoms.push_back(std::move(g));
    }
    const std::int64_t covered = core_pixels(w);
    EXPECT_EQ(pixels, covered) << what;
    EXPECT_EQ(total2, 2 * covered * px * px) << what << ": areas do not add up to the covered area";
    if (::testing::Test::HasFailure()) return;
    const Geom all = union_of(ctx, std::move(geoms));
    EXPECT_EQ(ctx.area(all.get()), sum_geos) << what << ": polygons overlap";
    const Geom covered_geom = covered_region(ctx, w);
    EXPECT_EQ(symmetric_difference_area(ctx, all.get(), covered_geom.get()), 0.0) << what << ": gaps or spill";
    expect_edges_shared(polys, what);
}

// The cm coordinates, along a window border, of the vertices the polygons have on it.
std::set<std::int64_t> vertices_on_line(const std::vector<RasterPolygon>& polys, bool vertical, std::int64_t line) {
    std::set<std::int64_t> out;
    for (const auto& p : polys)
        for (const auto& ring : p.rings)
            for (const auto& v : ring)
                if (vertical ? v.x == line : v.y == line) out.insert(vertical ? v.y : v.x);
    return out;
}

// Four windows cut from `g` at column `cx` and row `cy`, polygonized independently.
struct Quad {
    int cx = 0, cy = 0;
    LabelWindow windows[4];  // north-west, north-east, south-west, south-east
    std::vector<RasterPolygon> polys[4];
};

Quad cut_in_four(const Grid& g, int cx, int cy, std::int64_t pixel_cm, std::int64_t simplify_cm) {
    Quad q;
    q.cx = cx;
    q.cy = cy;
    q.windows[0] = cut(g, 0, 0, cy, cx, pixel_cm, simplify_cm);
    q.windows[1] = cut(g, 0, cx, cy, g.width - cx, pixel_cm, simplify_cm);
    q.windows[2] = cut(g, cy, 0, g.height - cy, cx, pixel_cm, simplify_cm);
    q.windows[3] = cut(g, cy, cx, g.height - cy, g.width - cx, pixel_cm, simplify_cm);
    for (int i = 0; i < 4; ++i) q.polys[i] = polygonize_window(q.windows[i]);
    return q;
}

// Along each border between two windows, both sides have the same vertices wherever both sides
// have data (where one side is nodata, the other's vertices have nothing to meet).
void expect_borders_meet(const Grid& g, const Quad& q, std::int64_t pixel_cm, const std::string& what) {
    struct Border {
        int a, b;
        bool vertical;
        int at, from, to;  // the border's column or row; the pixel range along it
    };
    const Border borders[] = {{0, 1, true, q.cx, 0, q.cy},
                              {2, 3, true, q.cx, q.cy, g.height},
                              {0, 2, false, q.cy, 0, q.cx},
                              {1, 3, false, q.cy, q.cx, g.width}};
    for (const Border& b : borders) {
        auto both_sides = [&](int k) {  // the k-th pixel along the border has data on both sides
            if (k < b.from || k >= b.to) return false;
            return b.vertical ? g.at(k, b.at - 1) != nodata && g.at(k, b.at) != nodata
                              : g.at(b.at - 1, k) != nodata && g.at(b.at, k) != nodata;
        };
        const std::int64_t line = b.vertical ? west_cm + b.at * pixel_cm : north_cm - b.at * pixel_cm;
        std::set<std::int64_t> sides[2];
        std::size_t shared = 0;
        for (int s = 0; s < 2; ++s)
            for (const std::int64_t v : vertices_on_line(q.polys[s == 0 ? b.a : b.b], b.vertical, line)) {
                const int k = static_cast<int>(b.vertical ? (north_cm - v) / pixel_cm : (v - west_cm) / pixel_cm);
                if (both_sides(k - 1) || both_sides(k)) sides[s].insert(v);
            }
        for (int k = b.from; k < b.to; ++k) shared += both_sides(k);
        EXPECT_EQ(sides[0], sides[1]) << what << ": windows " << b.a << " and " << b.b << " do not meet exactly";
        if (shared > 0) {
            EXPECT_GE(sides[0].size(), 2u) << what;
        }
    }
}

// Across the four windows: no overlaps and no gaps over the big grid.
void expect_quad_partition(const Context& ctx, const Grid& g, const Quad& q, const std::string& what) {
    std::vector<Geom> parts;
    double sum = 0;
    for (const auto& polys : q.polys)
        for (const auto& p : polys) {
            parts.push_back(tessera::geo::polygon_cm(ctx, p.rings, origin));
            sum += ctx.area(parts.back().get());
        }
    const Geom all = union_of(ctx, std::move(parts));
    EXPECT_EQ(ctx.area(all.get()), sum) << what << ": windows overlap";
    const Geom covered = covered_region(ctx, whole(g, q.windows[0].pixel_cm));
    EXPECT_EQ(symmetric_difference_area(ctx, all.get(), covered.get()), 0.0) << what << ": gaps between windows";
}

using Rng = std::mt19937_64;

int uniform(Rng& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

// Fields as Voronoi cells, salt noise, diagonal lines (pixels touching at corners), and
// sometimes nodata: a lake and scattered pixels.
Grid random_grid(Rng& rng, int width, int height) {
    Grid g{width, height, std::vector<std::int32_t>(static_cast<std::size_t>(width) * height)};
    const int classes = uniform(rng, 2, 6), seeds = uniform(rng, 2, 14);
    std::vector<std::pair<int, int>> at;
    std::vector<std::int32_t> cls;
    for (int i = 0; i < seeds; ++i) {
        at.push_back({uniform(rng, 0, height - 1), uniform(rng, 0, width - 1)});
        cls.push_back(uniform(rng, 1, classes));
    }
    for (int r = 0; r < height; ++r)
        for (int c = 0; c < width; ++c) {
            int best = 0;
            for (int i = 1; i < seeds; ++i) {
                auto d = [&](int k) {
                    return (at[k].first - r) * (at[k].first - r) + 2 * (at[k].second - c) * (at[k].second - c);
                };
                if (d(i) < d(best)) best = i;
            }
            g.at(r, c) = cls[best];
        }
    if (uniform(rng, 0, 1)) {  // a diagonal line
        const int period = uniform(rng, 3, 9), cl = uniform(rng, 1, classes);
        for (int r = 0; r < height; ++r)
            for (int c = 0; c < width; ++c)
                if ((r + c) % period == 0 && uniform(rng, 0, 3)) g.at(r, c) = cl;
    }
    const int noise = uniform(rng, 0, 15);
    for (auto& v : g.cells)
        if (uniform(rng, 0, 99) < noise) v = uniform(rng, 1, classes);
    if (uniform(rng, 0, 2) == 0) {  // a lake of nodata
        const int r0 = uniform(rng, 0, height - 1), c0 = uniform(rng, 0, width - 1), rad = uniform(rng, 1, 5);
        for (int r = 0; r < height; ++r)
            for (int c = 0; c < width; ++c)
                if ((r - r0) * (r - r0) + (c - c0) * (c - c0) <= rad * rad) g.at(r, c) = nodata;
    }
    if (uniform(rng, 0, 3) == 0)
        for (auto& v : g.cells)
            if (uniform(rng, 0, 99) < 4) v = nodata;
    return g;
}

// --- Hand-made grids ---------------------------------------------------------------------------

TEST(RasterPolygonize, SingleClassIsTheCoreSquare) {
    Context ctx;
    const LabelWindow w = whole(parse({"aaaa", "aaaa", "aaaa"}), 100, 500);
    const auto polys = polygonize_window(w);
    ASSERT_EQ(polys.size(), 1u);
    EXPECT_EQ(polys[0].label, 'a');
    EXPECT_EQ(polys[0].pixels, 12);
    ASSERT_EQ(polys[0].rings.size(), 1u);
    const std::int64_t x0 = west_cm, y0 = north_cm;
    const std::vector<PointCm> expected{{x0, y0}, {x0, y0 - 300}, {x0 + 400, y0 - 300}, {x0 + 400, y0}, {x0, y0}};
    EXPECT_EQ(starting_at(polys[0].rings[0], expected[0]), expected);
    expect_partition(ctx, w, polys, "single class");
}

TEST(RasterPolygonize, EnclosedRegionIsAClockwiseHole) {
    Context ctx;
    const LabelWindow w = whole(parse({"aaaaa", "abbaa", "abbaa", "aaaaa"}), 100, 300);
    const auto polys = polygonize_window(w);
    ASSERT_EQ(polys.size(), 2u);
    const auto* a = find_label(polys, 'a');
    const auto* b = find_label(polys, 'b');
    ASSERT_TRUE(a && b);
    ASSERT_EQ(a->rings.size(), 2u);
    ASSERT_EQ(b->rings.size(), 1u);
    // The hole is b's ring walked the other way.
    EXPECT_EQ(vertex_set(a->rings[1]), vertex_set(b->rings[0]));
    EXPECT_EQ(area2(a->rings[1]), -area2(b->rings[0]));
    EXPECT_EQ(area2(b->rings[0]), 2 * 4 * 100 * 100);  // a 2×2 island keeps its outline
    expect_partition(ctx, w, polys, "hole");
}

TEST(RasterPolygonize, RegionTouchingItselfDiagonallyIsValid) {
    Context ctx;
    // a goes round the b in the middle and closes on itself only at a corner: a shell and a hole
    // touching at one point, never one ring crossing itself.
    for (const auto& rows :
         {std::vector<std::string>{"aaa", "aba", "baa"}, std::vector<std::string>{"aaaa", "abba", "aaba", "baaa"},
          std::vector<std::string>{"aab", "aba", "baa"}, std::vector<std::string>{"abab", "baba", "abab"}})
        for (const std::int64_t tolerance : {0, 100, 300}) {
            const LabelWindow w = whole(parse(rows), 100, tolerance);
            const auto polys = polygonize_window(w);
            expect_partition(ctx, w, polys, rows[0] + "/" + std::to_string(tolerance));
        }
    const auto polys = polygonize_window(whole(parse({"aaa", "aba", "baa"})));
    ASSERT_EQ(polys.size(), 3u);  // a, the b enclosed, the b in the corner
    const auto* a = find_label(polys, 'a');
    ASSERT_TRUE(a);
    EXPECT_EQ(a->rings.size(), 2u);
    EXPECT_EQ(a->pixels, 7);
}

TEST(RasterPolygonize, CheckerboardGivesOnePolygonPerPixel) {
    Context ctx;
    Grid g;
    g.width = g.height = 6;
    for (int r = 0; r < 6; ++r)
        for (int c = 0; c < 6; ++c) g.cells.push_back((r + c) % 2 ? 'b' : 'w');
    for (const std::int64_t tolerance : {0, 200}) {
        const LabelWindow w = whole(g, 100, tolerance);
        const auto polys = polygonize_window(w);
        ASSERT_EQ(polys.size(), 36u);
        for (const auto& p : polys) {
            EXPECT_EQ(p.pixels, 1);
            ASSERT_EQ(p.rings.size(), 1u);
            EXPECT_EQ(p.rings[0].size(), 5u);
        }
        expect_partition(ctx, w, polys, "checkerboard " + std::to_string(tolerance));
    }
}

TEST(RasterPolygonize, NodataMakesNoPolygon) {
    Context ctx;
    const Grid g = parse({"..aaab", ".aaaab", "aa.aab", "aaaabb", "aaaabb"});
    for (const std::int64_t tolerance : {0, 150}) {
        const LabelWindow w = whole(g, 100, tolerance);
        const auto polys = polygonize_window(w);
        ASSERT_EQ(polys.size(), 2u);
        const auto* a = find_label(polys, 'a');
        ASSERT_TRUE(a);
        EXPECT_EQ(a->pixels, 19);
        EXPECT_EQ(a->rings.size(), 2u);  // the nodata pixel inside is a hole
        expect_partition(ctx, w, polys, "nodata " + std::to_string(tolerance));
    }
    // All nodata: nothing.
    EXPECT_TRUE(polygonize_window(whole(parse({"..", ".."}))).empty());
}

TEST(RasterPolygonize, StaircaseBecomesOneSegmentSharedByBothSides) {
    Context ctx;
    Grid g;
    g.width = g.height = 12;
    for (int r = 0; r < 12; ++r)
        for (int c = 0; c < 12; ++c) g.cells.push_back(c >= r ? 'a' : 'b');
    const LabelWindow w = whole(g, 100, 100);
    PolygonizeStats stats;
    const auto polys = polygonize_window(w, &stats);
    ASSERT_EQ(polys.size(), 2u);
    const auto* a = find_label(polys, 'a');
    const auto* b = find_label(polys, 'b');
    ASSERT_TRUE(a && b);
    // The staircase from (0, 1) to (11, 12) (pixels from the north-west) is one segment.
    const PointCm from{west_cm, north_cm - 100}, to{west_cm + 1100, north_cm - 1200};
    ASSERT_EQ(b->rings.size(), 1u);
    const std::vector<PointCm> triangle{from, {west_cm, north_cm - 1200}, to, from};
    EXPECT_EQ(starting_at(b->rings[0], from), triangle);
    ASSERT_EQ(a->rings.size(), 1u);
    EXPECT_EQ(a->rings[0].size(), 6u);
    const auto& ar = a->rings[0];
    bool shared = false;
    for (std::size_t i = 0; i + 1 < ar.size(); ++i) shared = shared || (ar[i] == from && ar[i + 1] == to);
    EXPECT_TRUE(shared) << "a does not walk b's edge backwards";
    EXPECT_LT(stats.vertices_after, stats.vertices_before);
    expect_partition(ctx, w, polys, "staircase");
}

TEST(RasterPolygonize, ConfidenceMeansSkipMissingValues) {
    LabelWindow w = whole(parse({"aab", "abb", "ccc"}));
    const float nan = std::nanf("");
    w.confidence = {0.5f, 0.7f, nan, 0.9f, nan, 0.2f, nan, nan, nan};
    const auto polys = polygonize_window(w);
    ASSERT_EQ(polys.size(), 3u);
    EXPECT_NEAR(find_label(polys, 'a')->mean_confidence, 0.7, 1e-6);
    EXPECT_NEAR(find_label(polys, 'b')->mean_confidence, 0.2, 1e-6);
    EXPECT_TRUE(std::isnan(find_label(polys, 'c')->mean_confidence));
    EXPECT_EQ(find_label(polys, 'c')->pixels, 3);
    w.confidence.clear();
    EXPECT_TRUE(std::isnan(polygonize_window(w)[0].mean_confidence));
}

TEST(RasterPolygonize, IslandsKeepTheirOutlineAndTheirPlace) {
    Context ctx;
    // A one-pixel island would vanish at this tolerance: it keeps its outline. The other island
    // sits in a bump of `a` that simplification would cut off, leaving it in `c`: the bump stays.
    std::vector<std::string> rows(12, std::string(30, 'a'));
    for (int r = 6; r < 12; ++r) rows[r] = std::string(30, 'c');
    for (int r = 6; r < 9; ++r)
        for (int c = 10; c < 20; ++c) rows[r][c] = 'a';
    rows[7][14] = 'b';
    rows[2][5] = 'd';
    const LabelWindow w = whole(parse(rows), 100, 400);
    PolygonizeStats stats;
    const auto polys = polygonize_window(w, &stats);
    expect_partition(ctx, w, polys, "islands");
    for (const char island : {'b', 'd'}) {
        const auto* p = find_label(polys, island);
        ASSERT_TRUE(p);
        ASSERT_EQ(p->rings.size(), 1u);
        EXPECT_EQ(area2(p->rings[0]), 2 * 100 * 100) << island;
    }
    EXPECT_EQ(find_label(polys, 'a')->rings.size(), 3u);
    EXPECT_GT(stats.island_repairs, 0u);
}

TEST(RasterPolygonize, ChainsKeepTheirOrderAroundJunctions) {
    Context ctx;
    // Simplified on their own, the chains around the nodata pixel leave their junctions in
    // another order without crossing anything: faces would swap.
    const LabelWindow w =
        whole(parse({"aaaaaa", "aaaaaa", "aabbaa", "aa.baa", "aabaaa", "bbaaaa", "bbbbbb"}), 100, 300);
    PolygonizeStats stats;
    const auto polys = polygonize_window(w, &stats);
    EXPECT_GT(stats.turn_repairs, 0u);
    expect_partition(ctx, w, polys, "turns");
}

TEST(RasterPolygonize, RefusesWindowsOfTheWrongSize) {
    LabelWindow w = whole(parse({"ab", "ba"}));
    w.labels.pop_back();
    EXPECT_THROW(polygonize_window(w), std::invalid_argument);
    w = whole(parse({"ab", "ba"}));
    w.confidence = {1.0f};
    EXPECT_THROW(polygonize_window(w), std::invalid_argument);
}

// --- Windows cut from one grid -----------------------------------------------------------------

// 60×60 pixels: fields, a big field over the four tiles' corner, a river running along the
// border between the western and eastern tiles, salt noise and a patch of nodata.
Grid field_and_river() {
    Rng rng(20240611);
    Grid g = random_grid(rng, 60, 60);
    for (auto& v : g.cells) v = v == nodata ? 1 : v;
    for (int r = 0; r < 60; ++r)
        for (int c = 0; c < 60; ++c)
            if ((r - 31) * (r - 31) + (c - 29) * (c - 29) * 2 <= 14 * 14) g.at(r, c) = 7;
    for (int r = 0; r < 60; ++r) {
        const int shift = r < 20 ? -2 : r < 26 ? -1 : r < 45 ? 0 : 1;  // along the border, then across it
        g.at(r, 30 + shift) = g.at(r, 31 + shift) = 9;
    }
    for (int k = 0; k < 40; ++k) g.at(uniform(rng, 0, 59), uniform(rng, 0, 59)) = uniform(rng, 1, 5);
    for (int r = 27; r < 33; ++r)
        for (int c = 45; c < 52; ++c) g.at(r, c) = nodata;
    return g;
}

TEST(RasterPolygonize, FieldAndRiverAcrossFourTilesMeetExactly) {
    Context ctx;
    const Grid g = field_and_river();
    for (const std::int64_t tolerance : {0, 150, 300}) {
        const std::string what = "tolerance " + std::to_string(tolerance);
        const Quad q = cut_in_four(g, 30, 30, 100, tolerance);
        for (int i = 0; i < 4; ++i) {
            expect_partition(ctx, q.windows[i], q.polys[i], what + " window " + std::to_string(i));
            // Simplification moves area between neighbours, never in or out of the window.
            LabelWindow raw = q.windows[i];
            raw.simplify_cm = 0;
            std::int64_t simplified = 0, pixel_level = 0;
            for (const auto& p : q.polys[i]) simplified += polygon_area2(p);
            for (const auto& p : polygonize_window(raw)) pixel_level += polygon_area2(p);
            EXPECT_EQ(simplified, pixel_level) << what;
        }
        expect_borders_meet(g, q, 100, what);
        expect_quad_partition(ctx, g, q, what);
    }
}

TEST(RasterPolygonize, PropertyRandomGridsAndTolerances) {
    Context ctx;
    const std::int64_t pixels[] = {100, 20, 50};
    const double tolerances_px[] = {0, 0.5, 1, 1.5, 2, 3, 5, 12};
    for (int seed = 0; seed < 120; ++seed) {
        Rng rng(static_cast<std::uint64_t>(seed));
        const Grid g = random_grid(rng, uniform(rng, 6, 40), uniform(rng, 6, 40));
        const std::int64_t px = pixels[seed % 3];
        const auto tolerance = static_cast<std::int64_t>(tolerances_px[uniform(rng, 0, 7)] * double(px));
        const Quad q = cut_in_four(g, uniform(rng, 1, g.width - 1), uniform(rng, 1, g.height - 1), px, tolerance);
        const std::string what = "seed " + std::to_string(seed) + " tolerance " + std::to_string(tolerance);
        for (int i = 0; i < 4; ++i)
            expect_partition(ctx, q.windows[i], q.polys[i], what + " window " + std::to_string(i));
        expect_borders_meet(g, q, px, what);
        expect_quad_partition(ctx, g, q, what);
        if (HasFailure()) return;  // one seed's failures are enough to read
    }
}

TEST(RasterPolygonize, LargeWindowStaysAPartition) {
    Context ctx;
    Rng rng(7);
    Grid g = random_grid(rng, 200, 160);
    for (int k = 0; k < 600; ++k) {  // sieved-size patches: 2×2 to 4×4
        const int r = uniform(rng, 0, 155), c = uniform(rng, 0, 195), s = uniform(rng, 2, 4), cl = uniform(rng, 1, 6);
        for (int dr = 0; dr < s; ++dr)
            for (int dc = 0; dc < s; ++dc) g.at(r + dr, c + dc) = cl;
    }
    const LabelWindow w = whole(g, 50, 125);
    PolygonizeStats stats;
    const auto polys = polygonize_window(w, &stats);
    EXPECT_GT(polys.size(), 300u);
    EXPECT_LT(stats.vertices_after, stats.vertices_before);
    expect_partition(ctx, w, polys, "large");
}

}  // namespace
