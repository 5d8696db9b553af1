#pragma once

// The protocol-neutral errors of the API and their one mapping to the wire: to a WebSocket
// Error message and to an HTTP status with a JSON body.

#include <string>

#include "tessera/v1/tessera.pb.h"

namespace tessera::api {

enum class ErrorKind {
    malformed,        // not parseable
    unknown_message,  // parseable, but no request this server knows
    too_large,
    unauthenticated,
    forbidden,
    invalid_argument,
    not_found,
    limit_exceeded,
    internal,
    unavailable,
    invalid_operation,  // an edit that cannot apply as asked
};

struct ApiError {
    ErrorKind kind;
    std::string message;
    std::string field;
};

struct WireError {
    v1::ErrorCode ws_code;
    int http_status;
    const char* name;  // the JSON "code"
};

const WireError& wire(ErrorKind kind);

}  // namespace tessera::api
