#pragma once

// Reporting, kept apart from detection: the detectors say what they found, the Reporter turns
// it into Issues (code, severity from the Rules, sorted features, message, key detail) and
// keeps only those that involve a touched feature when given a touched set. One per call; not
// thread-safe.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "geo/wkb.hpp"
#include "qc/issue.hpp"
#include "qc/rules.hpp"

namespace tessera::qc::detail {

class Reporter {
public:
    // `touched`: nullptr to keep every issue.
    Reporter(const Rules& rules, const std::set<std::int64_t>* touched) : m_rules(rules), m_touched(touched) {}

    void invalid_geometry(std::int64_t id, const std::string& reason, geo::PointCm at);
    void multipart(std::int64_t id, std::size_t parts, geo::PointCm at);
    void overlap(std::int64_t a, std::int64_t b, double area_m2, geo::PointCm at);
    void gap(std::vector<std::int64_t> bordering, double area_m2, geo::PointCm at);
    void below_mmu(std::int64_t id, double area_m2, double umc_m2, const std::string& cs, std::string_view umc_source,
                   geo::PointCm at);
    void sliver(std::int64_t id, double width_m, std::optional<double> radius_m, geo::PointCm at);
    // unknown_code, non_leaf_code or legacy_code; `field` is "CS" or "US".
    void code_problem(std::string_view code, std::int64_t id, std::string_view field, const std::string& value,
                      geo::PointCm at);
    void incoherent(std::int64_t id, const std::string& cs, const std::string& us, const CoherenceRule& rule,
                    geo::PointCm at);
    void same_class(std::int64_t a, std::int64_t b, const std::string& cs, const std::string& us, double length_m,
                    geo::PointCm at);
    void low_confidence(std::int64_t id, double confidence, double threshold, geo::PointCm at);
    // edge_mismatch: a vertex on the shared border with no vertex across.
    void edge_vertex(std::vector<std::int64_t> features, geo::PointCm vertex, std::string_view side);
    // edge_mismatch: classes that differ across a shared stretch of border.
    void edge_classes(std::int64_t mine, std::int64_t theirs, const std::string& my_classes,
                      const std::string& their_classes, double length_m, geo::PointCm at);

    // The issues, in issue_less order.
    std::vector<Issue> take();

private:
    void add(std::string_view code, Severity severity, std::vector<std::int64_t> features, geo::PointCm at,
             std::string message, double area_m2 = 0, std::string detail = {});

    const Rules& m_rules;
    const std::set<std::int64_t>* m_touched;
    std::vector<Issue> m_issues;
};

// "12.35" for 12.3456: numbers in messages.
std::string format_number(double value);
// Areas to the cm² (4 decimals of m²), so 2499.9999 m² does not read as 2500.
std::string format_area(double m2);

}  // namespace tessera::qc::detail
