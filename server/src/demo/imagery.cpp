#include "demo/imagery.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include <cpl_error.h>
#include <gdal_priv.h>

#include "demo/geos_ops.hpp"
#include "demo/random.hpp"
#include "tiles/grid.hpp"

namespace tessera::demo {

namespace {

constexpr double two_pi = 2 * std::numbers::pi;
// Pixels rendered beyond each tile edge so that shadows cast across the edge match.
constexpr int margin_px = 8;

struct Rgb {
    double r = 0, g = 0, b = 0;
};
Rgb operator*(Rgb c, double k) { return {c.r * k, c.g * k, c.b * k}; }
Rgb mix(Rgb a, Rgb b, double t) { return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t}; }

// A square raster of item indices covering one tile plus its margin, filled polygon by polygon
// with an even-odd scanline rule at pixel centres (half-open, so that a pixel on an edge shared
// by two faces goes to exactly one of them).
class OwnerRaster {
public:
    OwnerRaster(int size, double origin_x, double origin_y_top, double res)
        : m_size(size), m_x0(origin_x), m_y0(origin_y_top), m_res(res),
          m_cells(static_cast<std::size_t>(size) * static_cast<std::size_t>(size), -1), m_rows(static_cast<std::size_t>(size)) {}

    int at(int row, int col) const { return m_cells[static_cast<std::size_t>(row) * static_cast<std::size_t>(m_size) + static_cast<std::size_t>(col)]; }
    int size() const { return m_size; }

    void fill(const geo::Context& ctx, const GEOSGeometry* polygon, int value) {
        int lo = m_size, hi = -1;
        auto add_ring = [&](const GEOSGeometry* ring) {
            const auto pts = coords(ctx, ring);
            for (std::size_t i = 1; i < pts.size(); ++i) {
                const double ax = (pts[i - 1].x - m_x0) / m_res, ay = (m_y0 - pts[i - 1].y) / m_res;
                const double bx = (pts[i].x - m_x0) / m_res, by = (m_y0 - pts[i].y) / m_res;
                if (ay == by) continue;
                const double ymin = std::min(ay, by), ymax = std::max(ay, by);
                const int r0 = std::max(0, static_cast<int>(std::ceil(ymin - 0.5)));
                const int r1 = std::min(m_size - 1, static_cast<int>(std::ceil(ymax - 0.5)) - 1);
                for (int r = r0; r <= r1; ++r) {
                    const double yc = r + 0.5;
                    m_rows[static_cast<std::size_t>(r)].push_back(ax + (yc - ay) * (bx - ax) / (by - ay));
                }
                if (r0 <= r1) lo = std::min(lo, r0), hi = std::max(hi, r1);
            }
        };
        add_ring(GEOSGetExteriorRing_r(ctx.handle(), polygon));
        const int holes = GEOSGetNumInteriorRings_r(ctx.handle(), polygon);
        for (int h = 0; h < holes; ++h) add_ring(GEOSGetInteriorRingN_r(ctx.handle(), polygon, h));
        for (int r = lo; r <= hi; ++r) {
            auto& xs = m_rows[static_cast<std::size_t>(r)];
            std::sort(xs.begin(), xs.end());
            for (std::size_t k = 0; k + 1 < xs.size(); k += 2) {
                const int c0 = std::max(0, static_cast<int>(std::ceil(xs[k] - 0.5)));
                const int c1 = std::min(m_size - 1, static_cast<int>(std::ceil(xs[k + 1] - 0.5)) - 1);
                for (int c = c0; c <= c1; ++c)
                    m_cells[static_cast<std::size_t>(r) * static_cast<std::size_t>(m_size) + static_cast<std::size_t>(c)] = value;
            }
            xs.clear();
        }
    }

private:
    int m_size;
    double m_x0, m_y0, m_res;
    std::vector<int> m_cells;
    std::vector<std::vector<double>> m_rows;
};

bool is_forest(Look l) { return l == Look::broadleaf || l == Look::conifer || l == Look::mixed_forest; }
bool is_roof(Look l) { return l == Look::roof_tile || l == Look::roof_grey; }

// Per-pixel colour of a look at world position (x, y).
class Painter {
public:
    explicit Painter(std::uint64_t seed) : m_seed(seed) {}

