// Benchmark: collaborative editing throughput and latency, against PostgreSQL's own ceiling.
//  1. Saturation: 200 WebSocket clients, each correcting its own tile as fast as it can with a
//     realistic mix (70 % set_class/confirm, 30 % reshape/split): committed change sets per
//     second. In the same run, pgbench -c 200 with the equivalent database work per change set
//     (update the feature rows, insert their history and an event), the rows and kinds measured
//     from what Tessera committed: the ceiling. Target ≥ 50 %. Also against a one-row script.
//  2. Latency: the same 200 clients sending 2 change sets per second each on a fixed schedule
//     (open loop, 400/s): p50 and p99 from the scheduled send to the ack. Targets 10 / 50 ms.
// The last line of output is one JSON object with the figures.

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include <unistd.h>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "support/bench_editor.hpp"
#include "support/bench_world.hpp"
#include "support/client.hpp"
#include "support/server_process.hpp"

using namespace tessera::test;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int clients = 200;

struct PgbenchResult {
    double tps = 0;
    double machine_ms_per_tx = 0;  // all cores, pgbench included
};

// What the committed change sets wrote, measured in the database after the saturation run:
// the share of change sets that changed geometry, and the feature rows each kind wrote.
struct WorkMix {
    double geometric_share = 0;
    double rows_per_geometric = 1;
    double rows_per_class = 1;
};

WorkMix measure_mix(const BenchWorld& world) {
    pqxx::connection conn(world.url());
    pqxx::read_transaction tx(conn);
    WorkMix mix;
    double geometric = 0, total = 0;
    for (const auto& row : tx.exec(R"(
            WITH per_change AS (
                SELECT h.change_set, count(*) AS rows, bool_or(p.geom IS NULL OR h.geom IS NULL OR NOT ST_Equals(h.geom, p.geom)) AS geometric
                FROM feature_history h
                LEFT JOIN feature_history p ON p.feature_id = h.feature_id AND p.version = h.prev_version
                WHERE h.change_set IS NOT NULL
                GROUP BY h.change_set)
            SELECT geometric, count(*), avg(rows) FROM per_change GROUP BY geometric)")) {
        const double n = row[1].as<double>();
        total += n;
        if (row[0].as<bool>()) {
            geometric = n;
            mix.rows_per_geometric = row[2].as<double>();
        } else {
            mix.rows_per_class = row[2].as<double>();
        }
    }
    mix.geometric_share = total > 0 ? geometric / total : 0;
    return mix;
}

// pgbench -c 200 on the same database with the equivalent database work per change set: each
// transaction updates feature rows, inserts their history and one event. With `mix`, the rows
// and kinds follow the change sets Tessera committed (geometric ones rewrite the geometry, so
// its index, as a reshape does); without, every transaction updates one row's classes.
PgbenchResult pgbench(const BenchWorld& world, int seconds, const WorkMix* mix) {
    const auto script = std::filesystem::temp_directory_path() / ("tessera_pgbench_" + world.dbname() + ".sql");
    const auto rows = [](double r) { return std::to_string(std::max(1L, std::lround(r))); };
    const std::string class_rows = mix ? rows(mix->rows_per_class) : "1";
    const std::string geometric_rows = mix ? rows(mix->rows_per_geometric) : "1";
    const std::string geometric_permille = mix ? std::to_string(std::lround(mix->geometric_share * 1000)) : "0";
    std::ofstream(script) << R"(\set id random(1, :maxid - 16)
\set g random(1, 1000)
\set dx random(0, 1) * 2 - 1
BEGIN;
\if :g <= )" << geometric_permille
                          << R"(
UPDATE feature SET geom = ST_Translate(geom, :dx * 0.01, 0), version = version + 1, updated_at = now() WHERE id >= :id AND id < :id + )"
                          << geometric_rows << R"(;
INSERT INTO feature_history (feature_id, version, project_id, tile_key, code_cs, code_us, geom, reviewed, tile_seq) SELECT id, version, project_id, tile_key, code_cs, code_us, geom, reviewed, 0 FROM feature WHERE id >= :id AND id < :id + )"
                          << geometric_rows << R"(;
\else
UPDATE feature SET code_us = CASE WHEN code_us = 'US6.3' THEN 'US1.1' ELSE 'US6.3' END, version = version + 1, updated_at = now() WHERE id >= :id AND id < :id + )"
                          << class_rows << R"(;
INSERT INTO feature_history (feature_id, version, project_id, tile_key, code_cs, code_us, geom, reviewed, tile_seq) SELECT id, version, project_id, tile_key, code_cs, code_us, geom, reviewed, 0 FROM feature WHERE id >= :id AND id < :id + )"
                          << class_rows << R"(;
