// Benchmark: the dashboards on a large project (issue "Workflow", point 4).
//  - generates a project of 500,000 tiles and about 10 million events (SQL, generate_series): a
//    30 % untouched, the rest edited by 300 contributors over 170 days (15 to 29 change sets a
//    tile), submitted, reviewed by 40 controllers, approved, rejected and reworked, released;
//    100 zones of 5,000 tiles, about 1 million quality issues, 70,000 conflicts;
//  - builds the rollups from the whole log (dashboard_rebuild: what the triggers keep as events
//    are written);
//  - times every dashboard as the HTTP handlers read it (median of 7 after a warm-up);
//  - times recording one event inside an edit's transaction with the dashboard triggers and
//    without them (the triggers disabled), for the kinds of event an edit or a review writes.
// Targets (issue "Workflow"): each dashboard ≤ 200 ms; recording an event stays ≤ 1 ms of the
// edit's database time. TESSERA_BENCH_TILES=N picks another size. The last line of output is one
// JSON object with the figures.

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "store/dashboard_store.hpp"
#include "store/database.hpp"
#include "support/bench_world.hpp"
#include "support/test_db.hpp"

using namespace tessera;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// `sql` with {N} replaced by the number of tiles.
std::string sized(std::string sql, int n) {
    for (auto pos = sql.find("{N}"); pos != std::string::npos; pos = sql.find("{N}"))
        sql.replace(pos, 3, std::to_string(n));
    return sql;
}

// The plan of every tile: its fate (stage, per mille), people, start time and sizes, all from
// hashes of its number (deterministic). Stages: < 300 todo; < 450 in progress; < 500 submitted;
// < 520 in review; < 600 rejected; < 750 approved; < 900 rejected, reworked and approved; < 950
// released then approved; else rejected, reworked and submitted again.
constexpr const char* plan_sql = R"sql(
CREATE TABLE bench_plan AS
SELECT i, lpad((1000 + i % 1000)::text, 4, '0') || '_' || lpad((6000 + i / 1000)::text, 4, '0') AS key,
       (hashint4(i) & 2147483647) % 1000 AS stage,
       1 + (hashint4(i + 1000003) & 2147483647) % 300 AS author,
       1 + (hashint4(i + 1500007) & 2147483647) % 300 AS author2,
       301 + (hashint4(i + 2000003) & 2147483647) % 40 AS reviewer,
       301 + (hashint4(i + 2500009) & 2147483647) % 40 AS reviewer2,
       timestamptz '2026-01-05 07:00:00+00'
           + ((hashint4(i + 3000017) & 2147483647) % (170 * 86400)) * interval '1 second' AS t0,
       15 + (hashint4(i + 4000037) & 2147483647) % 15 AS n1,
       3 + (hashint4(i + 5000011) & 2147483647) % 5 AS n2,
       60 + (hashint4(i + 6000011) & 2147483647) % 1800 AS review_s,
       (hashint4(i + 7000003) & 2147483647) % 172800 AS wait_s
FROM generate_series(0, {N} - 1) i)sql";

constexpr const char* people_sql = R"sql(
INSERT INTO project (name, srid) VALUES ('bench', 2154);
INSERT INTO app_user (id, username, display_name, role, password_hash)
SELECT u, CASE WHEN u <= 300 THEN 'contributor' || u WHEN u <= 340 THEN 'controller' || u ELSE 'lead' || u END,
       'User ' || u, (CASE WHEN u <= 300 THEN 'contributor' WHEN u <= 340 THEN 'controller' ELSE 'lead' END)::user_role,
       'x'
FROM generate_series(1, 345) u;
SELECT setval('app_user_id_seq', 345);
INSERT INTO zone (project_id, name, kind, codes) SELECT 1, 'zone-' || lpad(z::text, 2, '0'), 'tiles', '{}'
FROM generate_series(0, 99) z)sql";

constexpr const char* tiles_sql = R"sql(
INSERT INTO tile (project_id, key, x_km, y_km, seq, feature_count)
SELECT 1, key, 1000 + i % 1000, 6000 + i / 1000, 1, 3000 FROM bench_plan;
INSERT INTO zone_tile (zone_id, project_id, tile_key)
SELECT 1 + (i % 1000) / 100 + 10 * ((i / 1000) / 50 % 10), 1, key FROM bench_plan)sql";

