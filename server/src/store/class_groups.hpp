#pragma once

// Internal to the store module: grouped commits of class change sets (set_class / confirm).
//
// Each change set is still atomic, numbered by its tile's sequence and acknowledged only once
// committed; what changes is that the change sets waiting for the database at the same moment
// (each of another tile) are committed together, by whichever of their threads gets there first,
// in one transaction of a few set-based statements (tessera_apply_classes_grouped, then one write
// of every change set's quality-control results). Alone, a change set is a group of one. If a
// group fails as a whole, each of its change sets is tried again alone, so that one cannot fail
// another.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "store/database.hpp"
#include "store/detail_rows.hpp"
#include "store/edit_store.hpp"

namespace tessera::store::detail {

struct GroupContext;

struct ClassRequest {
    const ProjectRecord* project = nullptr;
    unsigned lease_seconds = 0;
    const std::string* tile = nullptr;
    int user_id = 0;
    const std::string* change_set = nullptr;
    const std::vector<std::int64_t>* ids = nullptr;
    const std::vector<int>* versions = nullptr;
    const std::vector<std::string>* cs = nullptr;
    const std::vector<std::string>* us = nullptr;
    const std::function<void(std::int64_t, QcAccess&)>* before_commit = nullptr;

    // While its group is open: its quality controls are ready to run (by whichever thread is
    // free first: its own, or the group's), running, or done.
    enum class Qc { none, ready, running, done } qc = Qc::none;
    GroupContext* group = nullptr;
    std::condition_variable wake;  // its thread waits on it (with the grouper's mutex)
    bool queued = false;           // waiting to be taken into a group

    // The outcome, set before `done`.
    bool done = false;
    bool fallback = false;
    EditStore::ClassesResult result;
    std::exception_ptr error;
};

class ClassGrouper {
public:
    explicit ClassGrouper(Database& db) : m_db(db) {}

    // Returns once the change set is committed, fell back (request.fallback: nothing written) or
    // failed (rethrown).
    void apply(ClassRequest& request);

    // At most this many groups at once, of at most this many change sets. Measured on 2 cores
    // (edit-throughput benchmark): 2 groups of up to 32 gave 42-51 % of pgbench, 4 of up to 16
    // gave 35-45 %, 1 of up to 64 gave 36-40 % with a higher median latency.
    static constexpr int max_groups = 2;
    static constexpr std::size_t max_group_size = 32;

private:
    std::vector<ClassRequest*> take(ClassRequest& leader);
    void wake_next();
    void commit_group(const std::vector<ClassRequest*>& group);
    void commit_each(const std::vector<ClassRequest*>& group);
    // Runs the quality controls of a request whose state is `ready` (m_mutex held on entry and
    // on return, released while they run).
    void run_qc(ClassRequest& request, std::unique_lock<std::mutex>& lock);

    Database& m_db;
    std::mutex m_mutex;
    std::deque<ClassRequest*> m_waiting;
    std::set<std::string> m_busy;  // the tiles of the groups running
    int m_running = 0;
};

}  // namespace tessera::store::detail
