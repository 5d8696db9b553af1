#pragma once

// The configuration of quality control: thresholds, severities, minimum units (UMC) per class,
// the built-up-area rule, the sliver width, the confidence threshold and the CS×US coherence
// table. Defaults come from server/data/qc/rules.conf and coherence.csv, compiled into the
// program (each setting is documented there with its source). Immutable once built;
// thread-safe to read.

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/nomenclature.hpp"
#include "qc/issue.hpp"

namespace tessera::qc {

// A rules or coherence file that cannot be used; the message names the file, the line and the
// reason ("rules.conf:12: unknown setting 'sliver.widht_m'").
class RulesError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class Verdict { impossible, suspicious };

struct CoherenceRule {
    Verdict verdict = Verdict::suspicious;
    std::string reason;
};

class Rules {
public:
    // The rules compiled into the program.
    static const Rules& defaults();

    // The defaults, overridden by the settings of `rules_file` (lines of `name = value`, `#`
    // comments; a setting may appear once per file). With `coherence_file`, its table replaces
    // the built-in one. Throws RulesError.
    static Rules load(const std::filesystem::path& rules_file,
                      const std::optional<std::filesystem::path>& coherence_file = std::nullopt,
                      const core::Nomenclature& nomenclature = core::Nomenclature::builtin());
    // The same from text; `rules_name` and `coherence_name` name the sources in errors.
    static Rules parse(std::string_view rules_text, std::string_view rules_name,
                       const core::Nomenclature& nomenclature = core::Nomenclature::builtin());
    static Rules parse(std::string_view rules_text, std::string_view rules_name, std::string_view coherence_csv,
                       std::string_view coherence_name,
                       const core::Nomenclature& nomenclature = core::Nomenclature::builtin());

    // Severity of a code. incoherent_cs_us and edge_mismatch depend on the case: use the
    // functions below (asked here, they give the more severe of their two).
    Severity severity(std::string_view code) const;
    Severity incoherent_severity(Verdict verdict) const;
    Severity edge_vertices_severity() const { return m_edge_vertices; }
    Severity edge_classes_severity() const { return m_edge_classes; }

    // A feature with more points than this gets invalid_geometry and no other geometric check.
    std::size_t max_vertices() const { return m_max_vertices; }
    // Features whose largest inscribed circle is narrower than this are slivers (0: off).
    double sliver_width_m() const { return m_sliver_width_m; }

    // The UMC (m²) of a land-cover class: its own when configured (umc.<CS>), else the one
    // for inside or outside the built-up area.
    double umc_m2(std::string_view cs, bool inside_built_up) const;
    bool has_class_umc(std::string_view cs) const { return m_class_umc.find(cs) != m_class_umc.end(); }
    // Whether below_mmu also judges features with a stretch on the tile border (pieces of
    // polygons that continue in the next tile, whose whole area is known at publication only).
    bool umc_on_tile_border() const { return m_umc_on_tile_border; }
    // The built-up-area rule: a feature is inside when its CS is one of these classes, or when
    // at least `built_up_border_share` of its boundary not on the tile border is shared with
    // features of these classes.
    const std::set<std::string, std::less<>>& built_up_classes() const { return m_built_up_classes; }
    bool is_built_up_class(std::string_view cs) const { return m_built_up_classes.count(cs) > 0; }
    double built_up_border_share() const { return m_built_up_share; }

    // Predicted, unreviewed features with a confidence below this are reported.
    double confidence_threshold() const { return m_confidence_threshold; }

    // The coherence table's verdict on a CS×US pair, nullptr when the table says nothing.
    const CoherenceRule* coherence(std::string_view cs, std::string_view us) const;
    std::size_t coherence_size() const { return m_coherence_size; }

private:
    Rules();
    void apply(std::string_view text, std::string_view name, const core::Nomenclature& nomenclature);
    void set(std::string_view key, std::string_view value, const std::string& where,
             const core::Nomenclature& nomenclature);
    void read_coherence(std::string_view csv, std::string_view name, const core::Nomenclature& nomenclature);

    std::map<std::string, Severity, std::less<>> m_severity;
    Severity m_incoherent_impossible = Severity::blocking;
    Severity m_incoherent_suspicious = Severity::warning;
    Severity m_edge_vertices = Severity::blocking;
    Severity m_edge_classes = Severity::warning;
    std::size_t m_max_vertices = 100000;
    double m_sliver_width_m = 5;
    double m_umc_inside_m2 = 500;
    double m_umc_outside_m2 = 2500;
    std::map<std::string, double, std::less<>> m_class_umc;
    bool m_umc_on_tile_border = false;
    std::set<std::string, std::less<>> m_built_up_classes;
    double m_built_up_share = 0.5;
    double m_confidence_threshold = 0.6;
    // code_cs -> code_us -> rule
    std::map<std::string, std::map<std::string, CoherenceRule, std::less<>>, std::less<>> m_coherence;
    std::size_t m_coherence_size = 0;
};

}  // namespace tessera::qc
