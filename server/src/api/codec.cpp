#include "api/codec.hpp"

namespace tessera::api {

std::string encode_message(const v1::ServerMessage& message) {
    std::string out;
    message.SerializeToString(&out);
    return out;
}

void encode_polygon(const geo::RingsCm& rings, std::int64_t origin_x_cm, std::int64_t origin_y_cm,
                    v1::Polygon& out) {
    std::size_t total = 0;
    for (const auto& ring : rings) total += ring.empty() ? 0 : ring.size() - 1;
    out.mutable_coords()->Reserve(static_cast<int>(out.coords_size() + 2 * total));
    std::int64_t px = origin_x_cm;
    std::int64_t py = origin_y_cm;
    for (const auto& ring : rings) {
        // The closing point repeats the first: it is implied on the wire.
        const std::size_t n = ring.size() >= 2 && ring.front() == ring.back() ? ring.size() - 1 : ring.size();
        out.add_ring_sizes(static_cast<std::uint32_t>(n));
        for (std::size_t i = 0; i < n; ++i) {
            out.add_coords(ring[i].x - px);
            out.add_coords(ring[i].y - py);
            px = ring[i].x;
            py = ring[i].y;
        }
    }
}

std::optional<geo::RingsCm> decode_polygon(const v1::Polygon& polygon, std::int64_t origin_x_cm,
                                           std::int64_t origin_y_cm, std::size_t max_points, std::string* error) {
    auto fail = [&](std::string why) -> std::optional<geo::RingsCm> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    std::uint64_t total = 0;
    for (auto n : polygon.ring_sizes()) {
        if (n < 3) return fail("a ring has " + std::to_string(n) + " points; at least 3 are needed");
        total += n;
    }
    if (polygon.ring_sizes_size() == 0) return fail("the polygon has no ring");
    if (total > max_points) {
        return fail("the polygon has " + std::to_string(total) + " points; the limit is " + std::to_string(max_points));
    }
    if (static_cast<std::uint64_t>(polygon.coords_size()) != 2 * total) {
        return fail("ring_sizes announce " + std::to_string(total) + " points but coords hold " +
                    std::to_string(polygon.coords_size()) + " numbers");
    }
    geo::RingsCm rings;
    rings.reserve(static_cast<std::size_t>(polygon.ring_sizes_size()));
    std::int64_t x = origin_x_cm;
    std::int64_t y = origin_y_cm;
    int k = 0;
    constexpr std::int64_t bound = 1'000'000'000'000;  // 10,000 km in centimetres
    for (auto n : polygon.ring_sizes()) {
        std::vector<geo::PointCm> ring;
        ring.reserve(n + 1);
        for (std::uint32_t i = 0; i < n; ++i) {
            const auto dx = polygon.coords(k++);
            const auto dy = polygon.coords(k++);
            if (dx > bound || dx < -bound || dy > bound || dy < -bound) return fail("a coordinate is out of range");
            x += dx;
            y += dy;
            if (x > bound || x < -bound || y > bound || y < -bound) return fail("a coordinate is out of range");
            ring.push_back({x, y});
        }
        ring.push_back(ring.front());
        rings.push_back(std::move(ring));
    }
    return rings;
}

}  // namespace tessera::api
