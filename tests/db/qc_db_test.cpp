// The overlap and gap detection of the quality controls, cross-checked against PostGIS on
// generated tiles with defects (features shifted over their neighbours, features removed):
// the same pairs of features flagged as overlapping with the same areas, and the same gaps.

#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "core/nomenclature.hpp"
#include "geo/geos.hpp"
#include "qc/qc.hpp"
#include "support/bench_world.hpp"
#include "support/test_db.hpp"

using namespace tessera;

namespace {

struct Defective {
    std::vector<qc::Feature> features;
    std::vector<std::string> wkt;
};

// A Voronoi tile of `cells` cells where some cells are shifted by a few centimetres to a metre
// (overlapping a neighbour on one side, opening a gap on the other) and some are removed.
Defective defective_tile(int cells, std::uint64_t seed) {
    geo::Context ctx;
    std::mt19937_64 rng(seed);
    auto tile = test::voronoi_tile(880000, 6840000, cells, 0, seed);
    std::uniform_int_distribution<int> pick(0, 9), shift(-80, 80);
    Defective out;
    std::int64_t id = 0;
    for (const auto& f : tile) {
        ++id;
        const int what = pick(rng);
        if (what == 0) continue;  // removed: a gap
        auto g = ctx.from_wkt(f.wkt);
        if (what == 1) {
            // Shifted by whole centimetres, so it stays on the grid.
            const double dx = shift(rng) / 100.0, dy = shift(rng) / 100.0;
            auto wkt = ctx.to_wkt(g.get(), 2);
            // Translate through WKT coordinates: GEOS C has no affine transform.
            std::string shifted;
            std::size_t pos = 0;
            bool is_x = true;
            while (pos < wkt.size()) {
                if (std::isdigit(static_cast<unsigned char>(wkt[pos]))) {
                    std::size_t end = pos;
                    while (end < wkt.size() && (std::isdigit(static_cast<unsigned char>(wkt[end])) || wkt[end] == '.'))
                        ++end;
                    const double v = std::stod(wkt.substr(pos, end - pos)) + (is_x ? dx : dy);
                    char buf[64];
                    std::snprintf(buf, sizeof buf, "%.2f", v);
                    shifted += buf;
                    is_x = !is_x;
                    pos = end;
                } else {
                    shifted += wkt[pos++];
                }
            }
            g = ctx.from_wkt(shifted);
        }
        qc::Feature q;
        q.id = id;
        q.code_cs = f.cs;
        q.code_us = f.us;
        q.wkb = ctx.to_wkb(g.get());
        out.features.push_back(std::move(q));
        out.wkt.push_back(ctx.to_wkt(g.get(), 2));
    }
    return out;
}

class QcAgainstPostgis : public testing::TestWithParam<std::uint64_t> {};

}  // namespace

TEST_P(QcAgainstPostgis, SameOverlapsAndGaps) {
    const auto tile = defective_tile(400, GetParam());
    const tiles::Box box{880000, 6840000, 881000, 6841000};
    const auto issues = qc::check_tile(qc::Rules::defaults(), core::Nomenclature::builtin(), box, tile.features);

    test::TestDatabase db(false);
    pqxx::connection conn(db.url());
    pqxx::work tx(conn);
    tx.exec("CREATE EXTENSION IF NOT EXISTS postgis");
    tx.exec("CREATE TEMP TABLE probe (id bigint PRIMARY KEY, geom geometry(Polygon, 2154))");
    for (std::size_t i = 0; i < tile.features.size(); ++i)
        tx.exec_params("INSERT INTO probe VALUES ($1, ST_GeomFromText($2, 2154))", tile.features[i].id, tile.wkt[i]);

    // Overlaps: pairs whose interiors meet in an area, with that area.
    std::map<std::pair<std::int64_t, std::int64_t>, double> pg_overlaps, qc_overlaps;
    for (const auto& row : tx.exec("SELECT a.id, b.id, ST_Area(ST_Intersection(a.geom, b.geom)) FROM probe a "
                                   "JOIN probe b ON a.id < b.id AND a.geom && b.geom "
                                   "AND ST_Relate(a.geom, b.geom, '2********')"))
        pg_overlaps[{row[0].as<std::int64_t>(), row[1].as<std::int64_t>()}] = row[2].as<double>();
    double qc_gap_area = 0;
    std::size_t qc_gaps = 0;
    for (const auto& i : issues) {
        if (i.code == qc::code::overlap) {
            ASSERT_EQ(i.features.size(), 2u) << i.message;
            qc_overlaps[{i.features[0], i.features[1]}] = i.area_m2;
        } else if (i.code == qc::code::gap) {
            qc_gap_area += i.area_m2;
            ++qc_gaps;
        }
    }
    ASSERT_FALSE(pg_overlaps.empty()) << "the generated tile must have overlaps";
    ASSERT_EQ(qc_overlaps.size(), pg_overlaps.size());
    for (const auto& [pair, area] : pg_overlaps) {
        auto it = qc_overlaps.find(pair);
        ASSERT_NE(it, qc_overlaps.end()) << "PostGIS flags " << pair.first << "/" << pair.second << " (" << area
                                         << " m²), QC does not";
        EXPECT_NEAR(it->second, area, 1e-4) << pair.first << "/" << pair.second;
    }

    // Gaps: the tile minus the union, in parts.
    auto gaps = tx.exec("SELECT ST_Area((d).geom) FROM (SELECT ST_Dump(ST_Difference(ST_MakeEnvelope(880000, 6840000, "
                        "881000, 6841000, 2154), ST_Union(geom))) AS d FROM probe) s");
    double pg_gap_area = 0;
    std::size_t pg_gaps = 0;
    for (const auto& row : gaps) {
        const double a = row[0].as<double>();
        pg_gap_area += a;
        if (a > 0.01) ++pg_gaps;
    }
    ASSERT_GT(pg_gap_area, 1.0) << "the generated tile must have gaps";
    EXPECT_NEAR(qc_gap_area, pg_gap_area, 0.05 + pg_gap_area * 0.005);
    EXPECT_EQ(qc_gaps, pg_gaps);
}

INSTANTIATE_TEST_SUITE_P(GeneratedTiles, QcAgainstPostgis, testing::Values(1u, 2u, 3u));
