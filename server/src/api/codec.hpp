#pragma once

// Geometry on the wire (see protocol/tessera/v1/tessera.proto, message Polygon): rings of
// integer centimetres, delta-encoded from the tile origin, closing points omitted.
// Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>

#include "geo/wkb.hpp"
#include "tessera/v1/tessera.pb.h"

namespace tessera::api {

// The bytes of one WebSocket frame.
std::string encode_message(const v1::ServerMessage& message);

// Appends rings (closed, as geo::polygon_from_wkb gives them) to `out`.
void encode_polygon(const geo::RingsCm& rings, std::int64_t origin_x_cm, std::int64_t origin_y_cm,
                    v1::Polygon& out);

// The inverse, with the rings closed again. nullopt with `error` set when the message is
// inconsistent (sizes not matching the coordinates, a ring under 3 points, too many points).
std::optional<geo::RingsCm> decode_polygon(const v1::Polygon& polygon, std::int64_t origin_x_cm,
                                           std::int64_t origin_y_cm, std::size_t max_points,
                                           std::string* error = nullptr);

}  // namespace tessera::api
