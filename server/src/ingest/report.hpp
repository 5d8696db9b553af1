#pragma once

// What an import did, for the command's summary and the report file (JSON): polygons in and
// out, repairs, the sieved area, areas per class, the confidence of what was loaded, the
// quality controls of the loaded tiles and the time each stage took. Workers fill a TileTally
// each and merge it under the report's lock.

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace tessera::ingest {

// One repair made to an input feature (or pixel window), with where it was.
struct Repair {
    std::string where;  // "feature 812", "pixels x 0..999, y 0..999"
    std::string what;   // "made valid: Self-intersection[...]", "multipart: 3 polygons"
};

// What one tile contributed.
struct TileTally {
    std::size_t polygons = 0;
    std::map<std::string, double> area_by_cs;     // m²
    std::map<std::string, double> area_by_class;  // m², per model class (raster, mapped vectors)
    std::array<double, 10> confidence_area{};     // m² per tenth of confidence (0-0.1, ..., 0.9-1)
    double no_confidence_area = 0;
    double low_confidence_area = 0;  // under the quality controls' threshold
    double overlap_m2 = 0, gaps_filled_m2 = 0, gaps_flagged_m2 = 0, uncovered_m2 = 0;
    std::size_t gaps_filled = 0, gaps_flagged = 0, repaired_tiles = 0;
    std::size_t whole_tile_repairs = 0;  // repaired tiles the local repair could not settle
    std::vector<Repair> repairs;
    std::map<std::string, double> stage_seconds;

    // Counts one loaded polygon.
    void add_polygon(const std::string& code_cs, const std::string& model_class, double area_m2,
                     double confidence /* NaN: none */, double low_threshold);
};

struct ImportReport {
    std::string kind;  // "raster" or "vector"
    std::string source, prediction_set, mapping;
    bool dry_run = false;
    std::size_t input_features = 0;     // vector: features read
    bool percent_confidence = false;    // the confidence was given as 0..100
    std::uint64_t input_pixels = 0;     // raster: pixels with a class
    double sieved_m2 = 0;               // raster: area whose class the sieve changed
    std::size_t tiles_total = 0, tiles_already_done = 0, tiles_loaded = 0, tiles_beside = 0, tiles_empty = 0;
    std::vector<std::string> edited_tiles;  // tiles people have edited among those to load
    TileTally totals;
    std::size_t repairs_total = 0;
    std::map<std::string, std::size_t> issues_by_code;
    std::size_t blocking_issues = 0;
    double seconds = 0;

    void merge(TileTally&& tile);  // thread-safe
    std::string to_json() const;
    void print_summary(std::ostream& out) const;

private:
    std::mutex m_mutex;
    std::set<std::string> m_repaired;  // a feature spanning several tiles is repaired once in the report
};

}  // namespace tessera::ingest
