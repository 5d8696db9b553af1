#include "api/errors.hpp"

#include <array>

namespace tessera::api {

const WireError& wire(ErrorKind kind) {
    static const std::array<WireError, 11> table{{
        {v1::ERROR_CODE_MALFORMED_FRAME, 400, "malformed"},
        {v1::ERROR_CODE_UNKNOWN_MESSAGE, 400, "unknown_message"},
        {v1::ERROR_CODE_FRAME_TOO_LARGE, 413, "too_large"},
        {v1::ERROR_CODE_UNAUTHENTICATED, 401, "unauthenticated"},
        {v1::ERROR_CODE_FORBIDDEN, 403, "forbidden"},
        {v1::ERROR_CODE_INVALID_ARGUMENT, 400, "invalid_argument"},
        {v1::ERROR_CODE_NOT_FOUND, 404, "not_found"},
        {v1::ERROR_CODE_LIMIT_EXCEEDED, 429, "limit_exceeded"},
        {v1::ERROR_CODE_INTERNAL, 500, "internal"},
        {v1::ERROR_CODE_UNAVAILABLE, 503, "unavailable"},
        {v1::ERROR_CODE_INVALID_OPERATION, 422, "invalid_operation"},
    }};
    return table[static_cast<std::size_t>(kind)];
}

}  // namespace tessera::api