\endif
INSERT INTO event (project_id, tile_key, kind, payload) SELECT project_id, tile_key, 'bench', '{}' FROM feature WHERE id = :id;
END;
)";
    // The same cluster and database, through the same socket.
    const char* admin = std::getenv("TESSERA_TEST_DATABASE_URL");
    std::string host = "/tmp", port = "5432";
    std::string a = admin ? admin : "";
    if (auto h = a.find("host="); h != std::string::npos) host = a.substr(h + 5, a.find(' ', h) - h - 5);
    if (auto p = a.find("port="); p != std::string::npos) port = a.substr(p + 5, a.find(' ', p) - p - 5);
    const auto out = std::filesystem::temp_directory_path() / ("tessera_pgbench_" + world.dbname() + ".out");
    const std::string cmd = "/usr/lib/postgresql/15/bin/pgbench -n -c " + std::to_string(clients) + " -j 2 -T " +
                            std::to_string(seconds) + " -D maxid=$(psql -X -At -h " + host + " -p " + port +
                            " -U postgres -d " + world.dbname() + " -c 'SELECT max(id) FROM feature') -f " +
                            script.string() + " -h " + host + " -p " + port + " -U postgres " + world.dbname() + " > " +
                            out.string() + " 2>&1";
    const double busy0 = machine_busy_seconds();
    if (std::system(cmd.c_str()) != 0) {
        std::ifstream in(out);
        std::cerr << "pgbench failed:\n" << in.rdbuf() << "\n";
        return {};
    }
    const double busy = machine_busy_seconds() - busy0;
    std::ifstream in(out);
    std::string line;
    double tps = 0;
    while (std::getline(in, line))
        if (line.rfind("tps = ", 0) == 0) tps = std::stod(line.substr(6));
    std::filesystem::remove(script);
    std::filesystem::remove(out);
    const double txs = std::max(1.0, tps * seconds);
    return {tps, busy * 1000 / txs};
}

}  // namespace

