#include "qc/detail_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tessera::qc::detail {

using geo::PointCm;

std::string format_number(double value) {
    char text[64];
    if (value != 0 && std::fabs(value) < 0.01) std::snprintf(text, sizeof text, "%.4g", value);
    else std::snprintf(text, sizeof text, "%.2f", value);
    std::string s = text;
    if (s.find('.') != std::string::npos && s.find('e') == std::string::npos) {
        s.erase(s.find_last_not_of('0') + 1);
        if (s.back() == '.') s.pop_back();
    }
    return s;
}

std::string format_area(double m2) {
    char text[64];
    if (m2 > 0 && m2 < 1e-4) {  // thinner than the grid: only a floating overlay measures it
        std::snprintf(text, sizeof text, "%.3g", m2);
        return text;
    }
    std::snprintf(text, sizeof text, "%.4f", m2);
    std::string s = text;
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
    return s;
}

namespace {

std::string feature_name(std::int64_t id) { return "feature " + std::to_string(id); }

}  // namespace

void Reporter::add(std::string_view c, Severity severity, std::vector<std::int64_t> features, PointCm at,
                   std::string message, double area_m2, std::string detail) {
    std::sort(features.begin(), features.end());
    features.erase(std::unique(features.begin(), features.end()), features.end());
    if (m_touched &&
        std::none_of(features.begin(), features.end(), [&](std::int64_t id) { return m_touched->count(id) > 0; }))
        return;
    m_issues.push_back(Issue{std::string(c), severity, std::move(features), at, std::move(message), area_m2,
                             std::move(detail)});
}

void Reporter::invalid_geometry(std::int64_t id, const std::string& reason, PointCm at) {
    add(code::invalid_geometry, m_rules.severity(code::invalid_geometry), {id}, at, reason);
}

void Reporter::multipart(std::int64_t id, std::size_t parts, PointCm at) {
    add(code::multipart, m_rules.severity(code::multipart), {id}, at,
        feature_name(id) + " has " + std::to_string(parts) + " separate polygons; a feature must be one polygon");
}

void Reporter::overlap(std::int64_t a, std::int64_t b, double area_m2, PointCm at) {
    add(code::overlap, m_rules.severity(code::overlap), {a, b}, at,
        "features " + std::to_string(std::min(a, b)) + " and " + std::to_string(std::max(a, b)) + " overlap over " +
            format_area(area_m2) + " m²",
        area_m2);
}

void Reporter::gap(std::vector<std::int64_t> bordering, double area_m2, PointCm at) {
    add(code::gap, m_rules.severity(code::gap), std::move(bordering), at,
        format_area(area_m2) + " m² of the tile are covered by no feature", area_m2);
}

void Reporter::below_mmu(std::int64_t id, double area_m2, double umc_m2, const std::string& cs,
                         std::string_view umc_source, PointCm at) {
    add(code::below_mmu, m_rules.severity(code::below_mmu), {id}, at,
        feature_name(id) + " covers " + format_area(area_m2) + " m², below the minimum unit of " +
            format_area(umc_m2) + " m² for " + cs + " " + std::string(umc_source),
        area_m2);
}

void Reporter::sliver(std::int64_t id, double width_m, std::optional<double> radius_m, PointCm at) {
    std::string message = feature_name(id) + " is narrower than " + format_number(width_m) + " m everywhere";
    if (radius_m) message += " (at most " + format_number(2 * *radius_m) + " m across)";
    add(code::sliver, m_rules.severity(code::sliver), {id}, at, std::move(message));
}

void Reporter::code_problem(std::string_view c, std::int64_t id, std::string_view field, const std::string& value,
                            PointCm at) {
    std::string what;
    if (c == code::unknown_code)
        what = value.empty() ? "has no " + std::string(field) + " code"
                             : "has " + std::string(field) + " code '" + value + "', which is not in the nomenclature";
    else if (c == code::non_leaf_code)
        what = "has " + std::string(field) + " code " + value + ", a group: choose one of its leaf classes";
    else
        what = "has the legacy " + std::string(field) + " code " + value + ", replaced by US235";
    add(c, m_rules.severity(c), {id}, at, feature_name(id) + " " + what, 0, std::string(field));
}

void Reporter::incoherent(std::int64_t id, const std::string& cs, const std::string& us, const CoherenceRule& rule,
                          PointCm at) {
    const bool impossible = rule.verdict == Verdict::impossible;
    add(code::incoherent_cs_us, m_rules.incoherent_severity(rule.verdict), {id}, at,
        cs + " with " + us + " is " + (impossible ? "impossible" : "suspicious") + ": " + rule.reason, 0,
        impossible ? "impossible" : "suspicious");
}

void Reporter::same_class(std::int64_t a, std::int64_t b, const std::string& cs, const std::string& us,
                          double length_m, PointCm at) {
    add(code::same_class_neighbours, m_rules.severity(code::same_class_neighbours), {a, b}, at,
        "features " + std::to_string(std::min(a, b)) + " and " + std::to_string(std::max(a, b)) + " share " +
            format_number(length_m) + " m of boundary and are both " + cs + " / " + us + ": merge them");
}

void Reporter::low_confidence(std::int64_t id, double confidence, double threshold, PointCm at) {
    add(code::unreviewed_low_confidence, m_rules.severity(code::unreviewed_low_confidence), {id}, at,
        feature_name(id) + " is a prediction of confidence " + format_number(confidence) + " (below " +
            format_number(threshold) + ") that nobody has checked");
}

void Reporter::edge_vertex(std::vector<std::int64_t> features, PointCm vertex, std::string_view side) {
    char where[96];
    std::snprintf(where, sizeof where, "%.2f %.2f", static_cast<double>(vertex.x) / 100.0,
                  static_cast<double>(vertex.y) / 100.0);
    add(code::edge_mismatch, m_rules.edge_vertices_severity(), std::move(features), vertex,
        "vertex " + std::string(where) + " on the tile border (" + std::string(side) +
            ") has no vertex at the same point across",
        0, "vertex " + std::to_string(vertex.x) + " " + std::to_string(vertex.y));
}

void Reporter::edge_classes(std::int64_t mine, std::int64_t theirs, const std::string& my_classes,
                            const std::string& their_classes, double length_m, PointCm at) {
    add(code::edge_mismatch, m_rules.edge_classes_severity(), {mine, theirs}, at,
        "classes differ across the tile border over " + format_number(length_m) + " m: feature " +
            std::to_string(mine) + " is " + my_classes + ", feature " + std::to_string(theirs) + " across is " +
            their_classes,
        0, "classes");
}

std::vector<Issue> Reporter::take() {
    std::stable_sort(m_issues.begin(), m_issues.end(), issue_less);
    return std::move(m_issues);
}

}  // namespace tessera::qc::detail