    Rgb paint(const Appearance& a, double x, double y) const {
        switch (a.look) {
        case Look::arable: return crop(a.tint, a.angle, x, y);
        case Look::arable_patches: return parcelled(x, y);
        case Look::meadow: return grass({116, 146, 80}, a.tint, x, y, 0.0);
        case Look::fallow: return grass({138, 146, 92}, a.tint, x, y, 0.28);
        case Look::scrub: return grass({132, 140, 88}, a.tint, x, y, 0.5);
        case Look::broadleaf: return crowns(x, y, 7.0, 0.0, a.tint);
        case Look::conifer: return crowns(x, y, 4.5, 1.0, a.tint);
        case Look::mixed_forest: return crowns(x, y, 6.0, 0.4, a.tint);
        case Look::orchard: return orchard(a, x, y);
        case Look::vineyard: {
            const double u = x * std::cos(a.angle) + y * std::sin(a.angle);
            return mix(Rgb{150, 128, 98}, Rgb{96, 124, 62}, 0.5 + 0.5 * std::sin(two_pi * u / 5)) * grain(x, y, 0.05);
        }
        case Look::water: return Rgb{40, 62, 66} * (0.92 + 0.12 * fbm(x / 60, y / 60, m_seed + 3, 2) + 0.04 * a.tint);
        case Look::road: return Rgb{132, 132, 130} * (0.94 + 0.08 * a.tint) * grain(x, y, 0.03);
        case Look::track: return Rgb{176, 164, 140} * grain(x, y, 0.07);
        case Look::paved: return Rgb{150, 146, 140} * (0.92 + 0.12 * a.tint) * grain(x, y, 0.04);
        case Look::rail: return Rgb{112, 102, 94} * grain(x, y, 0.06);
        case Look::roof_tile: return roof(Rgb{166, 82, 62}, a, x, y);
        case Look::roof_grey: return roof(Rgb{120, 122, 126}, a, x, y);
        case Look::garden: return garden(a.tint, x, y);
        case Look::cemetery: {
            const double u = x * std::cos(a.angle) + y * std::sin(a.angle);
            const double v = -x * std::sin(a.angle) + y * std::cos(a.angle);
            const bool grave = u / 3 - std::floor(u / 3) < 0.45 && v / 2 - std::floor(v / 2) < 0.55;
            return (grave ? Rgb{122, 120, 116} : Rgb{178, 174, 166}) * grain(x, y, 0.05);
        }
        }
        return Rgb{128, 128, 128};
    }

private:
    // Pixel-scale grain, the same for a point whatever tile renders it.
    double grain(double x, double y, double amount) const {
        const auto ix = static_cast<std::int64_t>(std::floor(x * 2)), iy = static_cast<std::int64_t>(std::floor(y * 2));
        return 1 + amount * (2 * lattice(ix, iy, m_seed + 1) - 1);
    }

    Rgb crop(float tint, float angle, double x, double y) const {
        static const Rgb palette[] = {{142, 118, 92}, {196, 178, 122}, {118, 146, 74}, {182, 168, 128}, {205, 196, 92}};
        const double t = tint;
        const int kind = t < 0.25 ? 0 : t < 0.5 ? 1 : t < 0.74 ? 2 : t < 0.93 ? 3 : 4;
        const double period = 9 + 6 * (t * 7 - std::floor(t * 7));
        const double u = x * std::cos(angle) + y * std::sin(angle);
        const double stripes = 1 + 0.07 * std::sin(two_pi * u / period);
        const double patchy = 0.92 + 0.16 * fbm(x / 90, y / 90, m_seed + 5, 3);
        return palette[kind] * (stripes * patchy * grain(x, y, 0.03));
    }

    Rgb grass(Rgb base, float tint, double x, double y, double bushes) const {
        Rgb c = base * (0.88 + 0.2 * fbm(x / 35, y / 35, m_seed + 7, 3) + 0.06 * tint);
        if (bushes > 0 && value_noise(x / 7, y / 7, m_seed + 8) > 1 - bushes * 0.6) c = Rgb{86, 108, 60};
        return c * grain(x, y, 0.04);
    }

