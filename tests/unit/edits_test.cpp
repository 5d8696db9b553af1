// The partition-preserving edits (SPEC §4) on small hand-made cases in Lambert-93 metres: each
// operation, holes, many neighbours, refusals. After every accepted edit the workspace must
// still be an exact partition of the region it started with (checked independently of the
// engine, by partition_problems).

#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "edits/detail_outline.hpp"
#include "edits/partition_check.hpp"
#include "edits/workspace.hpp"
#include "geo/geos.hpp"
#include "geo/wkb.hpp"

using tessera::edits::Feature;
using tessera::edits::Limits;
using tessera::edits::OpError;
using tessera::edits::partition_problems;
using tessera::edits::Workspace;
using tessera::geo::PointCm;
using tessera::geo::RingsCm;

namespace {

constexpr double x0 = 880000, y0 = 6840000;
const tessera::tiles::Box tile{x0, y0, x0 + 1000, y0 + 1000};

// A WKT polygon in metres to integer centimetres, as the store would hand it over.
RingsCm rings(const std::string& wkt) {
    tessera::geo::Context ctx;
    auto g = ctx.from_wkt(wkt);
    auto r = tessera::geo::polygon_from_wkb(ctx.to_wkb(g.get()));
    if (!r) throw std::runtime_error("not a polygon: " + wkt);
    return *r;
}

std::string num(double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
    return s;
}

// A rectangle given in metres from the tile's corner.
std::string box(double ax, double ay, double bx, double by) {
    const std::string l = num(x0 + ax), r = num(x0 + bx), b = num(y0 + ay), t = num(y0 + by);
    return "POLYGON((" + l + " " + b + ", " + r + " " + b + ", " + r + " " + t + ", " + l + " " + t + ", " + l + " " +
           b + "))";
}

// A polygon from corner offsets in metres (closed for you).
std::string poly(std::vector<std::pair<double, double>> pts) {
    pts.push_back(pts.front());
    std::string s = "POLYGON((";
    for (std::size_t i = 0; i < pts.size(); ++i)
        s += (i ? ", " : "") + num(x0 + pts[i].first) + " " + num(y0 + pts[i].second);
    return s + "))";
}

std::vector<PointCm> line(std::vector<std::pair<double, double>> pts) {
    std::vector<PointCm> out;
    for (auto [x, y] : pts) out.push_back(PointCm{std::llround((x0 + x) * 100), std::llround((y0 + y) * 100)});
    return out;
}

Feature feat(std::int64_t id, const std::string& wkt, std::string cs = "CS2.2.1", std::string us = "US6.1") {
    return Feature{id, std::move(cs), std::move(us), rings(wkt), false};
}

double area_m2(const Feature& f) {
    tessera::geo::Context ctx;
    auto g = ctx.from_wkb(tessera::geo::polygon_to_wkb(f.rings));
    return ctx.area(g.get());
}

// n×n squares of `size` metres from (ox, oy), ids 1..n² row by row from the bottom.
std::vector<Feature> grid(int n, double size, double ox = 100, double oy = 100) {
    std::vector<Feature> out;
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i)
            out.push_back(feat(j * n + i + 1,
                               box(ox + i * size, oy + j * size, ox + (i + 1) * size, oy + (j + 1) * size), "CS2.2.1",
                               "US6.1"));
    return out;
}

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& p : v) s += p + "\n";
    return s;
}

#define EXPECT_PARTITION(ws, original)                                    \
    do {                                                                  \
        auto problems_ = partition_problems((ws).features(), (original)); \
        EXPECT_TRUE(problems_.empty()) << joined(problems_);              \
    } while (0)

#define EXPECT_APPLIED(op)                                          \
    do {                                                            \
        auto err_ = (op);                                           \
        EXPECT_FALSE(err_) << err_->field << ": " << err_->message; \
    } while (0)

void expect_refused(const std::optional<OpError>& err, const std::string& field, const std::string& words) {
    ASSERT_TRUE(err) << "expected a refusal mentioning '" << words << "'";
    EXPECT_EQ(err->field, field) << err->message;
    EXPECT_NE(err->message.find(words), std::string::npos) << err->message;
}

}  // namespace

