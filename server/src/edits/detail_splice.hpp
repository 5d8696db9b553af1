#pragma once

// A polygon changed in a few places, made whole again by edge arithmetic on the 1 cm grid
// instead of overlays: its boundary, minus the boundary of what it had there, plus the boundary
// of what it has there now. Edges that the pieces share cancel; what is left is linked back into
// rings. The work is linear in the polygon's vertices, where a difference and a coverage union
// in GEOS would node the whole polygon twice. Pure; thread-safe.

#include <optional>
#include <vector>

#include "geo/envelope.hpp"
#include "geo/wkb.hpp"

namespace tessera::edits::detail {

// `polygon` with the pieces `removed` (what it had in the boxes `windows`, as cut there by a
// snap-rounding overlay) replaced by `added` (its faces there now). The cuts' vertices are put
// on the polygon's own edges where snap-rounding put them (an edge passing through the 1 cm
// square around one). nullopt when the pieces do not fit edge for edge, when an edge of the
// polygon's own is left inside a window (a piece the cut dropped), or when the validity of a
// part is not certain: the caller then uses overlays. Several parts when the change cut it in
// pieces; none when it is gone.
std::optional<std::vector<geo::RingsCm>> splice(const geo::RingsCm& polygon, const std::vector<geo::EnvelopeCm>& windows,
                                   const std::vector<geo::RingsCm>& removed, const std::vector<geo::RingsCm>& added);

}  // namespace tessera::edits::detail
