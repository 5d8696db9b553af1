#include "store/edit_store.hpp"

#include <map>
#include <stdexcept>

#include "core/hex.hpp"
#include "store/class_groups.hpp"
#include "store/connection.hpp"
#include "store/detail_arrays.hpp"
#include "store/detail_qc_access.hpp"
#include "store/detail_rows.hpp"
#include "store/queries.hpp"

namespace tessera::store {
namespace detail {

// Every read of the editing path selects the columns in this order.
StoredFeature feature_from(const pqxx::row& r, pqxx::row::size_type first) {
    StoredFeature f;
    f.id = r[first].as<std::int64_t>();
    f.version = r[first + 1].as<int>();
    f.code_cs = r[first + 2].as<std::string>();
    f.code_us = r[first + 3].as<std::string>();
    f.wkb = pqxx::binarystring(r[first + 4]).str();
    f.reviewed = r[first + 5].as<bool>();
    f.pred_cs = r[first + 6].as<std::string>();
    f.pred_us = r[first + 7].as<std::string>();
    if (!r[first + 8].is_null()) f.pred_confidence = r[first + 8].as<float>();
    f.updated_at_ms = r[first + 9].as<std::int64_t>();
    f.author = r[first + 10].as<std::string>();
    return f;
}

}  // namespace detail

namespace {

using detail::feature_from;
using detail::id_array;
using detail::text_array;

constexpr const char* feature_columns = TESSERA_FEATURE_COLUMNS;

}  // namespace

struct EditTransaction::Impl {
    Database::Lease conn;
    pqxx::work tx;
    ProjectRecord project;
    std::string key;
    std::optional<TileRecord> tile;
    std::optional<std::string> previous;
    EditTransaction::Loaded loaded;
    detail::GroupedQcWrites qc_writes;
    detail::QcAccessImpl qc;

