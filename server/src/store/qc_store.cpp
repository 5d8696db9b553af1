#include "store/qc_store.hpp"

#include <cmath>
#include <stdexcept>

#include "core/hex.hpp"
#include "store/connection.hpp"
#include "store/detail_arrays.hpp"
#include "store/detail_copy.hpp"
#include "store/detail_qc_access.hpp"
#include "store/queries.hpp"

namespace tessera::store {
namespace {

// The channel every instance listens on (see edit_store.hpp).
constexpr const char* tile_channel_name = "tessera_tile";

}  // namespace

namespace detail {

QcFeatureRow qc_feature_from(const pqxx::row& row, pqxx::row::size_type c) {
    QcFeatureRow f;
    f.id = row[c].as<std::int64_t>();
    f.code_cs = row[c + 1].as<std::string>();
    f.code_us = row[c + 2].as<std::string>();
    f.wkb = pqxx::binarystring(row[c + 3]).str();
    f.reviewed = row[c + 4].as<bool>();
    f.predicted = row[c + 5].as<bool>();
    if (!row[c + 6].is_null()) f.confidence = row[c + 6].as<float>();
    return f;
}

StoredIssue issue_from(const pqxx::row& row, pqxx::row::size_type c) {
    StoredIssue i;
    i.key = row[c].as<std::string>();
    i.code = row[c + 1].as<std::string>();
    i.blocking = row[c + 2].as<bool>();
    const auto ids = row[c + 3].as<std::string>();
    for (std::size_t pos = 0; pos < ids.size();) {
        auto comma = ids.find(',', pos);
        if (comma == std::string::npos) comma = ids.size();
        i.features.push_back(std::stoll(ids.substr(pos, comma - pos)));
        pos = comma + 1;
    }
    i.x_cm = row[c + 4].as<std::int64_t>();
    i.y_cm = row[c + 5].as<std::int64_t>();
    i.message = row[c + 6].as<std::string>();
    i.area_m2 = row[c + 7].as<double>();
    return i;
}

std::vector<QcAccess::Neighbourhood> read_neighbourhoods(pqxx::work& tx, int project_id,
                                                         const std::vector<NeighbourhoodRequest>& requests,
                                                         double margin_m) {
    std::vector<std::optional<std::string>> tiles;
    std::vector<std::int64_t> ids, ids_end, involved, involved_end;
    for (const auto& r : requests) {
        tiles.emplace_back(r.tile);
        ids.insert(ids.end(), r.ids.begin(), r.ids.end());
        ids_end.push_back(static_cast<std::int64_t>(ids.size()));
        involved.insert(involved.end(), r.ids.begin(), r.ids.end());
        involved.insert(involved.end(), r.deleted.begin(), r.deleted.end());
        involved_end.push_back(static_cast<std::int64_t>(involved.size()));
    }
    std::vector<QcAccess::Neighbourhood> out(requests.size());
    for (const auto& row : tx.exec_prepared(q::qc_read, project_id, text_array(tiles), id_array(ids), id_array(ids_end),
                                            id_array(involved), id_array(involved_end), margin_m))
        add_neighbourhood_row(row, 0, out);
    return out;
}

void add_neighbourhood_row(const pqxx::row& row, pqxx::row::size_type first,
                           std::vector<QcAccess::Neighbourhood>& out) {
    const auto k = row[first].as<std::size_t>();
    if (k < 1 || k > out.size()) throw std::runtime_error("quality controls' read: no request " + std::to_string(k));
    auto& n = out[k - 1];
    switch (row[first + 1].as<int>()) {
    case 0:
        if (!row[first + 9].is_null()) n.whole_seq = row[first + 9].as<std::int64_t>();
        n.counts = {row[first + 10].as<int>(), row[first + 11].as<int>()};
        break;
    case 1: n.features.push_back(qc_feature_from(row, first + 2)); break;
    default: n.issues.push_back(issue_from(row, first + 12)); break;
    }
}

void IssueArrays::add(const StoredIssue& i) {
    keys.emplace_back(i.key);
    codes.emplace_back(i.code);
    blocking.emplace_back(i.blocking ? "t" : "f");
    std::string ids;
    for (std::size_t k = 0; k < i.features.size(); ++k) ids += (k ? "," : "") + std::to_string(i.features[k]);
    features.emplace_back(std::move(ids));
    xs.push_back(i.x_cm);
    ys.push_back(i.y_cm);
    messages.emplace_back(i.message);
    areas.emplace_back(std::isfinite(i.area_m2) ? std::to_string(i.area_m2) : "0");
}

void copy_issues(pqxx::work& tx, int project_id, const std::string& tile_key, std::int64_t seq,
                 const std::vector<StoredIssue>& issues) {
    CopyRows copy(tx, "qc_issue",
                  {"project_id", "tile_key", "key", "code", "blocking", "features", "x_cm", "y_cm", "message", "area_m2",
                   "found_seq"});
    for (const auto& i : issues) {
        copy.number(std::int64_t{project_id}).text(tile_key).text(i.key).text(i.code).boolean(i.blocking);
        copy.plain(id_array(i.features));
        copy.number(i.x_cm).number(i.y_cm).text(i.message).number(std::isfinite(i.area_m2) ? i.area_m2 : 0.0);
        copy.number(seq).end_row();
    }
    copy.complete();
}

void write_issues(pqxx::work& tx, int project_id, const std::string& tile_key, std::int64_t seq,
                  const std::vector<std::string>& removed, const std::vector<StoredIssue>& added,
                  const QcCounts& counts_delta) {
    GroupedQcWrites writes;
    writes.update(tile_key, seq, removed, added, counts_delta);
    writes.flush(tx, project_id);
}

void GroupedQcWrites::update(const std::string& tile_key, std::int64_t seq, const std::vector<std::string>& removed,
                             const std::vector<StoredIssue>& added, const QcCounts& counts_delta) {
    for (const auto& key : removed) {
        m_gone_tiles.emplace_back(tile_key);
        m_gone_keys.emplace_back(key);
    }
    for (const auto& i : added) {
        m_tiles.emplace_back(tile_key);
        m_seqs.push_back(seq);
        m_added.add(i);
    }
    if (counts_delta.blocking != 0 || counts_delta.warnings != 0) {
        m_count_tiles.emplace_back(tile_key);
        m_count_blocking.push_back(counts_delta.blocking);
        m_count_warnings.push_back(counts_delta.warnings);
    }
}

void GroupedQcWrites::delta(const std::string& tile_key, std::int64_t seq, const std::string& bytes) {
    m_delta_tiles.emplace_back(tile_key);
    m_delta_seqs.push_back(seq);
    m_deltas.emplace_back(core::hex(bytes));
}

void GroupedQcWrites::flush(pqxx::work& tx, int project_id, const ChangeSetRecord* record) {
    const bool empty = m_gone_keys.empty() && m_tiles.empty() && m_count_tiles.empty() && m_delta_tiles.empty();
    if (empty && !record) return;
    const auto write = [&](const char* statement, const auto&... more) {
        tx.exec_prepared(statement, project_id, text_array(m_gone_tiles), text_array(m_gone_keys), text_array(m_tiles),
                         id_array(m_seqs), text_array(m_added.keys), text_array(m_added.codes),
                         text_array(m_added.blocking), text_array(m_added.features), id_array(m_added.xs),
                         id_array(m_added.ys), text_array(m_added.messages), text_array(m_added.areas),
                         text_array(m_count_tiles), id_array(m_count_blocking), id_array(m_count_warnings),
                         text_array(m_delta_tiles), id_array(m_delta_seqs), text_array(m_deltas), more...);
    };
    if (record) {
        write(q::edit_finish, record->id, record->tile_key, record->user_id, record->seq, record->ops,
              pqxx::binarystring(record->outcome));
    } else {
        write(q::qc_write_grouped);
    }
    *this = GroupedQcWrites();
}

QcCounts count_issues(pqxx::work& tx, int project_id, const std::string& tile_key,
                      std::optional<std::int64_t> whole_seq) {
    auto r = whole_seq ? tx.exec_prepared1(q::qc_count, project_id, tile_key, *whole_seq)
                       : tx.exec_prepared1(q::qc_count, project_id, tile_key, nullptr);
    return {r[0].as<int>(), r[1].as<int>()};
}

QcAccess::Neighbourhood QcAccessImpl::neighbourhood(const std::vector<std::int64_t>& ids,
                                                    const std::vector<std::int64_t>& deleted, double margin_m) {
    if (m_prefetched_request && m_prefetched_request->ids == ids && m_prefetched_request->deleted == deleted &&
        m_prefetched_margin == margin_m) {
        m_prefetched_request.reset();
        return std::move(m_prefetched);
    }
    return std::move(read_neighbourhoods(m_tx, m_project.id, {{m_key, ids, deleted}}, margin_m).front());
}

void QcAccessImpl::prefetched(NeighbourhoodRequest request, double margin_m, Neighbourhood answer) {
    m_prefetched_request = std::move(request);
    m_prefetched_margin = margin_m;
    m_prefetched = std::move(answer);
}

std::vector<QcFeatureRow> QcAccessImpl::features() {
    if (m_preloaded) {
        auto rows = std::move(*m_preloaded);
        m_preloaded.reset();
        return rows;
    }
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
    // A tile with nothing stored (a tile just loaded, a clean one) takes its issues by COPY: nothing
    // to remove, no issue to keep the first sequence number of, so no upsert, at half the
    // database's cost.
    if (!m_tx.exec_prepared1(q::qc_tile_has_issues, m_project.id, m_key)[0].as<bool>()) {
        if (!issues.empty()) copy_issues(m_tx, m_project.id, m_key, seq, issues);
    } else {
        std::vector<std::optional<std::string>> keys;
        for (const auto& i : issues) keys.emplace_back(i.key);
        m_tx.exec_prepared(q::qc_delete_except, m_project.id, m_key, text_array(keys));
        write_issues(m_tx, m_project.id, m_key, seq, {}, issues);
    }
    return count_issues(m_tx, m_project.id, m_key, seq);
}

void QcAccessImpl::update_issues(std::int64_t seq, const std::vector<std::string>& removed,
                                 const std::vector<StoredIssue>& added, const QcCounts& counts_delta) {
    if (m_gather) return m_gather->update(m_key, seq, removed, added, counts_delta);
    write_issues(m_tx, m_project.id, m_key, seq, removed, added, counts_delta);
}

void QcAccessImpl::record_delta(std::int64_t seq, const std::string& delta) {
    if (m_gather) return m_gather->delta(m_key, seq, delta);
    GroupedQcWrites writes;
    writes.delta(m_key, seq, delta);
    writes.flush(m_tx, m_project.id);
}

}  // namespace detail

struct TileTransaction::Impl {
    Database::Lease conn;
    pqxx::work tx;
    ProjectRecord project;
    std::string key;
    std::optional<TileRecord> tile;
    detail::QcAccessImpl qc;

