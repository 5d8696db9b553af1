#pragma once

// Closed rings written as lists of points, for the geometry tests.

#include <initializer_list>
#include <utility>
#include <vector>

#include "geo/wkb.hpp"

namespace tessera::test {

// The points, then the first again.
inline std::vector<geo::PointCm> ring(std::initializer_list<std::pair<int, int>> points) {
    std::vector<geo::PointCm> r;
    for (const auto& [x, y] : points) r.push_back(geo::PointCm{x, y});
    r.push_back(r.front());
    return r;
}

}  // namespace tessera::test