TEST(EditsUnit, SetClassAndConfirmChangeOnlyClasses) {
    auto original = grid(2, 10);
    Workspace ws(tile, original);
    EXPECT_APPLIED(ws.set_class(1, "CS1.1.1.1", ""));
    EXPECT_EQ(ws.find(1)->code_cs, "CS1.1.1.1");
    EXPECT_EQ(ws.find(1)->code_us, "US6.1");
    EXPECT_TRUE(ws.find(1)->reviewed);
    EXPECT_APPLIED(ws.set_class(2, "", "US1.1"));
    EXPECT_EQ(ws.find(2)->code_cs, "CS2.2.1");
    EXPECT_EQ(ws.find(2)->code_us, "US1.1");
    EXPECT_APPLIED(ws.confirm(3));
    EXPECT_TRUE(ws.find(3)->reviewed);
    EXPECT_EQ(ws.class_changed(), (std::set<std::int64_t>{1, 2, 3}));
    EXPECT_TRUE(ws.geometry_changed().empty());
    EXPECT_EQ(ws.find(1)->rings, original[0].rings);

    expect_refused(ws.set_class(99, "CS1.1.1.1", ""), "feature", "no feature 99");
    expect_refused(ws.set_class(1, "", ""), "code_cs", "CS code");
    expect_refused(ws.confirm(99), "feature", "no feature 99");
    EXPECT_PARTITION(ws, original);
}

TEST(EditsUnit, ReshapeTheCentreOfAGridTakesFromEveryNeighbour) {
    auto original = grid(5, 10);  // centre: id 13, [120,130]²
    Workspace ws(tile, original);
    const auto g = rings(box(117, 117, 133, 133));
    EXPECT_APPLIED(ws.reshape(13, g));
    EXPECT_PARTITION(ws, original);
    EXPECT_DOUBLE_EQ(area_m2(*ws.find(13)), 256.0);
    for (std::int64_t n : {7, 8, 9, 12, 14, 17, 18, 19}) {
        ASSERT_TRUE(ws.find(n)) << n;
        EXPECT_TRUE(ws.geometry_changed().count(n)) << n;
    }
    EXPECT_DOUBLE_EQ(area_m2(*ws.find(8)), 70.0);   // lost a 10 × 3 band
    EXPECT_DOUBLE_EQ(area_m2(*ws.find(7)), 91.0);   // lost a 3 × 3 corner
    EXPECT_DOUBLE_EQ(area_m2(*ws.find(1)), 100.0);  // not a neighbour
    EXPECT_EQ(ws.geometry_changed().size(), 9u);
    EXPECT_TRUE(ws.class_changed().count(13));  // reshaping reviews the feature
    EXPECT_TRUE(ws.created().empty());
    EXPECT_TRUE(ws.deleted().empty());
}

TEST(EditsUnit, ReshapeAcrossSeveralNeighboursDeletesOneAndCutsAnother) {
    std::vector<Feature> original = {feat(1, box(0, 0, 10, 10)), feat(2, box(10, 0, 20, 10)),
                                     feat(3, box(20, 0, 30, 10), "CS2.1.1.1", "US1.1"), feat(4, box(30, 0, 40, 10))};
    Workspace ws(tile, original);
    // Feature 1 swallows 2 and a band through the middle of 3, which falls in two.
    const auto g = rings(poly({{0, 0}, {20, 0}, {20, 4}, {31, 4}, {31, 6}, {20, 6}, {20, 10}, {0, 10}}));
    EXPECT_APPLIED(ws.reshape(1, g));
    EXPECT_PARTITION(ws, original);
    EXPECT_EQ(ws.find(2), nullptr);
    EXPECT_EQ(ws.deleted(), (std::set<std::int64_t>{2}));
    ASSERT_EQ(ws.created().size(), 1u);
    const std::int64_t piece = *ws.created().begin();
    EXPECT_LT(piece, 0);
    EXPECT_EQ(ws.find(piece)->code_cs, "CS2.1.1.1");
    EXPECT_EQ(ws.find(piece)->code_us, "US1.1");
    EXPECT_DOUBLE_EQ(area_m2(*ws.find(piece)), 40.0);
    EXPECT_DOUBLE_EQ(area_m2(*ws.find(3)), 40.0);
    EXPECT_DOUBLE_EQ(area_m2(*ws.find(4)), 98.0);
    EXPECT_DOUBLE_EQ(area_m2(*ws.find(1)), 222.0);
}