    // Tree crowns as cells of ~`size` m, each lit on its sun-facing (south-east) side; two
    // overlaid cell layers break the regularity of a single one.
    Rgb crowns(double x, double y, double size, double conifer_share, float tint) const {
        const Cell a = worley(x / size, y / size, m_seed + 13);
        const Cell b = worley((x * 0.8 - y * 0.6) / (size * 0.8), (x * 0.6 + y * 0.8) / (size * 0.8), m_seed + 14);
        const Cell& cell = b.distance < a.distance * 0.9 ? b : a;
        const bool conifer = unit_from_bits(mix64(cell.id)) < conifer_share;
        const Rgb base = conifer ? Rgb{40, 66, 44} : Rgb{66, 98, 50};
        const double lit = -(cell.dx * 0.35 - cell.dy * 0.94);  // sample offset towards the sun
        const double d2 = cell.distance * cell.distance;
        const double shade = (conifer ? 1.15 - 1.1 * d2 : 1.1 - 0.7 * d2) + 0.3 * lit;
        const double own = 0.85 + 0.3 * unit_from_bits(cell.id) + 0.06 * (tint - 0.5);
        return base * (std::max(0.45, shade) * own * grain(x, y, 0.04));
    }

    // Arable land whose source has no parcels (OSM farmland): blocks of ~900 m, each cut into
    // strips along its own direction and the strips into fields, as open-field parcels are.
    Rgb parcelled(double x, double y) const {
        const Cell block = worley(x / 900, y / 900, m_seed + 11);
        const double angle = unit_from_bits(block.id) * 3.14159265;
        const double u = x * std::cos(angle) + y * std::sin(angle);
        const double v = -x * std::sin(angle) + y * std::cos(angle);
        const double width = 70 + 90 * unit_from_bits(mix64(block.id + 1));
        const auto strip = static_cast<std::int64_t>(std::floor(v / width));
        const std::uint64_t sh = hash_combine(block.id, static_cast<std::uint64_t>(strip));
        const double length = 220 + 330 * unit_from_bits(sh);
        const double offset = length * unit_from_bits(mix64(sh));
        const auto field = static_cast<std::int64_t>(std::floor((u + offset) / length));
        const std::uint64_t fh = hash_combine(sh, static_cast<std::uint64_t>(field));
        const double turn = unit_from_bits(mix64(fh)) < 0.2 ? 1.5708 : 0.0;
        return crop(static_cast<float>(unit_from_bits(fh)), static_cast<float>(angle + turn), x, y);
    }

    Rgb orchard(const Appearance& a, double x, double y) const {
        const double u = x * std::cos(a.angle) + y * std::sin(a.angle);
        const double v = -x * std::sin(a.angle) + y * std::cos(a.angle);
        const double du = u / 8 - std::round(u / 8), dv = v / 8 - std::round(v / 8);
        if (std::hypot(du, dv) * 8 < 2.6) return Rgb{72, 102, 54} * grain(x, y, 0.06);
        return grass({124, 152, 82}, a.tint, x, y, 0.0);
    }

    Rgb roof(Rgb base, const Appearance& a, double x, double y) const {
        // Two slopes either side of the ridge: the one facing away from the sun is darker.
        const double side = -(x - a.cx) * std::sin(a.angle) + (y - a.cy) * std::cos(a.angle);
        const double slope = side > 0 ? 1.0 : 0.84;
        return base * ((0.85 + 0.3 * a.tint) * slope * grain(x, y, 0.025));
    }

    Rgb garden(float tint, double x, double y) const {
        if (value_noise(x / 5, y / 5, m_seed + 17) > 0.74) return Rgb{58, 88, 44} * grain(x, y, 0.05);
        if (value_noise(x / 12, y / 12, m_seed + 19) < 0.16) return Rgb{128, 108, 84} * grain(x, y, 0.05);
        return grass({104, 144, 66}, tint, x, y, 0.0);
    }

    std::uint64_t m_seed;
};

void write_png(const std::filesystem::path& file, int size, const std::vector<std::uint8_t>& rgb) {
    GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
    GDALDriver* png = GetGDALDriverManager()->GetDriverByName("PNG");
    if (!mem || !png) throw std::runtime_error("demo: " + file.string() + ": GDAL's MEM or PNG driver is missing");
    GDALDatasetUniquePtr ds(mem->Create("", size, size, 3, GDT_Byte, nullptr));
    if (!ds) throw std::runtime_error("demo: " + file.string() + ": cannot create an in-memory raster");
    if (ds->RasterIO(GF_Write, 0, 0, size, size, const_cast<std::uint8_t*>(rgb.data()), size, size, GDT_Byte, 3, nullptr, 3,
                     static_cast<GSpacing>(size) * 3, 1, nullptr) != CE_None)
        throw std::runtime_error("demo: " + file.string() + ": " + CPLGetLastErrorMsg());
    CPLErrorReset();
    GDALDatasetUniquePtr out(png->CreateCopy(file.string().c_str(), ds.get(), FALSE, nullptr, nullptr, nullptr));
    if (!out) throw std::runtime_error("demo: cannot write " + file.string() + ": " + CPLGetLastErrorMsg());
}

}  // namespace

