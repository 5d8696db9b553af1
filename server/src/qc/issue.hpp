#pragma once

// What quality control reports (SPEC §5): issues with a code, a severity, the features involved
// and a point on the problem. Plain values; thread-safe.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "geo/wkb.hpp"

namespace tessera::qc {

enum class Severity { blocking, warning };

std::string_view to_string(Severity severity);
std::optional<Severity> parse_severity(std::string_view text);

// The issue codes of SPEC §5, in the order issues are listed.
namespace code {
inline constexpr std::string_view invalid_geometry = "invalid_geometry";
inline constexpr std::string_view multipart = "multipart";
inline constexpr std::string_view overlap = "overlap";
inline constexpr std::string_view gap = "gap";
inline constexpr std::string_view below_mmu = "below_mmu";
inline constexpr std::string_view sliver = "sliver";
inline constexpr std::string_view unknown_code = "unknown_code";
inline constexpr std::string_view non_leaf_code = "non_leaf_code";
inline constexpr std::string_view legacy_code = "legacy_code";
inline constexpr std::string_view incoherent_cs_us = "incoherent_cs_us";
inline constexpr std::string_view same_class_neighbours = "same_class_neighbours";
inline constexpr std::string_view edge_mismatch = "edge_mismatch";
inline constexpr std::string_view unreviewed_low_confidence = "unreviewed_low_confidence";
}  // namespace code

inline constexpr std::array<std::string_view, 13> all_codes = {
    code::invalid_geometry, code::multipart,        code::overlap,          code::gap,
    code::below_mmu,        code::sliver,           code::unknown_code,     code::non_leaf_code,
    code::legacy_code,      code::incoherent_cs_us, code::same_class_neighbours, code::edge_mismatch,
    code::unreviewed_low_confidence};

struct Issue {
    std::string code;                    // one of all_codes
    Severity severity = Severity::blocking;
    std::vector<std::int64_t> features;  // sorted ascending; for a gap, the features bordering it
    geo::PointCm location;               // a point on the problem, integer centimetres (project CRS)
    std::string message;                 // for a person, English
    double area_m2 = 0;                  // overlap, gap and below_mmu area, else 0
    std::string detail;                  // tells apart issues of one code on the same features
                                         // ("CS"/"US" for code checks, the vertex of an
                                         // edge_mismatch, "classes"...), else empty

    // Stable identity, to diff the issues before and after an edit: code, sorted features and
    // detail, e.g. "overlap:12,15" or "edge_mismatch:4,9:vertex 88000000 684012345".
    std::string key() const;
};

// The order every check returns issues in: by code (as in all_codes), features, detail.
bool issue_less(const Issue& a, const Issue& b);

}  // namespace tessera::qc