    Impl(Database& db, const ProjectRecord& p, const std::string& k)
        : conn(db.acquire()), tx(conn->pq()), project(p), key(k), qc(tx, project, key, &qc_writes) {}
};

EditTransaction::EditTransaction(Database& db, const ProjectRecord& project, const std::string& tile_key,
                                 const std::string& change_set_id, const LoadRequest& load)
    : m_impl(std::make_unique<Impl>(db, project, tile_key)) {
    // The tile's writer lock serialises every writer of this tile, whatever instance it runs
    // in; the features read after it cannot change under us.
    const auto bound = [&](double tiles::Box::*side) {
        return load.region ? std::optional<double>((*load.region).*side) : std::nullopt;
    };
    for (const auto& row :
         m_impl->tx.exec_prepared(q::edit_begin, project.id, tile_key, change_set_id, id_array(load.ids),
                                  bound(&tiles::Box::min_x), bound(&tiles::Box::min_y), bound(&tiles::Box::max_x),
                                  bound(&tiles::Box::max_y), load.margin_m, project.srid)) {
        if (row[0].as<int>() == 1) {
            auto& loaded = m_impl->loaded;
            (row[9].as<bool>() ? loaded.referenced : loaded.context).push_back(feature_from(row, 10));
            continue;
        }
        m_impl->tile = detail::tile_from(row, 1);
        if (!row[7].is_null()) {
            m_impl->previous = pqxx::binarystring(row[7]).str();
        } else if (!row[8].is_null()) {
            m_impl->previous = std::string();  // applied, answer to be rebuilt
        }
    }
}

EditTransaction::~EditTransaction() = default;

const std::optional<TileRecord>& EditTransaction::tile() const { return m_impl->tile; }

const std::optional<std::string>& EditTransaction::previous_outcome() const { return m_impl->previous; }

EditTransaction::Replay EditTransaction::replay(const std::string& change_set_id) {
    Replay out;
    auto seq = m_impl->tx.exec_params("SELECT tile_seq FROM change_set WHERE project_id = $1 AND id = $2",
                                      m_impl->project.id, change_set_id);
    if (!seq.empty()) out.seq = seq[0][0].as<std::int64_t>();
    for (const auto& row : m_impl->tx.exec_prepared(q::edit_replay, m_impl->project.id, change_set_id)) {
        if (row[4].is_null()) {
            out.deleted.push_back(row[0].as<std::int64_t>());
            continue;
        }
        auto f = feature_from(row);
        if (row[11].as<bool>()) out.created.push_back(f.id);
        out.features.push_back(std::move(f));
    }
    return out;
}

EditTransaction::Loaded& EditTransaction::loaded() { return m_impl->loaded; }

std::vector<StoredFeature> EditTransaction::load_all() {
    auto r = m_impl->tx.exec_params(std::string("SELECT ") + feature_columns +
                                        "WHERE f.project_id = $1 AND f.tile_key = $2 ORDER BY f.id",
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
                                                const std::vector<std::int64_t>& deletes, unsigned lease_seconds,
                                                double qc_margin_m) {
    if (!m_impl->tile) throw std::logic_error("writing to a tile that does not exist");
    const auto& p = m_impl->project;
    std::vector<std::int64_t> ids, inherit;
    std::vector<std::optional<std::string>> cs, us, reviewed, geom;
    for (const auto& w : writes) {
        ids.push_back(w.id);
        inherit.push_back(w.inherit_prediction_from);
        cs.emplace_back(w.code_cs);
        us.emplace_back(w.code_us);
        reviewed.emplace_back(w.reviewed ? "t" : "f");
        geom.push_back(w.wkb ? std::optional<std::string>(core::hex(*w.wkb)) : std::nullopt);
    }
    auto r = m_impl->tx.exec_prepared(q::edit_write, p.id, m_impl->key, user_id, change_set_id, static_cast<int>(ops),
                                      id_array(ids), text_array(cs), text_array(us), text_array(reviewed),
                                      text_array(geom), id_array(inherit), id_array(deletes), p.srid,
                                      static_cast<int>(lease_seconds), qc_margin_m);
    Written out;
    std::vector<QcAccess::Neighbourhood> hood(1);
    for (const auto& row : r) {
        if (row[0].as<int>() == 1) {
            detail::add_neighbourhood_row(row, 6, hood);
            continue;
        }
        out.seq = row[4].as<std::int64_t>();
        if (row[2].is_null()) {
            out.state = row[5].as<std::string>();
            continue;
        }
        out.rows.push_back({row[1].as<std::int64_t>(), row[2].as<std::int64_t>(), row[3].as<int>()});
    }
    out.deleted = deletes;
    detail::NeighbourhoodRequest request{m_impl->key, {}, deletes};
    for (const auto& row : out.rows) request.ids.push_back(row.id);
    m_impl->qc.prefetched(std::move(request), qc_margin_m, std::move(hood.front()));
    m_impl->tile->seq = out.seq;
    m_impl->tile->state = out.state;
    return out;
}

void EditTransaction::record_outcome(const std::string& change_set_id, int user_id, std::int64_t seq, std::size_t ops,
                                     const std::string& outcome) {
    detail::ChangeSetRecord record{change_set_id, m_impl->key, user_id, seq, static_cast<int>(ops), outcome};
    m_impl->qc_writes.flush(m_impl->tx, m_impl->project.id, &record);
}

void EditTransaction::record_conflict(const std::string& change_set_id, int user_id,
                                      const std::vector<std::int64_t>& ids, const std::string& message) {
    m_impl->tx.exec_params(
        "INSERT INTO conflict (project_id, tile_key, change_set, user_id, feature_ids, message) "
        "VALUES ($1, $2, $3, $4, $5::bigint[], $6)",
        m_impl->project.id, m_impl->key, change_set_id, user_id, id_array(ids), message);
}

QcAccess& EditTransaction::qc() { return m_impl->qc; }

void EditTransaction::commit() {
    m_impl->qc_writes.flush(m_impl->tx, m_impl->project.id);
    m_impl->tx.commit();
}

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
        "SELECT h.tile_seq, coalesce(h.change_set, ''), coalesce(h.author_id, 0), t.state::text, "
        "h.feature_id, h.version, h.code_cs, h.code_us, ST_AsBinary(h.geom), h.reviewed, coalesce(f.pred_cs, ''), "
        "coalesce(f.pred_us, ''), f.pred_confidence, (extract(epoch FROM h.changed_at) * 1000)::bigint, "
        "coalesce(u.username, ''), d.delta "
        "FROM feature_history h LEFT JOIN app_user u ON u.id = h.author_id LEFT JOIN feature f ON f.id = h.feature_id "
        "JOIN tile t ON t.project_id = h.project_id AND t.key = h.tile_key "
        "LEFT JOIN qc_delta d ON d.project_id = h.project_id AND d.tile_key = h.tile_key AND d.tile_seq = h.tile_seq "
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
            c.state = row[3].as<std::string>();
            c.at_ms = row[13].as<std::int64_t>();
            c.author = row[14].as<std::string>();
            if (!row[15].is_null()) c.qc_delta = pqxx::binarystring(row[15]).str();
            out.push_back(std::move(c));
        }
        auto& c = out.back();
        if (row[8].is_null()) {
            c.deleted.push_back(row[4].as<std::int64_t>());
            continue;
        }
        auto f = feature_from(row, 4);
        c.features.push_back(std::move(f));
    }
    return out;
}

