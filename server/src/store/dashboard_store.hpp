#pragma once

// Dashboards (SPEC §3: every figure is derived from the one event log, so figures add up): the
// figures read from the rollups that migration 0005 keeps as events are written (tile states
// per zone, flows per day, activity per user and day, review times, rejection reasons) and as
// quality issues and conflicts are recorded. Each figure is a sum of counters, so the per-state
// counts sum to the tile count and the per-user figures to the totals. No libpqxx here.
// Thread-safe (state lives in the database); each read is one read-only transaction.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/records.hpp"

namespace tessera::store {

// The tile states in lifecycle order (the tile_state enum): the index of every per-state array.
inline constexpr std::array<const char*, 7> tile_states = {"todo",     "in_progress", "submitted", "in_review",
                                                           "approved", "rejected",    "published"};
// The fixed list of rejection reasons (SPEC §3; any other reason met in the log is kept too).
inline constexpr std::array<const char*, 5> rejection_reasons = {"wrong_class", "wrong_boundary", "missed_change",
                                                                 "incomplete", "other"};

struct StateFigure {
    std::int64_t tiles = 0;
    double area_m2 = 0;
};

// Tiles and area per state of the whole project (no zone_id) or of one zone.
struct ZoneStates {
    std::optional<int> zone_id;
    std::string zone;
    std::array<StateFigure, tile_states.size()> states{};
    std::int64_t tiles() const;
    double area_m2() const;
};

// UTC days "YYYY-MM-DD", both included; an empty bound is open.
struct DayRange {
    std::string from;
    std::string to;
};

// Tiles per state at the end of a day.
struct DayStates {
    std::string day;
    std::array<std::int64_t, tile_states.size()> tiles{};
};

struct DayThroughput {
    std::string day;
    std::int64_t change_sets = 0;
    std::int64_t ops = 0;  // operations in those change sets
    std::int64_t submissions = 0;
    std::int64_t approvals = 0;
    std::int64_t rejections = 0;
    std::int64_t reopens = 0;
};

// A contributor's figures. `approved` and `rejected` are the verdicts on the tiles this user
// submitted (on the latest submission of each); `rework` counts tiles this user submitted that
// were rejected and then submitted again (by anyone).
struct ContributorFigures {
    int user_id = 0;       // 0: events without an actor
    std::string username;  // empty for user 0
    std::int64_t change_sets = 0;
    std::int64_t ops = 0;
    std::int64_t submissions = 0;
    std::int64_t tiles_submitted = 0;  // distinct tiles
    std::int64_t approved = 0;
    std::int64_t rejected = 0;
    std::int64_t rework = 0;
    std::optional<double> approval_rate() const;  // approved / (approved + rejected)
};

// A controller's reviews, by how they ended (each counted for the controller who claimed it;
// `released` includes reviews ended by a lead's reopening), the median time of those that ended
// approved or rejected (whole seconds, the lower median), and the rejection reasons given.
struct ControllerFigures {
    int user_id = 0;
    std::string username;
    std::int64_t claimed = 0;
    std::int64_t approved = 0;
    std::int64_t rejected = 0;
    std::int64_t released = 0;
    std::int64_t lapsed = 0;
    std::optional<std::int64_t> median_review_s;
    std::map<std::string, std::int64_t> reasons;
};

// Current quality issues of one code and severity, and the tiles that have at least one.
struct QcFigures {
    std::string code;
    bool blocking = false;
    std::int64_t issues = 0;
    std::int64_t tiles = 0;
};

struct ConflictDay {
    std::string day;
    std::int64_t conflicts = 0;
    std::int64_t users = 0;  // people refused that day
};
struct ConflictTile {
    std::string tile;
    std::int64_t conflicts = 0;
    std::int64_t users = 0;
    std::string last_at;  // ISO 8601, UTC
};
struct ConflictUser {
    int user_id = 0;
    std::string username;
    std::int64_t conflicts = 0;
    std::int64_t tiles = 0;
};
struct ConflictFigures {
    std::int64_t total = 0;
    std::vector<ConflictDay> days;
    std::vector<ConflictTile> tiles;  // most conflicts first, at most the limit asked
    std::vector<ConflictUser> users;  // most conflicts first
};

class DashboardStore {
public:
    explicit DashboardStore(Database& db) : m_db(db) {}

    // A zone of the project by name; nullopt when there is none.
    std::optional<int> zone_id(const ProjectRecord& project, const std::string& name);

    // The whole project first, then every zone by name (or only `zone`, without the project).
    std::vector<ZoneStates> states(const ProjectRecord& project, std::optional<int> zone);
    // Tiles per state at the end of every day from the first (or `range.from`) to the last (or
    // `range.to`): the burn-down of the project, or of a zone's current tiles.
    std::vector<DayStates> progress(const ProjectRecord& project, std::optional<int> zone, const DayRange& range);
    // Per day, every day of the range (or from the first to the last day with activity).
    std::vector<DayThroughput> throughput(const ProjectRecord& project, const DayRange& range);
    // Everyone with contributions in the range (or only `user`), by username.
    std::vector<ContributorFigures> contributors(const ProjectRecord& project, std::optional<int> user,
                                                 const DayRange& range);
    // Everyone who claimed a review (or only `user`), by username; since the start.
    std::vector<ControllerFigures> controllers(const ProjectRecord& project, std::optional<int> user);
    // By severity (blocking first), then most issues.
    std::vector<QcFigures> qc(const ProjectRecord& project);
    ConflictFigures conflicts(const ProjectRecord& project, const DayRange& range, int tile_limit);

    // Recomputes every rollup of the project from the event log (and the issues and zones) in
    // one transaction; writers of those tables wait for it. For repairs and bulk loads.
    void rebuild(const ProjectRecord& project);
    // Folds the events and quality-issue changes queued since the last fold into the rollups
    // (every read does it first; the server also does it every few seconds; folders wait for each
    // other), in batches of a few hundred, one transaction each. Returns how many batches' worth:
    // the larger of the two queues' rows folded, summed over the batches.
    std::size_t fold();

private:
    Database& m_db;
};

}  // namespace tessera::store