std::size_t render_imagery(const geo::Context& ctx, const Territory& territory, const TruthBuild& truth,
                           const std::filesystem::path& dir, std::int32_t tile_size_m, double resolution_m,
                           std::uint64_t seed) {
    const tiles::Grid grid(tile_size_m);
    const auto keys = grid.keys_in(territory.extent, 1'000'000);
    if (!keys) throw std::runtime_error("demo: extent has too many tiles for imagery");
    const int n = static_cast<int>(std::lround(tile_size_m / resolution_m));
    const int size = n + 2 * margin_px;
    const Faces& faces = truth.faces;
    StrTree tree(ctx);
    for (std::size_t f = 0; f < faces.size(); ++f) tree.insert(faces.geoms[f].get(), f);
    const Painter painter(seed);

    std::vector<std::uint8_t> rgb(static_cast<std::size_t>(n) * static_cast<std::size_t>(n) * 3);
    std::vector<const Appearance*> look(static_cast<std::size_t>(size) * static_cast<std::size_t>(size));
    for (const tiles::TileKey& key : *keys) {
        const tiles::Box b = grid.bounds(key);
        const double m = margin_px * resolution_m;
        OwnerRaster owner(size, b.min_x - m, b.max_y + m, resolution_m);
        for (std::size_t f : tree.query(Envelope{b.min_x - m, b.min_y - m, b.max_x + m, b.max_y + m}))
            owner.fill(ctx, faces.geoms[f].get(), truth.face_item[f]);
        for (int r = 0; r < size; ++r)
            for (int c = 0; c < size; ++c) {
                const int item = owner.at(r, c);
                look[static_cast<std::size_t>(r * size + c)] =
                    item >= 0 ? &territory.items[static_cast<std::size_t>(item)].look : &territory.background_look;
            }
        auto look_at = [&](int r, int c) { return look[static_cast<std::size_t>(std::min(r, size - 1) * size + std::min(c, size - 1))]->look; };

        for (int r = 0; r < n; ++r) {
            for (int c = 0; c < n; ++c) {
                const int rr = r + margin_px, cc = c + margin_px;
                const Appearance& a = *look[static_cast<std::size_t>(rr * size + cc)];
                const double x = b.min_x + (c + 0.5) * resolution_m;
                const double y = b.max_y - (r + 0.5) * resolution_m;
                Rgb colour = painter.paint(a, x, y);
                // Midday sun from the south-south-east: buildings and woods cast their shadows
                // north-north-west, over what lies there (not on narrow roads, where a 2 px
                // line would come out dotted).
                if (!is_roof(a.look)) {
                    bool shade = false;
                    for (int k = 1; k <= 2 && !shade; ++k) shade = is_roof(look_at(rr + k, cc + (2 * k) / 5));
                    if (!shade && !is_forest(a.look) && a.look != Look::road && a.look != Look::track)
                        for (int k = 1; k <= 5 && !shade; ++k) shade = is_forest(look_at(rr + k, cc + k / 2));
                    if (shade) colour = colour * 0.62;
                }
                const std::size_t o = (static_cast<std::size_t>(r) * static_cast<std::size_t>(n) + static_cast<std::size_t>(c)) * 3;
                rgb[o] = static_cast<std::uint8_t>(std::clamp(colour.r, 0.0, 255.0));
                rgb[o + 1] = static_cast<std::uint8_t>(std::clamp(colour.g, 0.0, 255.0));
                rgb[o + 2] = static_cast<std::uint8_t>(std::clamp(colour.b, 0.0, 255.0));
            }
        }
        write_png(dir / (key.str() + ".png"), n, rgb);
    }
    return keys->size();
}

}  // namespace tessera::demo
