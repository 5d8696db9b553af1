#pragma once

// The reads of the workflow (SPEC §2–3): a contributor's tiles and what became of them, a tile's
// reviews with their pinned comments, the model's prediction of a tile as imported (to compare
// with the correction), the review queue, and the next tile to work on by priority. No libpqxx
// in this header.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/qc_store.hpp"
#include "store/records.hpp"

namespace tessera::store {

struct ReviewRecord {
    std::int64_t id = 0;
    std::string reviewer;
    std::string outcome;  // approved, rejected, released, lapsed; empty while open
    std::vector<std::string> reasons;
    std::string comment;
    std::int64_t claimed_at_ms = 0;
    std::int64_t ended_at_ms = 0;  // 0 while open
    std::vector<CommentRow> comments;
};

struct WorkRecord {
    std::string tile_key;
    std::string state;
    int change_sets = 0;  // by this user on the tile
    std::int64_t last_change_ms = 0;
    int qc_blocking = 0;
    int qc_warnings = 0;
    std::optional<ReviewRecord> last_review;  // the latest ended review, with its comments
};

struct PredictedFeature {
    std::int64_t id = 0;
    std::string code_cs, code_us;
    std::optional<float> confidence;
    std::string wkb;  // as imported
    bool changed = false;  // the current feature differs (or is gone)
};

struct QueueEntry {
    std::string tile_key;
    std::string submitted_by;
    std::int64_t submitted_at_ms = 0;
    int qc_warnings = 0;
};

struct NextTile {
    std::string tile_key;
    std::string state;
    double score = 0;
    std::optional<double> mean_confidence;
    int qc_blocking = 0;
};

class WorkflowStore {
public:
    explicit WorkflowStore(Database& db) : m_db(db) {}

    // Every tile this user changed or submitted, most recent first.
    std::vector<WorkRecord> my_work(const ProjectRecord& project, int user_id, std::size_t limit);
    // The tile's reviews, newest first, with their comments.
    std::vector<ReviewRecord> reviews(const ProjectRecord& project, const std::string& tile_key, std::size_t limit);
    // The tile's features as the model predicted them (their first versions), marking those
    // changed since.
    std::vector<PredictedFeature> prediction(const ProjectRecord& project, const std::string& tile_key);
    // Submitted tiles waiting for review, oldest submission first, without those this user
    // edited (four-eyes), within the user's zones.
    std::vector<QueueEntry> review_queue(const ProjectRecord& project, int user_id, std::size_t limit);
    // The best tiles open for editing for this user: within their zones (all tiles for a user
    // without zones), not held by someone else, by priority score (lead override, else low
    // model confidence, blocking quality issues and zone boosts first).
    std::vector<NextTile> next_tiles(const ProjectRecord& project, int user_id, std::size_t limit);
    // A lead's override of a tile's priority score (nullopt: back to the computed score),
    // recorded as an event; false when there is no such tile.
    bool set_priority(const ProjectRecord& project, const std::string& tile_key, std::optional<double> priority,
                      int actor_id);

private:
    Database& m_db;
};

}  // namespace tessera::store
