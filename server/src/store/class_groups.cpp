#include "store/class_groups.hpp"

#include <map>
#include <set>
#include <stdexcept>

#include "store/connection.hpp"
#include "store/detail_arrays.hpp"
#include "store/detail_qc_access.hpp"
#include "store/queries.hpp"

namespace tessera::store::detail {

// What the change sets of an open group share while their quality controls run, each on a
// thread of its own: the transaction (one statement at a time) and the gathered writes.
struct GroupContext {
    pqxx::work& tx;
    const ProjectRecord& project;
    const std::vector<ClassRequest*>& members;
    std::mutex tx_mutex;
    GroupedQcWrites writes;
    std::size_t pending = 0;  // quality controls not done yet (under the grouper's mutex)
    std::condition_variable all_done;
    std::exception_ptr error;
    // The members' neighbourhoods, read together at the first member's request (under tx_mutex)
    // and taken by each member when it asks for the same thing.
    bool read = false;
    double read_margin_m = 0;
    std::map<std::string, QcAccess::Neighbourhood> neighbourhoods;
};

namespace {

// The quality controls of one change set of a group: reads go to the database at once (in the
// group's transaction, which holds every tile's writer lock); the usual writes are gathered and
// written once for the whole group.
class GroupedQcAccess final : public QcAccess {
public:
    GroupedQcAccess(GroupContext& group, const ClassRequest& request)
        : m_group(group), m_direct(group.tx, group.project, *request.tile, &group.writes), m_tile(*request.tile),
          m_ids(*request.ids) {}

