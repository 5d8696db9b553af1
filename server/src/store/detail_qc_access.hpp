#pragma once

// Internal to the store module: QcAccess over an open transaction of the tile's writer.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "store/qc_store.hpp"

namespace tessera::store::detail {

QcFeatureRow qc_feature_from(const pqxx::row& row);
StoredIssue issue_from(const pqxx::row& row);
// Stored issues as the columns of a set-based write (UNNEST).
struct IssueArrays {
    std::vector<std::optional<std::string>> keys, codes, blocking, features, messages, areas;
    std::vector<std::int64_t> xs, ys;
    void add(const StoredIssue& issue);
};

// The quality controls' writes of several change sets (each of its own tile), gathered and then
// written in one statement.
class GroupedQcWrites {
public:
    void update(const std::string& tile_key, std::int64_t seq, const std::vector<std::string>& removed,
                const std::vector<StoredIssue>& added, const QcCounts& counts_delta);
    void delta(const std::string& tile_key, std::int64_t seq, const std::string& bytes);
    // Writes what was gathered (nothing when empty) and starts again.
    void flush(pqxx::work& tx, int project_id);

private:
    std::vector<std::optional<std::string>> m_gone_tiles, m_gone_keys, m_tiles, m_count_tiles, m_delta_tiles, m_deltas;
    std::vector<std::int64_t> m_seqs, m_count_blocking, m_count_warnings, m_delta_seqs;
    IssueArrays m_added;
};

// Writes issues set-based: removes `removed` keys, inserts or replaces `added`.
void write_issues(pqxx::work& tx, int project_id, const std::string& tile_key, std::int64_t seq,
                  const std::vector<std::string>& removed, const std::vector<StoredIssue>& added,
                  const QcCounts& counts_delta = {});
// Recounts the tile's issues; `whole_seq` marks the whole tile as checked at that sequence number.
QcCounts count_issues(pqxx::work& tx, int project_id, const std::string& tile_key,
                      std::optional<std::int64_t> whole_seq);

class QcAccessImpl final : public QcAccess {
public:
    QcAccessImpl(pqxx::work& tx, const ProjectRecord& project, std::string tile_key)
        : m_tx(tx), m_project(project), m_key(std::move(tile_key)) {}

    Neighbourhood neighbourhood(const std::vector<std::int64_t>& ids, double margin_m) override;
    std::vector<QcFeatureRow> features() override;
    std::vector<QcFeatureRow> features_of(const std::string& tile_key, const tiles::Box& box) override;
    QcCounts replace_all(std::int64_t seq, const std::vector<StoredIssue>& issues) override;
    std::vector<StoredIssue> issues_near(const std::vector<std::int64_t>& ids, const tiles::Box& box) override;
    void update_issues(std::int64_t seq, const std::vector<std::string>& removed,
                       const std::vector<StoredIssue>& added, const QcCounts& counts_delta) override;
    void record_delta(std::int64_t seq, const std::string& delta) override;

private:
    pqxx::work& m_tx;
    const ProjectRecord& m_project;
    std::string m_key;
};

}  // namespace tessera::store::detail
