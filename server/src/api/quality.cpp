#include "api/quality.hpp"

#include <nlohmann/json.hpp>

#include "api/codec.hpp"
#include "api/errors.hpp"
#include "api/snapshot.hpp"
#include "api/ws_api.hpp"

namespace tessera::api {
namespace {

workflow::Checker checker_of(const Services& s) { return {s.qc_rules, s.nomenclature, s.grid}; }

// The tile key of a request, checked; nullopt with an error frame added.
std::optional<tiles::TileKey> tile_of(const Services& s, const std::string& key, std::uint64_t request_id,
                                      const char* field, QcRequestOutcome& out) {
    std::string why;
    auto k = tiles::parse_key(key, &why);
    if (!k || !s.grid.aligned(*k)) {
        out.frames.push_back(encode_error(request_id, ErrorKind::invalid_argument, why, field));
        return std::nullopt;
    }
    return k;
}

}  // namespace

v1::ServerMessage report_message(const std::string& tile, const workflow::TileCheck& check,
                                 std::uint64_t request_id) {
    v1::ServerMessage m;
    m.set_request_id(request_id);
    fill_report(tile, check.seq, check.seq, check.counts, check.issues, *m.mutable_qc_report());
    return m;
}

void fill_issue(const store::StoredIssue& issue, v1::QcIssue& out) {
    out.set_key(issue.key);
    out.set_code(issue.code);
    out.set_severity(issue.blocking ? v1::SEVERITY_BLOCKING : v1::SEVERITY_WARNING);
    for (auto id : issue.features) out.add_features(id);
    out.set_x_cm(issue.x_cm);
    out.set_y_cm(issue.y_cm);
    out.set_message(issue.message);
    out.set_area_m2(issue.area_m2);
}

void fill_report(const std::string& tile_key, std::int64_t seq, std::optional<std::int64_t> whole_seq,
                 const store::QcCounts& counts, const std::vector<store::StoredIssue>& issues, v1::QcReport& out) {
    out.set_tile_key(tile_key);
    out.set_seq(static_cast<std::uint64_t>(seq));
    out.set_whole_tile_seq(whole_seq ? static_cast<std::uint64_t>(*whole_seq) : 0);
    out.set_blocking(static_cast<std::uint32_t>(counts.blocking));
    out.set_warnings(static_cast<std::uint32_t>(counts.warnings));
    for (const auto& i : issues) fill_issue(i, *out.add_issues());
}

std::string encode_stored_report(Services& s, const std::string& tile_key, std::uint64_t request_id) {
    auto stored = s.qc.issues(s.project, tile_key);
    if (!stored.whole_seq) {
        // Never checked (loaded before the quality controls existed): checked whole now, once.
        store::TileTransaction tx(s.db, s.project, tile_key);
        if (tx.tile()) {
            workflow::check_whole_tile(checker_of(s), tx);
            tx.commit();
        }
        stored = s.qc.issues(s.project, tile_key);
    }
    v1::ServerMessage m;
    m.set_request_id(request_id);
    fill_report(tile_key, stored.seq, stored.whole_seq, stored.counts, stored.issues, *m.mutable_qc_report());
    return encode_message(m);
}

std::string encode_delta(const workflow::ChangeCheck& check, bool always) {
    if (!always && check.introduced.empty() && check.fixed.empty() && !check.whole_tile) return {};
    v1::TileChange c;
    for (const auto& i : check.introduced) fill_issue(i, *c.add_introduced());
    for (const auto& i : check.fixed) fill_issue(i, *c.add_fixed());
    c.set_blocking(static_cast<std::uint32_t>(check.counts.blocking));
    c.set_warnings(static_cast<std::uint32_t>(check.counts.warnings));
    std::string out;
    c.SerializeToString(&out);
    return out;
}

void apply_delta(const std::string& delta, v1::TileChange& out) {
    if (delta.empty()) return;
    v1::TileChange c;
    if (!c.ParseFromString(delta)) return;
    *out.mutable_introduced() = c.introduced();
    *out.mutable_fixed() = c.fixed();
    out.set_blocking(c.blocking());
    out.set_warnings(c.warnings());
}

QcRequestOutcome check_tile(Services& s, const auth::Principal&, std::uint64_t request_id,
                            const v1::CheckTile& request) {
    QcRequestOutcome out;
    const auto key = tile_of(s, request.tile_key(), request_id, "check_tile.tile_key", out);
    if (!key) return out;
    store::TileTransaction tx(s.db, s.project, key->str());
    if (!tx.tile()) {
        out.frames.push_back(encode_error(request_id, ErrorKind::not_found, "tile " + key->str() + " does not exist",
                                          "check_tile.tile_key"));
        return out;
    }
    const auto check = workflow::check_whole_tile(checker_of(s), tx);
    tx.commit();
    out.frames.push_back(encode_message(report_message(key->str(), check, request_id)));
    out.broadcast = encode_message(report_message(key->str(), check, 0));
    out.tile = key->str();
    return out;
}

}  // namespace tessera::api
