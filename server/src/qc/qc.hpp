#pragma once

// Quality control of a tile (SPEC §5) as pure functions over features' geometries and classes:
// no database, no network. Each call makes its own GEOS context, so calls are thread-safe.
//
// Coordinates are integer centimetres in the project CRS: WKB coordinates are rounded to the
// centimetre when read, and overlap and gap are decided exactly on that grid (their areas are
// measured by fixed-precision overlay, which moves crossings between grid points by < 1 cm).
// Expected problems are issues, never exceptions; geo::GeosError escapes only if GEOS itself
// fails on valid input (a bug).

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/nomenclature.hpp"
#include "geo/wkb.hpp"
#include "qc/issue.hpp"
#include "qc/rules.hpp"
#include "tiles/grid.hpp"

namespace tessera::qc {

// What QC needs of a feature.
struct Feature {
    std::int64_t id = 0;
    std::string code_cs, code_us;
    std::string wkb;                   // ISO/EWKB Polygon or MultiPolygon in metres, any validity
    std::optional<double> confidence;  // model confidence 0..1 when predicted
    bool predicted = false;            // still the model's prediction (classes never changed by a person)
    bool reviewed = false;             // confirmed / checked by a person
};

// The whole tile: every rule. A gap is any part of the tile square covered by no feature.
// `known`, when given, is the coverage test of these features' polygons in this order (an
// import's); it is taken only if what the check reads of each feature's rings is what it
// analysed (else the test runs again).
class CoverageAnalysis;
std::vector<Issue> check_tile(const Rules& rules, const core::Nomenclature& nomenclature, const tiles::Box& tile,
                              const std::vector<Feature>& features, const CoverageAnalysis* known = nullptr);

// After a change: `features` holds the touched features and their neighbours (every feature of
// the tile whose envelope comes within a small margin of a touched one's). Reports the issues
// that involve at least one touched id: the per-feature rules on the touched features;
// overlap and same_class_neighbours on pairs with a touched feature; gaps bordered by a touched
// feature. For those it gives exactly what check_tile gives, provided every feature bordering
// such a gap is in `features` (a gap reaching further than the neighbours is cut where the
// known features end). Rules on a feature that read its neighbours (below_mmu through the
// built-up rule) are re-checked only on touched features. With `geometry_changed` false (the
// change only set classes), overlaps are not looked for: they are what they were before.
std::vector<Issue> check_features(const Rules& rules, const core::Nomenclature& nomenclature, const tiles::Box& tile,
                                  const std::vector<Feature>& features, const std::set<std::int64_t>& touched,
                                  bool geometry_changed = true);

// Whether valid polygons (rings in integer centimetres) partition the tile square exactly: the
// coverage test of check_tile alone, without GEOS. Cheap: what an import asks of every tile
// before deciding whether it needs repairing.
bool exact_partition(const tiles::Box& tile, const std::vector<geo::RingsCm>& polygons);

// Where they do not: pairwise disjoint boxes (centimetres, closed) holding every overlap and
// every gap; none for an exact partition.
struct PartitionTrouble {
    std::int64_t min_x, min_y, max_x, max_y;
};
std::vector<PartitionTrouble> partition_trouble(const tiles::Box& tile, const std::vector<geo::RingsCm>& polygons);

// The coverage test of valid polygons, kept: an import tests each tile's polygons, then loads
// them and checks the tile, and the whole-tile check of the same polygons in the same order
// takes this analysis instead of making it again. Copies share it; thread-safe once made.
class CoverageAnalysis {
public:
    CoverageAnalysis(const tiles::Box& tile, const std::vector<geo::RingsCm>& polygons);

    std::vector<PartitionTrouble> trouble() const;
    bool exact() const;

    struct Kept;  // what check_tile takes (detail_coverage.hpp)
    const Kept& kept() const { return *m_kept; }

private:
    std::shared_ptr<const Kept> m_kept;
};

// Edge matching across the border `tile` shares with `neighbour` (tiles that share only a
// corner, or none, give nothing). `mine` and `theirs` are the features of each tile that touch
// that border. Every vertex lying on the shared border must have a vertex at the same point
// across, wherever a feature across covers that point: one edge_mismatch per unmatched vertex
// (severity edge_mismatch.vertices), located at it, with the features owning it and the one
// across. Where the classes (CS, US) differ across a shared stretch: one edge_mismatch per pair
// of features (severity edge_mismatch.classes).
std::vector<Issue> check_border(const Rules& rules, const tiles::Box& tile, const tiles::Box& neighbour,
                                const std::vector<Feature>& mine, const std::vector<Feature>& theirs);

}  // namespace tessera::qc
