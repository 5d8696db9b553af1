// Class change sets (set_class / confirm) committed together: many writers at once, each on its
// own tile, through the edit store on a real database. Every change set stays whole (its own
// sequence number, history, event, change-set record, quality-control writes) whether it went
// alone or in a group; one that cannot apply, or whose checks fail, does not take the others
// with it.

#include <atomic>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "store/database.hpp"
#include "store/edit_store.hpp"
#include "store/projects.hpp"
#include "support/bench_world.hpp"

using namespace tessera;

namespace {

struct Cell {
    std::int64_t id = 0;
    int version = 0;
};

}  // namespace

TEST(GroupedCommitsDb, ConcurrentClassChangeSetsStayWholeAndOneFailureStaysAlone) {
    test::BenchWorld world(4, 4, 6);  // 16 tiles of 6 cells
    store::Database pool(world.url(), 8);
    store::ProjectStore projects(pool);
    const auto project = projects.find("demo");
    ASSERT_TRUE(project);
    store::EditStore edits(pool);
    const auto keys = world.tile_keys();
    ASSERT_EQ(keys.size(), 16u);

    std::map<std::string, std::vector<Cell>> cells;
    std::map<std::string, std::int64_t> seq0;
    int user = 0;
    {
        pqxx::connection c(world.url());
        pqxx::read_transaction tx(c);
        user = tx.exec1("SELECT id FROM app_user WHERE username = 'bench'")[0].as<int>();
        for (const auto& row : tx.exec("SELECT tile_key, id, version FROM feature ORDER BY tile_key, id"))
            cells[row[0].as<std::string>()].push_back({row[1].as<std::int64_t>(), row[2].as<int>()});
        for (const auto& row : tx.exec("SELECT key, seq FROM tile")) seq0[row[0].as<std::string>()] = row[1].as<std::int64_t>();
    }

    constexpr int rounds = 25;
    const std::string stale_tile = keys[0], failing_tile = keys[1], issue_tile = keys[2];
    constexpr int stale_round = 10, failing_round = 5, issue_round = 3;
    std::mutex mutex;
    std::vector<std::string> failures;
    std::map<std::string, std::vector<std::int64_t>> seqs;
    std::atomic<int> thrown{0}, fell_back{0}, wrote{0};
    std::vector<std::thread> threads;
    for (const auto& key : keys) {
        threads.emplace_back([&, key] {
            auto mine = cells.at(key);
            std::vector<std::int64_t> got;
            for (int r = 0; r < rounds; ++r) {
                auto& cell = mine[static_cast<std::size_t>(r) % mine.size()];
                const bool stale = key == stale_tile && r == stale_round;
                const bool failing = key == failing_tile && r == failing_round;
                const std::string id = key + "-" + std::to_string(r);
                const std::vector<std::int64_t> ids{cell.id};
                const std::vector<int> versions{stale ? cell.version - 1 : cell.version};
                const std::vector<std::string> cs{(r / static_cast<int>(mine.size())) % 2 ? "CS2.1.1.1" : "CS2.2.1"}, us{""};
                const std::function<void(std::int64_t, store::QcAccess&)> check = [&](std::int64_t seq,
                                                                                      store::QcAccess& access) {
                    // The checks read the change set's neighbourhood in the group's transaction.
                    const auto n = access.neighbourhood(ids, {}, 1.0);
                    if (n.features.empty()) throw std::runtime_error("no neighbourhood for " + id);
                    if (failing) throw std::runtime_error("checks failed for " + id);
                    if (key == issue_tile && r == issue_round) {
                        store::StoredIssue issue;
                        issue.key = "grouped-" + id;
                        issue.code = "sliver";
                        issue.features = ids;
                        issue.message = "written by a grouped commit";
                        access.update_issues(seq, {}, {issue}, {0, 1});
                    }
                };
                try {
                    auto done = edits.apply_classes(*project, key, user, id, ids, versions, cs, us, 600, check);
                    if (!done) {
                        ++fell_back;
                        if (!stale) {
                            std::lock_guard lock(mutex);
                            failures.push_back(id + " fell back");
                        }
                        continue;
                    }
                    if (stale || failing) {
                        std::lock_guard lock(mutex);
                        failures.push_back(id + " was applied");
                    }
                    got.push_back(done->seq);
                    if (!done->features.empty()) {
                        cell.version = done->features.front().version;
                        ++wrote;
                    }
                } catch (const std::exception& e) {
                    ++thrown;
                    if (!failing) {
                        std::lock_guard lock(mutex);
                        failures.push_back(id + ": " + e.what());
                    }
                }
            }
            std::lock_guard lock(mutex);
            seqs[key] = std::move(got);
        });
    }
    for (auto& t : threads) t.join();

    EXPECT_TRUE(failures.empty()) << failures.front();
    EXPECT_EQ(thrown.load(), 1) << "the failing change set is the only one refused with an error";
    EXPECT_EQ(fell_back.load(), 1) << "the stale one falls back, nothing written";

    // Each tile's change sets are numbered one after another, in the order they were made.
    std::size_t committed = 0;
    for (const auto& key : keys) {
        const auto& s = seqs.at(key);
        const std::size_t expected = rounds - ((key == stale_tile || key == failing_tile) ? 1 : 0);
        ASSERT_EQ(s.size(), expected) << key;
        for (std::size_t i = 0; i < s.size(); ++i) EXPECT_EQ(s[i], seq0.at(key) + 1 + static_cast<std::int64_t>(i)) << key;
        committed += s.size();
    }

    pqxx::connection c(world.url());
    pqxx::read_transaction tx(c);
    // Whole: one change-set record and one event per committed change set, one history row per
    // feature written (a change set that changes nothing writes none).
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM change_set")[0].as<std::size_t>(), committed);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM event WHERE kind = 'change_set'")[0].as<std::size_t>(), committed);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM feature_history WHERE change_set IS NOT NULL")[0].as<int>(), wrote.load());
    EXPECT_GT(wrote.load(), 300);
    for (const auto& key : keys)
        EXPECT_EQ(tx.exec_params1("SELECT seq FROM tile WHERE key = $1", key)[0].as<std::int64_t>(),
                  seq0.at(key) + static_cast<std::int64_t>(seqs.at(key).size()))
            << key;
    EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM change_set WHERE id = $1", failing_tile + "-" +
                                                                                 std::to_string(failing_round))[0]
                  .as<int>(),
              0)
        << "nothing of the failing change set is written";
    EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM qc_issue WHERE key = $1 AND tile_key = $2",
                              "grouped-" + issue_tile + "-" + std::to_string(issue_round), issue_tile)[0]
                  .as<int>(),
              1)
        << "a change set's quality-control writes are committed with it";
    // Grouped indeed: some change sets share their transaction.
    EXPECT_LT(tx.exec1("SELECT count(DISTINCT xmin::text) FROM change_set")[0].as<std::size_t>(), committed)
        << "no change sets were committed together";
}
