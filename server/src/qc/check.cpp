// check_tile and check_features (qc.hpp): per-feature rules, then the coverage analysis
// (detail_coverage.hpp) and GEOS only where it found trouble, then reporting.

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <utility>

#include "qc/detail_coverage.hpp"
#include "qc/detail_geometry.hpp"
#include "qc/detail_overlay.hpp"
#include "qc/detail_report.hpp"
#include "qc/qc.hpp"

namespace tessera::qc {

using detail::Prepared;
using detail::Shape;
using geo::PointCm;

namespace {

constexpr double cm2_per_m2 = 1e4;

// One check of a set of features: whole tile (touched == nullptr) or incremental.
class Run {
public:
    Run(const Rules& rules, const core::Nomenclature& nomenclature, const tiles::Box& tile,
        const std::vector<Feature>& features, const std::set<std::int64_t>* touched, bool geometry_changed = true)
        : m_rules(rules), m_nomenclature(nomenclature), m_frame(tile), m_touched(touched),
          m_geometry_changed(geometry_changed), m_report(rules, touched) {
        m_prepared.reserve(features.size());
        for (const auto& f : features) {
            m_prepared.push_back(detail::prepare(m_frame, rules, f));
            m_is_touched.push_back(!touched || touched->count(f.id) > 0);
        }
        m_where.resize(features.size());
    }

    std::vector<Issue> run(const CoverageAnalysis* known = nullptr) {
        std::optional<detail::Coverage> own;
        if (!known || m_touched || !analysed(known->kept()))
            own = detail::analyse_coverage(m_prepared, m_frame.tile, m_is_touched);
        const detail::Coverage& coverage = own ? *own : known->kept().coverage;
        index_neighbours(coverage);
        for (std::uint32_t i = 0; i < m_prepared.size(); ++i) {
            if (!m_is_touched[i]) continue;
            check_classes(i);
            check_shape(i, coverage);
        }
        check_same_class(coverage);
        if (m_touched) {
            // The pairwise test is the costly part of an incremental check; classes alone cannot
            // make two features overlap or stop overlapping.
            if (m_geometry_changed) check_overlaps_near_touched(coverage);
            check_gaps(coverage, /*only_touched=*/true, /*with_overlaps=*/false);
        } else {
            check_gaps(coverage, false, true);
        }
        return m_report.take();
    }

private:
    // Whether `kept` analysed exactly what coverage reads of these features: the same oriented
    // rings, in the same order. (A whole-tile check's result depends on nothing else.)
    bool analysed(const CoverageAnalysis::Kept& kept) const {
        if (kept.covers.size() != m_prepared.size()) return false;
        for (std::size_t i = 0; i < m_prepared.size(); ++i)
            if (m_prepared[i].cover != kept.covers[i]) return false;
        return true;
    }

    std::int64_t id(std::uint32_t i) const { return m_prepared[i].feature->id; }

    PointCm where(std::uint32_t i) {
        if (!m_where[i]) {
            const auto& p = m_prepared[i];
            if (!p.cover.empty()) m_where[i] = detail::interior_point(p.cover);
            else if (p.problem_at) m_where[i] = *p.problem_at;
            else if (!p.parts.empty() && !p.parts.front().empty() && !p.parts.front().front().empty())
                m_where[i] = p.parts.front().front().front();
            else m_where[i] = m_frame.origin;
        }
        return *m_where[i];
    }

    void index_neighbours(const detail::Coverage& coverage) {
        m_neighbours.assign(m_prepared.size(), {});
        for (std::size_t k = 0; k < coverage.shared.size(); ++k) {
            m_neighbours[coverage.shared[k].a].push_back(k);
            m_neighbours[coverage.shared[k].b].push_back(k);
        }
    }