    // The first member to ask reads every member's neighbourhood (their change sets' features,
    // the same margin) in one statement; each then takes its own.
    Neighbourhood neighbourhood(const std::vector<std::int64_t>& ids, const std::vector<std::int64_t>& deleted,
                                double margin_m) override {
        std::lock_guard lock(m_group.tx_mutex);
        if (!m_group.read) {
            m_group.read = true;
            m_group.read_margin_m = margin_m;
            std::vector<NeighbourhoodRequest> requests;
            for (const auto* r : m_group.members)
                if (!r->fallback) requests.push_back({*r->tile, *r->ids, {}});
            auto answers = read_neighbourhoods(m_group.tx, m_group.project.id, requests, margin_m);
            for (std::size_t k = 0; k < requests.size(); ++k)
                m_group.neighbourhoods.emplace(requests[k].tile, std::move(answers[k]));
        }
        if (auto it = m_group.neighbourhoods.find(m_tile); it != m_group.neighbourhoods.end()) {
            m_direct.prefetched({m_tile, m_ids, {}}, m_group.read_margin_m, std::move(it->second));
            m_group.neighbourhoods.erase(it);
        }
        return m_direct.neighbourhood(ids, deleted, margin_m);
    }
    std::vector<QcFeatureRow> features() override {
        std::lock_guard lock(m_group.tx_mutex);
        return m_direct.features();
    }
    std::vector<QcFeatureRow> features_of(const std::string& tile_key, const tiles::Box& box) override {
        std::lock_guard lock(m_group.tx_mutex);
        return m_direct.features_of(tile_key, box);
    }
    QcCounts replace_all(std::int64_t seq, const std::vector<StoredIssue>& issues) override {
        std::lock_guard lock(m_group.tx_mutex);
        return m_direct.replace_all(seq, issues);
    }
    void update_issues(std::int64_t seq, const std::vector<std::string>& removed, const std::vector<StoredIssue>& added,
                       const QcCounts& counts_delta) override {
        std::lock_guard lock(m_group.tx_mutex);
        m_direct.update_issues(seq, removed, added, counts_delta);
    }
    void record_delta(std::int64_t seq, const std::string& delta) override {
        std::lock_guard lock(m_group.tx_mutex);
        m_direct.record_delta(seq, delta);
    }

private:
    GroupContext& m_group;
    QcAccessImpl m_direct;
    const std::string& m_tile;
    const std::vector<std::int64_t>& m_ids;
};

}  // namespace

void ClassGrouper::apply(ClassRequest& request) {
    std::unique_lock lock(m_mutex);
    m_waiting.push_back(&request);
    request.queued = true;
    while (!request.done) {
        if (request.qc == ClassRequest::Qc::ready) {
            run_qc(request, lock);
            continue;
        }
        // Only a change set still waiting leads a group (one taken already waits for its own).
        std::vector<ClassRequest*> group;
        if (request.queued && m_running < max_groups) group = take(request);
        if (group.empty()) {
            // Woken when its group has committed, when its quality controls can run, or when a
            // slot is free and it is first in line to lead the next group.
            request.wake.wait(lock);
            continue;
        }
        ++m_running;
        lock.unlock();
        try {
            commit_group(group);
        } catch (...) {
            if (group.size() == 1)
                group.front()->error = std::current_exception();
            else
                commit_each(group);
        }

        lock.lock();
        --m_running;
        for (auto* r : group) {
            m_busy.erase(*r->tile);
            r->done = true;
            if (r != &request) r->wake.notify_one();
        }
        wake_next();
    }
    if (request.error) std::rethrow_exception(request.error);
}

// A group slot is free: the first waiting change set that could go leads the next group.
void ClassGrouper::wake_next() {
    if (m_running >= max_groups) return;
    for (auto* r : m_waiting) {
        if (!m_busy.contains(*r->tile)) {
            r->wake.notify_one();
            return;
        }
    }
}

// The waiting change sets that can go together, `leader` first (none when its tile's group is
// still running, so that a tile's change sets are applied in the order they came): one per tile,
// one per change-set id, of one project.
std::vector<ClassRequest*> ClassGrouper::take(ClassRequest& leader) {
    std::vector<ClassRequest*> group;
    if (m_busy.contains(*leader.tile)) return group;
    std::set<std::string> ids;
    const auto add = [&](ClassRequest* r) {
        m_busy.insert(*r->tile);
        ids.insert(*r->change_set);
        group.push_back(r);
        r->queued = false;
    };
    std::erase(m_waiting, &leader);
    add(&leader);
    for (auto it = m_waiting.begin(); it != m_waiting.end() && group.size() < max_group_size;) {
        auto* r = *it;
        const bool fits = r->project->id == leader.project->id && r->lease_seconds == leader.lease_seconds &&
                          !m_busy.contains(*r->tile) && !ids.contains(*r->change_set);
        if (!fits) {
            ++it;
            continue;
        }
        add(r);
        it = m_waiting.erase(it);
    }
    return group;
}

void ClassGrouper::commit_group(const std::vector<ClassRequest*>& group) {
    const auto& project = *group.front()->project;
    std::vector<std::optional<std::string>> tiles, change_sets, cs, us;
    std::vector<std::int64_t> users, op_cs, ids, versions;
    for (std::size_t k = 0; k < group.size(); ++k) {
        auto& r = *group[k];
        r.fallback = false;
        r.result = {};
        tiles.emplace_back(*r.tile);
        users.push_back(r.user_id);
        change_sets.emplace_back(*r.change_set);
        for (std::size_t i = 0; i < r.ids->size(); ++i) {
            op_cs.push_back(static_cast<std::int64_t>(k + 1));
            ids.push_back((*r.ids)[i]);
            versions.push_back((*r.versions)[i]);
            cs.emplace_back((*r.cs)[i]);
            us.emplace_back((*r.us)[i]);
        }
    }
    auto conn = m_db.acquire();
    pqxx::work tx(conn->pq());
    auto rows = tx.exec_prepared(q::edit_apply_classes_grouped, project.id,
                                 static_cast<int>(group.front()->lease_seconds), text_array(tiles), id_array(users),
                                 text_array(change_sets), id_array(op_cs), id_array(ids), id_array(versions),
                                 text_array(cs), text_array(us));
    for (const auto& row : rows) {
        const auto k = row[0].as<std::size_t>();
        if (k < 1 || k > group.size()) throw std::runtime_error("grouped class change: no change set " + std::to_string(k));
        auto& r = *group[k - 1];
        if (row[1].as<bool>()) {
            r.fallback = true;
            continue;
        }
        r.result.seq = row[2].as<std::int64_t>();
        r.result.state = row[3].as<std::string>();
        if (row[4].is_null()) continue;  // nothing to write (already so)
        r.result.features.push_back(feature_from(row, 4));  // author: the caller knows who it is
    }
    // The quality controls of each change set, in parallel: its own thread (waiting in apply)
    // or this one, whichever comes first.
    GroupContext context{tx, project, group, {}, {}, 0, {}, nullptr, false, 0, {}};
    {
        std::unique_lock lock(m_mutex);
        for (auto* r : group) {
            if (r->fallback) continue;
            r->group = &context;
            r->qc = ClassRequest::Qc::ready;
            ++context.pending;
            r->wake.notify_one();
        }
        for (auto* r : group)
            if (r->qc == ClassRequest::Qc::ready) run_qc(*r, lock);
        context.all_done.wait(lock, [&] { return context.pending == 0; });
        for (auto* r : group) {
            r->qc = ClassRequest::Qc::none;
            r->group = nullptr;
        }
    }
    if (context.error) std::rethrow_exception(context.error);
    context.writes.flush(tx, project.id);
    tx.commit();
}

void ClassGrouper::run_qc(ClassRequest& request, std::unique_lock<std::mutex>& lock) {
    request.qc = ClassRequest::Qc::running;
    auto& group = *request.group;
    lock.unlock();
    std::exception_ptr error;
    try {
        GroupedQcAccess access(group, request);
        (*request.before_commit)(request.result.seq, access);
    } catch (...) {
        error = std::current_exception();
    }
    lock.lock();
    if (error && !group.error) group.error = error;
    request.qc = ClassRequest::Qc::done;
    if (--group.pending == 0) group.all_done.notify_one();
}

void ClassGrouper::commit_each(const std::vector<ClassRequest*>& group) {
    for (auto* r : group) {
        try {
            commit_group({r});
        } catch (...) {
            r->error = std::current_exception();
        }
    }
}

}  // namespace tessera::store::detail
