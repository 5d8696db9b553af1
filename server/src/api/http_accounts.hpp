#pragma once

// Accounts over HTTP (SPEC §2): administrators manage every account; leads manage contributors
// and controllers. Every change is an event; disabling an account, changing its role or its
// password ends its sessions and closes its open sockets on every instance.
//   GET  /api/v1/users
//   POST /api/v1/users                 {"username", "role", "password", "display_name"?}
//   POST /api/v1/users/NAME/disable | /enable
//   POST /api/v1/users/NAME/role       {"role"}
//   POST /api/v1/users/NAME/password   {"password"}

#include <optional>

#include "api/http_types.hpp"
#include "api/services.hpp"

namespace tessera::api {

std::optional<HttpResponse> accounts_http(Services& services, const HttpRequest& request, const auth::Principal& who,
                                          const std::string& path);

}  // namespace tessera::api
