// Rows written by COPY's text format (store/detail_copy.hpp) read back as they were given:
// characters COPY treats specially, multibyte text, NULLs, extreme numbers, shortest floats.

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "store/detail_copy.hpp"
#include "support/test_db.hpp"

using namespace tessera;

TEST(CopyRowsDb, ValuesReadBackAsTheyWereGiven) {
    test::TestDatabase db(false);
    pqxx::connection c(db.url());
    {
        pqxx::work tx(c);
        tx.exec0("CREATE TABLE t (n integer, s text, i bigint, d double precision, r real, b boolean, a bigint[])");
        tx.commit();
    }
    const std::string tricky = "tab\there, back\\slash, \\N, new\nline, return\r, \xc3\xa9t\xc3\xa9 \xe2\x82\xac";
    const double third = 1.0 / 3;
    const float confidence = 0.7f;
    {
        pqxx::work tx(c);
        store::detail::CopyRows copy(tx, "t", {"n", "s", "i", "d", "r", "b", "a"});
        copy.number(std::int64_t{1}).text(tricky).number(std::numeric_limits<std::int64_t>::min()).number(third);
        copy.number(confidence).boolean(true).plain("{1,-2,3}").end_row();
        copy.number(std::int64_t{2}).text("").number(std::numeric_limits<std::int64_t>::max());
        copy.number(std::nan("")).number(std::numeric_limits<float>::infinity()).boolean(false).null().end_row();
        copy.number(std::int64_t{3}).null().null().number(-0.0).number(1e-30f).null().plain("{}").end_row();
        copy.complete();
        tx.commit();
    }
    pqxx::work tx(c);
    auto r = tx.exec("SELECT n, s, i, d, r, b, a::text, s IS NULL, d IS NULL, r IS NULL, a IS NULL FROM t ORDER BY n");
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0][1].as<std::string>(), tricky);
    EXPECT_EQ(r[0][2].as<std::int64_t>(), std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(r[0][3].as<double>(), third);  // exactly: the shortest form reads back the same
    EXPECT_EQ(r[0][4].as<float>(), confidence);
    EXPECT_TRUE(r[0][5].as<bool>());
    EXPECT_EQ(r[0][6].as<std::string>(), "{1,-2,3}");

    EXPECT_EQ(r[1][1].as<std::string>(), "");  // empty, not NULL
    EXPECT_FALSE(r[1][7].as<bool>());
    EXPECT_EQ(r[1][2].as<std::int64_t>(), std::numeric_limits<std::int64_t>::max());
    EXPECT_TRUE(r[1][8].as<bool>()) << "a number that is not finite is NULL";
    EXPECT_TRUE(r[1][9].as<bool>());
    EXPECT_FALSE(r[1][5].as<bool>());
    EXPECT_TRUE(r[1][10].as<bool>());

    EXPECT_TRUE(r[2][7].as<bool>());
    EXPECT_EQ(r[2][3].as<double>(), 0.0);
    EXPECT_EQ(r[2][4].as<float>(), 1e-30f);
    EXPECT_EQ(r[2][6].as<std::string>(), "{}");
}
