// Benchmark: quality controls on a tile of about 3,000 polygons (about 100,000 vertices).
//  - whole-tile QC (every rule of SPEC §5), in process and with its database read and write;
//  - incremental QC after one reshape (the touched features and their neighbours);
//  - in the same run, the equivalent PostGIS SQL on the same tile: ST_IsValid on every feature,
//    a self-join with ST_Relate(a, b, '2********') and the overlap areas, and
//    ST_Difference(tile, ST_Union(geom)) for the gaps.
// Targets (issue "Quality controls"): whole tile ≤ 100 ms and ≤ 0.1 × the PostGIS time;
// incremental ≤ 5 ms. The last line of output is one JSON object with the figures.

#include <chrono>
#include <iostream>
#include <set>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "core/nomenclature.hpp"
#include "edits/workspace.hpp"
#include "geo/wkb.hpp"
#include "qc/qc.hpp"
#include "store/database.hpp"
#include "store/projects.hpp"
#include "store/qc_store.hpp"
#include "support/bench_world.hpp"
#include "support/test_db.hpp"
#include "workflow/tile_checks.hpp"

using namespace tessera;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

template <typename F>
double median_ms(int runs, int warm, F&& f) {
    std::vector<double> times;
    for (int i = 0; i < runs + warm; ++i) {
        const auto t0 = Clock::now();
        f();
        if (i >= warm) times.push_back(ms_since(t0));
    }
    return test::percentile(times, 0.5);
}

}  // namespace

