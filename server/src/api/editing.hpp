#pragma once

// Change sets from the wire to the database and back: decoding and checking the operations,
// optimistic versions (automatic merge when concurrent changes touch different aspects, a
// conflict otherwise), the partition-preserving workspace, one transaction per change set, the
// acknowledgement after commit, idempotency by change-set id, and the encoded change for the
// hub. Also resync and the tile lease requests. Thread-safe (state lives in the database).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/services.hpp"
#include "tessera/v1/tessera.pb.h"

namespace tessera::api {

struct EditOutcome {
    std::vector<std::string> frames;  // to the sender, in order
    // The committed change to publish to every viewer (empty when nothing was committed).
    std::string tile;
    std::uint64_t seq = 0;
    std::string change;
};

EditOutcome apply_change_set(Services& services, const auth::Principal& user, std::uint64_t request_id,
                             const v1::ChangeSet& change_set);

// Encodes stored changes as TileChange messages (with `request_id`, 0 for pushes).
std::string encode_change(const store::TileChangeRecord& change, const std::string& tile, const tiles::Grid& grid,
                          std::uint64_t request_id);

// The frames answering a Resync: the missed changes or a snapshot, then ResyncDone.
std::vector<std::string> resync(Services& services, std::uint64_t request_id, const v1::Resync& request);

}  // namespace tessera::api
