#include "store/edit_store.hpp"

#include <map>
#include <stdexcept>

#include "store/connection.hpp"

namespace tessera::store {
namespace {

constexpr const char* feature_columns =
    "f.id, f.version, f.code_cs, f.code_us, ST_AsBinary(f.geom), f.reviewed, coalesce(f.pred_cs, ''), "
    "coalesce(f.pred_us, ''), f.pred_confidence, (extract(epoch FROM f.updated_at) * 1000)::bigint, "
    "coalesce(u.username, '') FROM feature f LEFT JOIN app_user u ON u.id = f.author_id ";

StoredFeature feature_from(const pqxx::row& r) {
    StoredFeature f;
    f.id = r[0].as<std::int64_t>();
    f.version = r[1].as<int>();
    f.code_cs = r[2].as<std::string>();
    f.code_us = r[3].as<std::string>();
    f.wkb = pqxx::binarystring(r[4]).str();
    f.reviewed = r[5].as<bool>();
    f.pred_cs = r[6].as<std::string>();
    f.pred_us = r[7].as<std::string>();
    if (!r[8].is_null()) f.pred_confidence = r[8].as<float>();
    f.updated_at_ms = r[9].as<std::int64_t>();
    f.author = r[10].as<std::string>();
    return f;
}

std::string id_array(const std::vector<std::int64_t>& ids) {
    std::string out = "{";
    for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
    return out + "}";
}

std::string json_ids(const std::vector<std::int64_t>& ids) {
    std::string out = "[";
    for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
    return out + "]";
}

}  // namespace

struct EditTransaction::Impl {
    Database::Lease conn;
    pqxx::work tx;
    ProjectRecord project;
    std::string key;
    std::optional<TileRecord> tile;