// The log, tile by tile in lifecycle order (so ids follow each tile's history).
constexpr const char* events_sql = R"sql(
INSERT INTO event (project_id, tile_key, tile_seq, kind, actor_id, at, payload)
SELECT 1, key, seq, kind, actor, at, payload FROM (
  SELECT key, 1 AS seq, 'tile_imported' AS kind, NULL::int AS actor, timestamptz '2026-01-05 06:00:00+00' AS at,
         jsonb_build_object('features', 3000, 'prediction_set', 1, 'source', 'bench.gpkg', 'area_m2', 1000000)
             AS payload
  FROM tl
  UNION ALL
  SELECT key, NULL, 'lease_claimed', author, t0, '{}'::jsonb FROM tl WHERE stage >= 300
  UNION ALL
  SELECT key, 1 + k, 'change_set', author, t0 + interval '10 minutes' + (k - 1) * interval '3 minutes',
         jsonb_build_object('change_set', 'c' || i || '-' || k, 'ops', 1 + k % 4, 'written', '[]'::jsonb,
                            'deleted', '[]'::jsonb, 'state_from', CASE WHEN k = 1 THEN 'todo' ELSE 'in_progress' END,
                            'state_to', 'in_progress')
  FROM tl, generate_series(1, n1) k WHERE stage >= 300
  UNION ALL
  SELECT key, NULL, 'submitted', author, t_sub, jsonb_build_object('from', 'in_progress', 'seq', 1 + n1, 'warnings', 0)
  FROM tl WHERE stage >= 450
  UNION ALL
  SELECT key, NULL, 'review_claimed', reviewer, t_claim,
         jsonb_build_object('from', 'submitted', 'seq', 1 + n1, 'review', i)
  FROM tl WHERE stage >= 500
  UNION ALL
  SELECT key, NULL, CASE WHEN stage < 600 OR (stage >= 750 AND stage < 900) OR stage >= 950 THEN 'rejected'
                         WHEN stage < 900 THEN 'approved' ELSE 'review_released' END,
         reviewer, t_end,
         CASE WHEN stage < 600 OR (stage >= 750 AND stage < 900) OR stage >= 950
              THEN jsonb_build_object('from', 'in_review', 'seq', 1 + n1, 'review', i, 'reasons',
                   (ARRAY['["wrong_class"]', '["wrong_boundary"]', '["missed_change", "wrong_class"]', '["incomplete"]',
                          '["other"]'])[1 + i % 5]::jsonb, 'comment', 'see the pins', 'comments', 2)
              ELSE jsonb_build_object('from', 'in_review', 'seq', 1 + n1, 'review', i) END
  FROM tl WHERE stage >= 520
  UNION ALL
  SELECT key, NULL, 'lease_claimed', author2, t_re, '{}'::jsonb FROM tl
  WHERE (stage >= 750 AND stage < 900) OR stage >= 950
  UNION ALL
  SELECT key, 1 + n1 + k, 'change_set', author2, t_re + k * interval '3 minutes',
         jsonb_build_object('change_set', 'd' || i || '-' || k, 'ops', 1 + k % 3, 'written', '[]'::jsonb,
                            'deleted', '[]'::jsonb, 'state_from', 'rejected', 'state_to', 'rejected')
  FROM tl, generate_series(1, n2) k WHERE (stage >= 750 AND stage < 900) OR stage >= 950
  UNION ALL
  SELECT key, NULL, 'submitted', author2, t_re + (n2 + 2) * interval '3 minutes',
         jsonb_build_object('from', 'rejected', 'seq', 1 + n1 + n2, 'warnings', 1)
  FROM tl WHERE (stage >= 750 AND stage < 900) OR stage >= 950
  UNION ALL
  SELECT key, NULL, 'review_claimed', reviewer2, t_re + (n2 + 2) * interval '3 minutes' + wait_s * interval '1 second',
         jsonb_build_object('from', 'submitted', 'review', i + 1000000)
  FROM tl WHERE stage >= 750 AND stage < 950
  UNION ALL
  SELECT key, NULL, 'approved', reviewer2,
         t_re + (n2 + 2) * interval '3 minutes' + (wait_s + review_s / 2) * interval '1 second',
         jsonb_build_object('from', 'in_review', 'review', i + 1000000, 'comment', '')
  FROM tl WHERE stage >= 750 AND stage < 950
) e)sql";

constexpr const char* timeline_sql = R"sql(
CREATE TEMP TABLE tl AS
SELECT p.*,
       t0 + interval '10 minutes' + n1 * interval '3 minutes' AS t_sub,
       t0 + interval '10 minutes' + n1 * interval '3 minutes' + wait_s * interval '1 second' AS t_claim,
       t0 + interval '10 minutes' + n1 * interval '3 minutes' + (wait_s + review_s) * interval '1 second' AS t_end,
       t0 + interval '10 minutes' + n1 * interval '3 minutes' + (wait_s + review_s + 3600) * interval '1 second' AS t_re
