#pragma once

// Bytes as hexadecimal text (lower case), e.g. WKB for PostgreSQL's decode(…, 'hex') or for
// the text input of a geometry column.

#include <string>
#include <string_view>

namespace tessera::core {

std::string hex(std::string_view bytes);
// The same, appended to `out`.
void append_hex(std::string& out, std::string_view bytes);

}  // namespace tessera::core