    Impl(Database& db, const ProjectRecord& p, const std::string& k)
        : conn(db.acquire()), tx(conn->pq()), project(p), key(k) {}
};

EditTransaction::EditTransaction(Database& db, const ProjectRecord& project, const std::string& tile_key)
    : m_impl(std::make_unique<Impl>(db, project, tile_key)) {
    auto& tx = m_impl->tx;
    // The tile row lock serialises every writer of this tile, whatever instance it runs in.
    auto r = tx.exec_params(
        "SELECT key, x_km, y_km, state::text, seq, feature_count, mean_confidence FROM tile "
        "WHERE project_id = $1 AND key = $2 FOR UPDATE",
        project.id, tile_key);
    if (!r.empty()) {
        TileRecord t;
        t.key = r[0][0].as<std::string>();
        t.x_km = r[0][1].as<int>();
        t.y_km = r[0][2].as<int>();
        t.state = r[0][3].as<std::string>();
        t.seq = r[0][4].as<std::int64_t>();
        t.feature_count = r[0][5].as<int>();
        m_impl->tile = t;
    }
}

EditTransaction::~EditTransaction() = default;

const std::optional<TileRecord>& EditTransaction::tile() const { return m_impl->tile; }

std::optional<std::string> EditTransaction::previous_outcome(const std::string& change_set_id) {
    auto r = m_impl->tx.exec_params("SELECT outcome FROM change_set WHERE project_id = $1 AND id = $2",
                                    m_impl->project.id, change_set_id);
    if (r.empty()) return std::nullopt;
    return pqxx::binarystring(r[0][0]).str();
}

std::vector<StoredFeature> EditTransaction::load(const std::vector<std::int64_t>& ids,
                                                 const std::optional<tiles::Box>& near, double margin_m) {
    const auto& p = m_impl->project;
    const bool spatial = near.has_value();
    const tiles::Box b = spatial ? *near : tiles::Box{};
    auto r = m_impl->tx.exec_params(
        std::string("SELECT ") + feature_columns +
            "WHERE f.project_id = $1 AND f.tile_key = $2 AND (f.id = ANY($3::bigint[]) OR ($4 AND f.geom && "
            "ST_MakeEnvelope($5, $6, $7, $8, $9))) ORDER BY f.id FOR UPDATE OF f",
        p.id, m_impl->key, id_array(ids), spatial, b.min_x - margin_m, b.min_y - margin_m, b.max_x + margin_m,
        b.max_y + margin_m, p.srid);
    std::vector<StoredFeature> out;
    out.reserve(r.size());
    for (const auto& row : r) out.push_back(feature_from(row));
    return out;
}

std::vector<StoredFeature> EditTransaction::load_all() {
    auto r = m_impl->tx.exec_params(std::string("SELECT ") + feature_columns +
                                        "WHERE f.project_id = $1 AND f.tile_key = $2 ORDER BY f.id FOR UPDATE OF f",
                                    m_impl->project.id, m_impl->key);
    std::vector<StoredFeature> out;
    out.reserve(r.size());
    for (const auto& row : r) out.push_back(feature_from(row));
    return out;
}

std::optional<std::string> EditTransaction::home_of(std::int64_t id) {
    auto r = m_impl->tx.exec_params(
        "SELECT tile_key FROM feature WHERE id = $1 AND project_id = $2 UNION ALL "
        "SELECT tile_key FROM feature_history WHERE feature_id = $1 AND project_id = $2 LIMIT 1",
        id, m_impl->project.id);
    if (r.empty()) return std::nullopt;
    return r[0][0].as<std::string>();
}

std::optional<EditTransaction::Changed> EditTransaction::changed_since(std::int64_t id, int base_version,
                                                                       const StoredFeature& current) {
    auto r = m_impl->tx.exec_params(
        "SELECT code_cs, code_us, reviewed, ST_AsBinary(geom) FROM feature_history WHERE feature_id = $1 AND "
        "version = $2",
        id, base_version);
    if (r.empty()) return std::nullopt;
    Changed c;
    c.classes = r[0][0].as<std::string>() != current.code_cs || r[0][1].as<std::string>() != current.code_us ||
                r[0][2].as<bool>() != current.reviewed;
    c.geometry = r[0][3].is_null() || pqxx::binarystring(r[0][3]).str() != current.wkb;
    return c;
}

EditTransaction::Written EditTransaction::write(int user_id, const std::string& change_set_id, std::size_t ops,
                                                const std::vector<FeatureWrite>& writes,
                                                const std::vector<std::int64_t>& deletes,
                                                unsigned lease_seconds) {
    auto& tx = m_impl->tx;
    const auto& p = m_impl->project;
    const auto& key = m_impl->key;
    if (!m_impl->tile) throw std::logic_error("writing to a tile that does not exist");
    Written out;
    out.seq = m_impl->tile->seq + 1;
    std::vector<std::int64_t> ids;
    for (const auto& w : writes) {
        std::int64_t id = w.id;
        const pqxx::binarystring wkb(w.wkb ? *w.wkb : std::string());
        if (w.id > 0) {
            tx.exec_params(
                "UPDATE feature SET code_cs = $2, code_us = $3, reviewed = $4, "
                "geom = CASE WHEN $5 THEN ST_SetSRID(ST_GeomFromWKB($6), $7) ELSE geom END, "
                "version = version + 1, author_id = $8, updated_at = now() WHERE id = $1",
                w.id, w.code_cs, w.code_us, w.reviewed, w.wkb.has_value(), wkb, p.srid, user_id);
        } else {
            if (!w.wkb) throw std::logic_error("a new feature without geometry");
            auto r = tx.exec_params1(
                "INSERT INTO feature (project_id, tile_key, code_cs, code_us, geom, reviewed, author_id, pred_cs, "
                "pred_us, pred_confidence, prediction_set_id) "
                "SELECT $1, $2, $3, $4, ST_SetSRID(ST_GeomFromWKB($5), $6), $7, $8, o.pred_cs, "
                "o.pred_us, o.pred_confidence, o.prediction_set_id "
                "FROM (SELECT 1) one LEFT JOIN feature o ON o.id = $9 RETURNING id",
                p.id, key, w.code_cs, w.code_us, wkb, p.srid, w.reviewed, user_id, w.inherit_prediction_from);
            id = r[0].as<std::int64_t>();
            out.created.emplace_back(w.id, id);
        }
        tx.exec_params(
            "INSERT INTO feature_history (feature_id, version, project_id, tile_key, code_cs, code_us, geom, reviewed, "
            "author_id, tile_seq, change_set, prev_version) "
            "SELECT id, version, project_id, tile_key, code_cs, code_us, geom, reviewed, author_id, $2, $3, "
            "CASE WHEN version > 1 THEN version - 1 END FROM feature WHERE id = $1",
            id, out.seq, change_set_id);
        ids.push_back(id);
    }
    for (auto id : deletes) {
        tx.exec_params(
            "INSERT INTO feature_history (feature_id, version, project_id, tile_key, code_cs, code_us, geom, reviewed, "
            "author_id, tile_seq, change_set, prev_version) "
            "SELECT id, version + 1, project_id, tile_key, code_cs, code_us, NULL, reviewed, $2, $3, $4, version "
            "FROM feature WHERE id = $1",
            id, user_id, out.seq, change_set_id);
        tx.exec_params("DELETE FROM feature WHERE id = $1", id);
        out.deleted.push_back(id);
    }
    const auto state_before = m_impl->tile->state;
    auto t = tx.exec_params1(
        "UPDATE tile SET seq = $3, state = CASE WHEN state = 'todo' THEN 'in_progress'::tile_state ELSE state END, "
        "feature_count = feature_count + $4, updated_at = now() WHERE project_id = $1 AND key = $2 RETURNING state::text",
        p.id, key, out.seq, static_cast<int>(out.created.size()) - static_cast<int>(deletes.size()));
    m_impl->tile->seq = out.seq;
    m_impl->tile->state = t[0].as<std::string>();
    tx.exec_params(
        "INSERT INTO event (project_id, tile_key, tile_seq, kind, actor_id, payload) VALUES ($1, $2, $3, 'change_set', "
        "$4, jsonb_build_object('change_set', $5::text, 'ops', $6::int, 'written', $7::jsonb, 'deleted', $8::jsonb, "
        "'state_from', $9::text, 'state_to', $10::text))",
        p.id, key, out.seq, user_id, change_set_id, static_cast<int>(ops), json_ids(ids), json_ids(deletes),
        state_before, m_impl->tile->state);
    tx.exec_params(
        "UPDATE tile_lease SET expires_at = now() + make_interval(secs => $4) WHERE project_id = $1 AND tile_key = $2 "
        "AND user_id = $3",
        p.id, key, user_id, static_cast<int>(lease_seconds));
    tx.exec_params("SELECT pg_notify($1, $2)", tile_channel,
                   std::to_string(p.id) + " " + key + " " + std::to_string(out.seq));
    if (!ids.empty()) {
        auto r = tx.exec_params(std::string("SELECT ") + feature_columns + "WHERE f.id = ANY($1::bigint[]) ORDER BY f.id",
                                id_array(ids));
        for (const auto& row : r) out.features.push_back(feature_from(row));
    }
    return out;
}

void EditTransaction::record_outcome(const std::string& change_set_id, int user_id, std::int64_t seq, std::size_t ops,
                                     const std::string& outcome) {
    m_impl->tx.exec_params(
        "INSERT INTO change_set (project_id, id, tile_key, user_id, tile_seq, ops, outcome) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        m_impl->project.id, change_set_id, m_impl->key, user_id, seq, static_cast<int>(ops),
        pqxx::binarystring(outcome));
}

void EditTransaction::record_conflict(const std::string& change_set_id, int user_id,
                                      const std::vector<std::int64_t>& ids, const std::string& message) {
    m_impl->tx.exec_params(
        "INSERT INTO conflict (project_id, tile_key, change_set, user_id, feature_ids, message) "
        "VALUES ($1, $2, $3, $4, $5::bigint[], $6)",
        m_impl->project.id, m_impl->key, change_set_id, user_id, id_array(ids), message);
}

void EditTransaction::commit() { m_impl->tx.commit(); }

std::optional<std::vector<TileChangeRecord>> EditStore::changes_after(const ProjectRecord& project,
                                                                      const std::string& tile_key,
                                                                      std::int64_t after_seq, std::size_t limit) {
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    auto n = tx.exec_params1(
        "SELECT count(DISTINCT tile_seq) FROM feature_history WHERE project_id = $1 AND tile_key = $2 AND tile_seq > $3",
        project.id, tile_key, after_seq);
    if (n[0].as<std::size_t>() > limit) return std::nullopt;
    auto r = tx.exec_params(
        "SELECT h.tile_seq, coalesce(h.change_set, ''), coalesce(h.author_id, 0), coalesce(u.username, ''), "
        "(extract(epoch FROM h.changed_at) * 1000)::bigint, h.feature_id, h.version, h.code_cs, h.code_us, "
        "ST_AsBinary(h.geom), h.reviewed, coalesce(f.pred_cs, ''), coalesce(f.pred_us, ''), f.pred_confidence, t.state::text "
        "FROM feature_history h LEFT JOIN app_user u ON u.id = h.author_id LEFT JOIN feature f ON f.id = h.feature_id "
        "JOIN tile t ON t.project_id = h.project_id AND t.key = h.tile_key "
        "WHERE h.project_id = $1 AND h.tile_key = $2 AND h.tile_seq > $3 ORDER BY h.tile_seq, h.feature_id",
        project.id, tile_key, after_seq);
    std::vector<TileChangeRecord> out;
    for (const auto& row : r) {
        const auto seq = row[0].as<std::int64_t>();
        if (out.empty() || out.back().seq != seq) {
            TileChangeRecord c;
            c.seq = seq;
            c.change_set = row[1].as<std::string>();
            c.author_id = row[2].as<int>();
            c.author = row[3].as<std::string>();
            c.at_ms = row[4].as<std::int64_t>();
            c.state = row[14].as<std::string>();
            out.push_back(std::move(c));
        }
        auto& c = out.back();
        if (row[9].is_null()) {
            c.deleted.push_back(row[5].as<std::int64_t>());
            continue;
        }
        StoredFeature f;
        f.id = row[5].as<std::int64_t>();
        f.version = row[6].as<int>();
        f.code_cs = row[7].as<std::string>();
        f.code_us = row[8].as<std::string>();
        f.wkb = pqxx::binarystring(row[9]).str();
        f.reviewed = row[10].as<bool>();
        f.pred_cs = row[11].as<std::string>();
        f.pred_us = row[12].as<std::string>();
        if (!row[13].is_null()) f.pred_confidence = row[13].as<float>();
        f.updated_at_ms = c.at_ms;
        f.author = c.author;
        c.features.push_back(std::move(f));
    }
    return out;
}

EditStore::LeaseState EditStore::claim_lease(const ProjectRecord& project, const std::string& tile_key, int user_id,
                                             unsigned seconds) {
    auto conn = m_db.acquire();
    pqxx::work tx(conn->pq());
    // Take it when free, lapsed or already ours; otherwise read who has it.
    tx.exec_params(
        "INSERT INTO tile_lease (project_id, tile_key, user_id, expires_at) "
        "VALUES ($1, $2, $3, now() + make_interval(secs => $4)) "
        "ON CONFLICT (project_id, tile_key) DO UPDATE SET user_id = EXCLUDED.user_id, expires_at = EXCLUDED.expires_at, "
        "claimed_at = CASE WHEN tile_lease.user_id = EXCLUDED.user_id THEN tile_lease.claimed_at ELSE now() END "
        "WHERE tile_lease.user_id = EXCLUDED.user_id OR tile_lease.expires_at < now()",
        project.id, tile_key, user_id, static_cast<int>(seconds));
    auto r = tx.exec_params1(
        "SELECT l.user_id, u.username, (extract(epoch FROM l.expires_at) * 1000)::bigint FROM tile_lease l "
        "JOIN app_user u ON u.id = l.user_id WHERE l.project_id = $1 AND l.tile_key = $2",
        project.id, tile_key);
    LeaseState s{r[0].as<int>(), r[1].as<std::string>(), r[2].as<std::int64_t>()};
    if (s.user_id == user_id) {
        tx.exec_params("INSERT INTO event (project_id, tile_key, kind, actor_id, payload) VALUES ($1, $2, "
                       "'lease_claimed', $3, '{}')",
                       project.id, tile_key, user_id);
    }
    tx.exec_params("SELECT pg_notify($1, $2)", tile_channel, std::to_string(project.id) + " " + tile_key + " lease");
    tx.commit();
    return s;
}

void EditStore::release_lease(const ProjectRecord& project, const std::string& tile_key, int user_id) {
    auto conn = m_db.acquire();
    pqxx::work tx(conn->pq());
    auto r = tx.exec_params("DELETE FROM tile_lease WHERE project_id = $1 AND tile_key = $2 AND user_id = $3 RETURNING 1",
                            project.id, tile_key, user_id);
    if (!r.empty()) {
        tx.exec_params("INSERT INTO event (project_id, tile_key, kind, actor_id, payload) VALUES ($1, $2, "
                       "'lease_released', $3, '{}')",
                       project.id, tile_key, user_id);
        tx.exec_params("SELECT pg_notify($1, $2)", tile_channel, std::to_string(project.id) + " " + tile_key + " lease");
    }
    tx.commit();
}

std::optional<EditStore::LeaseState> EditStore::lease(const ProjectRecord& project, const std::string& tile_key) {
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    auto r = tx.exec_params(
        "SELECT l.user_id, u.username, (extract(epoch FROM l.expires_at) * 1000)::bigint FROM tile_lease l "
        "JOIN app_user u ON u.id = l.user_id WHERE l.project_id = $1 AND l.tile_key = $2 AND l.expires_at > now()",
        project.id, tile_key);
    if (r.empty()) return std::nullopt;
    return LeaseState{r[0][0].as<int>(), r[0][1].as<std::string>(), r[0][2].as<std::int64_t>()};
}

std::vector<std::pair<std::string, int>> EditStore::expire_leases(const ProjectRecord& project) {
    auto conn = m_db.acquire();
    pqxx::work tx(conn->pq());
    auto r = tx.exec_params(
        "DELETE FROM tile_lease WHERE project_id = $1 AND expires_at < now() RETURNING tile_key, user_id", project.id);
    std::vector<std::pair<std::string, int>> out;
    for (const auto& row : r) {
        out.emplace_back(row[0].as<std::string>(), row[1].as<int>());
        tx.exec_params("INSERT INTO event (project_id, tile_key, kind, actor_id, payload) VALUES ($1, $2, "
                       "'lease_lapsed', $3, '{}')",
                       project.id, out.back().first, out.back().second);
        tx.exec_params("SELECT pg_notify($1, $2)", tile_channel,
                       std::to_string(project.id) + " " + out.back().first + " lapsed " +
                           std::to_string(out.back().second));
    }
    tx.commit();
    return out;
}

}  // namespace tessera::store
