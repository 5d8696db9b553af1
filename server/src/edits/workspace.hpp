#pragma once

// Partition-preserving edits of one tile (SPEC §4): set_class, confirm, reshape, split, merge,
// draw, applied to a working set of features held in memory. Pure computation (GEOS through
// geo), no database: the store loads the features an edit may touch, the workspace computes
// their new state, the store writes it. Every geometric operation keeps the working set an
// exact partition of the region it covers, on the 1 cm grid, by construction. One Workspace
// is used by one thread.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "geo/wkb.hpp"
#include "tiles/grid.hpp"

namespace tessera::edits {

struct Feature {
    std::int64_t id = 0;  // > 0: stored; < 0: created by this workspace (-1, -2, ...)
    std::string code_cs;
    std::string code_us;
    geo::RingsCm rings;   // one polygon: exterior ring first, then holes; rings closed; integer cm
    bool reviewed = false;
};

struct Limits {
    std::size_t max_vertices_per_feature = 100000;  // of any feature an edit produces or receives
};

// Why an operation cannot apply. `field` is relative to the operation ("geometry", "line",
// "features[1]", "feature"); `message` says what is wrong for a person.
struct OpError {
    std::string field;
    std::string message;
    // The edit needs more of the tile than was loaded (re-noding moved the outline of the
    // loaded region): the caller may retry with every feature of the tile.
    bool needs_whole_tile = false;
};

class Workspace {
public:
    // `tile`: the tile's square. `features`: every feature of the tile that the edits may touch
    // (for a geometric edit: every feature whose bounding box comes within `context_margin_m`
    // of the edit's region); they must partition the region they cover.
    Workspace(const tiles::Box& tile, std::vector<Feature> features, Limits limits = {});
    ~Workspace();
    Workspace(const Workspace&) = delete;
    Workspace& operator=(const Workspace&) = delete;

    static constexpr double context_margin_m = 1.0;

    // Each returns nullopt when applied, or the reason it was refused (the workspace is then
    // unchanged). Codes are not checked against the nomenclature here (the caller does).
    std::optional<OpError> set_class(std::int64_t id, const std::string& code_cs, const std::string& code_us);
    std::optional<OpError> confirm(std::int64_t id);
    std::optional<OpError> reshape(std::int64_t id, const geo::RingsCm& geometry);
    std::optional<OpError> split(std::int64_t id, const std::vector<geo::PointCm>& line,
                                 const std::vector<std::pair<std::string, std::string>>& part_classes);
    std::optional<OpError> merge(const std::vector<std::int64_t>& ids, const std::string& code_cs,
                                 const std::string& code_us);
    // On success `*created` is the new feature's (temporary, negative) id.
    std::optional<OpError> draw(const geo::RingsCm& geometry, const std::string& code_cs, const std::string& code_us,
                                std::int64_t* created);

    const Feature* find(std::int64_t id) const;
    const std::map<std::int64_t, Feature>& features() const;
    // Since construction: features whose classes or review flag changed, whose geometry
    // changed, that were created (negative ids), and that were deleted.
    const std::set<std::int64_t>& class_changed() const;
    const std::set<std::int64_t>& geometry_changed() const;
    const std::set<std::int64_t>& created() const;
    const std::set<std::int64_t>& deleted() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace tessera::edits
