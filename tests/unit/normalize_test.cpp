// Repair of predictions into an exact partition of a tile (what vector ingest does with
// overlapping or gapped polygons): the local repair around the places the coverage test finds
// must give the same regions as the repair of the whole tile, leave every polygon away from them
// exactly as it came, and make a polygon reached by several places whole again.

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "edits/normalize.hpp"
#include "edits/partition_check.hpp"
#include "qc/qc.hpp"

using tessera::edits::BoxCm;
using tessera::edits::NormalizedPart;
using tessera::edits::NormalizeStats;
using tessera::geo::PointCm;
using tessera::geo::RingsCm;

namespace {

constexpr std::int64_t x0 = 88000000, y0 = 684000000;  // centimetres
const tessera::tiles::Box tile{880000, 6840000, 880100, 6840100};  // 100 m

RingsCm rect(std::int64_t x, std::int64_t y, std::int64_t w, std::int64_t h) {
    return {{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}, {x, y}}};
}

// A 10 × 10 grid of 10 m squares over the tile, in row order.
std::vector<RingsCm> grid() {
    std::vector<RingsCm> out;
    for (int j = 0; j < 10; ++j)
        for (int i = 0; i < 10; ++i) out.push_back(rect(x0 + i * 1000, y0 + j * 1000, 1000, 1000));
    return out;
}

std::vector<BoxCm> trouble(const std::vector<RingsCm>& polygons) {
    std::vector<BoxCm> out;
    for (const auto& t : tessera::qc::partition_trouble(tile, polygons))
        out.push_back({t.min_x, t.min_y, t.max_x, t.max_y});
    return out;
}

std::vector<RingsCm> rings_of(const std::vector<NormalizedPart>& parts) {
    std::vector<RingsCm> out;
    for (const auto& p : parts) out.push_back(p.rings);
    return out;
}

// Twice the area each source polygon ends with.
std::vector<std::int64_t> areas(const std::vector<NormalizedPart>& parts, std::size_t n) {
    std::vector<std::int64_t> out(n, 0);
    for (const auto& p : parts)
        if (!p.gap) out[p.source] += tessera::edits::polygon_area2(p.rings);
    return out;
}

TEST(NormalizeLocally, AShiftedSquareIsRepairedAsTheWholeTileWouldBeAndTheRestIsUntouched) {
    auto polygons = grid();
    // Square 44 moved 70 cm right and 30 cm up: it overlaps 45, 54, 55 and leaves gaps by 34, 43, 33.
    polygons[44] = rect(x0 + 4 * 1000 + 70, y0 + 4 * 1000 + 30, 1000, 1000);
    const auto boxes = trouble(polygons);
    ASSERT_FALSE(boxes.empty());

    NormalizeStats local_stats, whole_stats;
    const auto local = tessera::edits::normalize_locally(tile, polygons, boxes, {}, &local_stats);
    const auto whole = tessera::edits::normalize_partition(tile, polygons, {}, &whole_stats);

    EXPECT_TRUE(tessera::qc::exact_partition(tile, rings_of(local)));
    EXPECT_EQ(areas(local, polygons.size()), areas(whole, polygons.size()));
    EXPECT_DOUBLE_EQ(local_stats.overlap_m2, whole_stats.overlap_m2);
    EXPECT_DOUBLE_EQ(local_stats.gaps_filled_m2, whole_stats.gaps_filled_m2);
    EXPECT_GT(local_stats.overlap_m2, 0.0);
    EXPECT_GT(local_stats.gaps_filled, 0u);

    // Squares away from square 44 come back exactly as they went in: same vertices, same order.
    std::size_t untouched = 0;
    for (const auto& p : local) {
        const std::int64_t i = static_cast<std::int64_t>(p.source) % 10, j = static_cast<std::int64_t>(p.source) / 10;
        if (i >= 3 && i <= 6 && j >= 3 && j <= 6) continue;
        EXPECT_EQ(p.rings, polygons[p.source]) << "square " << p.source;
        ++untouched;
    }
    EXPECT_EQ(untouched, 84u);
}

TEST(NormalizeLocally, APolygonReachedByTwoRepairsIsMadeWholeOnce) {
    // A long band (100 m × 60 m) between two rows of 10 m × 20 m squares; the squares at the two
    // ends of the lower row are moved up into the band, far apart: two repairs, both cutting the
    // band. The squares come first, so they keep their overlaps and the band loses them.
    std::vector<RingsCm> polygons;
    for (int i = 0; i < 10; ++i) polygons.push_back(rect(x0 + i * 1000, y0, 1000, 2000));
    for (int i = 0; i < 10; ++i) polygons.push_back(rect(x0 + i * 1000, y0 + 8000, 1000, 2000));
    polygons.push_back(rect(x0, y0 + 2000, 10000, 6000));
    polygons[0] = rect(x0, y0 + 45, 1000, 2000);
    polygons[9] = rect(x0 + 9 * 1000, y0 + 60, 1000, 2000);
    const auto boxes = trouble(polygons);
    ASSERT_GE(boxes.size(), 2u);

    NormalizeStats stats;
    const auto parts = tessera::edits::normalize_locally(tile, polygons, boxes, {}, &stats);
    EXPECT_TRUE(tessera::qc::exact_partition(tile, rings_of(parts)));
    std::size_t band_parts = 0;
    for (const auto& p : parts) band_parts += p.source == 20 ? 1 : 0;
    EXPECT_EQ(band_parts, 1u);
    // Each moved square keeps its overlap and takes back the strip it left along the tile's edge
    // (it has the longest border with it).
    const auto a = areas(parts, polygons.size());
    EXPECT_EQ(a[0], 2 * (1000 * 2000 + 1000 * 45));
    EXPECT_EQ(a[9], 2 * (1000 * 2000 + 1000 * 60));
    EXPECT_EQ(a[20], 2 * (10000 * 6000 - 1000 * 45 - 1000 * 60));
    EXPECT_DOUBLE_EQ(stats.overlap_m2, (45.0 + 60.0) * 1000 / 1e4);
    EXPECT_EQ(stats.gaps_filled, 2u);
}

TEST(NormalizeLocally, AFlaggedGapBecomesItsOwnPart) {
    auto polygons = grid();
    polygons[55] = rect(x0 + 5 * 1000 + 200, y0 + 5 * 1000, 800, 1000);  // 2 m strip left uncovered
    tessera::edits::GapPolicy flag;
    flag.flag = true;
    NormalizeStats stats;
    const auto parts = tessera::edits::normalize_locally(tile, polygons, trouble(polygons), flag, &stats);
    EXPECT_TRUE(tessera::qc::exact_partition(tile, rings_of(parts)));
    std::size_t gaps = 0;
    for (const auto& p : parts)
        if (p.gap) {
            ++gaps;
            EXPECT_EQ(tessera::edits::polygon_area2(p.rings), 2 * 200 * 1000);
        }
    EXPECT_EQ(gaps, 1u);
    EXPECT_EQ(stats.gaps_flagged, 1u);
    EXPECT_DOUBLE_EQ(stats.gaps_flagged_m2, 20.0);
}

}  // namespace
