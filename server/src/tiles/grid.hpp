#pragma once

// The tile grid: squares of `size_m` metres aligned on multiples of the size in the project
// CRS. A tile key names the lower-left corner in kilometres, "XXXX_YYYY" (e.g. "0880_6840"),
// so tile sizes are whole kilometres. Pure value types; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::tiles {

struct TileKey {
    std::int32_t x_km = 0;  // lower-left corner, kilometres
    std::int32_t y_km = 0;

    std::string str() const;
    friend bool operator==(const TileKey&, const TileKey&) = default;
    friend auto operator<=>(const TileKey&, const TileKey&) = default;
};

// Parses "0880_6840"; nullopt with `error` set when the text is not a key.
std::optional<TileKey> parse_key(std::string_view text, std::string* error = nullptr);

struct Box {
    double min_x = 0, min_y = 0, max_x = 0, max_y = 0;
    bool valid() const;  // finite and min < max on both axes
    double width() const { return max_x - min_x; }
    double height() const { return max_y - min_y; }
};

class Grid {
public:
    // `size_m` must be a positive multiple of 1000.
    explicit Grid(std::int32_t size_m);

    std::int32_t size_m() const { return m_size_m; }
    // The tile containing a point (points on a border belong to the tile above/right).
    TileKey key_at(double x, double y) const;
    bool aligned(const TileKey& key) const;  // the key's corner lies on this grid
    Box bounds(const TileKey& key) const;
    // Tiles overlapping the box's interior, row by row from the lower left; nullopt when more
    // than `limit` tiles would be returned.
    std::optional<std::vector<TileKey>> keys_in(const Box& box, std::size_t limit) const;
    std::size_t count_in(const Box& box) const;

private:
    std::int32_t m_size_m;
};

}  // namespace tessera::tiles
