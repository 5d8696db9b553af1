#include "core/nomenclature.hpp"

#include <charconv>
#include <set>
#include <stdexcept>

namespace tessera::core {

namespace detail {
extern const std::string_view couverture_csv;
extern const std::string_view usage_csv;
extern const std::string_view artificialisation_csv;
}  // namespace detail

std::vector<std::string> split_csv_line(std::string_view line) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                fields.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                fields.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.emplace_back();
        } else if (c != '\r') {
            fields.back() += c;
        }
    }
    return fields;
}

namespace {

template <typename F>
void for_each_row(std::string_view csv, std::string_view table, std::size_t columns, F&& f) {
    std::size_t line_no = 0;
    std::size_t pos = 0;
    while (pos < csv.size()) {
        auto end = csv.find('\n', pos);
        if (end == std::string_view::npos) end = csv.size();
        const auto line = csv.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (line_no == 1 || line.empty() || line == "\r") continue;  // header
        auto fields = split_csv_line(line);
        if (fields.size() != columns) {
            throw std::runtime_error(std::string(table) + ":" + std::to_string(line_no) + ": expected " +
                                     std::to_string(columns) + " fields, found " + std::to_string(fields.size()));
        }
        f(fields, line_no);
    }
}

std::vector<NomenclatureCode> parse_codes(std::string_view csv, std::string_view table) {
    std::vector<NomenclatureCode> codes;
    for_each_row(csv, table, 5, [&](std::vector<std::string>& f, std::size_t line_no) {
        NomenclatureCode c;
        c.code = f[0];
        auto [p, ec] = std::from_chars(f[1].data(), f[1].data() + f[1].size(), c.level);
        if (ec != std::errc() || c.code.empty()) {
            throw std::runtime_error(std::string(table) + ":" + std::to_string(line_no) + ": bad code or level");
        }
        c.parent = f[2];
        c.label = f[3];
        c.color = f[4];
        codes.push_back(std::move(c));
    });
    // A leaf is a code that no other code names as its parent.
    std::set<std::string> parents;
    for (const auto& c : codes) parents.insert(c.parent);
    for (auto& c : codes) c.leaf = !parents.contains(c.code);
    return codes;
}

}  // namespace

const Nomenclature& Nomenclature::builtin() {
    static const Nomenclature instance(detail::couverture_csv, detail::usage_csv, detail::artificialisation_csv);
    return instance;
}

Nomenclature::Nomenclature(std::string_view couverture_csv, std::string_view usage_csv,
                           std::string_view artificialisation_csv)
    : m_cs(parse_codes(couverture_csv, "couverture.csv")), m_us(parse_codes(usage_csv, "usage.csv")) {
    for (std::size_t i = 0; i < m_cs.size(); ++i) m_cs_index.emplace(m_cs[i].code, i);
    for (std::size_t i = 0; i < m_us.size(); ++i) m_us_index.emplace(m_us[i].code, i);
    // The legacy groups US2, US3, US5 have no children in the table but are not leaves of the
    // current nomenclature: US235 replaces them.
    for (auto& u : m_us) {
        if (is_legacy_us(u.code)) u.leaf = false;
    }
    for_each_row(artificialisation_csv, "artificialisation.csv", 5, [&](std::vector<std::string>& f, std::size_t n) {
        if (!find_cs(f[0]) || !find_us(f[1])) {
            throw std::runtime_error("artificialisation.csv:" + std::to_string(n) + ": unknown code " + f[0] + " or " + f[1]);
        }
        m_artificialised[{f[0], f[1]}] = f[2] == "true";
    });
}

const NomenclatureCode* Nomenclature::find_cs(std::string_view code) const {
    auto it = m_cs_index.find(code);
    return it == m_cs_index.end() ? nullptr : &m_cs[it->second];
}

const NomenclatureCode* Nomenclature::find_us(std::string_view code) const {
    auto it = m_us_index.find(code);
    return it == m_us_index.end() ? nullptr : &m_us[it->second];
}

bool Nomenclature::is_leaf_cs(std::string_view code) const {
    const auto* c = find_cs(code);
    return c && c->leaf;
}

bool Nomenclature::is_leaf_us(std::string_view code) const {
    const auto* c = find_us(code);
    return c && c->leaf;
}

bool Nomenclature::is_legacy_us(std::string_view code) const { return code == "US2" || code == "US3" || code == "US5"; }

std::optional<bool> Nomenclature::artificialised(std::string_view cs, std::string_view us) const {
    auto it = m_artificialised.find({std::string(cs), std::string(us)});
    if (it == m_artificialised.end()) return std::nullopt;
    return it->second;
}

}  // namespace tessera::core
