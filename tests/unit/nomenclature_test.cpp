#include <gtest/gtest.h>

#include "core/nomenclature.hpp"

using tessera::core::Nomenclature;

TEST(NomenclatureUnit, HasTheFourteenCsAndTwentyUsLeaves) {
    // 20 accepted US values: 17 current leaves and the 3 legacy groups US2, US3, US5.
    const auto& n = Nomenclature::builtin();
    int cs_leaves = 0, us_leaves = 0, legacy = 0;
    for (const auto& c : n.cs()) cs_leaves += c.leaf;
    for (const auto& u : n.us()) {
        us_leaves += u.leaf;
        legacy += n.is_legacy_us(u.code);
    }
    EXPECT_EQ(cs_leaves, 14);
    EXPECT_EQ(us_leaves, 17);
    EXPECT_EQ(legacy, 3);
    for (const auto& c : n.cs())
        if (c.leaf) {
            EXPECT_EQ(c.color.size(), 7u) << c.code;
        }
}

TEST(NomenclatureUnit, KnowsLeavesLegacyCodesAndLabels) {
    const auto& n = Nomenclature::builtin();
    EXPECT_TRUE(n.is_leaf_cs("CS1.1.1.1"));
    EXPECT_FALSE(n.is_leaf_cs("CS1.1.1"));
    EXPECT_FALSE(n.is_leaf_cs("CS9"));
    EXPECT_TRUE(n.is_leaf_us("US235"));
    EXPECT_TRUE(n.is_leaf_us("US4.1.1"));
    EXPECT_FALSE(n.is_leaf_us("US4.1"));
    EXPECT_FALSE(n.is_leaf_us("US2"));
    EXPECT_TRUE(n.is_legacy_us("US2"));
    EXPECT_EQ(n.find_cs("CS1.1.1.1")->label, "Zones bâties");
    EXPECT_EQ(n.find_cs("CS1.2.2")->color, "#00CCF2");
    EXPECT_EQ(n.artificialised("CS1.1.1.1", "US1.1"), true);
}

TEST(NomenclatureUnit, RefusesMalformedTables) {
    const std::string header = "code,level,parent,label_fr,color_hex\n";
    const std::string art = "code_cs,code_us,artificialise,regle,source\n";
    EXPECT_THROW(Nomenclature(header + "CS1,x,,a,\n", header, art), std::runtime_error);
    EXPECT_THROW(Nomenclature(header + "CS1,1,,a\n", header, art), std::runtime_error);
    try {
        Nomenclature(header + "CS1,1,,a,\n", header + "US1,1,,b,\n", art + "CS9,US1,true,r,s\n");
        FAIL() << "an unknown code in the matrix must be refused";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("artificialisation.csv:2"), std::string::npos) << e.what();
    }
}

TEST(NomenclatureUnit, SplitsQuotedCsvFields) {
    auto f = tessera::core::split_csv_line(R"(CS2.1.2,3,CS2.1,"Formations arbustives, ""landes""",#A6FF80)");
    ASSERT_EQ(f.size(), 5u);
    EXPECT_EQ(f[3], "Formations arbustives, \"landes\"");
}
