#pragma once

// The store side of quality controls (SPEC §5): each tile's current issues, the features the
// checks read (with their neighbours, and those of the neighbouring tiles along a border), and
// what each change set introduced and fixed. The checks themselves are in qc/; this module only
// reads and writes. No libpqxx in this header.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/records.hpp"
#include "tiles/grid.hpp"

namespace tessera::store {

// A feature as the checks read it.
struct QcFeatureRow {
    std::int64_t id = 0;
    std::string code_cs;
    std::string code_us;
    std::string wkb;  // ISO WKB (or EWKB, with its SRID)
    bool reviewed = false;
    bool predicted = false;  // its classes are still the model's
    std::optional<float> confidence;
};

// What the checks of one change set read and write, inside the change set's transaction (which
// holds the tile's writer lock).
class QcAccess {
public:
    virtual ~QcAccess() = default;
    // The features of the tile with these ids, and every feature of the tile whose bounding box
    // comes within `margin_m` of one of theirs; with the tile's quality status and the stored
    // issues that may concern them, in one read.
    struct Neighbourhood {
        std::vector<QcFeatureRow> features;
        std::optional<std::int64_t> whole_seq;  // when the whole tile was last checked (nullopt: never)
        QcCounts counts;                        // the tile's stored counts
        // Stored issues of the tile (edge mismatches excluded: only whole-tile checks look at
        // borders) that involve one of `ids` or `deleted`, and at least every gap located inside
        // the bounding box of the features `ids`: a superset, which the caller narrows.
        std::vector<StoredIssue> issues;
    };
    virtual Neighbourhood neighbourhood(const std::vector<std::int64_t>& ids, const std::vector<std::int64_t>& deleted,
                                        double margin_m) = 0;
    // Every feature of the tile.
    virtual std::vector<QcFeatureRow> features() = 0;
    // The features of another tile whose bounding box meets `box` (e.g. a strip along a border).
    virtual std::vector<QcFeatureRow> features_of(const std::string& tile_key, const tiles::Box& box) = 0;
    // Removes the issues with these keys, inserts or replaces `added` (keys distinct from
    // `removed`), and moves the tile's counts by `counts_delta`, in one statement (none when
    // there is nothing to write).
    virtual void update_issues(std::int64_t seq, const std::vector<std::string>& removed,
                               const std::vector<StoredIssue>& added, const QcCounts& counts_delta) = 0;
    // Replaces every stored issue of the tile; the whole tile counts as checked at `seq`.
    virtual QcCounts replace_all(std::int64_t seq, const std::vector<StoredIssue>& issues) = 0;
    // Keeps what change `seq` introduced and fixed (opaque bytes), for replays.
    virtual void record_delta(std::int64_t seq, const std::string& delta) = 0;
};

// One tile's lifecycle step (a whole-tile check, a submission, a review...): a transaction
// holding the tile's writer lock, so that what it reads and writes is the tile as it is at the
// sequence number read, and two steps on one tile never interleave, whatever the instance.
struct LeaseRow {
    int user_id = 0;
    std::string username;
    std::string kind;  // "edit" or "review"
    bool lapsed = false;
};

struct CommentRow {
    std::int64_t feature_id = 0;
    std::int64_t x_cm = 0, y_cm = 0;
    std::string reason;
    std::string text;
    std::string author;
    std::int64_t at_ms = 0;
};

class TileTransaction {
public:
    TileTransaction(Database& db, const ProjectRecord& project, const std::string& tile_key);
    ~TileTransaction();
    TileTransaction(const TileTransaction&) = delete;
    TileTransaction& operator=(const TileTransaction&) = delete;

    const std::optional<TileRecord>& tile() const;
    QcAccess& qc();
    // Moves the tile to `to` if it is in one of `from`, recording the event `kind` (with the
    // tile's sequence number in its payload); false when it was not.
    bool transition(const std::vector<std::string>& from, const std::string& to, const std::string& kind,
                    int user_id, const std::string& payload_json);
    // An event without a transition (a refusal, for audit).
    void record(const std::string& kind, int user_id, const std::string& payload_json);

    // Whether this user wrote any version of any feature of the tile (four-eyes).
    bool edited_by(int user_id);
    // Who holds the tile's lease, if anyone (a lapsed lease counts as none).
    std::optional<LeaseRow> lease();
    // Takes the exclusive review lease for `user_id` (replacing any edit lease).
    void take_review_lease(int user_id, unsigned seconds);
    void drop_lease();
    // The tile's open review (claimed, not ended): its id and reviewer.
    std::optional<std::pair<std::int64_t, int>> open_review();
    std::int64_t start_review(int reviewer_id);
    void end_review(std::int64_t review_id, const std::string& outcome, const std::vector<std::string>& reasons,
                    const std::string& comment);
    void add_comment(std::int64_t review_id, int author_id, const CommentRow& comment);
    // Whether a feature of this id is in the tile now.
    bool holds_feature(std::int64_t id);
    void commit();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

class QcStore {
public:
    explicit QcStore(Database& db) : m_db(db) {}

    struct TileIssues {
        std::int64_t seq = 0;
        std::optional<std::int64_t> whole_seq;
        QcCounts counts;
        std::vector<StoredIssue> issues;
    };
    TileIssues issues(const ProjectRecord& project, const std::string& tile_key);

private:
    Database& m_db;
};

namespace detail {
class QcAccessImpl;
}

}  // namespace tessera::store
