#include "qc/issue.hpp"

#include <algorithm>
#include <tuple>

namespace tessera::qc {

std::string_view to_string(Severity severity) { return severity == Severity::blocking ? "blocking" : "warning"; }

std::optional<Severity> parse_severity(std::string_view text) {
    if (text == "blocking") return Severity::blocking;
    if (text == "warning") return Severity::warning;
    return std::nullopt;
}

std::string Issue::key() const {
    std::string out = code + ":";
    for (std::size_t i = 0; i < features.size(); ++i) {
        if (i) out += ',';
        out += std::to_string(features[i]);
    }
    if (!detail.empty()) out += ":" + detail;
    return out;
}

namespace {

std::size_t code_rank(std::string_view c) {
    return static_cast<std::size_t>(std::find(all_codes.begin(), all_codes.end(), c) - all_codes.begin());
}

}  // namespace

bool issue_less(const Issue& a, const Issue& b) {
    return std::forward_as_tuple(code_rank(a.code), a.features, a.detail) <
           std::forward_as_tuple(code_rank(b.code), b.features, b.detail);
}

}  // namespace tessera::qc