    void check_classes(std::uint32_t i) {
        const Feature& f = *m_prepared[i].feature;
        bool cs_leaf = false, us_leaf = false;
        if (!m_nomenclature.find_cs(f.code_cs))
            m_report.code_problem(code::unknown_code, f.id, "CS", f.code_cs, where(i));
        else if (!m_nomenclature.is_leaf_cs(f.code_cs))
            m_report.code_problem(code::non_leaf_code, f.id, "CS", f.code_cs, where(i));
        else cs_leaf = true;
        if (!m_nomenclature.find_us(f.code_us))
            m_report.code_problem(code::unknown_code, f.id, "US", f.code_us, where(i));
        else if (m_nomenclature.is_legacy_us(f.code_us))
            m_report.code_problem(code::legacy_code, f.id, "US", f.code_us, where(i));
        else if (!m_nomenclature.is_leaf_us(f.code_us))
            m_report.code_problem(code::non_leaf_code, f.id, "US", f.code_us, where(i));
        else us_leaf = true;
        // Legacy US codes are judged too: the coherence table may name them.
        if (cs_leaf && (us_leaf || m_nomenclature.is_legacy_us(f.code_us)))
            if (const auto* rule = m_rules.coherence(f.code_cs, f.code_us))
                m_report.incoherent(f.id, f.code_cs, f.code_us, *rule, where(i));
        if (f.predicted && !f.reviewed && f.confidence && *f.confidence < m_rules.confidence_threshold())
            m_report.low_confidence(f.id, *f.confidence, m_rules.confidence_threshold(), where(i));
    }

    void check_shape(std::uint32_t i, const detail::Coverage& coverage) {
        const Prepared& p = m_prepared[i];
        if (p.shape != Shape::valid) {
            m_report.invalid_geometry(id(i), p.problem, p.problem_at ? *p.problem_at : where(i));
            if (p.shape != Shape::invalid) return;  // nothing else can be judged
        }
        if (p.parts.size() > 1) m_report.multipart(id(i), p.parts.size(), where(i));
        if (p.shape != Shape::valid) return;  // area and width of a repaired shape mean little
        check_area(i, coverage);
        const double width_m = m_rules.sliver_width_m();
        if (width_m > 0) {
            const auto verdict = detail::sliver_test(p, width_m * 100);
            if (verdict.sliver) {
                std::optional<double> radius_m;
                if (verdict.radius_cm) radius_m = *verdict.radius_cm / 100;
                m_report.sliver(id(i), width_m, radius_m, where(i));
            }
        }
    }

    void check_area(std::uint32_t i, const detail::Coverage& coverage) {
        const Prepared& p = m_prepared[i];
        const Feature& f = *p.feature;
        if (!m_rules.umc_on_tile_border() && coverage.tile_border_cm[i] > 0) return;
        const double area2 = static_cast<double>(detail::area2(p.cover));
        // Exact enough: area2 is an integer below 2^53 for any tile, the UMC a whole number of m².
        const auto below = [&](double umc_m2) { return area2 < umc_m2 * 2 * cm2_per_m2; };
        const std::string& cs = f.code_cs;
        if (m_rules.has_class_umc(cs)) {
            const double umc = m_rules.umc_m2(cs, false);
            if (below(umc))
                m_report.below_mmu(f.id, area2 / 2 / cm2_per_m2, umc, cs, "(its class's own unit)", where(i));
            return;
        }
        // Cheap first: when the feature is not below the larger unit, where it lies does not matter.
        const double inside_umc = m_rules.umc_m2(cs, true), outside_umc = m_rules.umc_m2(cs, false);
        if (!below(inside_umc) && !below(outside_umc)) return;
        const bool inside = in_built_up(i, coverage);
        const double umc = inside ? inside_umc : outside_umc;
        if (below(umc))
            m_report.below_mmu(f.id, area2 / 2 / cm2_per_m2, umc, cs,
                               inside ? "inside the built-up area" : "outside the built-up area", where(i));
    }

    // The built-up-area rule (see rules.conf).
    bool in_built_up(std::uint32_t i, const detail::Coverage& coverage) const {
        if (m_rules.is_built_up_class(m_prepared[i].feature->code_cs)) return true;
        const double own = coverage.perimeter_cm[i] - coverage.tile_border_cm[i];
        if (own <= 0) return false;
        double built = 0;
        for (auto k : m_neighbours[i]) {
            const auto& s = coverage.shared[k];
            const std::uint32_t other = s.a == i ? s.b : s.a;
            if (m_rules.is_built_up_class(m_prepared[other].feature->code_cs)) built += s.length_cm;
        }
        return built >= m_rules.built_up_border_share() * own;
    }