FROM bench_plan p)sql";

// Untouched tiles have 6 issues, tiles in progress 2: about a million.
constexpr const char* issues_sql = R"sql(
INSERT INTO qc_issue (project_id, tile_key, key, code, blocking, features, x_cm, y_cm, message, area_m2, found_seq)
SELECT 1, p.key, p.key || ':' || k, c.code, c.code IN ('below_mmu', 'unreviewed_low_confidence', 'gap', 'overlap'),
       ARRAY[k::bigint], 100000000 + k, 600000000 + k, 'a generated issue', 12.5, 1
FROM bench_plan p CROSS JOIN generate_series(1, CASE WHEN p.stage < 300 THEN 6 WHEN p.stage < 450 THEN 2 ELSE 0 END) k
CROSS JOIN LATERAL (SELECT (ARRAY['below_mmu', 'sliver', 'unreviewed_low_confidence', 'incoherent_cs_us', 'gap',
                                  'overlap', 'edge_mismatch'])[1 + (hashint4(p.i * 7 + k) & 2147483647) % 7] AS code) c;
INSERT INTO conflict (project_id, tile_key, change_set, user_id, feature_ids, message, at)
SELECT 1, p.key, 'x' || g, p.author2, '{1,2}', 'someone changed the classes of feature 1 first',
       p.t0 + interval '20 minutes'
FROM generate_series(1, {N} / 5) g JOIN bench_plan p ON p.i = (hashint4(g) & 2147483647) % {N} AND p.stage >= 300)sql";

struct Timing {
    double median_ms = 0;
    double max_ms = 0;
};

Timing time_it(const std::function<void()>& f) {
    std::vector<double> ms;
    for (int i = 0; i < 8; ++i) {
        const auto t0 = Clock::now();
        f();
        if (i > 0) ms.push_back(seconds_since(t0) * 1000);  // the first warms the caches
    }
    return {test::percentile(ms, 0.5), test::percentile(ms, 1.0)};
}

struct InsertCost {
    double median_us = 0;
    double p99_us = 0;
};

// Records one event per transaction on each of `tiles`, timing the INSERT alone (the trigger runs
// inside it); the transaction then commits, as an edit's does.
InsertCost time_inserts(pqxx::connection& c, const std::vector<std::pair<std::string, int>>& tiles,
                        const std::string& kind, const std::string& payload, bool with_seq) {
    std::vector<double> us;
    int n = 0;
    for (const auto& [tile, actor] : tiles) {
        pqxx::work tx(c);
        const auto t0 = Clock::now();
        if (with_seq) tx.exec_prepared("bench_event", tile, 1000000 + n, kind, actor, payload);
        else tx.exec_prepared("bench_event", tile, nullptr, kind, actor, payload);
        us.push_back(seconds_since(t0) * 1e6);
        tx.commit();
        ++n;
    }
    return {test::percentile(us, 0.5), test::percentile(us, 0.99)};
}

std::vector<std::pair<std::string, int>> tiles_at(pqxx::connection& c, int stage_from, int stage_to, int n, int skip) {
    pqxx::work tx(c);
    std::vector<std::pair<std::string, int>> out;
    for (const auto& row : tx.exec_params("SELECT key, author FROM bench_plan WHERE stage >= $1 AND stage < $2 "
                                          "ORDER BY i OFFSET $4 LIMIT $3",
                                          stage_from, stage_to, n, skip))
        out.emplace_back(row[0].as<std::string>(), row[1].as<int>());
    return out;
}

}  // namespace

