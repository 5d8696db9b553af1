#pragma once

// The store side of collaborative editing: one transaction per change set, holding the tile's
// writer lock (a transaction-scoped advisory lock that serialises writers of a tile across every
// server instance), writing new versions, history, the event and the change-set
// record, and announcing the change with NOTIFY at commit. Also the reads that replay a tile's
// changes after a sequence number, and tile leases. No libpqxx in this header.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/qc_store.hpp"
#include "store/records.hpp"
#include "tiles/grid.hpp"

namespace tessera::store {

// The channel every instance listens on; payload "<project id> <tile key> <seq>".
inline constexpr const char* tile_channel = "tessera_tile";

struct StoredFeature {
    std::int64_t id = 0;
    int version = 0;
    std::string code_cs;
    std::string code_us;
    std::string wkb;
    bool reviewed = false;
    std::string pred_cs;
    std::string pred_us;
    std::optional<float> pred_confidence;
    std::int64_t updated_at_ms = 0;
    std::string author;
};

// What a change set writes for one feature: id <= 0 for a new one (the value is the
// workspace's temporary id), the new classes and, when the geometry changed, the new WKB.
struct FeatureWrite {
    std::int64_t id = 0;
    std::string code_cs;
    std::string code_us;
    bool reviewed = false;
    std::optional<std::string> wkb;  // ISO WKB Polygon, set when the geometry changed or is new
    std::int64_t inherit_prediction_from = 0;  // new parts keep the prediction of their origin
};

// A tile change as every viewer receives it.
struct TileChangeRecord {
    std::int64_t seq = 0;
    std::string change_set;
    int author_id = 0;
    std::string author;
    std::int64_t at_ms = 0;
    std::string state;
    std::vector<StoredFeature> features;
    std::vector<std::int64_t> deleted;
    std::string qc_delta;  // what it introduced and fixed (encoded by the api), empty if nothing
};

class EditTransaction {
public:
    // What a change set starts from: the features of the tile with these ids, and (context)
    // every other feature of the tile whose bounding box comes within `margin_m` of the box of
    // theirs and of `region` (the operations' own geometry, if any).
    struct LoadRequest {
        std::vector<std::int64_t> ids;
        std::optional<tiles::Box> region;
        double margin_m = 0;
    };
    // Begins a transaction and takes the tile's writer lock; nullopt tile() when the tile does not
    // exist. Reads, in the same round trip, the outcome of `change_set_id` if it was applied
    // before, and otherwise what `load` asks for (loaded()).
    EditTransaction(Database& db, const ProjectRecord& project, const std::string& tile_key,
                    const std::string& change_set_id, const LoadRequest& load);
    ~EditTransaction();
    EditTransaction(const EditTransaction&) = delete;
    EditTransaction& operator=(const EditTransaction&) = delete;

    const std::optional<TileRecord>& tile() const;

    // The encoded outcome of the change set if it was already applied (empty when it was
    // applied without storing its answer: replay() then gives what it wrote).
    const std::optional<std::string>& previous_outcome() const;
    struct Replay {
        std::int64_t seq = 0;
        std::vector<StoredFeature> features;
        std::vector<std::int64_t> created, deleted;
    };
    Replay replay(const std::string& change_set_id);

    // What the opening read for the LoadRequest, in id order (the writer lock keeps it from
    // changing); empty when the tile does not exist or the change set was applied already.
    struct Loaded {
        std::vector<StoredFeature> referenced, context;
    };
    Loaded& loaded();
    // Every feature of the tile.
    std::vector<StoredFeature> load_all();

    // The tile a feature id belongs or belonged to (nullopt: no such feature ever).
    std::optional<std::string> home_of(std::int64_t id);

    // What changed in a feature between `base_version` and its current version.
    struct Changed {
        bool classes = false;   // code_cs, code_us or reviewed
        bool geometry = false;
    };
    std::optional<Changed> changed_since(std::int64_t id, int base_version, const StoredFeature& current);

