#include "store/workflow_store.hpp"

#include "store/connection.hpp"

namespace tessera::store {
namespace {

// The priority score of a tile `t` (higher first): a lead's override, else (1 - model
// confidence) × 100, plus up to 50 for blocking quality issues, plus the largest boost of a zone
// holding the tile.
constexpr const char* score_sql =
    "coalesce(t.priority_override, (1 - coalesce(t.mean_confidence, 0.5)) * 100 + least(t.qc_blocking, 50) + "
    "coalesce((SELECT max(z.boost) FROM zone_tile zt JOIN zone z ON z.id = zt.zone_id "
    "WHERE zt.project_id = t.project_id AND zt.tile_key = t.key), 0))";

// Tiles within the user's zones ($2), or every tile when the user has none.
constexpr const char* in_zones_sql =
    "(NOT EXISTS (SELECT 1 FROM user_zone WHERE user_id = $2) OR EXISTS (SELECT 1 FROM user_zone uz JOIN zone_tile zt "
    "ON zt.zone_id = uz.zone_id WHERE uz.user_id = $2 AND zt.project_id = t.project_id AND zt.tile_key = t.key))";

std::vector<std::string> parse_text_array(const std::string& s) {
    // PostgreSQL's text form of a text[] of simple words: {a,b}
    std::vector<std::string> out;
    if (s.size() < 2) return out;
    std::string cur;
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
        if (s[i] == ',') {
            out.push_back(cur);
            cur.clear();
        } else if (s[i] != '"') {
            cur += s[i];
        }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

void load_comments(pqxx::read_transaction& tx, ReviewRecord& r) {
    for (const auto& row : tx.exec_params(
             "SELECT coalesce(c.feature_id, 0), c.x_cm, c.y_cm, c.reason, c.text, u.username, "
             "(extract(epoch FROM c.created_at) * 1000)::bigint FROM review_comment c JOIN app_user u ON u.id = "
             "c.author_id WHERE c.review_id = $1 ORDER BY c.id",
             r.id)) {
        CommentRow c;
        c.feature_id = row[0].as<std::int64_t>();
        c.x_cm = row[1].as<std::int64_t>();
        c.y_cm = row[2].as<std::int64_t>();
        c.reason = row[3].as<std::string>();
        c.text = row[4].as<std::string>();
        c.author = row[5].as<std::string>();
        c.at_ms = row[6].as<std::int64_t>();
        r.comments.push_back(std::move(c));
    }
}

constexpr const char* review_columns =
    "r.id, u.username, coalesce(r.outcome, ''), r.reasons::text, r.comment, "
    "(extract(epoch FROM r.claimed_at) * 1000)::bigint, coalesce((extract(epoch FROM r.ended_at) * 1000)::bigint, 0) "
    "FROM review r JOIN app_user u ON u.id = r.reviewer_id ";

ReviewRecord review_from(const pqxx::row& row) {
    ReviewRecord r;
    r.id = row[0].as<std::int64_t>();
    r.reviewer = row[1].as<std::string>();
    r.outcome = row[2].as<std::string>();
    r.reasons = parse_text_array(row[3].as<std::string>());
    r.comment = row[4].as<std::string>();
    r.claimed_at_ms = row[5].as<std::int64_t>();
    r.ended_at_ms = row[6].as<std::int64_t>();
    return r;
}

}  // namespace

std::vector<WorkRecord> WorkflowStore::my_work(const ProjectRecord& project, int user_id, std::size_t limit) {
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    auto rows = tx.exec_params(
        "WITH mine AS ("
        "  SELECT tile_key, count(*) FILTER (WHERE kind = 'change_set') AS n, max(at) AS last FROM event "
        "  WHERE project_id = $1 AND actor_id = $2 AND kind IN ('change_set', 'submitted') GROUP BY tile_key) "
        "SELECT t.key, t.state::text, m.n, (extract(epoch FROM m.last) * 1000)::bigint, t.qc_blocking, t.qc_warnings, "
        "(SELECT r.id FROM review r WHERE r.project_id = t.project_id AND r.tile_key = t.key AND r.ended_at IS NOT NULL "
        " AND r.outcome IN ('approved', 'rejected') ORDER BY r.id DESC LIMIT 1) "
        "FROM mine m JOIN tile t ON t.project_id = $1 AND t.key = m.tile_key ORDER BY m.last DESC LIMIT $3",
        project.id, user_id, static_cast<long long>(limit));
    std::vector<WorkRecord> out;
    for (const auto& row : rows) {
        WorkRecord w;
        w.tile_key = row[0].as<std::string>();
        w.state = row[1].as<std::string>();
        w.change_sets = row[2].as<int>();
        w.last_change_ms = row[3].as<std::int64_t>();
        w.qc_blocking = row[4].as<int>();
        w.qc_warnings = row[5].as<int>();
        if (!row[6].is_null()) {
            auto r = tx.exec_params1(std::string("SELECT ") + review_columns + "WHERE r.id = $1", row[6].as<std::int64_t>());
            w.last_review = review_from(r);
            load_comments(tx, *w.last_review);
        }
        out.push_back(std::move(w));
    }
    return out;
}

std::vector<ReviewRecord> WorkflowStore::reviews(const ProjectRecord& project, const std::string& tile_key,
                                                 std::size_t limit) {
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    std::vector<ReviewRecord> out;
    for (const auto& row : tx.exec_params(std::string("SELECT ") + review_columns +
                                              "WHERE r.project_id = $1 AND r.tile_key = $2 ORDER BY r.id DESC LIMIT $3",
                                          project.id, tile_key, static_cast<long long>(limit))) {
        out.push_back(review_from(row));
        load_comments(tx, out.back());
    }
    return out;
}

std::vector<PredictedFeature> WorkflowStore::prediction(const ProjectRecord& project, const std::string& tile_key) {
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    std::vector<PredictedFeature> out;
    for (const auto& row : tx.exec_params(
             "SELECT h.feature_id, h.code_cs, h.code_us, f.pred_confidence, ST_AsBinary(h.geom), "
             "f.id IS NULL OR f.version > 1 "
             "FROM feature_history h LEFT JOIN feature f ON f.id = h.feature_id "
             "WHERE h.project_id = $1 AND h.tile_key = $2 AND h.version = 1 AND h.change_set IS NULL "
             "AND h.geom IS NOT NULL ORDER BY h.feature_id",
             project.id, tile_key)) {
        PredictedFeature p;
        p.id = row[0].as<std::int64_t>();
        p.code_cs = row[1].as<std::string>();
        p.code_us = row[2].as<std::string>();
        if (!row[3].is_null()) p.confidence = row[3].as<float>();
        p.wkb = pqxx::binarystring(row[4]).str();
        p.changed = row[5].as<bool>();
        out.push_back(std::move(p));
    }
    return out;
}

std::vector<QueueEntry> WorkflowStore::review_queue(const ProjectRecord& project, int user_id, std::size_t limit) {
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    std::vector<QueueEntry> out;
    for (const auto& row : tx.exec_params(
             std::string("SELECT t.key, coalesce(u.username, ''), coalesce((extract(epoch FROM e.at) * 1000)::bigint, 0), "
                         "t.qc_warnings FROM tile t "
                         "LEFT JOIN LATERAL (SELECT actor_id, at FROM event WHERE project_id = t.project_id AND "
                         "tile_key = t.key AND kind = 'submitted' ORDER BY id DESC LIMIT 1) e ON true "
                         "LEFT JOIN app_user u ON u.id = e.actor_id "
                         "WHERE t.project_id = $1 AND t.state = 'submitted' AND ") +
                 in_zones_sql +
                 " AND NOT EXISTS (SELECT 1 FROM feature_history h WHERE h.project_id = t.project_id AND "
                 "h.tile_key = t.key AND h.author_id = $2) ORDER BY e.at NULLS LAST, t.key LIMIT $3",
             project.id, user_id, static_cast<long long>(limit))) {
        out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::int64_t>(), row[3].as<int>()});
    }
    return out;
}