TEST(EditsUnit, ReshapeGivesUpAreaToTheNeighbourWithTheLongestBorder) {
    // 1 in the middle; 2 on its right (10 m border), 5 on its left, 3 above 1 and 2, 4 below.
    std::vector<Feature> original = {feat(1, box(0, 0, 10, 10)), feat(2, box(10, 0, 20, 10)),
                                     feat(3, box(-10, 10, 20, 15)), feat(4, box(-10, -5, 20, 0)),
                                     feat(5, box(-10, 0, 0, 10))};
    {
        Workspace ws(tile, original);
        // Gives up its top 4 m: borders 3 over 10 m, 2 and 5 over 4 m each.
        EXPECT_APPLIED(ws.reshape(1, rings(box(0, 0, 10, 6))));
        EXPECT_PARTITION(ws, original);
        EXPECT_DOUBLE_EQ(area_m2(*ws.find(3)), 190.0);
        EXPECT_DOUBLE_EQ(area_m2(*ws.find(2)), 100.0);
        EXPECT_EQ(ws.geometry_changed(), (std::set<std::int64_t>{1, 3}));
    }
    {
        Workspace ws(tile, original);
        // Gives up its right 4 m: borders 2 over 10 m.
        EXPECT_APPLIED(ws.reshape(1, rings(box(0, 0, 6, 10))));
        EXPECT_PARTITION(ws, original);
        EXPECT_DOUBLE_EQ(area_m2(*ws.find(2)), 140.0);
        EXPECT_DOUBLE_EQ(area_m2(*ws.find(3)), 150.0);
    }
    {
        Workspace ws(tile, original);
        // Moves entirely: what it leaves goes to the longest border, what it takes comes from 2.
        EXPECT_APPLIED(ws.reshape(1, rings(box(5, 0, 15, 10))));
        EXPECT_PARTITION(ws, original);
        EXPECT_DOUBLE_EQ(area_m2(*ws.find(1)), 100.0);
        EXPECT_DOUBLE_EQ(area_m2(*ws.find(2)), 50.0);
        EXPECT_DOUBLE_EQ(area_m2(*ws.find(5)), 150.0);
    }
}

TEST(EditsUnit, ReshapeRefusesToLeaveAHoleThatNothingBorders) {
    auto original = grid(3, 10);
    Workspace ws(tile, original);
    const std::string with_hole =
        "POLYGON((880110 6840110, 880120 6840110, 880120 6840120, 880110 6840120, "
        "880110 6840110), (880113 6840113, 880113 6840117, 880117 6840117, 880117 6840113, "
        "880113 6840113))";
    expect_refused(ws.reshape(5, rings(with_hole)), "geometry", "hole");
    EXPECT_TRUE(ws.geometry_changed().empty());
    EXPECT_EQ(ws.features().size(), 9u);
}

TEST(EditsUnit, ReshapeAroundAFilledHole) {
    const std::string holed =
        "POLYGON((880100 6840100, 880130 6840100, 880130 6840130, 880100 6840130, "
        "880100 6840100), (880110 6840110, 880120 6840110, 880120 6840120, 880110 6840120, "
        "880110 6840110))";
    std::vector<Feature> original = {feat(1, holed), feat(2, box(110, 110, 120, 120), "CS2.1.1.1", "US1.1"),
                                     feat(3, box(130, 100, 140, 130))};
    {
        Workspace ws(tile, original);
        EXPECT_APPLIED(ws.reshape(2, rings(box(108, 108, 122, 122))));  // the filler grows
        EXPECT_PARTITION(ws, original);
        EXPECT_DOUBLE_EQ(area_m2(*ws.find(2)), 196.0);
        EXPECT_DOUBLE_EQ(area_m2(*ws.find(1)), 900.0 - 196.0);
        EXPECT_EQ(ws.find(1)->rings.size(), 2u);
        EXPECT_EQ(ws.geometry_changed(), (std::set<std::int64_t>{1, 2}));
    }
    {
        Workspace ws(tile, original);
        EXPECT_APPLIED(ws.reshape(1, rings(box(100, 100, 130, 130))));  // fills its own hole
        EXPECT_PARTITION(ws, original);
        EXPECT_EQ(ws.find(2), nullptr);
        EXPECT_EQ(ws.deleted(), (std::set<std::int64_t>{2}));
        EXPECT_EQ(ws.find(1)->rings.size(), 1u);
    }
    {
        Workspace ws(tile, original);
        // The filler shrinks: what it gives up borders only the holed feature.
        EXPECT_APPLIED(ws.reshape(2, rings(box(112, 112, 118, 118))));
        EXPECT_PARTITION(ws, original);
        EXPECT_DOUBLE_EQ(area_m2(*ws.find(1)), 900.0 - 36.0);
    }
}

