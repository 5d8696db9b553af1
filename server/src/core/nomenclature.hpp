#pragma once

// The OCS GE nomenclature: land-cover (CS) and land-use (US) codes with hierarchy, French
// labels and colours, and the artificialisation matrix. Loaded from the CSV files compiled into
// the program (server/data/nomenclature). Immutable after construction; thread-safe to read.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::core {

struct NomenclatureCode {
    std::string code;
    int level = 0;
    std::string parent;
    std::string label;
    std::string color;  // "#RRGGBB", empty for non-leaf codes
    bool leaf = false;
};

class Nomenclature {
public:
    // The nomenclature compiled into the program.
    static const Nomenclature& builtin();

    // Parses the two code tables and the artificialisation matrix; throws std::runtime_error
    // naming the table, line and reason on malformed input.
    Nomenclature(std::string_view couverture_csv, std::string_view usage_csv, std::string_view artificialisation_csv);

    const std::vector<NomenclatureCode>& cs() const { return m_cs; }
    const std::vector<NomenclatureCode>& us() const { return m_us; }
    const NomenclatureCode* find_cs(std::string_view code) const;
    const NomenclatureCode* find_us(std::string_view code) const;
    bool is_leaf_cs(std::string_view code) const;
    bool is_leaf_us(std::string_view code) const;
    // Legacy US codes accepted on import (US2, US3, US5) and flagged by QC.
    bool is_legacy_us(std::string_view code) const;
    std::optional<bool> artificialised(std::string_view cs, std::string_view us) const;

private:
    std::vector<NomenclatureCode> m_cs, m_us;
    std::map<std::string, std::size_t, std::less<>> m_cs_index, m_us_index;
    std::map<std::pair<std::string, std::string>, bool> m_artificialised;
};

// Splits one CSV line (RFC 4180 quoting, no embedded newlines).
std::vector<std::string> split_csv_line(std::string_view line);

}  // namespace tessera::core
