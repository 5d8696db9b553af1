#pragma once

// The HTTP side of the API: JSON under /api/v1, health and metrics, the demo imagery and the
// built web client. One function per request; errors mapped once (api/errors.hpp).
// Thread-safe: called from several worker threads at once.

#include <optional>
#include <variant>

#include <nlohmann/json.hpp>

#include "api/errors.hpp"
#include "api/http_types.hpp"
#include "api/services.hpp"

namespace tessera::api {

HttpResponse handle_http(Services& services, const HttpRequest& request);

// Checks a WebSocket upgrade request: a valid session (cookie or bearer token) and, for a
// browser (an Origin header), an allowed origin. The principal, or the refusal to send.
std::variant<auth::Principal, HttpResponse> check_upgrade(Services& services, const HttpRequest& request);

HttpResponse error_response(ErrorKind kind, const std::string& message, const std::string& route);
HttpResponse json_response(int status, const nlohmann::json& body, const std::string& route);
// "2026-11-21T15:04:05Z"
std::string iso_time(std::int64_t ms);

}  // namespace tessera::api