TEST(EditsUnit, SplitThroughAHoleAndClassesByDecreasingArea) {
    const std::string holed =
        "POLYGON((880100 6840100, 880130 6840100, 880130 6840130, 880100 6840130, "
        "880100 6840100), (880110 6840110, 880120 6840110, 880120 6840120, 880110 6840120, "
        "880110 6840110))";
    std::vector<Feature> original = {feat(1, holed), feat(2, box(110, 110, 120, 120)), feat(3, box(130, 100, 140, 130)),
                                     feat(4, box(100, 130, 140, 140))};
    Workspace ws(tile, original);
    // Overshoots into 3 and crosses the hole (feature 2) at y = 112: the lower part is smaller.
    EXPECT_APPLIED(ws.split(1, line({{95, 112}, {135, 112}}), {{"CS1.1.1.1", "US1.1"}, {"CS2.1.1.1", ""}}));
    EXPECT_PARTITION(ws, original);
    ASSERT_EQ(ws.created().size(), 1u);
    const std::int64_t part = *ws.created().begin();
    EXPECT_DOUBLE_EQ(area_m2(*ws.find(1)), 30 * 18 - 80.0);
    EXPECT_DOUBLE_EQ(area_m2(*ws.find(part)), 30 * 12 - 20.0);
    EXPECT_EQ(ws.find(1)->code_cs, "CS1.1.1.1");
    EXPECT_EQ(ws.find(1)->code_us, "US1.1");
    EXPECT_EQ(ws.find(part)->code_cs, "CS2.1.1.1");
    EXPECT_EQ(ws.find(part)->code_us, "US6.1");  // missing: the original's
    // The neighbours and the hole filler keep their exact geometry.
    EXPECT_EQ(ws.geometry_changed(), (std::set<std::int64_t>{1}));
    EXPECT_EQ(ws.find(2)->rings, original[1].rings);
    EXPECT_EQ(ws.find(3)->rings, original[2].rings);
}

TEST(EditsUnit, SplitRefusesALineThatDoesNotCut) {
    auto original = grid(3, 10);
    Workspace ws(tile, original);
    expect_refused(ws.split(5, line({{105, 115}, {115, 115}}), {}), "line", "does not cut");  // ends inside
    expect_refused(ws.split(5, line({{150, 150}, {160, 160}}), {}), "line", "does not cut");  // far away
    expect_refused(ws.split(5, line({{110, 110}, {110, 120}}), {}), "line", "does not cut");  // along its border
    expect_refused(ws.split(5, line({{105, 115}}), {}), "line", "two");
    expect_refused(ws.split(42, line({{105, 115}, {125, 115}}), {}), "feature", "no feature 42");
    EXPECT_TRUE(ws.geometry_changed().empty());
    EXPECT_APPLIED(ws.split(5, line({{105, 113}, {125, 117}}), {}));  // crosses: fine
    EXPECT_PARTITION(ws, original);
    EXPECT_EQ(ws.features().size(), 10u);
}

