// Benchmark: the server time to load and encode one tile snapshot of about 3,000 polygons
// (about 100,000 vertices) from PostGIS, and its payload size against the same features as
// GeoJSON (PostGIS's ST_AsGeoJSON at centimetre precision), measured in the same run.
// Targets (issue "Foundation"): ≤ 20 ms, payload ≤ 25 % of the GeoJSON.
// The last line of output is one JSON object with the figures.

#include <algorithm>
#include <chrono>
#include <iostream>
#include <random>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "api/snapshot.hpp"
#include "core/nomenclature.hpp"
#include "geo/geos.hpp"
#include "store/database.hpp"
#include "store/projects.hpp"
#include "support/bench_world.hpp"
#include "support/test_db.hpp"

using namespace tessera;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

}  // namespace

int main() {
    test::TestDatabase db;
    store::Database store(db.url(), 2);
    store::ProjectStore projects(store);
    auto project = test::load_dense_tile(db, projects);
    pqxx::connection conn(db.url());
    pqxx::work tx(conn);
    tx.exec("ANALYZE feature");
    const auto vertices = tx.exec1("SELECT sum(ST_NPoints(geom)) FROM feature")[0].as<long long>();
    const auto polygons = tx.exec1("SELECT count(*) FROM feature")[0].as<long long>();
    std::cout << "tile 0880_6840: " << polygons << " polygons, " << vertices << " vertices\n";

    const tiles::Grid grid(1000);
    std::vector<double> load_ms, encode_ms, total_ms, geojson_ms;
    std::size_t payload = 0;
    const int runs = 30;
    for (int i = 0; i < runs + 3; ++i) {
        const auto t0 = Clock::now();
        auto record = projects.snapshot(project, "0880_6840");
        const double loaded = ms_since(t0);
        const auto t1 = Clock::now();
        v1::ServerMessage m;
        m.set_request_id(1);
        api::build_snapshot(*record, grid, *m.mutable_snapshot());
        std::string bytes;
        m.SerializeToString(&bytes);
        const double encoded = ms_since(t1);
        if (i >= 3) {  // the first runs warm the caches
            load_ms.push_back(loaded);
            encode_ms.push_back(encoded);
            total_ms.push_back(loaded + encoded);
        }
        payload = bytes.size();
    }
    // The same features as GeoJSON, with the same properties, at centimetre precision.
    std::size_t geojson_bytes = 0;
    for (int i = 0; i < 8; ++i) {
        const auto t0 = Clock::now();
        auto r = tx.exec1(
            "SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(json_build_object("
            "'type', 'Feature', 'id', id, 'geometry', ST_AsGeoJSON(geom, 2)::json, 'properties', json_build_object("
            "'version', version, 'code_cs', code_cs, 'code_us', code_us, 'pred_cs', pred_cs, 'pred_us', pred_us, "
            "'confidence', pred_confidence, 'reviewed', reviewed, 'updated_at', updated_at)) ORDER BY id))::text "
            "FROM feature WHERE tile_key = '0880_6840'");
        if (i >= 2) geojson_ms.push_back(ms_since(t0));
        geojson_bytes = r[0].size();
    }
    const double ratio = static_cast<double>(payload) / static_cast<double>(geojson_bytes);
    std::cout << "snapshot: load " << test::percentile(load_ms, 0.5) << " ms + encode " << test::percentile(encode_ms, 0.5)
              << " ms = " << test::percentile(total_ms, 0.5) << " ms median (p90 " << test::percentile(total_ms, 0.9)
              << " ms; target <= 20 ms)\n"
              << "payload " << payload << " bytes vs GeoJSON " << geojson_bytes << " bytes: " << ratio * 100
              << " % (target <= 25 %); PostGIS builds that GeoJSON in " << test::percentile(geojson_ms, 0.5) << " ms\n";
    nlohmann::json result = {{"benchmark", "snapshot"},
                             {"polygons", polygons},
                             {"vertices", vertices},
                             {"load_ms_median", test::percentile(load_ms, 0.5)},
                             {"encode_ms_median", test::percentile(encode_ms, 0.5)},
                             {"total_ms_median", test::percentile(total_ms, 0.5)},
                             {"total_ms_p90", test::percentile(total_ms, 0.9)},
                             {"payload_bytes", payload},
                             {"geojson_bytes", geojson_bytes},
                             {"payload_ratio", ratio},
                             {"postgis_geojson_ms_median", test::percentile(geojson_ms, 0.5)},
                             {"target_ms", 20},
                             {"target_ratio", 0.25}};
    std::cout << result.dump() << std::endl;
    return 0;
}