EditStore::EditStore(Database& db) : m_db(db), m_grouper(std::make_unique<detail::ClassGrouper>(db)) {}

EditStore::~EditStore() = default;

std::optional<EditStore::ClassesResult> EditStore::apply_classes(
    const ProjectRecord& project, const std::string& tile_key, int user_id, const std::string& change_set_id,
    const std::vector<std::int64_t>& ids, const std::vector<int>& versions, const std::vector<std::string>& cs,
    const std::vector<std::string>& us, unsigned lease_seconds,
    const std::function<void(std::int64_t, QcAccess&)>& before_commit) {
    detail::ClassRequest r;
    r.project = &project;
    r.lease_seconds = lease_seconds;
    r.tile = &tile_key;
    r.user_id = user_id;
    r.change_set = &change_set_id;
    r.ids = &ids;
    r.versions = &versions;
    r.cs = &cs;
    r.us = &us;
    r.before_commit = &before_commit;
    m_grouper->apply(r);
    if (r.fallback) return std::nullopt;
    return std::move(r.result);
}

std::vector<EditStore::ConflictRecord> EditStore::conflicts(const ProjectRecord& project, const std::string& tile_key,
                                                           std::size_t limit) {
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    auto r = tx.exec_params(
        "SELECT c.id, c.tile_key, c.change_set, u.username, array_to_string(c.feature_ids, ','), c.message, "
        "(extract(epoch FROM c.at) * 1000)::bigint FROM conflict c JOIN app_user u ON u.id = c.user_id "
        "WHERE c.project_id = $1 AND ($2 = '' OR c.tile_key = $2) ORDER BY c.id DESC LIMIT $3",
        project.id, tile_key, static_cast<long long>(limit));
    std::vector<ConflictRecord> out;
    for (const auto& row : r) {
        ConflictRecord c;
        c.id = row[0].as<std::int64_t>();
        c.tile_key = row[1].as<std::string>();
        c.change_set = row[2].as<std::string>();
        c.username = row[3].as<std::string>();
        std::string ids = row[4].as<std::string>();
        std::size_t pos = 0;
        while (pos < ids.size()) {
            auto comma = ids.find(',', pos);
            c.feature_ids.push_back(std::stoll(ids.substr(pos, comma - pos)));
            if (comma == std::string::npos) break;
            pos = comma + 1;
        }
        c.message = row[5].as<std::string>();
        c.at_ms = row[6].as<std::int64_t>();
        out.push_back(std::move(c));
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
        "DELETE FROM tile_lease WHERE project_id = $1 AND expires_at < now() RETURNING tile_key, user_id, kind",
        project.id);
    std::vector<std::pair<std::string, int>> out;
    for (const auto& row : r) {
        out.emplace_back(row[0].as<std::string>(), row[1].as<int>());
        if (row[2].as<std::string>() == "review") {
            // A lapsed review gives the tile back to the queue of submitted tiles, recorded.
            auto moved = tx.exec_params("UPDATE tile SET state = 'submitted', updated_at = now() WHERE project_id = $1 "
                                        "AND key = $2 AND state = 'in_review' RETURNING seq",
                                        project.id, out.back().first);
            tx.exec_params("UPDATE review SET ended_at = now(), outcome = 'lapsed' WHERE project_id = $1 AND "
                           "tile_key = $2 AND ended_at IS NULL",
                           project.id, out.back().first);
            if (!moved.empty())
                tx.exec_params("INSERT INTO event (project_id, tile_key, kind, actor_id, payload) VALUES ($1, $2, "
                               "'review_lapsed', $3, jsonb_build_object('from', 'in_review', 'seq', $4::bigint))",
                               project.id, out.back().first, out.back().second, moved[0][0].as<std::int64_t>());
        }
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