TEST(EditsUnit, MergeAcrossAHole) {
    auto original = grid(3, 10);  // 5 in the middle fills the hole the 8 others surround
    {
        Workspace ws(tile, original);
        EXPECT_APPLIED(ws.merge({1, 2, 3, 4, 6, 7, 8, 9}, "CS2.1.1.1", ""));
        EXPECT_PARTITION(ws, original);
        ASSERT_TRUE(ws.find(1));
        EXPECT_EQ(ws.find(1)->rings.size(), 2u);  // a ring around 5
        EXPECT_EQ(ws.find(1)->code_cs, "CS2.1.1.1");
        EXPECT_EQ(ws.find(1)->code_us, "US6.1");
        EXPECT_EQ(ws.deleted(), (std::set<std::int64_t>{2, 3, 4, 6, 7, 8, 9}));
        EXPECT_APPLIED(ws.merge({5, 1}, "", ""));  // and now the filler with its surroundings
        EXPECT_PARTITION(ws, original);
        ASSERT_EQ(ws.features().size(), 1u);
        EXPECT_EQ(ws.find(5)->rings.size(), 1u);
        EXPECT_DOUBLE_EQ(area_m2(*ws.find(5)), 900.0);
        EXPECT_EQ(ws.find(5)->rings.front().size(), 5u);  // the square, no leftover vertices
    }
}

TEST(EditsUnit, MergeRefusesFeaturesTouchingOnlyAtAPoint) {
    auto original = grid(3, 10);
    Workspace ws(tile, original);
    expect_refused(ws.merge({1, 5}, "", ""), "features[1]", "not adjacent");
    expect_refused(ws.merge({1, 2, 9}, "", ""), "features[2]", "not adjacent");
    expect_refused(ws.merge({1}, "", ""), "features", "two");
    expect_refused(ws.merge({1, 1}, "", ""), "features[1]", "twice");
    expect_refused(ws.merge({1, 77}, "", ""), "features[1]", "no feature 77");
    EXPECT_TRUE(ws.deleted().empty());
    EXPECT_APPLIED(ws.merge({1, 2, 5}, "", ""));  // 5 touches 1 at a point but shares a border with 2
    EXPECT_PARTITION(ws, original);
}

TEST(EditsUnit, DrawOverSeveralFeatures) {
    auto original = grid(3, 10);
    Workspace ws(tile, original);
    std::int64_t created = 0;
    // Covers all of 5, a band across 4 (cut in two), and strips of 2, 3 and 6.
    EXPECT_APPLIED(ws.draw(
        rings(poly({{100, 113}, {110, 113}, {110, 108}, {122, 108}, {122, 120}, {110, 120}, {110, 117}, {100, 117}})),
        "CS1.1.1.1", "US1.1", &created));
    EXPECT_PARTITION(ws, original);
    EXPECT_LT(created, 0);
    ASSERT_TRUE(ws.find(created));
    EXPECT_EQ(ws.find(created)->code_cs, "CS1.1.1.1");
    EXPECT_TRUE(ws.find(created)->reviewed);
    EXPECT_EQ(ws.find(5), nullptr);
    EXPECT_EQ(ws.deleted(), (std::set<std::int64_t>{5}));
    EXPECT_EQ(ws.created().size(), 2u);  // the drawn one and one half of 4
    EXPECT_DOUBLE_EQ(area_m2(*ws.find(4)), 30.0);
    EXPECT_DOUBLE_EQ(area_m2(*ws.find(2)), 80.0);
    EXPECT_DOUBLE_EQ(area_m2(*ws.find(3)), 96.0);
    EXPECT_DOUBLE_EQ(area_m2(*ws.find(6)), 80.0);
    EXPECT_DOUBLE_EQ(area_m2(*ws.find(created)), 100.0 + 40.0 + 20.0 + 4.0 + 20.0);
    EXPECT_EQ(ws.geometry_changed(), (std::set<std::int64_t>{2, 3, 4, 6}));
    expect_refused(ws.draw(rings(box(125, 125, 135, 135)), "CS1.1.1.1", "US1.1", &created), "geometry",
                   "beyond the features loaded");
    expect_refused(ws.draw(rings(box(105, 105, 106, 106)), "", "US1.1", &created), "code_cs", "CS");
}

