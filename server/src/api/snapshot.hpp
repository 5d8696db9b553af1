#pragma once

// Builds the wire snapshot of a tile from what the store read.

#include <optional>
#include <string>

#include "store/records.hpp"
#include "tessera/v1/tessera.pb.h"
#include "tiles/grid.hpp"

namespace tessera::api {

v1::TileState tile_state_from(const std::string& state);

// Fills `out` from `record`. A feature whose stored geometry cannot be read is skipped and
// counted in `skipped` (never sent half-decoded).
void build_snapshot(const store::TileSnapshotRecord& record, const tiles::Grid& grid, v1::TileSnapshot& out,
                    std::size_t* skipped = nullptr);

}  // namespace tessera::api
