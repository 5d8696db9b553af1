#include "tiles/grid.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace tessera::tiles {

std::string TileKey::str() const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d_%04d", x_km, y_km);
    return buf;
}

std::optional<TileKey> parse_key(std::string_view text, std::string* error) {
    auto fail = [&](const char* why) -> std::optional<TileKey> {
        if (error) *error = std::string("tile key '") + std::string(text.substr(0, 40)) + "': " + why;
        return std::nullopt;
    };
    const auto sep = text.find('_');
    if (sep == std::string_view::npos) return fail("expected XXXX_YYYY (kilometres), e.g. 0880_6840");
    TileKey key;
    auto parse = [](std::string_view part, std::int32_t& out) {
        if (part.empty() || part.size() > 5) return false;
        for (char c : part)
            if (c < '0' || c > '9') return false;
        auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
        return ec == std::errc() && p == part.data() + part.size();
    };
    if (!parse(text.substr(0, sep), key.x_km) || !parse(text.substr(sep + 1), key.y_km))
        return fail("expected XXXX_YYYY with digits only (kilometres), e.g. 0880_6840");
    return key;
}

bool Box::valid() const {
    return std::isfinite(min_x) && std::isfinite(min_y) && std::isfinite(max_x) && std::isfinite(max_y) &&
           min_x < max_x && min_y < max_y;
}

Grid::Grid(std::int32_t size_m) : m_size_m(size_m) {
    if (size_m <= 0 || size_m % 1000 != 0)
        throw std::invalid_argument("tile size must be a positive multiple of 1000 m, got " + std::to_string(size_m));
}

TileKey Grid::key_at(double x, double y) const {
    const auto step = static_cast<double>(m_size_m);
    const auto km = m_size_m / 1000;
    return TileKey{static_cast<std::int32_t>(std::floor(x / step)) * km,
                   static_cast<std::int32_t>(std::floor(y / step)) * km};
}

bool Grid::aligned(const TileKey& key) const {
    const auto km = m_size_m / 1000;
    return key.x_km % km == 0 && key.y_km % km == 0;
}

Box Grid::bounds(const TileKey& key) const {
    const double x = key.x_km * 1000.0;
    const double y = key.y_km * 1000.0;
    return Box{x, y, x + m_size_m, y + m_size_m};
}

std::size_t Grid::count_in(const Box& box) const {
    if (!box.valid()) return 0;
    const double step = m_size_m;
    const double nx = std::ceil(box.max_x / step) - std::floor(box.min_x / step);
    const double ny = std::ceil(box.max_y / step) - std::floor(box.min_y / step);
    const double n = nx * ny;
    return n > 1e15 ? static_cast<std::size_t>(1e15) : static_cast<std::size_t>(n);
}

std::optional<std::vector<TileKey>> Grid::keys_in(const Box& box, std::size_t limit) const {
    std::vector<TileKey> out;
    if (!box.valid()) return out;
    if (count_in(box) > limit) return std::nullopt;
    const double step = m_size_m;
    const auto km = m_size_m / 1000;
    const auto x0 = static_cast<std::int64_t>(std::floor(box.min_x / step));
    const auto x1 = static_cast<std::int64_t>(std::ceil(box.max_x / step));
    const auto y0 = static_cast<std::int64_t>(std::floor(box.min_y / step));
    const auto y1 = static_cast<std::int64_t>(std::ceil(box.max_y / step));
    for (auto y = y0; y < y1; ++y)
        for (auto x = x0; x < x1; ++x)
            out.push_back(TileKey{static_cast<std::int32_t>(x * km), static_cast<std::int32_t>(y * km)});
    return out;
}

}  // namespace tessera::tiles