int main() {
    test::TestDatabase db;
    store::Database store(db.url(), 2);
    store::ProjectStore projects(store);
    auto project = test::load_dense_tile(db, projects);
    const std::string key = "0880_6840";
    const tiles::Grid grid(1000);
    const auto box = grid.bounds(*tiles::parse_key(key));
    const workflow::Checker checker{qc::Rules::defaults(), core::Nomenclature::builtin(), grid};

    pqxx::connection conn(db.url());
    pqxx::work sql(conn);
    sql.exec("ANALYZE feature");
    const auto vertices = sql.exec1("SELECT sum(ST_NPoints(geom)) FROM feature")[0].as<long long>();

    // The tile as QC reads it.
    std::vector<qc::Feature> features;
    {
        store::TileTransaction tx(store, project, key);
        for (const auto& row : tx.qc().features()) features.push_back(workflow::to_qc(row));
    }
    std::cout << "tile " << key << ": " << features.size() << " polygons, " << vertices << " vertices\n";

    // 1. Whole tile.
    std::size_t issues = 0;
    const int runs = std::getenv("TESSERA_BENCH_RUNS") ? std::atoi(std::getenv("TESSERA_BENCH_RUNS")) : 10;
    const double whole_ms = median_ms(runs, 2, [&] {
        issues = qc::check_tile(checker.rules, checker.nomenclature, box, features).size();
    });
    const double whole_db_ms = median_ms(5, 1, [&] {
        store::TileTransaction tx(store, project, key);
        workflow::check_whole_tile(checker, tx);  // not committed: rolled back
    });

    // 2. The equivalent PostGIS SQL, same tile, same run.
    const double valid_ms = median_ms(3, 1, [&] {
        sql.exec1("SELECT count(*) FROM feature WHERE tile_key = '" + key + "' AND NOT ST_IsValid(geom)");
    });
    std::size_t pg_overlaps = 0;
    const double overlap_ms = median_ms(3, 1, [&] {
        pg_overlaps = sql.exec("SELECT a.id, b.id, ST_Area(ST_Intersection(a.geom, b.geom)) FROM feature a "
                               "JOIN feature b ON a.id < b.id AND a.geom && b.geom AND "
                               "ST_Relate(a.geom, b.geom, '2********') WHERE a.tile_key = '" +
                               key + "' AND b.tile_key = '" + key + "'")
                          .size();
    });
    double pg_gap_area = 0;
    const double gap_ms = median_ms(3, 1, [&] {
        pg_gap_area = sql.exec1("SELECT ST_Area(ST_Difference(ST_MakeEnvelope(880000, 6840000, 881000, 6841000, 2154), "
                                "ST_Union(geom))) FROM feature WHERE tile_key = '" +
                                key + "'")[0]
                          .as<double>();
    });
    const double postgis_ms = valid_ms + overlap_ms + gap_ms;

    // 3. Incremental, after one reshape: a feature near the centre grows by moving one vertex
    //    2 m outwards; the workspace gives the features the reshape changed.
    std::vector<edits::Feature> ws_features;
    std::int64_t target = 0;
    double best = 1e18;
    for (const auto& f : features) {
        auto rings = geo::polygon_from_wkb(f.wkb);
        if (!rings) continue;
        const auto& p = (*rings)[0][0];
        const double d = std::hypot(static_cast<double>(p.x) / 100 - 880500, static_cast<double>(p.y) / 100 - 6840500);
        if (d < best) {
            best = d;
            target = f.id;
        }
        ws_features.push_back({f.id, f.code_cs, f.code_us, std::move(*rings), f.reviewed});
    }
    edits::Workspace ws(box, ws_features);
    auto reshaped = ws.find(target)->rings;
    {
        // Move the ring's first vertex (and its closing copy) 2 m away from the centroid.
        auto& ring = reshaped[0];
        double cx = 0, cy = 0;
        for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
            cx += static_cast<double>(ring[i].x);
            cy += static_cast<double>(ring[i].y);
        }
        cx /= static_cast<double>(ring.size() - 1);
        cy /= static_cast<double>(ring.size() - 1);
        const double dx = static_cast<double>(ring[0].x) - cx, dy = static_cast<double>(ring[0].y) - cy;
        const double len = std::max(1.0, std::hypot(dx, dy));
        ring[0].x += static_cast<std::int64_t>(200 * dx / len);
        ring[0].y += static_cast<std::int64_t>(200 * dy / len);
        ring.back() = ring[0];
    }
    if (auto error = ws.reshape(target, reshaped)) {
        std::cerr << "the benchmark's reshape was refused: " << error->message << "\n";
        return 1;
    }
    std::set<std::int64_t> touched(ws.geometry_changed().begin(), ws.geometry_changed().end());
    touched.insert(ws.class_changed().begin(), ws.class_changed().end());
    // The touched features and their neighbours, as the store would read them back.
    std::vector<qc::Feature> near;
    {
        std::map<std::int64_t, const qc::Feature*> by_id;
        for (const auto& f : features) by_id[f.id] = &f;
        tiles::Box region{1e18, 1e18, -1e18, -1e18};
        for (auto id : touched)
            for (const auto& p : ws.find(id)->rings[0]) {
                region.min_x = std::min(region.min_x, static_cast<double>(p.x) / 100);
                region.min_y = std::min(region.min_y, static_cast<double>(p.y) / 100);
                region.max_x = std::max(region.max_x, static_cast<double>(p.x) / 100);
                region.max_y = std::max(region.max_y, static_cast<double>(p.y) / 100);
            }
        for (const auto& [id, f] : ws.features()) {
            bool close = false;
            for (const auto& p : f.rings[0]) {
                const double x = static_cast<double>(p.x) / 100, y = static_cast<double>(p.y) / 100;
                if (x >= region.min_x - 1 && x <= region.max_x + 1 && y >= region.min_y - 1 && y <= region.max_y + 1) {
                    close = true;
                    break;
                }
            }
            if (!close) continue;
            qc::Feature q = *by_id[id];
            q.wkb = geo::polygon_to_wkb(f.rings);
            near.push_back(std::move(q));
        }
    }
    std::size_t incremental_issues = 0;
    const double incremental_ms = median_ms(20, 3, [&] {
        incremental_issues =
            qc::check_features(checker.rules, checker.nomenclature, box, near, touched).size();
    });
    // With its database part: the neighbourhood read, the stored issues, the write.
    const std::vector<std::int64_t> touched_ids(touched.begin(), touched.end());
    const double incremental_db_ms = median_ms(10, 2, [&] {
        store::TileTransaction tx(store, project, key);
        workflow::check_change(checker, tx.qc(), box, tx.tile()->seq, touched_ids, {});
    });

    const double ratio = whole_ms / postgis_ms;
    std::cout << "whole tile: " << whole_ms << " ms in process (" << issues << " issues), " << whole_db_ms
              << " ms with its database read and write (target <= 100 ms)\n"
              << "PostGIS, same tile: ST_IsValid " << valid_ms << " ms + overlaps (ST_Relate self-join) " << overlap_ms
              << " ms + gaps (ST_Difference of the union) " << gap_ms << " ms = " << postgis_ms << " ms ("
              << pg_overlaps << " overlapping pairs, gap area " << pg_gap_area << " m²)\n"
              << "Tessera / PostGIS: " << ratio << " in process, " << whole_db_ms / postgis_ms
              << " with the database (target <= 0.1)\n"
              << "incremental after one reshape (" << touched.size() << " touched, " << near.size()
              << " features read): " << incremental_ms << " ms in process, " << incremental_db_ms
              << " ms with its database part (target <= 5 ms)\n";
    nlohmann::json result = {{"benchmark", "qc"},
                             {"polygons", features.size()},
                             {"vertices", vertices},
                             {"whole_tile_ms", whole_ms},
                             {"whole_tile_with_db_ms", whole_db_ms},
                             {"issues", issues},
                             {"postgis_ms", postgis_ms},
                             {"postgis_valid_ms", valid_ms},
                             {"postgis_overlap_ms", overlap_ms},
                             {"postgis_gap_ms", gap_ms},
                             {"ratio_to_postgis", ratio},
                             {"ratio_to_postgis_with_db", whole_db_ms / postgis_ms},
                             {"incremental_ms", incremental_ms},
                             {"incremental_with_db_ms", incremental_db_ms},
                             {"incremental_features", near.size()},
                             {"target_whole_ms", 100},
                             {"target_ratio", 0.1},
                             {"target_incremental_ms", 5}};
    std::cout << result.dump() << std::endl;
    return 0;
}