    struct Written {
        std::int64_t seq = 0;
        std::string state;  // the tile's state after the change
        struct Row {
            std::int64_t given;  // the caller's id (temporary when <= 0)
            std::int64_t id;
            int version;
        };
        std::vector<Row> rows;  // in the order of the writes
        std::vector<std::int64_t> deleted;
    };
    // Writes the new versions (history and event included), increments the tile's sequence,
    // moves a `todo` tile to `in_progress`, renews the author's lease, and queues the NOTIFY
    // (the database function tessera_write_change); in the same call, reads what the quality
    // controls of the written and deleted features start from, so that
    // qc().neighbourhood(written ids in order, deleted, qc_margin_m) needs no other round trip.
    Written write(int user_id, const std::string& change_set_id, std::size_t ops,
                  const std::vector<FeatureWrite>& writes, const std::vector<std::int64_t>& deletes,
                  unsigned lease_seconds, double qc_margin_m);
    // Records the acknowledgement, for idempotency, with the quality controls' writes gathered
    // so far (qc()): one round trip.
    void record_outcome(const std::string& change_set_id, int user_id, std::int64_t seq, std::size_t ops,
                        const std::string& outcome);
    void record_conflict(const std::string& change_set_id, int user_id, const std::vector<std::int64_t>& ids,
                         const std::string& message);
    // The quality controls' reads and writes, in this transaction. Their usual writes (issues
    // and what a change introduced and fixed) are gathered and written with the outcome, or at
    // commit.
    QcAccess& qc();
    void commit();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

namespace detail {
class ClassGrouper;
}

class EditStore {
public:
    explicit EditStore(Database& db);
    ~EditStore();
    EditStore(const EditStore&) = delete;
    EditStore& operator=(const EditStore&) = delete;

    // The changes of a tile after `after_seq`, in order, at most `limit` (nullopt: more than
    // that, resync from a snapshot instead).
    std::optional<std::vector<TileChangeRecord>> changes_after(const ProjectRecord& project, const std::string& tile_key,
                                                               std::int64_t after_seq, std::size_t limit);

    struct ClassesResult {
        std::int64_t seq = 0;
        std::string state;
        std::vector<StoredFeature> features;  // the features written, new state
    };
    // A change set of set_class / confirm operations (one per feature, at its current version)
    // in one database call, committed together with the others waiting at the same moment (see
    // class_groups.hpp). nullopt, nothing written, when it is not that simple: take the general
    // path. `before_commit(seq)` runs once the change is written, before the commit, possibly on
    // another thread, and once more if the group's commit failed and the change set is tried
    // again alone.
    std::optional<ClassesResult> apply_classes(const ProjectRecord& project, const std::string& tile_key, int user_id,
                                               const std::string& change_set_id, const std::vector<std::int64_t>& ids,
                                               const std::vector<int>& versions, const std::vector<std::string>& cs,
                                               const std::vector<std::string>& us, unsigned lease_seconds,
                                               const std::function<void(std::int64_t, QcAccess&)>& before_commit);

    struct ConflictRecord {
        std::int64_t id = 0;
        std::string tile_key;
        std::string change_set;
        std::string username;
        std::vector<std::int64_t> feature_ids;
        std::string message;
        std::int64_t at_ms = 0;
    };
    // The most recent conflicts, of one tile or (empty key) of the project.
    std::vector<ConflictRecord> conflicts(const ProjectRecord& project, const std::string& tile_key, std::size_t limit);

    struct LeaseState {
        int user_id = 0;
        std::string username;
        std::int64_t expires_at_ms = 0;
    };
    // Claims or renews the lease; the current holder when someone else holds it.
    LeaseState claim_lease(const ProjectRecord& project, const std::string& tile_key, int user_id, unsigned seconds);
    void release_lease(const ProjectRecord& project, const std::string& tile_key, int user_id);
    std::optional<LeaseState> lease(const ProjectRecord& project, const std::string& tile_key);
    // Deletes lapsed leases, records a `lease_lapsed` event for each and notifies; returns
    // (tile, user) pairs.
    std::vector<std::pair<std::string, int>> expire_leases(const ProjectRecord& project);

private:
    Database& m_db;
    std::unique_ptr<detail::ClassGrouper> m_grouper;
};

}  // namespace tessera::store