    void check_same_class(const detail::Coverage& coverage) {
        for (const auto& s : coverage.shared) {
            if (!m_is_touched[s.a] && !m_is_touched[s.b]) continue;
            const Feature& a = *m_prepared[s.a].feature;
            const Feature& b = *m_prepared[s.b].feature;
            if (a.code_cs == b.code_cs && a.code_us == b.code_us)
                m_report.same_class(a.id, b.id, a.code_cs, a.code_us, s.length_cm / 100, s.at);
        }
    }

    void report_overlap(std::uint32_t a, std::uint32_t b) {
        if (id(b) < id(a)) std::swap(a, b);  // the same GEOS calls whatever the order of the input
        if (auto o = detail::find_overlap(m_frame, m_prepared[a], m_prepared[b]))
            m_report.overlap(id(a), id(b), o->area_cm2 / cm2_per_m2, o->at);
    }

    // Incremental: every pair of a touched feature with a feature whose envelope overlaps it.
    // (A touched feature can overlap another without any trouble piece of its own, e.g. when
    // it exactly fills a hole of a feature that overlaps others, so its pairs are all tested.)
    // Nearly always the coverage shows without GEOS that nothing else covers any of it.
    void check_overlaps_near_touched(const detail::Coverage& coverage) {
        for (std::uint32_t i = 0; i < m_prepared.size(); ++i) {
            if (!m_is_touched[i] || !m_prepared[i].has_geometry) continue;
            if (detail::covered_once(m_prepared, coverage, i)) continue;
            for (std::uint32_t j = 0; j < m_prepared.size(); ++j) {
                if (j == i || (m_is_touched[j] && j < i)) continue;
                if (m_prepared[j].shape == Shape::over_limit) continue;
                report_overlap(i, j);
            }
        }
    }

    // Gaps, and in the whole-tile run overlaps, inside the trouble boxes of the coverage.
    void check_gaps(const detail::Coverage& coverage, bool only_touched, bool with_overlaps) {
        std::set<std::pair<std::uint32_t, std::uint32_t>> tested;
        for (const auto& t : coverage.trouble) {
            if (only_touched && !t.touched) continue;
            if (!t.box.has_area()) continue;  // overlaps and gaps have an area, so their boxes too
            const auto candidates = detail::candidates_in(m_prepared, t.box);
            if (!candidates) continue;  // a feature over the vertex limit is there
            for (auto& gap : detail::find_gaps(m_frame, m_prepared, t.box, *candidates)) {
                std::vector<std::int64_t> ids;
                for (auto k : gap.bordering) ids.push_back(id(k));
                m_report.gap(std::move(ids), gap.area_cm2 / cm2_per_m2, gap.at);
            }
            if (!with_overlaps) continue;
            for (std::size_t x = 0; x < candidates->size(); ++x)
                for (std::size_t y = x + 1; y < candidates->size(); ++y) {
                    const auto a = (*candidates)[x], b = (*candidates)[y];
                    if (!m_prepared[a].envelope.interiors_intersect(m_prepared[b].envelope)) continue;
                    if (tested.emplace(std::min(a, b), std::max(a, b)).second) report_overlap(a, b);
                }
        }
    }

    const Rules& m_rules;
    const core::Nomenclature& m_nomenclature;
    detail::Frame m_frame;
    const std::set<std::int64_t>* m_touched;
    bool m_geometry_changed;
    detail::Reporter m_report;
    std::vector<Prepared> m_prepared;
    std::vector<bool> m_is_touched;
    std::vector<std::optional<PointCm>> m_where;
    std::vector<std::vector<std::size_t>> m_neighbours;  // per feature, its entries in Coverage::shared
};

}  // namespace

std::vector<Issue> check_tile(const Rules& rules, const core::Nomenclature& nomenclature, const tiles::Box& tile,
                              const std::vector<Feature>& features, const CoverageAnalysis* known) {
    return Run(rules, nomenclature, tile, features, nullptr).run(known);
}

std::vector<Issue> check_features(const Rules& rules, const core::Nomenclature& nomenclature, const tiles::Box& tile,
                                  const std::vector<Feature>& features, const std::set<std::int64_t>& touched,
                                  bool geometry_changed) {
    return Run(rules, nomenclature, tile, features, &touched, geometry_changed).run();
}

}  // namespace tessera::qc