    Impl(Database& db, const ProjectRecord& p, const std::string& k)
        : conn(db.acquire()), tx(conn->pq()), project(p), key(k), qc(tx, project, key) {}
};

TileTransaction::TileTransaction(Database& db, const ProjectRecord& project, const std::string& tile_key)
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

TileTransaction::~TileTransaction() = default;

const std::optional<TileRecord>& TileTransaction::tile() const { return m_impl->tile; }

QcAccess& TileTransaction::qc() { return m_impl->qc; }

bool TileTransaction::transition(const std::vector<std::string>& from, const std::string& to,
                                 const std::string& kind, int user_id, const std::string& payload_json) {
    std::vector<std::optional<std::string>> states(from.begin(), from.end());
    auto r = m_impl->tx.exec_params(
        "UPDATE tile SET state = $3::tile_state, updated_at = now() WHERE project_id = $1 AND key = $2 "
        "AND state::text = ANY($4::text[]) RETURNING seq",
        m_impl->project.id, m_impl->key, to, detail::text_array(states));
    if (r.empty()) return false;
    // Tile events without a change keep a null sequence number (the tile's sequence numbers its
    // changes); the payload says at which one it happened.
    m_impl->tx.exec_params(
        "INSERT INTO event (project_id, tile_key, kind, actor_id, payload) VALUES ($1, $2, $3, $4, "
        "$5::jsonb || jsonb_build_object('seq', $6::bigint, 'from', $7::text))",
        m_impl->project.id, m_impl->key, kind, user_id, payload_json, r[0][0].as<std::int64_t>(), m_impl->tile->state);
    m_impl->tile->state = to;
    return true;
}

void TileTransaction::record(const std::string& kind, int user_id, const std::string& payload_json) {
    m_impl->tx.exec_params("INSERT INTO event (project_id, tile_key, kind, actor_id, payload) VALUES ($1, $2, $3, $4, "
                           "$5::jsonb)",
                           m_impl->project.id, m_impl->key, kind, user_id, payload_json);
}

bool TileTransaction::edited_by(int user_id) {
    return m_impl->tx
        .exec_params1("SELECT EXISTS (SELECT 1 FROM feature_history WHERE project_id = $1 AND tile_key = $2 "
                      "AND author_id = $3)",
                      m_impl->project.id, m_impl->key, user_id)[0]
        .as<bool>();
}

std::optional<LeaseRow> TileTransaction::lease() {
    auto r = m_impl->tx.exec_params(
        "SELECT l.user_id, u.username, l.kind, l.expires_at < now() FROM tile_lease l JOIN app_user u ON u.id = l.user_id "
        "WHERE l.project_id = $1 AND l.tile_key = $2",
        m_impl->project.id, m_impl->key);
    if (r.empty() || r[0][3].as<bool>()) return std::nullopt;
    return LeaseRow{r[0][0].as<int>(), r[0][1].as<std::string>(), r[0][2].as<std::string>(), false};
}

void TileTransaction::take_review_lease(int user_id, unsigned seconds) {
    m_impl->tx.exec_params(
        "INSERT INTO tile_lease (project_id, tile_key, user_id, expires_at, kind) "
        "VALUES ($1, $2, $3, now() + make_interval(secs => $4), 'review') ON CONFLICT (project_id, tile_key) DO UPDATE "
        "SET user_id = EXCLUDED.user_id, expires_at = EXCLUDED.expires_at, kind = 'review', claimed_at = now()",
        m_impl->project.id, m_impl->key, user_id, static_cast<int>(seconds));
    m_impl->tx.exec_params("SELECT pg_notify($1, $2)", tile_channel_name,
                           std::to_string(m_impl->project.id) + " " + m_impl->key + " lease");
}

void TileTransaction::drop_lease() {
    m_impl->tx.exec_params("DELETE FROM tile_lease WHERE project_id = $1 AND tile_key = $2", m_impl->project.id,
                           m_impl->key);
    m_impl->tx.exec_params("SELECT pg_notify($1, $2)", tile_channel_name,
                           std::to_string(m_impl->project.id) + " " + m_impl->key + " lease");
}

std::optional<std::pair<std::int64_t, int>> TileTransaction::open_review() {
    auto r = m_impl->tx.exec_params(
        "SELECT id, reviewer_id FROM review WHERE project_id = $1 AND tile_key = $2 AND ended_at IS NULL "
        "ORDER BY id DESC LIMIT 1",
        m_impl->project.id, m_impl->key);
    if (r.empty()) return std::nullopt;
    return std::make_pair(r[0][0].as<std::int64_t>(), r[0][1].as<int>());
}

std::int64_t TileTransaction::start_review(int reviewer_id) {
    return m_impl->tx
        .exec_params1("INSERT INTO review (project_id, tile_key, reviewer_id, tile_seq) VALUES ($1, $2, $3, $4) "
                      "RETURNING id",
                      m_impl->project.id, m_impl->key, reviewer_id, m_impl->tile->seq)[0]
        .as<std::int64_t>();
}

void TileTransaction::end_review(std::int64_t review_id, const std::string& outcome,
                                 const std::vector<std::string>& reasons, const std::string& comment) {
    std::vector<std::optional<std::string>> rs(reasons.begin(), reasons.end());
    m_impl->tx.exec_params("UPDATE review SET ended_at = now(), outcome = $2, reasons = $3::text[], comment = $4 "
                           "WHERE id = $1",
                           review_id, outcome, detail::text_array(rs), comment);
}

void TileTransaction::add_comment(std::int64_t review_id, int author_id, const CommentRow& c) {
    m_impl->tx.exec_params(
        "INSERT INTO review_comment (review_id, project_id, tile_key, author_id, feature_id, x_cm, y_cm, reason, text) "
        "VALUES ($1, $2, $3, $4, nullif($5, 0), $6, $7, $8, $9)",
        review_id, m_impl->project.id, m_impl->key, author_id, c.feature_id, c.x_cm, c.y_cm, c.reason, c.text);
}

bool TileTransaction::holds_feature(std::int64_t id) {
    return !m_impl->tx
                .exec_params("SELECT 1 FROM feature WHERE id = $1 AND project_id = $2 AND tile_key = $3", id,
                             m_impl->project.id, m_impl->key)
                .empty();
}

void TileTransaction::commit() { m_impl->tx.commit(); }

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