bool WorkflowStore::set_priority(const ProjectRecord& project, const std::string& tile_key,
                                 std::optional<double> priority, int actor_id) {
    auto conn = m_db.acquire();
    pqxx::work tx(conn->pq());
    auto r = priority ? tx.exec_params("UPDATE tile SET priority_override = $3 WHERE project_id = $1 AND key = $2 "
                                       "RETURNING key",
                                       project.id, tile_key, *priority)
                      : tx.exec_params("UPDATE tile SET priority_override = NULL WHERE project_id = $1 AND key = $2 "
                                       "RETURNING key",
                                       project.id, tile_key);
    if (r.empty()) return false;
    tx.exec_params("INSERT INTO event (project_id, tile_key, kind, actor_id, payload) VALUES ($1, $2, 'priority_set', "
                   "$3, jsonb_build_object('priority', $4::double precision))",
                   project.id, tile_key, actor_id, priority ? std::optional<double>(*priority) : std::nullopt);
    tx.commit();
    return true;
}

std::vector<NextTile> WorkflowStore::next_tiles(const ProjectRecord& project, int user_id, std::size_t limit) {
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    std::vector<NextTile> out;
    for (const auto& row : tx.exec_params(
             std::string("SELECT t.key, t.state::text, ") + score_sql +
                 " AS score, t.mean_confidence, t.qc_blocking FROM tile t "
                 "WHERE t.project_id = $1 AND t.state IN ('todo', 'in_progress', 'rejected') AND " +
                 in_zones_sql +
                 " AND NOT EXISTS (SELECT 1 FROM tile_lease l WHERE l.project_id = t.project_id AND l.tile_key = t.key "
                 "AND l.user_id <> $2 AND l.expires_at > now()) ORDER BY score DESC, t.key LIMIT $3",
             project.id, user_id, static_cast<long long>(limit))) {
        NextTile n;
        n.tile_key = row[0].as<std::string>();
        n.state = row[1].as<std::string>();
        n.score = row[2].as<double>();
        if (!row[3].is_null()) n.mean_confidence = row[3].as<double>();
        n.qc_blocking = row[4].as<int>();
        out.push_back(std::move(n));
    }
    return out;
}

}  // namespace tessera::store