TEST(EditsUnit, BadGeometriesAreRefusedWithTheReason) {
    auto original = grid(3, 10);
    Workspace ws(tile, original, Limits{8});
    auto bowtie = rings(poly({{110, 110}, {120, 120}, {120, 110}, {110, 120}}));
    expect_refused(ws.reshape(5, bowtie), "geometry", "Self-intersection");
    expect_refused(ws.reshape(5, rings(box(-5, 110, 120, 120))), "geometry", "leaves the tile");
    expect_refused(ws.reshape(5, rings(poly({{110, 110},
                                             {112, 109},
                                             {114, 110},
                                             {116, 109},
                                             {118, 110},
                                             {120, 110},
                                             {121, 115},
                                             {120, 120},
                                             {110, 120}}))),
                   "geometry", "limit of 8");
    expect_refused(ws.reshape(5, RingsCm{}), "geometry", "empty");
    expect_refused(ws.reshape(5, RingsCm{{}}), "geometry", "empty");
    auto open = rings(box(110, 110, 120, 120));
    open.front().pop_back();
    expect_refused(ws.reshape(5, open), "geometry", "not closed");
    expect_refused(ws.reshape(5, rings(poly({{110, 110}, {115, 110}, {120, 110}}))), "geometry", "");
    expect_refused(ws.reshape(77, rings(box(110, 110, 120, 120))), "feature", "no feature 77");
    expect_refused(ws.draw(bowtie, "CS1.1.1.1", "US1.1", nullptr), "geometry", "Self-intersection");
    // The workspace is untouched by all of that.
    EXPECT_TRUE(ws.geometry_changed().empty());
    EXPECT_TRUE(ws.class_changed().empty());
    for (const auto& f : original) EXPECT_EQ(ws.find(f.id)->rings, f.rings);
}

TEST(EditsUnit, AResultOverTheVertexLimitIsRefused) {
    // 2 already has the 8 vertices the limit allows; a bulge of 1 into it would give it 9.
    std::vector<Feature> original = {
        feat(1, box(0, 0, 10, 10)),
        feat(2, poly({{10, 0}, {15, 0}, {20, 0}, {20, 5}, {20, 10}, {15, 10}, {10, 10}, {10, 5}}))};
    Workspace ws(tile, original, Limits{8});
    expect_refused(ws.reshape(1, rings(poly({{0, 0}, {10, 0}, {12, 3}, {10, 6}, {10, 10}, {0, 10}}))), "geometry",
                   "limit of 8");
    EXPECT_TRUE(ws.geometry_changed().empty());
    // Within the limit it applies.
    EXPECT_APPLIED(ws.reshape(1, rings(poly({{0, 0}, {10, 0}, {12, 5}, {10, 10}, {0, 10}}))));
    EXPECT_PARTITION(ws, original);
}

TEST(EditsUnit, ChangesAreTrackedSinceConstruction) {
    auto original = grid(2, 10);
    Workspace ws(tile, original);
    const auto before = original[0].rings;
    EXPECT_APPLIED(ws.reshape(1, rings(box(100, 100, 112, 110))));
    EXPECT_EQ(ws.geometry_changed(), (std::set<std::int64_t>{1, 2}));
    EXPECT_APPLIED(ws.reshape(1, rings(box(100, 100, 110, 110))));  // back where it was
    EXPECT_TRUE(ws.geometry_changed().empty());
    EXPECT_EQ(ws.find(2)->rings, original[1].rings);
    std::int64_t created = 0;
    EXPECT_APPLIED(ws.draw(rings(box(101, 101, 103, 103)), "CS1.1.1.1", "US1.1", &created));
    EXPECT_EQ(ws.created(), (std::set<std::int64_t>{created}));
    EXPECT_APPLIED(ws.merge({1, created}, "", ""));  // the drawn feature is gone again
    EXPECT_TRUE(ws.created().empty());
    EXPECT_TRUE(ws.deleted().empty());
    EXPECT_PARTITION(ws, original);
}

