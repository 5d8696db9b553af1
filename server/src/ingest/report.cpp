#include "ingest/report.hpp"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "ingest/progress.hpp"

namespace tessera::ingest {
namespace {

constexpr std::size_t max_listed_repairs = 1000;

std::string hectares(double m2) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f ha", m2 / 10000);
    return buf;
}

}  // namespace

void TileTally::add_polygon(const std::string& code_cs, const std::string& model_class, double area_m2,
                            double confidence, double low_threshold) {
    ++polygons;
    area_by_cs[code_cs] += area_m2;
    if (!model_class.empty()) area_by_class[model_class] += area_m2;
    if (std::isnan(confidence)) {
        no_confidence_area += area_m2;
        return;
    }
    const auto bin = static_cast<std::size_t>(std::clamp(confidence * 10, 0.0, 9.0));
    confidence_area[bin] += area_m2;
    if (confidence < low_threshold) low_confidence_area += area_m2;
}

void ImportReport::merge(TileTally&& t) {
    std::lock_guard lock(m_mutex);
    auto& a = totals;
    a.polygons += t.polygons;
    for (const auto& [k, v] : t.area_by_cs) a.area_by_cs[k] += v;
    for (const auto& [k, v] : t.area_by_class) a.area_by_class[k] += v;
    for (std::size_t i = 0; i < a.confidence_area.size(); ++i) a.confidence_area[i] += t.confidence_area[i];
    a.no_confidence_area += t.no_confidence_area;
    a.low_confidence_area += t.low_confidence_area;
    a.overlap_m2 += t.overlap_m2;
    a.gaps_filled_m2 += t.gaps_filled_m2;
    a.gaps_flagged_m2 += t.gaps_flagged_m2;
    a.uncovered_m2 += t.uncovered_m2;
    a.gaps_filled += t.gaps_filled;
    a.gaps_flagged += t.gaps_flagged;
    a.repaired_tiles += t.repaired_tiles;
    a.whole_tile_repairs += t.whole_tile_repairs;
    for (auto& r : t.repairs) {
        if (!m_repaired.insert(r.where + ": " + r.what).second) continue;
        ++repairs_total;
        if (a.repairs.size() < max_listed_repairs) a.repairs.push_back(std::move(r));
    }
    for (const auto& [k, v] : t.stage_seconds) a.stage_seconds[k] += v;
}

std::string ImportReport::to_json() const {
    nlohmann::json j;
    j["kind"] = kind;
    j["source"] = source;
    j["prediction_set"] = prediction_set;
    if (!mapping.empty()) j["class_mapping"] = mapping;
    j["dry_run"] = dry_run;
    if (kind == "vector") j["features_in"] = input_features;
    if (kind == "raster") {
        j["pixels_in"] = input_pixels;
        j["sieved_m2"] = sieved_m2;
    }
    j["polygons_out"] = totals.polygons;
    j["tiles"] = {{"total", tiles_total},
                  {"already_done", tiles_already_done},
                  {"loaded", tiles_loaded},
                  {"beside_edited_work", tiles_beside},
                  {"empty", tiles_empty},
                  {"repaired_into_partition", totals.repaired_tiles},
                  {"repaired_as_a_whole", totals.whole_tile_repairs}};
    j["edited_tiles"] = edited_tiles;
    j["repairs"] = {{"count", repairs_total},
                    {"overlap_m2", totals.overlap_m2},
                    {"gaps_filled", totals.gaps_filled},
                    {"gaps_filled_m2", totals.gaps_filled_m2},
                    {"gaps_flagged", totals.gaps_flagged},
                    {"gaps_flagged_m2", totals.gaps_flagged_m2},
                    {"uncovered_m2", totals.uncovered_m2}};
    auto& list = j["repairs"]["listed"] = nlohmann::json::array();
    for (const auto& r : totals.repairs) list.push_back({{"where", r.where}, {"what", r.what}});
    j["area_m2_by_cs"] = totals.area_by_cs;
    if (!totals.area_by_class.empty()) j["area_m2_by_model_class"] = totals.area_by_class;
    double total = totals.no_confidence_area;
    for (double a : totals.confidence_area) total += a;
    j["confidence"] = {{"area_m2_by_tenth", totals.confidence_area},
                       {"no_confidence_m2", totals.no_confidence_area},
                       {"low_confidence_m2", totals.low_confidence_area},
                       {"low_confidence_share", total > 0 ? totals.low_confidence_area / total : 0.0}};
    j["quality_controls"] = {{"issues_by_code", issues_by_code}, {"blocking", blocking_issues}};
    j["seconds"] = seconds;
    j["stage_seconds"] = totals.stage_seconds;
    return j.dump(2);
}

