#pragma once

// The tile lifecycle on the wire: SubmitTile, ClaimReview, ReleaseReview, ApproveTile,
// RejectTile and ReopenTile, decoded into workflow requests and answered with TileStateChanged
// (also pushed to the tile's viewers), a QcReport when the whole tile was checked, or a typed
// Error. Thread-safe (state lives in the database).

#include <cstdint>

#include "api/quality.hpp"
#include "api/services.hpp"
#include "tessera/v1/tessera.pb.h"

namespace tessera::api {

// Handles one lifecycle request (`message` holds one of the six bodies).
QcRequestOutcome lifecycle(Services& services, const auth::Principal& user, const v1::ClientMessage& message);

// The tile key a lifecycle request names, and its field name for errors ("" when none).
const std::string& lifecycle_tile(const v1::ClientMessage& message, std::string* field);

}  // namespace tessera::api
