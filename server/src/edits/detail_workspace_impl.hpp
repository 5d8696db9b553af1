#pragma once

// The inside of a Workspace, shared by workspace.cpp (bookkeeping, the class-only operations)
// and geometric_ops.cpp (reshape, split, merge, draw). Used by one thread.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "edits/detail_arrangement.hpp"
#include "edits/detail_rings.hpp"
#include "edits/workspace.hpp"
#include "geo/geos.hpp"

namespace tessera::edits {

namespace detail {

// An owner of faces while an edit is rebuilt: one per involved feature, plus the new features
// the edit creates (a drawn polygon, the parts of a split).
struct Slot {
    std::int64_t id = 0;  // feature keeping the largest piece; 0: a new feature
    std::string code_cs, code_us;
    bool reviewed = false;
    bool one_piece = false;          // stray pieces are given up to the neighbours (reshape, draw)
    bool takes_no_given_up = false;  // never receives given-up area (reshape, draw)
    bool must_be_single = false;     // refuse rather than split (merge)
    bool is_part = false;            // a part of a split
    bool primary = false;            // the drawn feature, whose new id the caller gets
    std::int64_t source = 0;         // the feature whose straight-through vertices it keeps
    bool keeps_input = false;        // keeps the vertices of the edit's own geometry
};

// The features an attempt works on, in id order, with what the arrangement needs.
struct Involved {
    std::vector<std::int64_t> ids;
    std::vector<const GEOSGeometry*> geoms;
    std::vector<EnvelopeCm> envelopes;
    std::vector<const geo::RingsCm*> rings;
    int index_of(std::int64_t id) const;
};

// A connected piece of one slot's faces, as final rings (global centimetres).
struct Piece {
    geo::RingsCm rings;
    std::int64_t area2 = 0;
};

// A feature after the edit: `id` 0 for a new one.
struct Output {
    std::int64_t id = 0;
    Feature feature;
    bool primary = false;  // its id is reported to the caller (draw)
};

using Classify = std::function<std::optional<OpError>(Arrangement&, const Involved&, std::vector<Slot>&)>;
using Finish = std::function<std::vector<Output>(const std::vector<Slot>&, std::vector<std::vector<Piece>>&)>;

// Default finish: a slot's largest piece keeps its id, the others become new features with
// its classes.
std::vector<Output> outputs_by_slot(const std::vector<Slot>& slots, std::vector<std::vector<Piece>>& pieces);

}  // namespace detail

struct Workspace::Impl {
    Impl(const tiles::Box& tile, std::vector<Feature> initial, Limits lim);

    geo::Context ctx;
    Limits limits;
    geo::PointCm origin;          // the tile's lower-left corner; GEOS works relative to it
    detail::EnvelopeCm tile_env;  // the tile square, global centimetres
    std::map<std::int64_t, Feature> features;
    std::unordered_map<std::int64_t, detail::EnvelopeCm> envelopes;
    std::unordered_map<std::int64_t, geo::Geom> geoms;  // built on first use
    std::map<std::int64_t, Feature> originals;          // as constructed, for features changed since
    std::set<std::int64_t> class_changed, geometry_changed, created, deleted;
    std::int64_t next_id = -1;

    const GEOSGeometry* geom(std::int64_t id);
    void remember(std::int64_t id);
    void refresh(std::int64_t id);

    std::optional<OpError> check_polygon(const geo::RingsCm& rings, const char* field, geo::Geom& out);
    detail::Involved involve(const detail::EnvelopeCm& region);
    detail::Involved involve_all();

    // Runs an edit on growing sets of involved features until the region they cover comes out
    // unchanged, then applies it.
    std::optional<OpError> rebuild(const detail::EnvelopeCm& region,
                                   const std::function<std::vector<geo::Geom>()>& lines,
                                   const detail::PointSet& input_vertices, const detail::Classify& classify,
                                   const detail::Finish& finish, std::int64_t* created_id);
    OpError unexplained_failure(const detail::Involved& involved);
    std::optional<OpError> apply(const detail::Involved& involved, std::vector<detail::Output> outputs,
                                 std::int64_t* created_id);

    std::optional<OpError> reshape(std::int64_t id, const geo::RingsCm& geometry);
    std::optional<OpError> split(std::int64_t id, const std::vector<geo::PointCm>& line,
                                 const std::vector<std::pair<std::string, std::string>>& part_classes);
    std::optional<OpError> merge(const std::vector<std::int64_t>& ids, const std::string& code_cs,
                                 const std::string& code_us);
    std::optional<OpError> draw(const geo::RingsCm& geometry, const std::string& code_cs, const std::string& code_us,
                                std::int64_t* created_id);
};

}  // namespace tessera::edits
