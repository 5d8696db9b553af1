#include "qc/rules.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace tessera::qc {

namespace detail {
// Generated from server/data/qc by embed_qc.cmake.
extern const std::string_view rules_conf;
extern const std::string_view coherence_csv;
}  // namespace detail

namespace {

constexpr std::string_view builtin_rules_name = "rules.conf (built in)";
constexpr std::string_view builtin_coherence_name = "coherence.csv (built in)";

std::string_view trim(std::string_view s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

// Calls f(line_number, line) for every line of `text`.
template <typename F>
void for_each_line(std::string_view text, F&& f) {
    std::size_t number = 0, pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        f(++number, text.substr(pos, end - pos));
        pos = end + 1;
    }
}

[[noreturn]] void fail(const std::string& where, const std::string& why) { throw RulesError(where + ": " + why); }

double number(std::string_view key, std::string_view value, const std::string& where) {
    double v = 0;
    const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || p != value.data() + value.size() || !std::isfinite(v))
        fail(where, std::string(key) + " must be a number, got '" + std::string(value) + "'");
    return v;
}

double non_negative(std::string_view key, std::string_view value, const std::string& where) {
    const double v = number(key, value, where);
    if (v < 0) fail(where, std::string(key) + " cannot be negative, got " + std::string(value));
    return v;
}

double fraction(std::string_view key, std::string_view value, const std::string& where) {
    const double v = number(key, value, where);
    if (v < 0 || v > 1) fail(where, std::string(key) + " must be between 0 and 1, got " + std::string(value));
    return v;
}

Severity severity_value(std::string_view key, std::string_view value, const std::string& where) {
    if (auto s = parse_severity(value)) return *s;
    fail(where, std::string(key) + " must be blocking or warning, got '" + std::string(value) + "'");
}

bool is_simple_code(std::string_view c) {
    return c != code::incoherent_cs_us && c != code::edge_mismatch &&
           std::find(all_codes.begin(), all_codes.end(), c) != all_codes.end();
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw RulesError(path.string() + ": cannot open the file");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

Rules::Rules() {
    for (auto c : all_codes)
        if (is_simple_code(c)) m_severity[std::string(c)] = Severity::blocking;
}

const Rules& Rules::defaults() {
    static const Rules instance = [] {
        Rules rules;
        rules.apply(detail::rules_conf, builtin_rules_name, core::Nomenclature::builtin());
        rules.read_coherence(detail::coherence_csv, builtin_coherence_name, core::Nomenclature::builtin());
        return rules;
    }();
    return instance;
}

Rules Rules::load(const std::filesystem::path& rules_file, const std::optional<std::filesystem::path>& coherence_file,
                  const core::Nomenclature& nomenclature) {
    const std::string text = read_file(rules_file);
    if (!coherence_file) return parse(text, rules_file.string(), nomenclature);
    const std::string csv = read_file(*coherence_file);
    return parse(text, rules_file.string(), csv, coherence_file->string(), nomenclature);
}

Rules Rules::parse(std::string_view rules_text, std::string_view rules_name, const core::Nomenclature& nomenclature) {
    return parse(rules_text, rules_name, detail::coherence_csv, builtin_coherence_name, nomenclature);
}

Rules Rules::parse(std::string_view rules_text, std::string_view rules_name, std::string_view coherence_csv,
                   std::string_view coherence_name, const core::Nomenclature& nomenclature) {
    // Over the built-in settings, so a file only says what it changes.
    Rules rules = defaults();
    rules.apply(rules_text, rules_name, nomenclature);
    rules.read_coherence(coherence_csv, coherence_name, nomenclature);
    return rules;
}

void Rules::apply(std::string_view text, std::string_view name, const core::Nomenclature& nomenclature) {
    std::map<std::string, std::size_t, std::less<>> seen;
    bool classes_reset = false;
    for_each_line(text, [&](std::size_t number, std::string_view line) {
        if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        line = trim(line);
        if (line.empty()) return;
        const std::string where = std::string(name) + ":" + std::to_string(number);
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) fail(where, "expected 'name = value'");
        const auto key = trim(line.substr(0, eq));
        const auto value = trim(line.substr(eq + 1));
        if (key.empty()) fail(where, "expected 'name = value'");
        if (value.empty()) fail(where, std::string(key) + " has no value");
        if (auto it = seen.find(key); it != seen.end())
            fail(where, std::string(key) + " is already set on line " + std::to_string(it->second));
        seen.emplace(std::string(key), number);
        if (key == "built_up.classes" && !classes_reset) {
            m_built_up_classes.clear();  // a file's list replaces the default one
            classes_reset = true;
        }
        set(key, value, where, nomenclature);
    });
}

