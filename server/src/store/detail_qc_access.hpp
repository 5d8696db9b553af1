#pragma once

// Internal to the store module: QcAccess over an open transaction of the tile's writer.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "store/qc_store.hpp"

namespace tessera::store::detail {

// A feature or a stored issue from the columns of a row starting at `first`.
QcFeatureRow qc_feature_from(const pqxx::row& row, pqxx::row::size_type first = 0);
StoredIssue issue_from(const pqxx::row& row, pqxx::row::size_type first = 0);

// The quality controls' read of several change sets (each of its own tile) in one statement:
// per request, what QcAccess::neighbourhood answers.
struct NeighbourhoodRequest {
    std::string tile;
    std::vector<std::int64_t> ids, deleted;
};
std::vector<QcAccess::Neighbourhood> read_neighbourhoods(pqxx::work& tx, int project_id,
                                                         const std::vector<NeighbourhoodRequest>& requests,
                                                         double margin_m);
// One row of that read (tessera_qc_read's columns from `first` on) into its request's answer.
void add_neighbourhood_row(const pqxx::row& row, pqxx::row::size_type first,
                           std::vector<QcAccess::Neighbourhood>& out);
// Stored issues as the columns of a set-based write (UNNEST).
struct IssueArrays {
    std::vector<std::optional<std::string>> keys, codes, blocking, features, messages, areas;
    std::vector<std::int64_t> xs, ys;
    void add(const StoredIssue& issue);
};

// A change set's record with its answer (for idempotency), written with the quality controls'
// writes of that change set.
struct ChangeSetRecord {
    const std::string& id;
    const std::string& tile_key;
    int user_id;
    std::int64_t seq;
    int ops;
    const std::string& outcome;
};

// The quality controls' writes of one or several change sets (each of its own tile), gathered
// and then written in one statement (tessera_qc_write_grouped).
class GroupedQcWrites {
public:
    void update(const std::string& tile_key, std::int64_t seq, const std::vector<std::string>& removed,
                const std::vector<StoredIssue>& added, const QcCounts& counts_delta);
    void delta(const std::string& tile_key, std::int64_t seq, const std::string& bytes);
    // Writes what was gathered (nothing when empty, unless there is a record to write with it)
    // and starts again.
    void flush(pqxx::work& tx, int project_id, const ChangeSetRecord* record = nullptr);

private:
    std::vector<std::optional<std::string>> m_gone_tiles, m_gone_keys, m_tiles, m_count_tiles, m_delta_tiles, m_deltas;
    std::vector<std::int64_t> m_seqs, m_count_blocking, m_count_warnings, m_delta_seqs;
    IssueArrays m_added;
};

// Writes issues set-based, at once: removes `removed` keys, inserts or replaces `added`.
void write_issues(pqxx::work& tx, int project_id, const std::string& tile_key, std::int64_t seq,
                  const std::vector<std::string>& removed, const std::vector<StoredIssue>& added,
                  const QcCounts& counts_delta = {});
// Adds issues to a tile that has none stored, first found at `seq` (COPY).
void copy_issues(pqxx::work& tx, int project_id, const std::string& tile_key, std::int64_t seq,
                 const std::vector<StoredIssue>& issues);
// Recounts the tile's issues; `whole_seq` marks the whole tile as checked at that sequence number.
QcCounts count_issues(pqxx::work& tx, int project_id, const std::string& tile_key,
                      std::optional<std::int64_t> whole_seq);

// Reads at once; writes at once too, or into `gather` (update_issues, record_delta) when given.
class QcAccessImpl final : public QcAccess {
public:
    QcAccessImpl(pqxx::work& tx, const ProjectRecord& project, std::string tile_key,
                 GroupedQcWrites* gather = nullptr)
        : m_tx(tx), m_project(project), m_key(std::move(tile_key)), m_gather(gather) {}

    Neighbourhood neighbourhood(const std::vector<std::int64_t>& ids, const std::vector<std::int64_t>& deleted,
                                double margin_m) override;
    std::vector<QcFeatureRow> features() override;
    // What the next features() answers, when the caller has the tile's features already (as
    // written): no read back.
    void preload(std::vector<QcFeatureRow> rows) { m_preloaded = std::move(rows); }
    std::vector<QcFeatureRow> features_of(const std::string& tile_key, const tiles::Box& box) override;
    QcCounts replace_all(std::int64_t seq, const std::vector<StoredIssue>& issues) override;
    void update_issues(std::int64_t seq, const std::vector<std::string>& removed,
                       const std::vector<StoredIssue>& added, const QcCounts& counts_delta) override;
    void record_delta(std::int64_t seq, const std::string& delta) override;

    // The answer to neighbourhood(ids, deleted, margin_m), read already with another statement:
    // given once, for that request only.
    void prefetched(NeighbourhoodRequest request, double margin_m, Neighbourhood answer);

private:
    pqxx::work& m_tx;
    const ProjectRecord& m_project;
    std::string m_key;
    GroupedQcWrites* m_gather;
    std::optional<std::vector<QcFeatureRow>> m_preloaded;
    std::optional<NeighbourhoodRequest> m_prefetched_request;
    double m_prefetched_margin = 0;
    Neighbourhood m_prefetched;
};

}  // namespace tessera::store::detail
