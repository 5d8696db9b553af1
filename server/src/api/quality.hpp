#pragma once

// Quality controls on the wire: issues as tessera.v1.QcIssue, what a change set introduced and
// fixed (in its ack and its broadcast, and kept for replays), the tile's report in snapshots,
// and the CheckTile and SubmitTile requests. Thread-safe (state lives in the database).

#include <cstdint>
#include <string>
#include <vector>

#include "api/services.hpp"
#include "tessera/v1/tessera.pb.h"
#include "workflow/tile_checks.hpp"

namespace tessera::api {

void fill_issue(const store::StoredIssue& issue, v1::QcIssue& out);
void fill_report(const std::string& tile_key, std::int64_t seq, std::optional<std::int64_t> whole_seq,
                 const store::QcCounts& counts, const std::vector<store::StoredIssue>& issues, v1::QcReport& out);

// The tile's stored report as a QcReport message (sent after each snapshot).
std::string encode_stored_report(Services& services, const std::string& tile_key, std::uint64_t request_id);

// What a change set introduced and fixed, with the tile's counts after it, as the fields of a
// TileChange (ack and broadcast carry the same), encoded. Empty when it introduced and fixed
// nothing, unless `always` (the live broadcast carries the counts even then; only deltas that
// say something are stored for replays).
std::string encode_delta(const workflow::ChangeCheck& check, bool always = false);
void apply_delta(const std::string& delta, v1::TileChange& out);

struct QcRequestOutcome {
    std::vector<std::string> frames;  // to the sender
    std::string broadcast;            // to every viewer of the tile (report, new state), or empty
    std::string tile;
};

// CheckTile: the whole tile, now.
QcRequestOutcome check_tile(Services& services, const auth::Principal& user, std::uint64_t request_id,
                            const v1::CheckTile& request);
// The QcReport message of a whole-tile check.
v1::ServerMessage report_message(const std::string& tile, const workflow::TileCheck& check, std::uint64_t request_id);

}  // namespace tessera::api
