#pragma once

// The workflow over HTTP (JSON): a contributor's work and what became of it, a tile's reviews
// with their pinned comments, the model's prediction of a tile (to compare with the
// correction), the review queue and the next tiles to work on by priority.
//   GET /api/v1/my-work
//   GET /api/v1/reviews?tile=KEY
//   GET /api/v1/prediction?tile=KEY
//   GET /api/v1/review-queue            (controllers and leads)
//   GET /api/v1/next-tile[?limit=N]
//   GET /api/v1/zones                   (leads: all, with members; others: their own)

#include <optional>

#include "api/http_types.hpp"
#include "api/services.hpp"

namespace tessera::api {

// The tile of a request's `tile=KEY`: checked, existing, within the user's zones; nullopt with
// `error` set otherwise.
std::optional<std::string> tile_of_request(Services& services, const HttpRequest& request, const auth::Principal& who,
                                           HttpResponse& error, const std::string& route);

// Leads (and administrators) steer, over POST:
//   /api/v1/zones          {"name", "kind": commune|epci|departement|tiles, "codes": [...], "boost"?}
//   /api/v1/zones/assign   {"user", "zone", "remove"?: true}
//   /api/v1/tiles/priority {"tile", "priority": number | null}   (a tile's priority override)
std::optional<HttpResponse> workflow_post(Services& services, const HttpRequest& request, const auth::Principal& who,
                                          const std::string& path);

// The answer when `path` is one of the routes above, else nullopt.
std::optional<HttpResponse> workflow_http(Services& services, const HttpRequest& request, const auth::Principal& who,
                                          const std::string& path);

}  // namespace tessera::api
