#pragma once

// A closed axis-aligned box in centimetres (the project's grid), empty until a point is added.

#include <algorithm>
#include <cstdint>

#include "geo/wkb.hpp"

namespace tessera::geo {

struct EnvelopeCm {
    std::int64_t min_x = 0, min_y = 0, max_x = -1, max_y = -1;  // empty when min > max

    bool empty() const { return min_x > max_x || min_y > max_y; }
    bool has_area() const { return min_x < max_x && min_y < max_y; }
    void expand(const PointCm& p) {
        if (empty()) {
            min_x = max_x = p.x;
            min_y = max_y = p.y;
            return;
        }
        min_x = std::min(min_x, p.x);
        min_y = std::min(min_y, p.y);
        max_x = std::max(max_x, p.x);
        max_y = std::max(max_y, p.y);
    }
    void expand(const EnvelopeCm& e) {
        if (e.empty()) return;
        expand(PointCm{e.min_x, e.min_y});
        expand(PointCm{e.max_x, e.max_y});
    }
    bool intersects(const EnvelopeCm& o) const {
        return !empty() && !o.empty() && min_x <= o.max_x && o.min_x <= max_x && min_y <= o.max_y && o.min_y <= max_y;
    }
    // Open boxes: what two areas need to overlap.
    bool interiors_intersect(const EnvelopeCm& o) const {
        return !empty() && !o.empty() && min_x < o.max_x && o.min_x < max_x && min_y < o.max_y && o.min_y < max_y;
    }
    bool contains(const EnvelopeCm& o) const {
        return !empty() && !o.empty() && min_x <= o.min_x && o.max_x <= max_x && min_y <= o.min_y && o.max_y <= max_y;
    }
    EnvelopeCm intersection(const EnvelopeCm& o) const {
        if (!intersects(o)) return {};
        return {std::max(min_x, o.min_x), std::max(min_y, o.min_y), std::min(max_x, o.max_x), std::min(max_y, o.max_y)};
    }
    EnvelopeCm grown(std::int64_t by) const {
        if (empty()) return *this;
        return {min_x - by, min_y - by, max_x + by, max_y + by};
    }
};

}  // namespace tessera::geo
