#include "store/qc_store.hpp"

#include <cmath>

#include "store/connection.hpp"
#include "store/detail_arrays.hpp"
#include "store/detail_qc_access.hpp"
#include "store/queries.hpp"

namespace tessera::store {
namespace detail {

QcFeatureRow qc_feature_from(const pqxx::row& row) {
    QcFeatureRow f;
    f.id = row[0].as<std::int64_t>();
    f.code_cs = row[1].as<std::string>();
    f.code_us = row[2].as<std::string>();
    f.wkb = pqxx::binarystring(row[3]).str();
    f.reviewed = row[4].as<bool>();
    f.predicted = row[5].as<bool>();
    if (!row[6].is_null()) f.confidence = row[6].as<float>();
    return f;
}

StoredIssue issue_from(const pqxx::row& row) {
    StoredIssue i;
    i.key = row[0].as<std::string>();
    i.code = row[1].as<std::string>();
    i.blocking = row[2].as<bool>();
    const auto ids = row[3].as<std::string>();
    for (std::size_t pos = 0; pos < ids.size();) {
        auto comma = ids.find(',', pos);
        if (comma == std::string::npos) comma = ids.size();
        i.features.push_back(std::stoll(ids.substr(pos, comma - pos)));
        pos = comma + 1;
    }
    i.x_cm = row[4].as<std::int64_t>();
    i.y_cm = row[5].as<std::int64_t>();
    i.message = row[6].as<std::string>();
    i.area_m2 = row[7].as<double>();
    return i;
}

void write_issues(pqxx::work& tx, int project_id, const std::string& tile_key, std::int64_t seq,
                  const std::vector<std::string>& removed, const std::vector<StoredIssue>& added,
                  const QcCounts& counts_delta) {
    if (removed.empty() && added.empty() && counts_delta.blocking == 0 && counts_delta.warnings == 0) return;
    std::vector<std::optional<std::string>> gone(removed.begin(), removed.end());
    std::vector<std::optional<std::string>> keys, codes, blocking, features, messages, areas;
    std::vector<std::int64_t> xs, ys;
    for (const auto& i : added) {
        keys.emplace_back(i.key);
        codes.emplace_back(i.code);
        blocking.emplace_back(i.blocking ? "t" : "f");
        std::string ids;
        for (std::size_t k = 0; k < i.features.size(); ++k) ids += (k ? "," : "") + std::to_string(i.features[k]);
        features.emplace_back(ids);
        xs.push_back(i.x_cm);
        ys.push_back(i.y_cm);
        messages.emplace_back(i.message);
        areas.emplace_back(std::isfinite(i.area_m2) ? std::to_string(i.area_m2) : "0");
    }
    tx.exec_prepared(q::qc_write, project_id, tile_key, seq, text_array(gone), text_array(keys), text_array(codes),
                     text_array(blocking), text_array(features), id_array(xs), id_array(ys), text_array(messages),
                     text_array(areas), counts_delta.blocking, counts_delta.warnings);
}

QcCounts count_issues(pqxx::work& tx, int project_id, const std::string& tile_key,
                      std::optional<std::int64_t> whole_seq) {
    auto r = whole_seq ? tx.exec_prepared1(q::qc_count, project_id, tile_key, *whole_seq)
                       : tx.exec_prepared1(q::qc_count, project_id, tile_key, nullptr);
    return {r[0].as<int>(), r[1].as<int>()};
}

QcAccess::Neighbourhood QcAccessImpl::neighbourhood(const std::vector<std::int64_t>& ids, double margin_m) {
    Neighbourhood out;
    auto rows = m_tx.exec_prepared(q::qc_neighbourhood, m_project.id, m_key, id_array(ids), margin_m);
    for (const auto& row : rows) {
        if (!row[0].is_null()) out.features.push_back(qc_feature_from(row));
        if (!row[7].is_null()) out.whole_seq = row[7].as<std::int64_t>();
        out.counts = {row[8].as<int>(), row[9].as<int>()};
    }
    return out;
}

std::vector<QcFeatureRow> QcAccessImpl::features() {
    std::vector<QcFeatureRow> out;
    for (const auto& row : m_tx.exec_prepared(q::qc_tile_features, m_project.id, m_key))
        out.push_back(qc_feature_from(row));
    return out;
}

std::vector<QcFeatureRow> QcAccessImpl::features_of(const std::string& tile_key, const tiles::Box& box) {
    std::vector<QcFeatureRow> out;
    for (const auto& row : m_tx.exec_prepared(q::qc_features_near, m_project.id, tile_key, box.min_x, box.min_y,
                                              box.max_x, box.max_y, m_project.srid))
        out.push_back(qc_feature_from(row));
    return out;
}

QcCounts QcAccessImpl::replace_all(std::int64_t seq, const std::vector<StoredIssue>& issues) {
    std::vector<std::optional<std::string>> keys;
    for (const auto& i : issues) keys.emplace_back(i.key);
    m_tx.exec_prepared(q::qc_delete_except, m_project.id, m_key, text_array(keys));
    write_issues(m_tx, m_project.id, m_key, seq, {}, issues);
    return count_issues(m_tx, m_project.id, m_key, seq);
}

std::vector<StoredIssue> QcAccessImpl::issues_near(const std::vector<std::int64_t>& ids, const tiles::Box& box) {
    std::vector<StoredIssue> out;
    const auto cm = [](double m) { return static_cast<std::int64_t>(std::llround(m * 100)); };
    for (const auto& row : m_tx.exec_prepared(q::qc_issues_near, m_project.id, m_key, id_array(ids), cm(box.min_x),
                                              cm(box.min_y), cm(box.max_x), cm(box.max_y)))
        out.push_back(issue_from(row));
    return out;
}

void QcAccessImpl::update_issues(std::int64_t seq, const std::vector<std::string>& removed,
                                 const std::vector<StoredIssue>& added, const QcCounts& counts_delta) {
    write_issues(m_tx, m_project.id, m_key, seq, removed, added, counts_delta);
}

void QcAccessImpl::record_delta(std::int64_t seq, const std::string& delta) {
    m_tx.exec_prepared(q::qc_delta_insert, m_project.id, m_key, seq, pqxx::binarystring(delta));
}

}  // namespace detail

struct TileQcTransaction::Impl {
    Database::Lease conn;
    pqxx::work tx;
    ProjectRecord project;
    std::string key;
    std::optional<TileRecord> tile;
    detail::QcAccessImpl qc;

