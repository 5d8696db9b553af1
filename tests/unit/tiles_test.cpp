#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "tiles/grid.hpp"

using tessera::tiles::Box;
using tessera::tiles::Grid;
using tessera::tiles::parse_key;
using tessera::tiles::TileKey;

TEST(TilesUnit, KeyFormatsLowerLeftCornerInKilometres) {
    EXPECT_EQ((TileKey{880, 6840}.str()), "0880_6840");
    EXPECT_EQ((TileKey{12, 7}.str()), "0012_0007");
}

TEST(TilesUnit, ParsesKeysAndRefusesOthers) {
    auto k = parse_key("0880_6840");
    ASSERT_TRUE(k);
    EXPECT_EQ(k->x_km, 880);
    EXPECT_EQ(k->y_km, 6840);
    for (const char* bad : {"", "0880", "0880-6840", "08a0_6840", "0880_", "_6840", "-880_6840", "123456_1",
                            "0880_6840_1", " 0880_6840"}) {
        std::string why;
        EXPECT_FALSE(parse_key(bad, &why)) << bad;
        EXPECT_NE(why.find("tile key"), std::string::npos) << bad;
    }
}

TEST(TilesUnit, PointsMapToTheirTileAndBordersGoUpRight) {
    Grid g(1000);
    EXPECT_EQ(g.key_at(880500.0, 6840999.99).str(), "0880_6840");
    EXPECT_EQ(g.key_at(881000.0, 6841000.0).str(), "0881_6841");
    EXPECT_EQ(g.key_at(-0.5, -0.5).str(), "-001_-001");
    Grid g2(2000);
    EXPECT_EQ(g2.key_at(881500.0, 6841500.0).str(), "0880_6840");
    EXPECT_TRUE(g2.aligned({880, 6840}));
    EXPECT_FALSE(g2.aligned({881, 6840}));
}

TEST(TilesUnit, BoundsAndKeysInABox) {
    Grid g(1000);
    auto b = g.bounds({880, 6840});
    EXPECT_DOUBLE_EQ(b.min_x, 880000);
    EXPECT_DOUBLE_EQ(b.max_y, 6841000);
    auto keys = g.keys_in(Box{880500, 6840500, 882000, 6841500}, 100);
    ASSERT_TRUE(keys);
    ASSERT_EQ(keys->size(), 4u);  // x 880, 881 (882 only touched) × y 6840, 6841
    EXPECT_EQ((*keys)[0].str(), "0880_6840");
    EXPECT_EQ((*keys)[3].str(), "0881_6841");
}

TEST(TilesUnit, AbsurdBoxesAreRefusedOrEmpty) {
    Grid g(1000);
    EXPECT_FALSE(g.keys_in(Box{0, 0, 1e7, 1e7}, 1000));
    EXPECT_GT(g.count_in(Box{-1e300, -1e300, 1e300, 1e300}), 1000u);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    auto none = g.keys_in(Box{nan, 0, 1, 1}, 10);
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
    EXPECT_FALSE((Box{1, 0, 0, 1}.valid()));
    EXPECT_THROW(Grid(500), std::invalid_argument);
    EXPECT_THROW(Grid(0), std::invalid_argument);
}
