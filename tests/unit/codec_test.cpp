#include <gtest/gtest.h>

#include "api/codec.hpp"
#include "geo/geos.hpp"
#include "geo/wkb.hpp"

using tessera::geo::PointCm;
using tessera::geo::RingsCm;

namespace {

RingsCm rings_of(const char* wkt) {
    tessera::geo::Context ctx;
    auto g = ctx.from_wkt(wkt);
    auto wkb = ctx.to_wkb(g.get());
    auto rings = tessera::geo::polygon_from_wkb(wkb);
    EXPECT_TRUE(rings);
    return *rings;
}

void expect_round_trip(const RingsCm& rings, std::int64_t ox, std::int64_t oy) {
    tessera::v1::Polygon wire;
    tessera::api::encode_polygon(rings, ox, oy, wire);
    // The wire has no closing points.
    std::size_t points = 0;
    for (const auto& r : rings) points += r.size() - 1;
    EXPECT_EQ(static_cast<std::size_t>(wire.coords_size()), 2 * points);
    std::string error;
    auto back = tessera::api::decode_polygon(wire, ox, oy, 1'000'000, &error);
    ASSERT_TRUE(back) << error;
    EXPECT_EQ(*back, rings);
}

}  // namespace

TEST(CodecUnit, RoundTripsAPolygonWithHoles) {
    expect_round_trip(rings_of("POLYGON((880000 6840000, 881000 6840000, 881000 6841000, 880000 6841000, 880000 6840000),"
                               "(880100 6840100, 880200 6840100, 880200 6840200, 880100 6840100),"
                               "(880500.01 6840500.02, 880600.99 6840500, 880600 6840600.5, 880500.01 6840500.02))"),
                      88000000, 684000000);
}

TEST(CodecUnit, RoundTripsAwkwardShapes) {
    // Centimetre steps, huge jumps, negative coordinates, collinear and repeated points.
    expect_round_trip(rings_of("POLYGON((0.01 0, 0.02 0, 0.02 0.01, 0.01 0.01, 0.01 0))"), 0, 0);
    expect_round_trip(rings_of("POLYGON((-5000000 -5000000, 9000000 -5000000, 9000000 9000000, 100 100, 100 100, "
                               "-5000000 -5000000))"),
                      88000000, 684000000);
    expect_round_trip(rings_of("POLYGON((0 0, 1 0, 2 0, 3 0, 3 3, 0 3, 0 0))"), 0, 0);
    // A long thin ring of many vertices.
    std::string wkt = "POLYGON((";
    for (int i = 0; i <= 2000; ++i) wkt += std::to_string(880000 + i * 0.37) + " 6840000, ";
    wkt += "880740 6840000.05, 880000 6840000.05, 880000 6840000))";
    expect_round_trip(rings_of(wkt.c_str()), 88000000, 684000000);
}

TEST(CodecUnit, DeltasMakeTheWireCompact) {
    auto rings = rings_of("POLYGON((880000 6840000, 880010 6840000, 880010 6840010, 880000 6840010, 880000 6840000))");
    tessera::v1::Polygon wire;
    tessera::api::encode_polygon(rings, 88000000, 684000000, wire);
    // Deltas of at most 1000 cm fit in two bytes each: 8 numbers, 1 ring size, small overhead.
    EXPECT_LE(wire.ByteSizeLong(), 24u);
}

TEST(CodecUnit, RefusesInconsistentWireGeometry) {
    tessera::v1::Polygon p;
    std::string error;
    EXPECT_FALSE(tessera::api::decode_polygon(p, 0, 0, 100, &error));
    EXPECT_NE(error.find("no ring"), std::string::npos);
    p.add_ring_sizes(3);
    p.add_coords(1);
    EXPECT_FALSE(tessera::api::decode_polygon(p, 0, 0, 100, &error));
    EXPECT_NE(error.find("announce"), std::string::npos);
    p.Clear();
    p.add_ring_sizes(2);
    for (int i = 0; i < 4; ++i) p.add_coords(1);
    EXPECT_FALSE(tessera::api::decode_polygon(p, 0, 0, 100, &error));
    p.Clear();
    p.add_ring_sizes(200);
    for (int i = 0; i < 400; ++i) p.add_coords(1);
    EXPECT_FALSE(tessera::api::decode_polygon(p, 0, 0, 100, &error));
    EXPECT_NE(error.find("limit"), std::string::npos);
    p.Clear();
    p.add_ring_sizes(3);
    p.add_coords(INT64_MAX);
    for (int i = 0; i < 5; ++i) p.add_coords(1);
    EXPECT_FALSE(tessera::api::decode_polygon(p, 0, 0, 100, &error));
    EXPECT_NE(error.find("range"), std::string::npos);
}

TEST(CodecUnit, WkbReaderRefusesGarbage) {
    std::string error;
    EXPECT_FALSE(tessera::geo::polygon_from_wkb("", &error));
    EXPECT_FALSE(tessera::geo::polygon_from_wkb(std::string("\x01\x01\x00\x00\x00", 5), &error));  // a Point
    EXPECT_NE(error.find("not a Polygon"), std::string::npos);
    auto wkb = tessera::geo::polygon_to_wkb({{{0, 0}, {100, 0}, {0, 100}, {0, 0}}});
    EXPECT_FALSE(tessera::geo::polygon_from_wkb(wkb.substr(0, 3), &error));
    EXPECT_NE(error.find("truncated"), std::string::npos) << error;
    EXPECT_FALSE(tessera::geo::polygon_from_wkb(wkb.substr(0, wkb.size() - 3), &error));
    EXPECT_NE(error.find("larger than the data"), std::string::npos) << error;
    auto ok = tessera::geo::polygon_from_wkb(wkb);
    ASSERT_TRUE(ok);
    EXPECT_EQ((*ok)[0][1], (PointCm{100, 0}));
    // EWKB with an SRID reads the same.
    auto ewkb = tessera::geo::polygon_to_wkb(*ok, 2154);
    EXPECT_EQ(*tessera::geo::polygon_from_wkb(ewkb), *ok);
}