void Rules::set(std::string_view key, std::string_view value, const std::string& where,
                const core::Nomenclature& nomenclature) {
    auto leaf_cs = [&](std::string_view c) {
        if (!nomenclature.find_cs(c)) fail(where, "unknown CS code '" + std::string(c) + "'");
        if (!nomenclature.is_leaf_cs(c)) fail(where, "'" + std::string(c) + "' is not a leaf CS code");
    };
    if (key == "max_vertices") {
        std::size_t v = 0;
        const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
        if (ec != std::errc() || p != value.data() + value.size())
            fail(where, "max_vertices must be a whole number, got '" + std::string(value) + "'");
        if (v < 4) fail(where, "max_vertices must be at least 4 (the smallest polygon), got " + std::string(value));
        m_max_vertices = v;
    } else if (key == "sliver.width_m") {
        m_sliver_width_m = non_negative(key, value, where);
    } else if (key == "umc.inside_built_up") {
        m_umc_inside_m2 = non_negative(key, value, where);
    } else if (key == "umc.outside_built_up") {
        m_umc_outside_m2 = non_negative(key, value, where);
    } else if (key == "umc.on_tile_border") {
        if (value == "skip") m_umc_on_tile_border = false;
        else if (value == "check") m_umc_on_tile_border = true;
        else fail(where, "umc.on_tile_border must be skip or check, got '" + std::string(value) + "'");
    } else if (key.starts_with("umc.")) {
        const auto cs = key.substr(4);
        leaf_cs(cs);
        m_class_umc[std::string(cs)] = non_negative(key, value, where);
    } else if (key == "built_up.border_share") {
        m_built_up_share = fraction(key, value, where);
    } else if (key == "built_up.classes") {
        std::string item;
        for (char ch : std::string(value) + " ") {
            if (ch == ' ' || ch == '\t' || ch == ',') {
                if (!item.empty()) {
                    leaf_cs(item);
                    m_built_up_classes.insert(item);
                }
                item.clear();
            } else {
                item += ch;
            }
        }
    } else if (key == "confidence.threshold") {
        m_confidence_threshold = fraction(key, value, where);
    } else if (key == "severity.incoherent_cs_us") {
        m_incoherent_impossible = m_incoherent_suspicious = severity_value(key, value, where);
    } else if (key == "severity.incoherent_cs_us.impossible") {
        m_incoherent_impossible = severity_value(key, value, where);
    } else if (key == "severity.incoherent_cs_us.suspicious") {
        m_incoherent_suspicious = severity_value(key, value, where);
    } else if (key == "severity.edge_mismatch") {
        m_edge_vertices = m_edge_classes = severity_value(key, value, where);
    } else if (key == "severity.edge_mismatch.vertices") {
        m_edge_vertices = severity_value(key, value, where);
    } else if (key == "severity.edge_mismatch.classes") {
        m_edge_classes = severity_value(key, value, where);
    } else if (key.starts_with("severity.") && is_simple_code(key.substr(9))) {
        m_severity[std::string(key.substr(9))] = severity_value(key, value, where);
    } else {
        fail(where, "unknown setting '" + std::string(key) + "'");
    }
}

void Rules::read_coherence(std::string_view csv, std::string_view name, const core::Nomenclature& nomenclature) {
    m_coherence.clear();
    m_coherence_size = 0;
    std::map<std::pair<std::string, std::string>, std::size_t> first_line;
    bool header = false;
    for_each_line(csv, [&](std::size_t number, std::string_view line) {
        const auto text = trim(line);
        if (text.empty() || text.front() == '#') return;
        const std::string where = std::string(name) + ":" + std::to_string(number);
        const auto fields = core::split_csv_line(text);
        if (!header) {
            if (fields != std::vector<std::string>{"code_cs", "code_us", "verdict", "reason"})
                fail(where, "expected the header 'code_cs,code_us,verdict,reason'");
            header = true;
            return;
        }
        if (fields.size() != 4) fail(where, "expected 4 fields, found " + std::to_string(fields.size()));
        const std::string cs(trim(fields[0])), us(trim(fields[1])), verdict(trim(fields[2]));
        if (!nomenclature.find_cs(cs)) fail(where, "unknown CS code '" + cs + "'");
        if (!nomenclature.is_leaf_cs(cs)) fail(where, "'" + cs + "' is not a leaf CS code");
        if (!nomenclature.find_us(us)) fail(where, "unknown US code '" + us + "'");
        // Legacy US codes are still accepted on import, so the table may judge them too.
        if (!nomenclature.is_leaf_us(us) && !nomenclature.is_legacy_us(us))
            fail(where, "'" + us + "' is not a leaf US code");
        CoherenceRule rule;
        if (verdict == "impossible") rule.verdict = Verdict::impossible;
        else if (verdict == "suspicious") rule.verdict = Verdict::suspicious;
        else fail(where, "the verdict must be impossible or suspicious, got '" + verdict + "'");
        rule.reason = std::string(trim(fields[3]));
        if (rule.reason.empty()) fail(where, "every row needs its reason");
        auto [it, inserted] = first_line.emplace(std::make_pair(cs, us), number);
        if (!inserted) fail(where, cs + " × " + us + " is already on line " + std::to_string(it->second));
        m_coherence[cs][us] = std::move(rule);
        ++m_coherence_size;
    });
    if (!header) throw RulesError(std::string(name) + ": no header line 'code_cs,code_us,verdict,reason'");
}

Severity Rules::severity(std::string_view c) const {
    if (c == code::incoherent_cs_us)
        return m_incoherent_impossible == Severity::blocking ? Severity::blocking : m_incoherent_suspicious;
    if (c == code::edge_mismatch)
        return m_edge_vertices == Severity::blocking ? Severity::blocking : m_edge_classes;
    auto it = m_severity.find(c);
    return it == m_severity.end() ? Severity::blocking : it->second;
}

Severity Rules::incoherent_severity(Verdict verdict) const {
    return verdict == Verdict::impossible ? m_incoherent_impossible : m_incoherent_suspicious;
}

double Rules::umc_m2(std::string_view cs, bool inside_built_up) const {
    if (auto it = m_class_umc.find(cs); it != m_class_umc.end()) return it->second;
    return inside_built_up ? m_umc_inside_m2 : m_umc_outside_m2;
}

const CoherenceRule* Rules::coherence(std::string_view cs, std::string_view us) const {
    auto row = m_coherence.find(cs);
    if (row == m_coherence.end()) return nullptr;
    auto it = row->second.find(us);
    return it == row->second.end() ? nullptr : &it->second;
}

}  // namespace tessera::qc
