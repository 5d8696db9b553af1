#pragma once

// Internal to the store module: PostgreSQL array literals for set-based statements (UNNEST).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tessera::store::detail {

inline std::string id_array(const std::vector<std::int64_t>& ids) {
    std::string out = "{";
    for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
    return out + "}";
}

// A PostgreSQL array literal of strings (NULL for nullopt). Elements are quoted, with quotes and
// backslashes escaped.
inline std::string text_array(const std::vector<std::optional<std::string>>& values) {
    std::string out = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out += ',';
        if (!values[i]) {
            out += "NULL";
            continue;
        }
        out += '"';
        for (char c : *values[i]) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

}  // namespace tessera::store::detail