int main() {
    const char* env = std::getenv("TESSERA_BENCH_TILES");
    const int tiles = env ? std::max(20000, std::atoi(env)) : 500000;
    test::TestDatabase db;
    pqxx::connection c(db.url());
    const auto start = Clock::now();

    // Generation, without the triggers (then the rollups are built from the log at once), and
    // the event log's secondary indexes built after the rows.
    {
        pqxx::nontransaction tx(c);
        tx.exec("SET session_replication_role = replica");
        tx.exec("SET work_mem = '256MB'");
        tx.exec("SET maintenance_work_mem = '512MB'");
        tx.exec(people_sql);
        tx.exec(sized(plan_sql, tiles));
        tx.exec(tiles_sql);
        tx.exec(timeline_sql);
        tx.exec("ALTER TABLE event DROP CONSTRAINT event_project_id_tile_key_tile_seq_key");
        tx.exec("DROP INDEX event_kind_at_idx");
        tx.exec("DROP INDEX event_actor_idx");
    }
    auto t0 = Clock::now();
    {
        pqxx::nontransaction tx(c);
        tx.exec(events_sql);
    }
    const double insert_s = seconds_since(t0);
    t0 = Clock::now();
    {
        pqxx::nontransaction tx(c);
        tx.exec("ALTER TABLE event ADD CONSTRAINT event_project_id_tile_key_tile_seq_key "
                "UNIQUE (project_id, tile_key, tile_seq)");
        tx.exec("CREATE INDEX event_kind_at_idx ON event (kind, at)");
        tx.exec("CREATE INDEX event_actor_idx ON event (actor_id, at)");
        tx.exec(sized(issues_sql, tiles));
        tx.exec("RESET session_replication_role");
    }
    const double index_s = seconds_since(t0);
    std::int64_t events = 0, issues = 0, conflicts = 0;
    {
        pqxx::work tx(c);
        events = tx.exec1("SELECT count(*) FROM event")[0].as<std::int64_t>();
        issues = tx.exec1("SELECT count(*) FROM qc_issue")[0].as<std::int64_t>();
        conflicts = tx.exec1("SELECT count(*) FROM conflict")[0].as<std::int64_t>();
    }
    std::cout << "generated " << tiles << " tiles, " << events << " events (" << insert_s << " s), their indexes, "
              << issues << " quality issues and " << conflicts << " conflicts (" << index_s << " s)" << std::endl;

    store::Database pool(db.url(), 2);
    store::DashboardStore dash(pool);
    const store::ProjectRecord project{1, "bench"};
    t0 = Clock::now();
    dash.rebuild(project);
    const double rebuild_s = seconds_since(t0);
    {
        pqxx::nontransaction tx(c);
        tx.exec("VACUUM ANALYZE");
    }
    std::cout << "rollups built from the whole log in " << rebuild_s << " s:";
    nlohmann::json rows = nlohmann::json::object();
    {
        pqxx::work tx(c);
        for (const auto& row : tx.exec("SELECT relname, n_live_tup FROM pg_stat_user_tables "
                                       "WHERE relname LIKE 'dash\\_%' ORDER BY 1")) {
            rows[row[0].as<std::string>()] = row[1].as<std::int64_t>();
            std::cout << " " << row[0].as<std::string>() << " " << row[1].as<std::int64_t>();
        }
    }
    std::cout << std::endl;

    // The dashboards, as the handlers read them.
    const auto zone = dash.zone_id(project, "zone-44");
    std::vector<std::pair<std::string, std::function<void()>>> reads = {
        {"states", [&] { dash.states(project, std::nullopt); }},
        {"states?zone", [&] { dash.states(project, zone); }},
        {"progress", [&] { dash.progress(project, std::nullopt, {}); }},
        {"progress?zone", [&] { dash.progress(project, zone, {}); }},
        {"throughput", [&] { dash.throughput(project, {}); }},
        {"contributors", [&] { dash.contributors(project, std::nullopt, {}); }},
        {"contributors?user", [&] { dash.contributors(project, 17, {}); }},
        {"controllers", [&] { dash.controllers(project, std::nullopt); }},
        {"qc", [&] { dash.qc(project); }},
        {"conflicts", [&] { dash.conflicts(project, {}, 100); }},
        {"conflicts?from&to (30 days)", [&] { dash.conflicts(project, {"2026-03-01", "2026-03-30"}, 100); }},
    };
    nlohmann::json dashboards = nlohmann::json::object();
    double worst = 0;
    for (const auto& [name, read] : reads) {
        const auto t = time_it(read);
        dashboards[name] = t.median_ms;
        worst = std::max(worst, t.median_ms);
        std::cout << "  " << name << ": " << t.median_ms << " ms median (max " << t.max_ms << " ms)" << std::endl;
    }
    std::cout << "slowest dashboard: " << worst << " ms median (target <= 200 ms)" << std::endl;

    // Recording one event, with the dashboard triggers and without them.
    c.prepare("bench_event", "INSERT INTO event (project_id, tile_key, tile_seq, kind, actor_id, payload) "
                             "VALUES (1, $1, $2, $3, $4, $5::jsonb)");
    struct Kind {
        std::string name, kind, payload;
        int stage_from, stage_to;
        bool seq;
    };
    const std::vector<Kind> kinds = {
        {"change set", "change_set",
         R"({"change_set": "b", "ops": 2, "written": [1, 2], "deleted": [], "state_from": "in_progress", )"
         R"("state_to": "in_progress"})",
         300, 450, true},
        {"first change set (todo to in_progress)", "change_set",
         R"({"change_set": "b", "ops": 1, "written": [1], "deleted": [], "state_from": "todo", )"
         R"("state_to": "in_progress"})",
         0, 300, true},
        {"submitted", "submitted", R"({"from": "in_progress", "seq": 20, "warnings": 0})", 300, 450, false},
        {"approved", "approved", R"({"from": "in_review", "review": 1, "comment": ""})", 500, 520, false},
    };
    const int runs = std::min(400, tiles / 2000 * 8);
    nlohmann::json recording = nlohmann::json::object();
    double worst_added = 0;
    for (const auto& k : kinds) {
        // Different tiles for each run, so that each event is the tile's first of its kind.
        auto with = time_inserts(c, tiles_at(c, k.stage_from, k.stage_to, runs, 0), k.kind, k.payload, k.seq);
        {
            pqxx::nontransaction tx(c);
            tx.exec("ALTER TABLE event DISABLE TRIGGER event_dashboards");
        }
        auto without = time_inserts(c, tiles_at(c, k.stage_from, k.stage_to, runs, runs), k.kind, k.payload, k.seq);
        {
            pqxx::nontransaction tx(c);
            tx.exec("ALTER TABLE event ENABLE TRIGGER event_dashboards");
        }
        const double added = with.median_us - without.median_us;
        worst_added = std::max(worst_added, added);
        recording[k.kind + (k.stage_to == 300 ? std::string("_first") : std::string())] = {
            {"with_us_median", with.median_us}, {"with_us_p99", with.p99_us},
            {"without_us_median", without.median_us}, {"added_us_median", added}};
        std::cout << "recording a " << k.name << " event: " << with.median_us << " us with the triggers (p99 "
                  << with.p99_us << "), " << without.median_us << " us without: +" << added << " us" << std::endl;
    }
    // A quality-control rewrite of one tile's issue (one statement deletes and inserts), with the
    // issue triggers and without.
    auto qc_cost = [&](int skip) {
        std::vector<double> us;
        for (const auto& [tile, actor] : tiles_at(c, 300, 450, runs, skip)) {
            pqxx::work tx(c);
            const auto t1 = Clock::now();
            tx.exec_params("WITH gone AS (DELETE FROM qc_issue WHERE project_id = 1 AND tile_key = $1 "
                           "AND key = $1 || ':1') INSERT INTO qc_issue (project_id, tile_key, key, code, blocking, "
                           "features, x_cm, y_cm, message, found_seq) "
                           "VALUES (1, $1, $1 || ':9', 'sliver', false, '{9}', 0, 0, 'rewritten', 2)",
                           tile);
            us.push_back(seconds_since(t1) * 1e6);
            tx.commit();
        }
        return test::percentile(us, 0.5);
    };
    const double qc_with = qc_cost(2 * runs);
    {
        pqxx::nontransaction tx(c);
        tx.exec("ALTER TABLE qc_issue DISABLE TRIGGER qc_issue_added");
        tx.exec("ALTER TABLE qc_issue DISABLE TRIGGER qc_issue_removed");
    }
    const double qc_without = qc_cost(3 * runs);
    std::cout << "rewriting a quality issue: " << qc_with << " us with the triggers, " << qc_without
              << " us without: +" << qc_with - qc_without << " us" << std::endl;
    std::cout << "most added to recording an event: " << worst_added << " us (target <= 1000 us); whole run "
              << seconds_since(start) << " s" << std::endl;

    nlohmann::json result = {{"benchmark", "dashboards"},
                             {"tiles", tiles},
                             {"events", events},
                             {"qc_issues", issues},
                             {"conflicts", conflicts},
                             {"generate_events_s", insert_s},
                             {"rebuild_s", rebuild_s},
                             {"rollup_rows", rows},
                             {"dashboard_ms_median", dashboards},
                             {"slowest_dashboard_ms", worst},
                             {"target_ms", 200},
                             {"record_event", recording},
                             {"record_event_added_us_max", worst_added},
                             {"qc_rewrite_added_us", qc_with - qc_without},
                             {"target_added_us", 1000}};
    std::cout << result.dump() << std::endl;
    return 0;
}
