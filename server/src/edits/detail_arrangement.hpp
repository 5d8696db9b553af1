#pragma once

// The planar arrangement behind every geometric edit. The boundaries of the features involved
// and the edit's own linework (a new outline, a cut line) are noded together in ONE
// snap-rounded union on the 1 cm grid and polygonized into faces. Faces share their edges
// exactly, so whatever owner each face is given, the features rebuilt from them cannot
// overlap or leave slivers between them: the partition holds by construction. Owners are
// indices chosen by the caller (slots); a face may also be unowned (a gap) or given up (to go
// to the neighbour sharing the longest border with it). One Arrangement is used by one thread.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "edits/detail_rings.hpp"
#include "geo/geos.hpp"
#include "geo/wkb.hpp"

namespace tessera::edits::detail {

class Arrangement {
public:
    static constexpr int unowned = -1;
    static constexpr int given_up = -2;

    struct Face {
        geo::Geom geom;           // local coordinates
        geo::RingsCm rings;       // global centimetres, as GEOS built them
        std::int64_t area2 = 0;   // twice the area, exact
        geo::Geom inside;         // a point strictly inside the face (local)
        int old_owner = unowned;  // index of the old feature the face lies in
        int owner = unowned;
        std::vector<std::size_t> edges;
    };

    // One segment of the arrangement with the faces on its two sides (-1: none).
    struct Edge {
        geo::PointCm a, b;
        int faces[2] = {-1, -1};
        double length() const;
    };

    // `old`: the old features' polygons (local coordinates) with their envelopes (global);
    // `lines`: the edit's linework (local coordinates).
    Arrangement(const geo::Context& ctx, const geo::PointCm& origin, const std::vector<const GEOSGeometry*>& old,
                const std::vector<EnvelopeCm>& old_envelopes, std::vector<geo::Geom> lines);

    std::size_t size() const { return m_faces.size(); }
    Face& face(std::size_t i) { return m_faces[i]; }
    const Face& face(std::size_t i) const { return m_faces[i]; }
    const std::vector<Edge>& edges() const { return m_edges; }

    // Groups of faces with `owner` connected through shared edges (touching at a point does
    // not connect), largest group first.
    std::vector<std::vector<std::size_t>> components(int owner) const;

    // Gives each connected group of given-up faces to the owner sharing the longest border with
    // it, `excluded(owner)` owners left out. Error message when a group borders no owner.
    template <class Excluded>
    std::optional<std::string> resolve_given_up(Excluded excluded);

    // The union of faces that share edges exactly, as one polygon (local coordinates).
    geo::Geom union_of(const std::vector<std::size_t>& faces) const;

    // Whether the faces lying in old features cover exactly the region the old features
    // covered: snap-rounding may bend an edge that passes within half a centimetre of a vertex,
    // and on the outline of the features involved that would tear the partition with the
    // features around them. Exact (integer areas and segments).
    bool old_region_intact(const std::vector<const geo::RingsCm*>& old_rings) const;

    // Whether exactly the faces lying in old features have an owner: what every edit must leave.
    bool owners_match_old_region() const;

private:
    std::int64_t group_area2(const std::vector<std::size_t>& group) const;
    std::vector<std::vector<std::size_t>> groups(int owner) const;
    std::optional<std::string> give_group(const std::vector<std::size_t>& group, const std::vector<char>& excluded);

    const geo::Context& m_ctx;
    geo::PointCm m_origin;
    std::vector<Face> m_faces;
    std::vector<Edge> m_edges;
};

template <class Excluded>
std::optional<std::string> Arrangement::resolve_given_up(Excluded excluded) {
    int max_owner = -1;
    for (const auto& f : m_faces) max_owner = std::max(max_owner, f.owner);
    std::vector<char> out(static_cast<std::size_t>(max_owner + 1), 0);
    for (int o = 0; o <= max_owner; ++o) out[static_cast<std::size_t>(o)] = excluded(o) ? 1 : 0;
    for (const auto& group : groups(given_up))
        if (auto err = give_group(group, out)) return err;
    return std::nullopt;
}

}  // namespace tessera::edits::detail