int main() {
    const int seconds = 15;
    BenchWorld world(20, 10, 40);  // 200 tiles of 40 cells
    ServerProcess server(world.url(), {"--limits.max-connections-per-user", "1000", "--limits.max-messages-per-second",
                                       "100000", "--db-connections", "64", "--io-threads", "2"});
    const auto token = login_token(server.port(), BenchWorld::user, BenchWorld::password);
    const auto keys = world.tile_keys();
    std::vector<std::unique_ptr<BenchEditor>> editors;
    for (int i = 0; i < clients; ++i)
        editors.push_back(std::make_unique<BenchEditor>(server.port(), token, keys[static_cast<std::size_t>(i)],
                                                        static_cast<std::uint64_t>(i + 1)));

    // 1. Saturation (closed loop), with the CPU time each side spends.
    std::atomic<long> acks{0}, conflicts{0}, errors{0}, timeouts{0};
    const double server_cpu0 = cpu_seconds(server.pid()), pg_cpu0 = cpu_seconds_named("postgres"),
                 client_cpu0 = cpu_seconds(getpid()), busy0 = machine_busy_seconds();
    {
        const auto deadline = Clock::now() + std::chrono::seconds(seconds);
        std::vector<std::thread> threads;
        for (auto& e : editors)
            threads.emplace_back([&, ed = e.get()] {
                while (Clock::now() < deadline) {
                    switch (ed->edit()) {
                    case BenchEditor::Outcome::ack: ++acks; break;
                    case BenchEditor::Outcome::conflict: ++conflicts; break;
                    case BenchEditor::Outcome::error: ++errors; break;
                    case BenchEditor::Outcome::timeout: ++timeouts; return;
                    }
                }
            });
        for (auto& t : threads) t.join();
    }
    const double committed_per_s = static_cast<double>(acks) / seconds;
    const double per_cs = 1000.0 / std::max(1.0, static_cast<double>(acks));
    const double server_ms = (cpu_seconds(server.pid()) - server_cpu0) * per_cs;
    const double pg_ms = (cpu_seconds_named("postgres") - pg_cpu0) * per_cs;
    const double client_ms = (cpu_seconds(getpid()) - client_cpu0) * per_cs;
    const double machine_ms = (machine_busy_seconds() - busy0) * per_cs;
    std::cout << "saturation: " << acks << " committed change sets in " << seconds << " s = " << committed_per_s
              << "/s (" << conflicts << " conflicts, " << errors << " refused ops, " << timeouts << " timeouts)\n"
              << "CPU per committed change set: server " << server_ms << " ms, PostgreSQL " << pg_ms
              << " ms, the 200 benchmark clients " << client_ms << " ms; the whole machine " << machine_ms << " ms\n";

    // The dashboards fold the log of events and quality-issue changes behind the edits (every 5 s
    // from the server, in small transactions). At saturation they fall behind: the backlog is
    // left to drain, and timed, before the latency run, which is about a steady 400/s.
    const auto drain0 = Clock::now();
    const double drain_cpu0 = cpu_seconds_named("postgres");
    std::int64_t backlog = 0;
    {
        pqxx::connection c(world.url());
        for (;;) {
            pqxx::read_transaction tx(c);
            const auto left = tx.exec1("SELECT (SELECT count(*) FROM dash_pending) + (SELECT count(*) FROM dash_qc_pending)")[0]
                                  .as<std::int64_t>();
            if (backlog == 0) backlog = left;
            if (left == 0) break;
            tx.commit();
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    const double drain_s = std::chrono::duration<double>(Clock::now() - drain0).count();
    const double drain_pg_ms = (cpu_seconds_named("postgres") - drain_cpu0) * per_cs;
    std::cout << "dashboard backlog after the saturation run: " << backlog << " queued rows, folded in " << drain_s
              << " s (PostgreSQL CPU " << drain_pg_ms << " ms per change set of the run)\n";

    // 2. Latency at 2 change sets per second per client (open loop: measured from the schedule).
    std::vector<double> latencies;
    std::mutex mutex;
    {
        const auto start = Clock::now() + std::chrono::milliseconds(200);
        std::vector<std::thread> threads;
        for (std::size_t i = 0; i < editors.size(); ++i)
            threads.emplace_back([&, i, ed = editors[i].get()] {
                std::vector<double> mine;
                const auto offset = std::chrono::microseconds(static_cast<long>(i) * 500000 / clients);
                for (int k = 0; k < 2 * seconds; ++k) {
                    const auto due = start + offset + std::chrono::milliseconds(500) * k;
                    std::this_thread::sleep_until(due);
                    if (ed->edit() == BenchEditor::Outcome::ack)
                        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - due).count());
                }
                std::lock_guard lock(mutex);
                latencies.insert(latencies.end(), mine.begin(), mine.end());
            });
        for (auto& t : threads) t.join();
    }
    const double p50 = percentile(latencies, 0.5), p99 = percentile(latencies, 0.99);
    std::cout << "latency at 400 change sets/s: p50 " << p50 << " ms, p99 " << p99 << " ms (" << latencies.size()
              << " acks; targets 10 / 50 ms)\n";
    editors.clear();

    const auto mix = measure_mix(world);
    std::cout << "committed work: " << mix.geometric_share * 100 << " % geometric change sets writing "
              << mix.rows_per_geometric << " feature rows each, class change sets writing " << mix.rows_per_class
              << " rows each\n";
    const auto pgb = pgbench(world, seconds, &mix);
    const double pg = pgb.tps;
    const double ratio = pg > 0 ? committed_per_s / pg : 0;
    std::cout << "pgbench -c " << clients << " (the same rows per change set: feature updates + history + event): " << pg
              << " tps; Tessera reaches " << ratio * 100 << " % of it (target >= 50 %)\n"
              << "CPU per pgbench transaction, the whole machine: " << pgb.machine_ms_per_tx << " ms\n";
    const auto one_row = pgbench(world, seconds, nullptr);
    const double one_row_ratio = one_row.tps > 0 ? committed_per_s / one_row.tps : 0;
    std::cout << "pgbench -c " << clients << " (one row's classes per transaction): " << one_row.tps
              << " tps; Tessera reaches " << one_row_ratio * 100 << " % of it\n"
              << "CPU per one-row pgbench transaction, the whole machine: " << one_row.machine_ms_per_tx << " ms\n";
    nlohmann::json result = {{"benchmark", "edit-throughput"},
                             {"clients", clients},
                             {"seconds", seconds},
                             {"dashboard_backlog_rows", backlog},
                             {"dashboard_backlog_fold_s", drain_s},
                             {"dashboard_backlog_fold_pg_cpu_ms_per_change_set", drain_pg_ms},
                             {"committed_per_s", committed_per_s},
                             {"conflicts", conflicts.load()},
                             {"refused_ops", errors.load()},
                             {"pgbench_tps", pg},
                             {"ratio_to_pgbench", ratio},
                             {"cpu_ms_per_change_set",
                              {{"server", server_ms}, {"postgres", pg_ms}, {"clients", client_ms}, {"machine", machine_ms}}},
                             {"machine_cpu_ms_per_pgbench_tx", pgb.machine_ms_per_tx},
                             {"geometric_share", mix.geometric_share},
                             {"rows_per_geometric_change_set", mix.rows_per_geometric},
                             {"rows_per_class_change_set", mix.rows_per_class},
                             {"pgbench_one_row_tps", one_row.tps},
                             {"ratio_to_one_row_pgbench", one_row_ratio},
                             {"latency_p50_ms", p50},
                             {"latency_p99_ms", p99},
                             {"latency_samples", latencies.size()},
                             {"target_ratio", 0.5},
                             {"target_p50_ms", 10},
                             {"target_p99_ms", 50}};
    std::cout << result.dump() << std::endl;
    return 0;
}
