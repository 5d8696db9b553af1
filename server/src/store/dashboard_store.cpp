#include "store/dashboard_store.hpp"

#include <algorithm>

#include "store/connection.hpp"

namespace tessera::store {
namespace {

// The statements of the dashboards. Each reads rollup rows (at most tens of thousands, see
// migrations/0005_dashboards.sql); none scans the event log. Optional day bounds are passed as
// text, '' for open.

constexpr const char* zone_by_name_sql = "SELECT id FROM zone WHERE project_id = $1 AND name = $2";
constexpr const char* zone_name_sql = "SELECT name FROM zone WHERE id = $1";

// Per zone (0: the project) and state, summed over the slots. $2: one zone, or -1 for the
// project and every zone.
constexpr const char* states_sql =
    "SELECT s.zone_id, coalesce(z.name, ''), s.state::text, sum(s.tiles)::bigint, sum(s.area_cm2)::bigint "
    "FROM dash_state s LEFT JOIN zone z ON z.id = s.zone_id AND z.project_id = s.project_id "
    "WHERE s.project_id = $1 AND CASE WHEN $2::integer < 0 THEN s.zone_id = 0 OR z.id IS NOT NULL "
    "ELSE s.zone_id = $2::integer END "
    "GROUP BY 1, 2, 3 ORDER BY s.zone_id <> 0, 2, 1";

// The burn-down: flows per day and state, summed from the first day, shown from $2 to $3.
#define TESSERA_PROGRESS_TAIL                                                                                   \
    "b AS (SELECT min(day) AS first, coalesce(nullif($2, '')::date, min(day)) AS lo, "                         \
    "             coalesce(nullif($3, '')::date, max(day)) AS hi FROM d), "                                    \
    "c AS (SELECT g::date AS day, st.state, sum(coalesce(d.tiles, 0)) OVER (PARTITION BY st.state ORDER BY g) " \
    "             AS tiles "                                                                                    \
    "      FROM b CROSS JOIN generate_series(least(b.first, b.lo), b.hi, interval '1 day') g "                 \
    "      CROSS JOIN unnest(enum_range(NULL::tile_state)) st(state) "                                          \
    "      LEFT JOIN d ON d.day = g::date AND d.state = st.state) "                                             \
    "SELECT to_char(c.day, 'YYYY-MM-DD'), c.state::text, c.tiles::bigint FROM c, b WHERE c.day >= b.lo "       \
    "ORDER BY c.day, c.state"

constexpr const char* progress_sql =
    "WITH d AS (SELECT day, state, sum(tiles) AS tiles FROM dash_flow WHERE project_id = $1 GROUP BY 1, 2), "
    TESSERA_PROGRESS_TAIL;

constexpr const char* zone_progress_sql =
    "WITH d AS (SELECT f.day, f.state, sum(f.tiles) AS tiles FROM zone_tile zt "
    "           JOIN dash_tile_flow f ON f.project_id = zt.project_id AND f.tile_key = zt.tile_key "
    "           WHERE zt.project_id = $1 AND zt.zone_id = $4 GROUP BY 1, 2), " TESSERA_PROGRESS_TAIL;

#define TESSERA_DAY_FILTER \
    "day BETWEEN coalesce(nullif($2, '')::date, '-infinity') AND coalesce(nullif($3, '')::date, 'infinity')"

constexpr const char* throughput_sql =
    "WITH d AS (SELECT day, sum(change_sets) AS change_sets, sum(ops) AS ops, sum(submissions) AS submissions, "
    "  sum(approvals) AS approvals, sum(rejections) AS rejections, sum(reopens) AS reopens "
    "  FROM dash_activity WHERE project_id = $1 AND " TESSERA_DAY_FILTER " GROUP BY day), "
    "b AS (SELECT coalesce(nullif($2, '')::date, min(day)) AS lo, coalesce(nullif($3, '')::date, max(day)) AS hi "
    "      FROM d) "
    "SELECT to_char(g, 'YYYY-MM-DD'), coalesce(d.change_sets, 0)::bigint, coalesce(d.ops, 0)::bigint, "
    "coalesce(d.submissions, 0)::bigint, coalesce(d.approvals, 0)::bigint, coalesce(d.rejections, 0)::bigint, "
    "coalesce(d.reopens, 0)::bigint "
    "FROM b CROSS JOIN generate_series(b.lo, b.hi, interval '1 day') g LEFT JOIN d ON d.day = g::date ORDER BY g";

// Summed per user first (a few hundred groups), then named. $4: one user, or -1. Everyone with
// something to show as a contributor.
constexpr const char* contributors_sql =
    "SELECT a.user_id, coalesce(u.username, ''), a.change_sets, a.ops, a.submissions, a.tiles, a.approved, "
    "a.rejected, a.rework FROM ("
    "  SELECT user_id, sum(change_sets)::bigint AS change_sets, sum(ops)::bigint AS ops, "
    "    sum(submissions)::bigint AS submissions, sum(tiles_submitted)::bigint AS tiles, "
    "    sum(submissions_approved)::bigint AS approved, sum(submissions_rejected)::bigint AS rejected, "
    "    sum(rework)::bigint AS rework "
    "  FROM dash_activity WHERE project_id = $1 AND (user_id = $4 OR $4 < 0) AND " TESSERA_DAY_FILTER
    "  GROUP BY user_id HAVING sum(change_sets) + sum(submissions) + sum(tiles_submitted) + "
    "    sum(submissions_approved) + sum(submissions_rejected) + sum(rework) > 0) a "
    "LEFT JOIN app_user u ON u.id = a.user_id ORDER BY 2, 1";

// Reviews per claimer, with the lower median of the duration histogram (integer sums: a bigint sum
// is numeric, several times slower). $2: one user, or -1.
constexpr const char* controllers_sql =
    "WITH a AS (SELECT user_id, sum(claims)::bigint AS claimed, sum(reviews_approved)::bigint AS approved, "
    "    sum(reviews_rejected)::bigint AS rejected, sum(reviews_released)::bigint AS released, "
    "    sum(reviews_lapsed)::bigint AS lapsed "
    "  FROM dash_activity WHERE project_id = $1 AND (user_id = $2 OR $2 < 0) GROUP BY user_id "
    "  HAVING sum(claims) + sum(reviews_approved) + sum(reviews_rejected) + sum(reviews_released) + "
    "    sum(reviews_lapsed) > 0), "
    "m AS (SELECT user_id, min(seconds) FILTER (WHERE cum * 2 >= total) AS median FROM ("
    "  SELECT user_id, seconds, sum(n::integer) OVER (PARTITION BY user_id ORDER BY seconds ROWS UNBOUNDED "
    "         PRECEDING) AS cum, sum(n::integer) OVER (PARTITION BY user_id) AS total "
    "  FROM dash_review_time WHERE project_id = $1 AND (user_id = $2 OR $2 < 0)) h GROUP BY user_id) "
    "SELECT a.user_id, coalesce(u.username, ''), a.claimed, a.approved, a.rejected, a.released, a.lapsed, "
    "m.median::bigint FROM a LEFT JOIN m ON m.user_id = a.user_id LEFT JOIN app_user u ON u.id = a.user_id "
    "ORDER BY 2, 1";

constexpr const char* reasons_sql =
    "SELECT user_id, reason, n FROM dash_reason WHERE project_id = $1 AND (user_id = $2 OR $2 < 0) AND n <> 0";

constexpr const char* qc_sql =
    "SELECT code, blocking, sum(issues)::bigint, sum(tiles)::bigint FROM dash_qc WHERE project_id = $1 "
    "GROUP BY 1, 2 HAVING sum(issues) <> 0 OR sum(tiles) <> 0 ORDER BY blocking DESC, 3 DESC, code";

// Conflicts (change sets refused because someone changed the same aspect of a feature first):
// from their rollups, or over a range of days from the conflict table itself.
constexpr const char* conflict_days_sql =
    "SELECT to_char(day, 'YYYY-MM-DD'), conflicts, users FROM dash_conflict_day WHERE project_id = $1 "
    "AND " TESSERA_DAY_FILTER " ORDER BY day";

constexpr const char* conflict_tiles_sql =
    "SELECT tile_key, conflicts, users, to_char(last_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
    "FROM dash_conflict_tile WHERE project_id = $1 ORDER BY conflicts DESC, tile_key LIMIT $2";

constexpr const char* conflict_users_sql =
    "SELECT c.user_id, coalesce(u.username, ''), c.conflicts, c.tiles FROM dash_conflict_user c "
    "LEFT JOIN app_user u ON u.id = c.user_id WHERE c.project_id = $1 ORDER BY 3 DESC, 2";

#define TESSERA_CONFLICT_RANGE                                                                      \
    "project_id = $1 AND at >= coalesce((nullif($2, '')::date)::timestamp AT TIME ZONE 'UTC', '-infinity') " \
    "AND at < coalesce((nullif($3, '')::date + 1)::timestamp AT TIME ZONE 'UTC', 'infinity')"

constexpr const char* conflict_range_tiles_sql =
    "SELECT tile_key, sum(n)::bigint, count(*), "
    "to_char(max(last) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM ("
    "  SELECT tile_key, user_id, count(*) AS n, max(at) AS last FROM conflict WHERE " TESSERA_CONFLICT_RANGE
    "  GROUP BY 1, 2) c GROUP BY tile_key ORDER BY 2 DESC, tile_key LIMIT $4";

constexpr const char* conflict_range_users_sql =
    "SELECT c.user_id, coalesce(u.username, ''), c.n, c.tiles FROM ("
    "  SELECT user_id, sum(n)::bigint AS n, count(*) AS tiles FROM ("
    "    SELECT user_id, tile_key, count(*) AS n FROM conflict WHERE " TESSERA_CONFLICT_RANGE
    "    GROUP BY 1, 2) x GROUP BY 1) c "
    "LEFT JOIN app_user u ON u.id = c.user_id ORDER BY 3 DESC, 2";

// Dashboards aggregate tens of thousands of rows: enough memory to hash them (the default 4 MB
// makes them spill to disk).
constexpr const char* reader_setup_sql = "SET LOCAL work_mem = '64MB'";

constexpr const char* rebuild_sql = "SELECT dashboard_rebuild($1)";

int state_index(const std::string& state) {
    for (std::size_t i = 0; i < tile_states.size(); ++i)
        if (state == tile_states[i]) return static_cast<int>(i);
    return -1;
}

}  // namespace

std::int64_t ZoneStates::tiles() const {
    std::int64_t n = 0;
    for (const auto& s : states) n += s.tiles;
    return n;
}

double ZoneStates::area_m2() const {
    double a = 0;
    for (const auto& s : states) a += s.area_m2;
    return a;
}

std::optional<double> ContributorFigures::approval_rate() const {
    if (approved + rejected == 0) return std::nullopt;
    return static_cast<double>(approved) / static_cast<double>(approved + rejected);
}

std::optional<int> DashboardStore::zone_id(const ProjectRecord& project, const std::string& name) {
    fold();
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    auto r = tx.exec_params(zone_by_name_sql, project.id, name);
    if (r.empty()) return std::nullopt;
    return r[0][0].as<int>();
}

std::vector<ZoneStates> DashboardStore::states(const ProjectRecord& project, std::optional<int> zone) {
    fold();
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    tx.exec(reader_setup_sql);
    std::vector<ZoneStates> out;
    if (!zone) out.emplace_back();  // the project (rows of zone 0 come first), even without tiles
    for (const auto& row : tx.exec_params(states_sql, project.id, zone.value_or(-1))) {
        const int id = row[0].as<int>();
        const std::optional<int> key = id == 0 ? std::nullopt : std::optional<int>(id);
        if (out.empty() || out.back().zone_id != key) {
            out.emplace_back();
            out.back().zone_id = key;
            out.back().zone = row[1].as<std::string>();
        }
        const int i = state_index(row[2].as<std::string>());
        if (i < 0) continue;
        out.back().states[static_cast<std::size_t>(i)].tiles += row[3].as<std::int64_t>();
        out.back().states[static_cast<std::size_t>(i)].area_m2 += static_cast<double>(row[4].as<std::int64_t>()) / 1e4;
    }
    if (zone && out.empty()) {  // a zone without tiles
        out.emplace_back();
        out.back().zone_id = zone;
        auto r = tx.exec_params(zone_name_sql, *zone);
        if (!r.empty()) out.back().zone = r[0][0].as<std::string>();
    }
    return out;
}

std::vector<DayStates> DashboardStore::progress(const ProjectRecord& project, std::optional<int> zone,
                                                const DayRange& range) {
    fold();
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    tx.exec(reader_setup_sql);
    auto rows = zone ? tx.exec_params(zone_progress_sql, project.id, range.from, range.to, *zone)
                     : tx.exec_params(progress_sql, project.id, range.from, range.to);
    std::vector<DayStates> out;
    for (const auto& row : rows) {
        auto day = row[0].as<std::string>();
        if (out.empty() || out.back().day != day) {
            out.emplace_back();
            out.back().day = std::move(day);
        }
        const int i = state_index(row[1].as<std::string>());
        if (i >= 0) out.back().tiles[static_cast<std::size_t>(i)] = row[2].as<std::int64_t>();
    }
    return out;
}

std::vector<DayThroughput> DashboardStore::throughput(const ProjectRecord& project, const DayRange& range) {
    fold();
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    tx.exec(reader_setup_sql);
    std::vector<DayThroughput> out;
    for (const auto& row : tx.exec_params(throughput_sql, project.id, range.from, range.to)) {
        DayThroughput d;
        d.day = row[0].as<std::string>();
        d.change_sets = row[1].as<std::int64_t>();
        d.ops = row[2].as<std::int64_t>();
        d.submissions = row[3].as<std::int64_t>();
        d.approvals = row[4].as<std::int64_t>();
        d.rejections = row[5].as<std::int64_t>();
        d.reopens = row[6].as<std::int64_t>();
        out.push_back(std::move(d));
    }
    return out;
}

std::vector<ContributorFigures> DashboardStore::contributors(const ProjectRecord& project, std::optional<int> user,
                                                             const DayRange& range) {
    fold();
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    tx.exec(reader_setup_sql);
    std::vector<ContributorFigures> out;
    for (const auto& row : tx.exec_params(contributors_sql, project.id, range.from, range.to, user.value_or(-1))) {
        ContributorFigures c;
        c.user_id = row[0].as<int>();
        c.username = row[1].as<std::string>();
        c.change_sets = row[2].as<std::int64_t>();
        c.ops = row[3].as<std::int64_t>();
        c.submissions = row[4].as<std::int64_t>();
        c.tiles_submitted = row[5].as<std::int64_t>();
        c.approved = row[6].as<std::int64_t>();
        c.rejected = row[7].as<std::int64_t>();
        c.rework = row[8].as<std::int64_t>();
        out.push_back(std::move(c));
    }
    return out;
}

std::vector<ControllerFigures> DashboardStore::controllers(const ProjectRecord& project, std::optional<int> user) {
    fold();
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    tx.exec(reader_setup_sql);
    std::vector<ControllerFigures> out;
    for (const auto& row : tx.exec_params(controllers_sql, project.id, user.value_or(-1))) {
        ControllerFigures c;
        c.user_id = row[0].as<int>();
        c.username = row[1].as<std::string>();
        c.claimed = row[2].as<std::int64_t>();
        c.approved = row[3].as<std::int64_t>();
        c.rejected = row[4].as<std::int64_t>();
        c.released = row[5].as<std::int64_t>();
        c.lapsed = row[6].as<std::int64_t>();
        if (!row[7].is_null()) c.median_review_s = row[7].as<std::int64_t>();
        out.push_back(std::move(c));
    }
    for (const auto& row : tx.exec_params(reasons_sql, project.id, user.value_or(-1))) {
        const int id = row[0].as<int>();
        auto it = std::find_if(out.begin(), out.end(), [&](const ControllerFigures& c) { return c.user_id == id; });
        if (it != out.end()) it->reasons[row[1].as<std::string>()] += row[2].as<std::int64_t>();
    }
    return out;
}

std::vector<QcFigures> DashboardStore::qc(const ProjectRecord& project) {
    fold();
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    std::vector<QcFigures> out;
    for (const auto& row : tx.exec_params(qc_sql, project.id))
        out.push_back({row[0].as<std::string>(), row[1].as<bool>(), row[2].as<std::int64_t>(),
                       row[3].as<std::int64_t>()});
    return out;
}

ConflictFigures DashboardStore::conflicts(const ProjectRecord& project, const DayRange& range, int tile_limit) {
    fold();
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    tx.exec(reader_setup_sql);
    ConflictFigures out;
    for (const auto& row : tx.exec_params(conflict_days_sql, project.id, range.from, range.to)) {
        out.days.push_back({row[0].as<std::string>(), row[1].as<std::int64_t>(), row[2].as<std::int64_t>()});
        out.total += out.days.back().conflicts;
    }
    const bool ranged = !range.from.empty() || !range.to.empty();
    auto tiles = ranged ? tx.exec_params(conflict_range_tiles_sql, project.id, range.from, range.to, tile_limit)
                        : tx.exec_params(conflict_tiles_sql, project.id, tile_limit);
    for (const auto& row : tiles)
        out.tiles.push_back({row[0].as<std::string>(), row[1].as<std::int64_t>(), row[2].as<std::int64_t>(),
                             row[3].as<std::string>()});
    auto users = ranged ? tx.exec_params(conflict_range_users_sql, project.id, range.from, range.to)
                        : tx.exec_params(conflict_users_sql, project.id);
    for (const auto& row : users)
        out.users.push_back(
            {row[0].as<int>(), row[1].as<std::string>(), row[2].as<std::int64_t>(), row[3].as<std::int64_t>()});
    return out;
}

std::size_t DashboardStore::fold() {
    // Small transactions: a large one would hold back, at its commit, every edit committing
    // behind it (they wait for its write-ahead log to be flushed).
    constexpr int batch = 500;
    std::size_t total = 0;
    for (;;) {
        auto conn = m_db.acquire();
        pqxx::work tx(conn->pq());
        const auto n = tx.exec1("SELECT dashboard_fold(" + std::to_string(batch) + ")")[0].as<int>();
        tx.commit();
        total += static_cast<std::size_t>(n);
        if (n < batch) return total;
    }
}

void DashboardStore::rebuild(const ProjectRecord& project) {
    auto conn = m_db.acquire();
    pqxx::work tx(conn->pq());
    tx.exec_params(rebuild_sql, project.id);
    tx.commit();
}

}  // namespace tessera::store