TEST(EditsUnit, AnEdgeBentBySnapRoundingTakesInTheFeatureAcrossIt) {
    // B's edge along C runs 0.4 cm below the tip of a notch of B: noding B bends that edge through
    // the tip. Reshaping A (which involves B but not C at first) must then take C in, so that C
    // receives the same bend, rather than tear the partition along B and C.
    std::vector<Feature> original = {
        feat(1, box(99, 100.5, 100, 101)),
        feat(2, poly({{100, 100}, {110, 100.01}, {110, 101}, {106.01, 101}, {106, 100.01}, {105.99, 101}, {100, 101}})),
        feat(3, poly({{100, 99}, {110, 99}, {110, 100.01}, {100, 100}})),
        feat(4, poly({{105.99, 101}, {106, 100.01}, {106.01, 101}}))};
    Workspace ws(tile, original);
    EXPECT_APPLIED(ws.reshape(1, rings(box(99, 100.5, 100.1, 101))));
    EXPECT_PARTITION(ws, original);
    EXPECT_TRUE(ws.geometry_changed().count(3));
    EXPECT_EQ(ws.created().size(), 1u);  // B, pinched at the notch's tip, falls in two
    EXPECT_FALSE(ws.geometry_changed().count(4));
}

TEST(EditsUnit, AnEditThatWouldMoveTheOutlineOfTheLoadedRegionIsRefused) {
    // A's lower edge passes 0.4 cm above a vertex of B, across a thin gap between them that
    // belongs to no feature loaded: any edit noding them together would close that gap.
    std::vector<Feature> original = {feat(1, poly({{100, 100}, {110, 100.01}, {110, 101}, {100, 101}})),
                                     feat(2, poly({{100, 99}, {110, 99}, {110, 100.01}, {104, 100}, {100, 100}}))};
    Workspace ws(tile, original);
    expect_refused(ws.split(1, line({{108, 95}, {108, 105}}), {}), "geometry",
                   "too close to features outside the loaded region");
    EXPECT_TRUE(ws.geometry_changed().empty());
    EXPECT_APPLIED(ws.set_class(1, "CS1.1.1.1", ""));
}

TEST(EditsUnit, OutlinesCompareExactly) {
    using tessera::edits::detail::make_segment;
    using tessera::edits::detail::outline_of;
    using tessera::edits::detail::same_points;
    // Two squares side by side, the right one with an extra vertex where the left one has none
    // (a T-junction on their shared edge, and another on the outline).
    const RingsCm left{{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}};
    const RingsCm right{{{10, 0}, {20, 0}, {20, 10}, {10, 10}, {10, 5}, {10, 0}}};
    const RingsCm whole{{{0, 0}, {20, 0}, {20, 10}, {0, 10}, {0, 0}}};
    EXPECT_TRUE(same_points(outline_of({&left, &right}), outline_of({&whole})));
    EXPECT_FALSE(same_points(outline_of({&left}), outline_of({&whole})));
    // The same line cut differently is the same set of points; a bend is not.
    EXPECT_TRUE(
        same_points({make_segment({0, 0}, {10, 0})}, {make_segment({10, 0}, {4, 0}), make_segment({0, 0}, {4, 0})}));
    EXPECT_FALSE(same_points({make_segment({0, 0}, {1000, 1})},
                             {make_segment({0, 0}, {400, 0}), make_segment({400, 0}, {1000, 1})}));
    // A hole is part of the outline.
    const RingsCm holed{{{0, 0}, {30, 0}, {30, 30}, {0, 30}, {0, 0}},
                        {{10, 10}, {10, 20}, {20, 20}, {20, 10}, {10, 10}}};
    const RingsCm filler{{{10, 10}, {20, 10}, {20, 20}, {10, 20}, {10, 10}}};
    const RingsCm square{{{0, 0}, {30, 0}, {30, 30}, {0, 30}, {0, 0}}};
    EXPECT_EQ(outline_of({&holed}).size(), 8u);
    EXPECT_TRUE(same_points(outline_of({&holed, &filler}), outline_of({&square})));
}

TEST(EditsUnit, FeaturesThatAreNotAPartitionAreNamed) {
    std::vector<Feature> overlapping = {feat(1, box(100, 100, 110, 110)), feat(2, box(105, 100, 120, 110))};
    Workspace ws(tile, overlapping);
    expect_refused(ws.reshape(2, rings(box(108, 100, 120, 110))), "geometry", "features 1 and 2 overlap");
    EXPECT_TRUE(ws.geometry_changed().empty());
}
