// Benchmark: 1,000 viewers on one tile. One editor commits change sets at 5 per second; every
// viewer records when each change reaches it. Reports the latency from commit (the editor's
// ack) to delivery (p50, p99; target p99 ≤ 100 ms) and the server's memory per idle
// connection (resident memory before and after the viewers connect; target ≤ 20 KiB).
// The last line of output is one JSON object with the figures.

#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/bench_editor.hpp"
#include "support/bench_world.hpp"
#include "support/client.hpp"
#include "support/server_process.hpp"

using namespace tessera;
using namespace tessera::test;
using Clock = std::chrono::steady_clock;

int main() {
    constexpr int viewers = 1000;
    constexpr int changes = 60;
    BenchWorld world(1, 1, 60);
    ServerProcess server(world.url(), {"--limits.max-connections-per-user", "5000", "--io-threads", "2"});
    const auto token = login_token(server.port(), BenchWorld::user, BenchWorld::password);
    const std::string tile = world.tile_keys()[0];
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const long rss_before = rss_kib(server.pid());

    // Connect and subscribe every viewer.
    std::vector<std::unique_ptr<WsClient>> clients;
    for (int i = 0; i < viewers; ++i) {
        clients.push_back(std::make_unique<WsClient>(server.port(), std::map<std::string, std::string>{
                                                                         {"Authorization", "Bearer " + token}}));
        clients.back()->ignore_presence(true);
        v1::ClientMessage m;
        m.set_request_id(1);
        m.mutable_subscribe()->add_tile_keys(tile);
        clients.back()->send(m);
    }
    for (auto& c : clients) {
        c->receive(30000);  // subscribed
        c->receive(30000);  // snapshot
        c->receive(30000);  // its quality report
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const long rss_idle = rss_kib(server.pid());
    const double kib_per_connection = static_cast<double>(rss_idle - rss_before) / viewers;
    std::cout << "server memory: " << rss_before << " KiB before, " << rss_idle << " KiB with " << viewers
              << " idle subscribed viewers: " << kib_per_connection << " KiB per connection (target <= 20)\n";

    // Every viewer records the arrival time of each sequence number.
    std::vector<std::vector<Clock::time_point>> arrived(viewers, std::vector<Clock::time_point>(changes + 10));
    std::atomic<int> done{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < viewers; ++i)
        threads.emplace_back([&, i] {
            int got = 0;
            while (got < changes) {
                auto m = clients[static_cast<std::size_t>(i)]->receive(15000);
                if (!m) break;
                if (!m->has_change()) continue;
                const auto seq = m->change().seq();
                if (seq >= 2 && seq < arrived[static_cast<std::size_t>(i)].size()) {
                    arrived[static_cast<std::size_t>(i)][seq] = Clock::now();
                    ++got;
                }
            }
            ++done;
        });
    BenchEditor editor(server.port(), token, tile, 7);
    std::vector<Clock::time_point> committed(changes + 10);
    std::uint64_t seq = 1;
    int refused = 0;
    for (int k = 0; k < changes; ++k) {
        const auto due = Clock::now() + std::chrono::milliseconds(200);
        if (editor.edit() == BenchEditor::Outcome::ack) {
            committed[++seq] = Clock::now();
        } else {
            ++refused;
        }
        std::this_thread::sleep_until(due);
    }
    for (auto& t : threads) t.join();
    std::vector<double> latencies;
    std::size_t missing = 0;
    for (const auto& per_viewer : arrived)
        for (std::uint64_t s = 2; s <= seq; ++s) {
            if (per_viewer[s] == Clock::time_point{}) {
                ++missing;
                continue;
            }
            latencies.push_back(std::max(0.0, std::chrono::duration<double, std::milli>(per_viewer[s] - committed[s]).count()));
        }
    const double p50 = percentile(latencies, 0.5), p99 = percentile(latencies, 0.99);
    std::cout << "fan-out of " << (seq - 1) << " changes to " << viewers << " viewers: p50 " << p50 << " ms, p99 " << p99
              << " ms from commit to delivery (target p99 <= 100 ms); " << missing << " deliveries missing, "
              << refused << " edits refused\n";
    nlohmann::json result = {{"benchmark", "fanout"},
                             {"viewers", viewers},
                             {"changes", seq - 1},
                             {"delivery_p50_ms", p50},
                             {"delivery_p99_ms", p99},
                             {"missing_deliveries", missing},
                             {"rss_before_kib", rss_before},
                             {"rss_idle_kib", rss_idle},
                             {"kib_per_idle_connection", kib_per_connection},
                             {"target_p99_ms", 100},
                             {"target_kib_per_connection", 20}};
    std::cout << result.dump() << std::endl;
    return 0;
}
