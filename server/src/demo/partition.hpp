#pragma once

// Turns overlapping, prioritised polygons into an exact partition on the 1 cm grid:
// all boundaries plus the extent are noded by snap-rounding and polygonized into faces that
// share edges vertex for vertex; each face takes a label; faces too small or too thin to be
// real take their neighbour's label; faces of one label are dissolved with a coverage union
// and split into single polygons. Used for the ground truth and, on warped linework, for the
// predictions. Functions of one geo::Context; not thread-safe across a shared context.

#include <cstddef>
#include <vector>

#include "demo/geos_ops.hpp"
#include "demo/territory.hpp"
#include "geo/geos.hpp"
#include "tiles/grid.hpp"

namespace tessera::demo {

// The faces of a polygonization with their areas and an interior point each.
struct Faces {
    std::vector<geo::Geom> geoms;
    std::vector<double> areas;
    std::vector<XY> inner;
    std::size_t size() const { return geoms.size(); }
};

// Nodes `lines` together with the extent's boundary and polygonizes them; faces outside the
// extent are dropped.
Faces polygonize_lines(const geo::Context& ctx, std::vector<geo::Geom> lines, const tiles::Box& extent);

// Faces that are unlabelled (label < 0), smaller than `min_area` m², or thinner than
// `min_width` m (twice area over perimeter) while under `max_thin_area` m², take the label of
// the neighbour sharing the longest edge. Returns, per face, the face whose label it took
// (itself when it kept its own).
std::vector<std::size_t> absorb_slivers(const geo::Context& ctx, const Faces& faces, std::vector<int>& labels,
                                        double min_area, double min_width, double max_thin_area);

struct Dissolved {
    std::vector<Piece> pieces;
    std::vector<std::size_t> face_piece;  // piece of each face
};

// Merges faces of one label into polygons and splits those into single parts. Labels must all
// be valid LandClass values.
Dissolved dissolve(const geo::Context& ctx, const Faces& faces, const std::vector<int>& labels);

// A second pass over a partition, as a producer's generalisation does: polygons below
// `min_area` m² (garden sheds, leftovers between overlapping sources) or thin strips join their
// neighbour, and the result is dissolved again. Pieces of a partition share their edges vertex
// for vertex, so they are handled as faces.
Dissolved clean_partition(const geo::Context& ctx, std::vector<Piece> pieces, double min_area, double min_width,
                          double max_thin_area);

struct TruthBuild {
    std::vector<Piece> pieces;
    Faces faces;
    std::vector<int> face_item;  // the item whose look each face takes; -1 for the background
    std::size_t clipped_items = 0;
};

// The ground-truth partition of a territory.
TruthBuild build_truth(const geo::Context& ctx, const Territory& territory);

}  // namespace tessera::demo