void ImportReport::print_summary(std::ostream& out) const {
    out << (dry_run ? "dry run (nothing written): " : "") << kind << " import of " << source << " into prediction set '"
        << prediction_set << "'\n";
    if (kind == "vector") out << "  features in:     " << input_features << "\n";
    if (kind == "raster") out << "  pixels in:       " << input_pixels << " (sieved: " << hectares(sieved_m2) << ")\n";
    out << "  polygons out:    " << totals.polygons << "\n";
    out << "  tiles:           " << tiles_total << " (" << tiles_loaded << (dry_run ? " to load" : " loaded");
    if (tiles_already_done) out << ", " << tiles_already_done << " already loaded by this import";
    if (tiles_beside) out << ", " << tiles_beside << " beside people's work";
    if (tiles_empty) out << ", " << tiles_empty << " with nothing to load";
    out << ")\n";
    if (!edited_tiles.empty()) out << "  edited tiles:    " << edited_tiles.size() << "\n";
    out << "  repairs:         " << repairs_total << " features repaired, " << totals.repaired_tiles
        << " tiles repaired into a partition (overlaps " << hectares(totals.overlap_m2) << ", " << totals.gaps_filled
        << " gaps filled " << hectares(totals.gaps_filled_m2) << ", " << totals.gaps_flagged << " flagged "
        << hectares(totals.gaps_flagged_m2) << ", uncovered " << hectares(totals.uncovered_m2) << ")\n";
    double total = totals.no_confidence_area;
    for (double a : totals.confidence_area) total += a;
    char share[32];
    std::snprintf(share, sizeof share, "%.1f %%", total > 0 ? 100 * totals.low_confidence_area / total : 0.0);
    out << "  low confidence:  " << share << " of the area\n";
    out << "  confidence:     ";
    for (std::size_t i = 0; i < totals.confidence_area.size(); ++i) {
        char bin[48];
        std::snprintf(bin, sizeof bin, " %.1f-%.1f: %.0f%%", static_cast<double>(i) / 10, static_cast<double>(i + 1) / 10,
                      total > 0 ? 100 * totals.confidence_area[i] / total : 0.0);
        out << bin;
    }
    out << "\n  area by CS:\n";
    for (const auto& [cs, a] : totals.area_by_cs) out << "    " << cs << "  " << hectares(a) << "\n";
    if (!dry_run) {
        std::size_t issues = 0;
        for (const auto& [code, n] : issues_by_code) issues += n;
        out << "  quality controls: " << issues << " issues (" << blocking_issues << " blocking)";
        std::string by_code;
        for (const auto& [code, n] : issues_by_code) by_code += (by_code.empty() ? "" : ", ") + code + " " + std::to_string(n);
        if (!by_code.empty()) out << ": " << by_code;
        out << "\n";
    }
    out << "  time:            " << format_duration(seconds) << " (summed over threads:";
    for (const auto& [stage, s] : totals.stage_seconds) {
        char buf[64];
        std::snprintf(buf, sizeof buf, " %s %.1f s", stage.c_str(), s);
        out << buf;
    }
    out << ")\n";
}

}  // namespace tessera::ingest