    Impl(Database& db, const ProjectRecord& p, const std::string& k)
        : conn(db.acquire()), tx(conn->pq()), project(p), key(k), qc(tx, project, key) {}
};

TileQcTransaction::TileQcTransaction(Database& db, const ProjectRecord& project, const std::string& tile_key)
    : m_impl(std::make_unique<Impl>(db, project, tile_key)) {
    m_impl->tx.exec_prepared(q::tile_writer_lock, project.id, tile_key);
    auto r = m_impl->tx.exec_prepared(q::tile_by_key, project.id, tile_key);
    if (!r.empty()) {
        TileRecord t;
        t.key = r[0][0].as<std::string>();
        t.x_km = r[0][1].as<int>();
        t.y_km = r[0][2].as<int>();
        t.state = r[0][3].as<std::string>();
        t.seq = r[0][4].as<std::int64_t>();
        t.feature_count = r[0][5].as<int>();
        if (!r[0][6].is_null()) t.mean_confidence = r[0][6].as<double>();
        m_impl->tile = t;
    }
}

TileQcTransaction::~TileQcTransaction() = default;

const std::optional<TileRecord>& TileQcTransaction::tile() const { return m_impl->tile; }

QcAccess& TileQcTransaction::qc() { return m_impl->qc; }

bool TileQcTransaction::transition(const std::vector<std::string>& from, const std::string& to, int user_id,
                                   const std::string& payload_json) {
    std::vector<std::optional<std::string>> states(from.begin(), from.end());
    auto r = m_impl->tx.exec_params(
        "UPDATE tile SET state = $3::tile_state, updated_at = now() WHERE project_id = $1 AND key = $2 "
        "AND state::text = ANY($4::text[]) RETURNING seq",
        m_impl->project.id, m_impl->key, to, detail::text_array(states));
    if (r.empty()) return false;
    // Tile events without a change keep a null sequence number (the tile's sequence numbers its
    // changes); the payload says at which one it happened.
    m_impl->tx.exec_prepared(q::event_append, m_impl->project.id, m_impl->key, nullptr, to, user_id, payload_json);
    m_impl->tile->state = to;
    return true;
}

void TileQcTransaction::commit() { m_impl->tx.commit(); }

QcStore::TileIssues QcStore::issues(const ProjectRecord& project, const std::string& tile_key) {
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    TileIssues out;
    auto status = tx.exec_prepared(q::qc_tile_status, project.id, tile_key);
    if (status.empty()) return out;
    out.seq = status[0][0].as<std::int64_t>();
    if (!status[0][1].is_null()) out.whole_seq = status[0][1].as<std::int64_t>();
    out.counts = {status[0][2].as<int>(), status[0][3].as<int>()};
    for (const auto& row : tx.exec_prepared(q::qc_tile_issues, project.id, tile_key))
        out.issues.push_back(detail::issue_from(row));
    return out;
}

}  // namespace tessera::store
