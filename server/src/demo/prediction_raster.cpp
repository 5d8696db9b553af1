#include "demo/prediction_raster.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <numbers>
#include <ostream>
#include <stdexcept>
#include <thread>
#include <utility>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <gdal_alg.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "demo/random.hpp"

namespace tessera::demo {
namespace {

using F = Flair;
using S = Setting;

// ---- classes -----------------------------------------------------------------------------------

struct ClassTraits {
    std::string_view name;
    std::string_view cs;     // OCS GE land-cover leaf
    float confidence;        // the model's confidence in the middle of a large area
    Flair confused[2];       // what the model mistakes it for, likeliest first
};

// CS correspondence (fixed, simple): FLAIR classes to OCS GE land-cover leaves. Plowed and
// agricultural land are herbaceous formations in OCS GE (arable land); vineyards and other
// ligneous crops are "other ligneous formations"; greenhouses count as buildings; pools as water
// surfaces; clear cuts as bare soil; "other" as other composite materials.
constexpr std::array<ClassTraits, flair_class_count + 1> traits{{
    {"nodata", "", 0, {F::other, F::other}},
    {"building", "CS1.1.1.1", 0.90f, {F::impervious, F::greenhouse}},
    {"pervious", "CS1.1.2.1", 0.70f, {F::impervious, F::bare_soil}},
    {"impervious", "CS1.1.1.2", 0.88f, {F::building, F::pervious}},
    {"bare_soil", "CS1.2.1", 0.74f, {F::plowed, F::pervious}},
    {"water", "CS1.2.2", 0.97f, {F::deciduous, F::herbaceous}},
    {"coniferous", "CS2.1.1.2", 0.90f, {F::mixed, F::deciduous}},
    {"deciduous", "CS2.1.1.1", 0.90f, {F::mixed, F::brushwood}},
    {"brushwood", "CS2.1.2", 0.64f, {F::ligneous, F::herbaceous}},
    {"vineyard", "CS2.1.3", 0.80f, {F::ligneous, F::agricultural}},
    {"herbaceous", "CS2.2.1", 0.82f, {F::agricultural, F::brushwood}},
    {"agricultural", "CS2.2.1", 0.88f, {F::herbaceous, F::plowed}},
    {"plowed", "CS2.2.1", 0.86f, {F::bare_soil, F::agricultural}},
    {"swimming_pool", "CS1.2.2", 0.86f, {F::water, F::impervious}},
    {"snow", "CS1.2.3", 0.50f, {F::bare_soil, F::impervious}},
    {"clear_cut", "CS1.2.1", 0.68f, {F::brushwood, F::herbaceous}},
    {"mixed", "CS2.1.1.3", 0.72f, {F::deciduous, F::coniferous}},
    {"ligneous", "CS2.1.3", 0.62f, {F::brushwood, F::deciduous}},
    {"greenhouse", "CS1.1.1.1", 0.80f, {F::building, F::impervious}},
    {"other", "CS1.1.2.2", 0.55f, {F::impervious, F::bare_soil}},
}};

const ClassTraits& traits_of(Flair c) { return traits[static_cast<std::size_t>(c)]; }

// US correspondence: the setting decides, the class refines it in the countryside. Leaves of
// server/data/nomenclature/usage.csv only (US235 rather than the legacy US5 for villages).
std::string_view us_of(Flair c, Setting s) {
    switch (s) {
        case S::road: return "US4.1.1";      // roads, their verges, field and forest tracks
        case S::village: return "US235";     // houses, yards, gardens, pools
        case S::water: return "US6.3";       // river, ponds, riparian trees: no use
        case S::forest: return c == F::water ? "US6.3" : "US1.2";  // forestry, clear cuts included
        case S::rural: break;
    }
    switch (c) {
        case F::deciduous: case F::coniferous: case F::mixed: case F::brushwood: case F::ligneous: case F::water:
        case F::swimming_pool: case F::snow:
            return "US6.3";  // hedges, copses, fallow scrub
        case F::clear_cut: return "US1.2";
        case F::other: return "US6.6";  // e.g. a solar park: unknown use
        default: return "US1.1";        // fields, vineyards, farm buildings, greenhouses, yards
    }
}

// ---- deterministic noise -------------------------------------------------------------------------

inline std::uint64_t hash3(std::uint64_t seed, std::int64_t i, std::int64_t j) {
    return mix64(seed ^ (static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ULL) ^
                 mix64(static_cast<std::uint64_t>(j) + 0x632BE59BD9B4E019ULL));
}
inline double unit(std::uint64_t h) { return unit_from_bits(h); }
inline double unit2(std::uint64_t h) { return unit_from_bits(mix64(h)); }  // a second draw
// floor() without the libm call (the default x86-64 target has no SSE4.1 rounding); exact for
// |v| < 2^63.
inline double fast_floor(double v) {
    const auto t = static_cast<double>(static_cast<std::int64_t>(v));
    return t > v ? t - 1 : t;
}
inline std::int64_t ifloor(double v) { return static_cast<std::int64_t>(fast_floor(v)); }

// Value noise (one feature per `scale` metres, C1 with a cubic fade) over a window: its lattice
// values are hashed once per window instead of four times per pixel. A sample depends only on
// the seed and the position, never on the window.
class NoiseLayer {
public:
    void build(std::uint64_t seed, double scale, double x_min, double y_min, double x_max, double y_max) {
        m_inv = 1.0 / scale;
        m_ix0 = ifloor(x_min * m_inv);
        m_iy0 = ifloor(y_min * m_inv);
        m_nx = static_cast<int>(ifloor(x_max * m_inv) - m_ix0 + 2);
        const int ny = static_cast<int>(ifloor(y_max * m_inv) - m_iy0 + 2);
        m_values.resize(static_cast<std::size_t>(m_nx) * static_cast<std::size_t>(ny));
        for (int j = 0; j < ny; ++j)
            for (int i = 0; i < m_nx; ++i)
                m_values[static_cast<std::size_t>(j) * m_nx + i] = unit(hash3(seed, m_ix0 + i, m_iy0 + j));
    }
    double at(double x, double y) const {
        const double fx = x * m_inv, fy = y * m_inv;
        const double flx = fast_floor(fx), fly = fast_floor(fy);
        const auto i = static_cast<std::size_t>(static_cast<std::int64_t>(flx) - m_ix0);
        const auto j = static_cast<std::size_t>(static_cast<std::int64_t>(fly) - m_iy0);
        const double tx = fx - flx, ty = fy - fly;
        const double u = tx * tx * (3 - 2 * tx), v = ty * ty * (3 - 2 * ty);
        const double* r0 = &m_values[j * static_cast<std::size_t>(m_nx) + i];
        const double* r1 = r0 + m_nx;
        const double a = r0[0] + (r0[1] - r0[0]) * u, b = r1[0] + (r1[1] - r1[0]) * u;
        return a + (b - a) * v;
    }

private:
    double m_inv = 1;
    std::int64_t m_ix0 = 0, m_iy0 = 0;
    int m_nx = 0;
    std::vector<double> m_values;
};

// Streams: each feature family draws from its own seed so that changing one never moves another.
enum Stream : std::uint64_t {
    s_warp_x = 1, s_warp_y, s_forest0, s_forest1, s_forest2, s_forest3, s_forest4, s_forest_type, s_stand, s_region,
    s_node, s_edge, s_village, s_street, s_plot, s_pond, s_tree, s_blob, s_speckle, s_conf_noise, s_river, s_hedge,
    s_village_edge,
};

// ---- landscape geometry --------------------------------------------------------------------------

constexpr double node_spacing = 1100;     // road network: one jittered node per 1.1 km cell
constexpr double region_size = 3000;      // field pattern regions (orientation, parcel sizes)
constexpr double garden_reach = 55;       // how far behind the street village plots go
constexpr double confidence_ramp_m = 6;   // confidence rises over this distance from a boundary
constexpr double forest_threshold = 0.56;
constexpr double max_half_width = 3.5;  // of a road
constexpr int block_px = 64;

struct Segment {
    double ax, ay, dx, dy, len, hw;
    std::uint64_t id;
    bool street;  // a village street (no verge)
};

struct VillageSite {
    double x, y, r;
    std::uint64_t id;
};

struct Region {
    std::uint64_t id = 0;
    double c = 1, s = 0;       // parcel orientation
    double row_h = 200, wmin = 150, wmax = 400;
    int type = 0;              // 0 open field, 1 bocage, 2 vineyard slopes
};

Region make_region(std::uint64_t seed, std::int64_t i, std::int64_t j) {
    Region r;
    r.id = hash3(seed, i, j);
    const double a = unit2(r.id) * std::numbers::pi;
    r.c = std::cos(a);
    r.s = std::sin(a);
    const std::uint64_t h = mix64(r.id + 7);
    r.row_h = 150 + 200 * unit(h);
    r.wmin = 180 + 120 * unit2(h);
    r.wmax = r.wmin + 200 + 400 * unit(mix64(h + 1));
    const double t = unit(mix64(h + 2));
    r.type = t < 0.55 ? 0 : t < 0.88 ? 1 : 2;
    return r;
}

// The region whose jittered feature point is nearest (Voronoi cells of region_size).
std::pair<std::int64_t, std::int64_t> region_cell(std::uint64_t seed, double x, double y) {
    const std::int64_t cx = ifloor(x / region_size), cy = ifloor(y / region_size);
    double best = 1e300;
    std::pair<std::int64_t, std::int64_t> cell{cx, cy};
    for (std::int64_t j = cy - 1; j <= cy + 1; ++j)
        for (std::int64_t i = cx - 1; i <= cx + 1; ++i) {
            const std::uint64_t h = hash3(seed, i, j);
            const double px = (static_cast<double>(i) + unit(h)) * region_size;
            const double py = (static_cast<double>(j) + unit2(h)) * region_size;
            const double d = (px - x) * (px - x) + (py - y) * (py - y);
            if (d < best) {
                best = d;
                cell = {i, j};
            }
        }
    return cell;
}

}  // namespace

struct Landscape::World {
    std::uint64_t stream[32] = {};
    double river_x = 0;
    double phase[3] = {0, 0, 0};
    std::int64_t village_i = 0, village_j = 0;

    std::uint64_t of(Stream s) const { return stream[s]; }

    // River centreline easting at northing y, and its slope dx/dy.
    void river_at(double y, double& x, double& slope) const {
        constexpr double two_pi = 2 * std::numbers::pi;
        const double a0 = two_pi * y / 5200 + phase[0], a1 = two_pi * y / 1700 + phase[1], a2 = two_pi * y / 640 + phase[2];
        x = river_x + 420 * std::sin(a0) + 150 * std::sin(a1) + 40 * std::sin(a2);
        slope = 420 * two_pi / 5200 * std::cos(a0) + 150 * two_pi / 1700 * std::cos(a1) + 40 * two_pi / 640 * std::cos(a2);
    }
    std::pair<double, double> node(std::int64_t i, std::int64_t j) const {
        const std::uint64_t h = hash3(of(s_node), i, j);
        return {(static_cast<double>(i) + 0.15 + 0.7 * unit(h)) * node_spacing,
                (static_cast<double>(j) + 0.15 + 0.7 * unit2(h)) * node_spacing};
    }
    bool village_at(std::int64_t i, std::int64_t j) const {
        return (i == village_i && j == village_j) || unit(hash3(of(s_village), i, j)) < 0.42;
    }
};

namespace {

using World = Landscape::World;

// Everything a window needs besides the pixel's position: noise lattices, the road segments and
// villages near each 64-pixel block, the river sampled every metre, the field region of each
// block when the whole block lies in one (Voronoi cells are convex: four corners suffice).
struct Window {
    int x0 = 0, y0 = 0, w = 0, h = 0;  // pixels of the grid, halo included
    NoiseLayer forest[5], forest_type, warp_x, warp_y, village_edge, conf_noise;
    std::vector<Segment> segments;
    std::vector<VillageSite> villages;
    double river_y0 = 0;
    struct RiverSample {
        double x, inv_norm, half_width, rip_left, rip_right;
    };
    std::vector<RiverSample> river;
    int bx = 0;
    struct Block {
        std::vector<int> segments, villages;
        bool uniform_region = false;
        Region region;
    };
    std::vector<Block> blocks;
};

double distance_to_box(double px, double py, double x0, double y0, double x1, double y1) {
    const double dx = std::max({x0 - px, 0.0, px - x1}), dy = std::max({y0 - py, 0.0, py - y1});
    return std::hypot(dx, dy);
}

double segment_box_distance(const Segment& s, double x0, double y0, double x1, double y1) {
    // Conservative: distance from the box centre to the segment, less the half diagonal.
    const double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    const double px = cx - s.ax, py = cy - s.ay;
    const double t = std::clamp(px * s.dx + py * s.dy, 0.0, s.len);
    const double d = std::hypot(px - t * s.dx, py - t * s.dy);
    return d - std::hypot(x1 - x0, y1 - y0) / 2;
}

void add_segment(std::vector<Segment>& out, double ax, double ay, double bx, double by, double hw, std::uint64_t id,
                 bool street) {
    const double len = std::hypot(bx - ax, by - ay);
    if (len < 1e-6) return;
    out.push_back({ax, ay, (bx - ax) / len, (by - ay) / len, len, hw, id, street});
}

void prepare(const World& world, const GridSpec& grid, Window& win) {
    const double res = grid.resolution_m;
    // Sample points are pixel centres; the structure is sampled up to 1.3 m away (warp).
    const double xmin = grid.origin_x + win.x0 * res - 4, xmax = grid.origin_x + (win.x0 + win.w) * res + 4;
    const double ymax = grid.origin_y - win.y0 * res + 4, ymin = grid.origin_y - (win.y0 + win.h) * res - 4;
    static constexpr double forest_scales[5] = {3200, 1600, 800, 120, 30};
    static constexpr Stream forest_streams[5] = {s_forest0, s_forest1, s_forest2, s_forest3, s_forest4};
    for (int k = 0; k < 5; ++k) win.forest[k].build(world.of(forest_streams[k]), forest_scales[k], xmin, ymin, xmax, ymax);
    win.forest_type.build(world.of(s_forest_type), 1800, xmin, ymin, xmax, ymax);
    win.warp_x.build(world.of(s_warp_x), 5, xmin, ymin, xmax, ymax);
    win.warp_y.build(world.of(s_warp_y), 5, xmin, ymin, xmax, ymax);
    win.village_edge.build(world.of(s_village_edge), 90, xmin, ymin, xmax, ymax);
    win.conf_noise.build(world.of(s_conf_noise), 45, xmin, ymin, xmax, ymax);

    // River, every metre of northing.
    win.river_y0 = std::floor(ymin) - 1;
    const int rows = static_cast<int>(std::ceil(ymax) - win.river_y0) + 2;
    win.river.resize(static_cast<std::size_t>(rows));
    for (int k = 0; k < rows; ++k) {
        const double y = win.river_y0 + k;
        double x = 0, slope = 0;
        world.river_at(y, x, slope);
        const std::int64_t cell = ifloor(y / 70);
        const double width = 22 + 16 * (0.5 + 0.5 * std::sin(y / 900 + world.phase[1]));
        const double rip = 4 + 14 * (0.5 + 0.5 * std::sin(y / 260 + world.phase[2]));
        const bool gap_l = unit(hash3(world.of(s_river), cell, 1)) < 0.22, gap_r = unit(hash3(world.of(s_river), cell, 2)) < 0.22;
        win.river[static_cast<std::size_t>(k)] = {x, 1 / std::sqrt(1 + slope * slope), width / 2, gap_l ? 0 : rip, gap_r ? 0 : rip};
    }

    // Roads and villages from the nodes around the window.
    const double reach = node_spacing + 400 + garden_reach;
    const std::int64_t i0 = ifloor((xmin - reach) / node_spacing), i1 = ifloor((xmax + reach) / node_spacing);
    const std::int64_t j0 = ifloor((ymin - reach) / node_spacing), j1 = ifloor((ymax + reach) / node_spacing);
    for (std::int64_t j = j0; j <= j1; ++j) {
        for (std::int64_t i = i0; i <= i1; ++i) {
            const auto [nx, ny] = world.node(i, j);
            static constexpr std::int64_t dirs[3][2] = {{1, 0}, {0, 1}, {1, 1}};
            for (int k = 0; k < 3; ++k) {
                const std::uint64_t e = hash3(world.of(s_edge) + static_cast<std::uint64_t>(k), i, j);
                if (unit(e) >= (k == 2 ? 0.12 : 0.8)) continue;
                const auto [mx, my] = world.node(i + dirs[k][0], j + dirs[k][1]);
                // A gentle bend: the midpoint moves sideways by up to 12 % of the length.
                const double len = std::hypot(mx - nx, my - ny);
                const double bend = (unit2(e) - 0.5) * 0.24 * len;
                const double cx = (nx + mx) / 2 - (my - ny) / len * bend, cy = (ny + my) / 2 + (mx - nx) / len * bend;
                const double hw = unit(mix64(e + 3)) < 0.25 ? max_half_width : 2.5;
                add_segment(win.segments, nx, ny, cx, cy, hw, e, false);
                add_segment(win.segments, cx, cy, mx, my, hw, mix64(e + 1), false);
            }
            if (world.village_at(i, j)) {
                const std::uint64_t v = hash3(world.of(s_street), i, j);
                const double r = 130 + 230 * unit(v);
                win.villages.push_back({nx, ny, r, v});
                const int streets = static_cast<int>(3 * unit2(v));
                for (int k = 0; k < streets; ++k) {
                    const std::uint64_t sh = mix64(v + 11 + static_cast<std::uint64_t>(k));
                    const double a = unit(sh) * 2 * std::numbers::pi, l = r * (0.5 + 0.5 * unit2(sh));
                    add_segment(win.segments, nx, ny, nx + l * std::cos(a), ny + l * std::sin(a), 2.5, sh, true);
                }
            }
        }
    }

    // Per block: the segments and villages that can matter, and the field region.
    win.bx = (win.w + block_px - 1) / block_px;
    const int by = (win.h + block_px - 1) / block_px;
    win.blocks.assign(static_cast<std::size_t>(win.bx) * static_cast<std::size_t>(by), {});
    for (int b = 0; b < by; ++b) {
        for (int a = 0; a < win.bx; ++a) {
            auto& blk = win.blocks[static_cast<std::size_t>(b) * win.bx + a];
            const int px0 = win.x0 + a * block_px, px1 = std::min(win.x0 + win.w, px0 + block_px) - 1;
            const int py0 = win.y0 + b * block_px, py1 = std::min(win.y0 + win.h, py0 + block_px) - 1;
            const double bx0 = grid.origin_x + (px0 + 0.5) * res, bx1 = grid.origin_x + (px1 + 0.5) * res;
            const double by1 = grid.origin_y - (py0 + 0.5) * res, by0 = grid.origin_y - (py1 + 0.5) * res;
            constexpr double margin = 3;  // the warp moves samples by less than this
            for (std::size_t k = 0; k < win.segments.size(); ++k) {
                const auto& s = win.segments[k];
                // The widest half-width for all: a segment left out is then beyond every
                // threshold for any pixel of the block, so the nearest kept one decides alike.
                if (segment_box_distance(s, bx0, by0, bx1, by1) < max_half_width + garden_reach + margin)
                    blk.segments.push_back(static_cast<int>(k));
            }
            for (std::size_t k = 0; k < win.villages.size(); ++k) {
                const auto& v = win.villages[k];
                if (distance_to_box(v.x, v.y, bx0 - margin, by0 - margin, bx1 + margin, by1 + margin) < v.r * 1.16)
                    blk.villages.push_back(static_cast<int>(k));
            }
            const auto c00 = region_cell(world.of(s_region), bx0 - margin, by0 - margin);
            if (c00 == region_cell(world.of(s_region), bx1 + margin, by0 - margin) &&
                c00 == region_cell(world.of(s_region), bx0 - margin, by1 + margin) &&
                c00 == region_cell(world.of(s_region), bx1 + margin, by1 + margin)) {
                blk.uniform_region = true;
                blk.region = make_region(world.of(s_region), c00.first, c00.second);
            }
        }
    }
}

struct Near {
    double d = 1e300, t = 0;
    int side = 0;
    const Segment* seg = nullptr;
};

Near nearest_segment(const Window& win, const Window::Block& blk, double x, double y) {
    Near best;
    double best2 = 1e300;
    for (int k : blk.segments) {
        const Segment& s = win.segments[static_cast<std::size_t>(k)];
        const double px = x - s.ax, py = y - s.ay;
        const double t = px * s.dx + py * s.dy;
        const double tc = std::clamp(t, 0.0, s.len);
        const double ex = px - tc * s.dx, ey = py - tc * s.dy;
        const double d2 = ex * ex + ey * ey;
        if (d2 < best2) {
            best2 = d2;
            best.t = tc;
            best.side = px * s.dy - py * s.dx > 0 ? 1 : 0;
            best.seg = &s;
        }
    }
    if (best.seg) best.d = std::sqrt(best2);
    return best;
}

bool in_rect(double u, double v, double u0, double u1, double v0, double v1) { return u >= u0 && u < u1 && v >= v0 && v < v1; }

// A street-village plot (Lorraine "village-rue"): a paved or gravel front strip (usoir), row
// houses along the street, a garden behind with pools, greenhouses, sheds and trees.
std::uint8_t village_plot(const World& world, const Near& n, double x, double y, double garden_depth, bool& done) {
    done = true;
    const Segment& s = *n.seg;
    const double q = n.d - s.hw;
    const std::uint64_t side_h = hash3(world.of(s_plot), static_cast<std::int64_t>(s.id & 0xFFFFFFFF), n.side);
    const double plot_len = 12 + 12 * unit(side_h);
    const std::int64_t k = ifloor(n.t / plot_len);
    const double tp = n.t - static_cast<double>(k) * plot_len;
    const std::uint64_t hp = hash3(side_h, k, 3);
    const double setback = 2 + 6 * unit(hp), depth = 9 + 6 * unit2(hp);
    const double u1 = unit(mix64(hp + 1)), u2 = unit(mix64(hp + 2)), u3 = unit(mix64(hp + 3));
    if (q < setback) return make_code(u1 < 0.7 ? F::impervious : F::pervious, S::village);
    const double gap = u2 < 0.6 ? 0 : 3;
    if (q < setback + depth) {
        if (u3 < 0.85 && tp < plot_len - gap) return make_code(F::building, S::village);
        return make_code(F::impervious, S::village);
    }
    const double g = q - setback - depth;
    const double depth_here = garden_depth * (0.6 + 0.4 * u3);
    if (g >= depth_here) {
        done = false;
        return 0;
    }
    if (u1 < 0.4 && g < 3) return make_code(F::pervious, S::village);
    if (u2 < 0.14 && in_rect(tp, g, 3, 11, 5, 9)) return make_code(F::swimming_pool, S::village);
    if (u3 > 0.955 && in_rect(tp, g, 2, plot_len - 2, 11, 18)) return make_code(F::greenhouse, S::village);
    if (u1 > 0.72 && in_rect(tp, g, 1, 6, depth_here - 9, depth_here - 4)) return make_code(F::building, S::village);
    // Garden trees: a crown per 10 m cell now and then.
    const std::int64_t cx = ifloor(x / 10), cy = ifloor(y / 10);
    const std::uint64_t th = hash3(world.of(s_tree), cx, cy);
    if (unit(th) < 0.3) {
        const double r = 1.8 + 2.2 * unit2(th);
        const double tx = (static_cast<double>(cx) + 0.3 + 0.4 * unit(mix64(th + 1))) * 10;
        const double ty = (static_cast<double>(cy) + 0.3 + 0.4 * unit2(mix64(th + 1))) * 10;
        if ((x - tx) * (x - tx) + (y - ty) * (y - ty) < r * r) return make_code(F::deciduous, S::village);
    }
    return make_code(F::herbaceous, S::village);
}

std::uint8_t forest_pixel(const World& world, const Window& win, double x, double y, double f, std::uint8_t& error) {
    if (f < forest_threshold + 0.005) {
        const std::uint64_t h = hash3(world.of(s_stand), ifloor(x / 6), ifloor(y / 6));
        return make_code(unit(h) < 0.7 ? F::brushwood : F::ligneous, S::forest);
    }
    // Stands in rows of 170 m, of 140–320 m, each of one type.
    const std::int64_t row = ifloor(y / 170);
    const std::uint64_t rh = hash3(world.of(s_stand), row, 0);
    const double w = 140 + 180 * unit(rh), off = unit2(rh) * w;
    const std::int64_t col = ifloor((x + off) / w);
    const std::uint64_t sid = hash3(rh, col, 1);
    const double dv = y - static_cast<double>(row) * 170;
    if (dv < 2.0 && unit(hash3(world.of(s_stand), row, 2)) < 0.35) return make_code(F::pervious, S::road);  // forest track
    const double du = x + off - static_cast<double>(col) * w;
    if (du < 2.0 && unit(hash3(rh, col, 5)) < 0.15) return make_code(F::pervious, S::road);
    const double special = unit(mix64(sid + 3));
    Flair c;
    if (special < 0.025) c = F::clear_cut;
    else if (special < 0.045) c = F::brushwood;
    else {
        const double p = 0.65 * win.forest_type.at(x, y) + 0.35 * unit(sid);
        c = p < 0.33 ? F::coniferous : p < 0.48 ? F::mixed : F::deciduous;
    }
    if (unit(mix64(sid + 9)) < 0.06) {
        c = traits_of(c).confused[0];
        error = 1;
    }
    // Gaps and clumps inside stands: windthrow, glades, a few trees of another kind.
    const std::int64_t gx = ifloor(x / 30), gy = ifloor(y / 30);
    const std::uint64_t gh = hash3(world.of(s_tree) + 3, gx, gy);
    if (unit(gh) < 0.12) {
        const double rad = 2 + 4 * unit2(gh);
        const double tx = (static_cast<double>(gx) + 0.25 + 0.5 * unit(mix64(gh + 1))) * 30;
        const double ty = (static_cast<double>(gy) + 0.25 + 0.5 * unit2(mix64(gh + 1))) * 30;
        if ((x - tx) * (x - tx) + (y - ty) * (y - ty) < rad * rad) {
            const double k = unit(mix64(gh + 2));
            c = k < 0.6 ? F::brushwood : k < 0.8 ? F::herbaceous : c == F::coniferous ? F::deciduous : F::coniferous;
        }
    }
    return make_code(c, S::forest);
}

std::uint8_t field_pixel(const World& world, const Region& r, double x, double y, double river_d, std::uint8_t& error) {
    const double u = r.c * x + r.s * y, v = -r.s * x + r.c * y;
    const std::int64_t row = ifloor(v / r.row_h);
    const std::uint64_t rh = hash3(r.id, row, 0);
    const double w = r.wmin + (r.wmax - r.wmin) * unit(rh), off = unit2(rh) * w;
    const double uu = u + off;
    const std::int64_t col = ifloor(uu / w);
    const std::uint64_t fid = hash3(rh, col, 1);
    const double dv0 = v - static_cast<double>(row) * r.row_h, dv1 = r.row_h - dv0;
    const double du0 = uu - static_cast<double>(col) * w, du1 = w - du0;
    // What runs along the row borders and the field ends: tracks, grass margins, hedges.
    const double lower = unit(hash3(world.of(s_hedge), static_cast<std::int64_t>(r.id & 0xFFFFFFF), row));
    const double upper = unit(hash3(world.of(s_hedge), static_cast<std::int64_t>(r.id & 0xFFFFFFF), row + 1));
    const double dv = std::min(dv0, dv1), border = dv0 < dv1 ? lower : upper;
    if (dv < 1.75 && border >= 0.35 && border < 0.45) return make_code(F::pervious, S::road);
    const bool hedges = r.type == 1 ? border >= 0.45 : border >= 0.45 && border < 0.52;
    const std::uint64_t gap_h = hash3(world.of(s_hedge), ifloor(u / 40), static_cast<std::int64_t>(border * 1e6));
    if (dv < 1.5 && hedges && unit(gap_h) > 0.15) {
        const double k = unit(hash3(world.of(s_hedge), ifloor(u / 12), row));
        return make_code(k < 0.55 ? F::deciduous : k < 0.8 ? F::ligneous : F::brushwood, S::rural);
    }
    const double du = std::min(du0, du1);
    if (r.type == 1 && du < 1.5 && unit(hash3(rh, col + (du0 < du1 ? 0 : 1), 4)) < 0.5)
        return make_code(F::deciduous, S::rural);
    if (dv < 0.9 && border < 0.35 && r.type == 0) return make_code(F::herbaceous, S::rural);

    // Farmsteads, greenhouse complexes and solar parks in a few fields, at the field's centre.
    const double special = unit(mix64(fid + 1));
    const double fu = du0 - w / 2, fv = dv0 - r.row_h / 2;
    if (special < 0.006) {
        if (in_rect(fu, fv, -20, 20, -12, 0) || in_rect(fu, fv, -30, -15, 2, 22) || in_rect(fu, fv, 15, 28, 5, 15))
            return make_code(F::building, S::rural);
        if (in_rect(fu, fv, -35, 35, -25, 25)) return make_code(F::impervious, S::rural);
    } else if (special < 0.009) {
        if (in_rect(fu, fv, -40, 40, -30, 30))
            return make_code(std::fmod(fv + 30, 11.0) < 8 ? F::greenhouse : F::pervious, S::rural);
    } else if (special < 0.0105) {
        if (in_rect(fu, fv, -45, 45, -35, 35)) return make_code(F::other, S::rural);
    }

    const double p = unit(fid);
    Flair c;
    switch (r.type) {
        case 0: c = p < 0.47 ? F::agricultural : p < 0.77 ? F::plowed : p < 0.93 ? F::herbaceous : p < 0.965 ? F::bare_soil : F::brushwood; break;
        case 1: c = p < 0.58 ? F::herbaceous : p < 0.8 ? F::agricultural : p < 0.93 ? F::plowed : p < 0.97 ? F::brushwood : F::ligneous; break;
        default: c = p < 0.45 ? F::vineyard : p < 0.65 ? F::herbaceous : p < 0.8 ? F::agricultural : p < 0.9 ? F::ligneous : F::brushwood; break;
    }
    // Flood plain: meadows near the river.
    if (river_d < 350 && unit2(fid) < 0.85 * (1 - river_d / 350)) c = F::herbaceous;
    if (c == F::herbaceous) {  // isolated trees in meadows
        const std::int64_t cx = ifloor(x / 25), cy = ifloor(y / 25);
        const std::uint64_t th = hash3(world.of(s_tree) + 1, cx, cy);
        if (unit(th) < (r.type == 1 ? 0.15 : 0.07)) {
            const double rad = 2.5 + 3.5 * unit2(th);
            const double tx = (static_cast<double>(cx) + 0.25 + 0.5 * unit(mix64(th + 1))) * 25;
            const double ty = (static_cast<double>(cy) + 0.25 + 0.5 * unit2(mix64(th + 1))) * 25;
            if ((x - tx) * (x - tx) + (y - ty) * (y - ty) < rad * rad) return make_code(F::deciduous, S::rural);
        }
    }
    if (unit(mix64(fid + 17)) < 0.04) {  // the model gets the whole parcel wrong
        c = traits_of(c).confused[0];
        error = 1;
    }
    return make_code(c, S::rural);
}

// The land at (x, y) as the model sees it, before speckle. `error`: 0 right, 1 parcel, 2 blob.
std::uint8_t classify(const World& world, const Window& win, const Window::Block& blk, double x0, double y0, std::uint8_t& error) {
    error = 0;
    // Ragged boundaries: the structure is sampled up to 1.3 m off.
    const double x = x0 + (win.warp_x.at(x0, y0) - 0.5) * 2.6;
    const double y = y0 + (win.warp_y.at(x0, y0) - 0.5) * 2.6;
    std::uint8_t code = 0;
    const Near road = nearest_segment(win, blk, x, y);

    const double ry = (y - win.river_y0);
    const auto k = static_cast<std::size_t>(ry);
    const double fr = ry - static_cast<double>(k);
    const auto& r0 = win.river[k];
    const auto& r1 = win.river[k + 1];
    const double rx = r0.x + (r1.x - r0.x) * fr;
    const double river_signed = (x - rx) * (r0.inv_norm + (r1.inv_norm - r0.inv_norm) * fr);
    const double river_d = std::abs(river_signed);
    const double half_width = r0.half_width + (r1.half_width - r0.half_width) * fr;

    if (road.seg && road.d < road.seg->hw) {
        code = make_code(F::impervious, S::road);
    } else if (river_d < half_width) {
        code = make_code(F::water, S::water);
    } else {
        for (int vi : blk.villages) {
            const auto& v = win.villages[static_cast<std::size_t>(vi)];
            const double dc2 = (x - v.x) * (x - v.x) + (y - v.y) * (y - v.y);
            const double rr = v.r * (0.85 + 0.3 * win.village_edge.at(x, y));
            if (dc2 >= rr * rr) continue;
            if (dc2 < 14 * 14) {
                code = make_code(F::impervious, S::village);  // the square by the church
                break;
            }
            if (road.seg && road.d < road.seg->hw + garden_reach) {
                bool done = false;
                const std::uint8_t c = village_plot(world, road, x, y, garden_reach, done);
                if (done) code = c;
            }
            break;
        }
    }
    if (!code && road.seg && !road.seg->street && road.d < road.seg->hw + 1.5) code = make_code(F::herbaceous, S::road);
    if (!code) {
        const double rip = river_signed < 0 ? r0.rip_left : r0.rip_right;
        if (river_d < half_width + rip) {
            const std::uint64_t h = hash3(world.of(s_tree) + 2, ifloor(x / 8), ifloor(y / 8));
            code = make_code(unit(h) < 0.8 ? F::deciduous : F::brushwood, S::water);
        }
    }
    if (!code) {  // ponds, one chance per 450 m cell
        const std::int64_t cx = ifloor(x / 450), cy = ifloor(y / 450);
        const std::uint64_t ph = hash3(world.of(s_pond), cx, cy);
        if (unit(ph) < 0.12) {
            const double a = 12 + 40 * unit2(ph), b = a * (0.5 + 0.5 * unit(mix64(ph + 2)));
            const double px = (static_cast<double>(cx) + 0.25 + 0.5 * unit2(mix64(ph))) * 450;
            const double py = (static_cast<double>(cy) + 0.25 + 0.5 * unit(mix64(ph + 1))) * 450;
            const double ang = unit2(mix64(ph + 1)) * std::numbers::pi, c = std::cos(ang), s = std::sin(ang);
            const double pu = (x - px) * c + (y - py) * s, pv = -(x - px) * s + (y - py) * c;
            if (pu * pu / (a * a) + pv * pv / (b * b) < 1) code = make_code(F::water, S::water);
        }
    }
    if (!code) {
        double f = 0.55 * win.forest[0].at(x, y) + 0.28 * win.forest[1].at(x, y) + 0.17 * win.forest[2].at(x, y) +
                   0.10 * (win.forest[3].at(x, y) - 0.5) + 0.04 * (win.forest[4].at(x, y) - 0.5);
        if (river_d < 400) f -= 0.2 * (1 - river_d / 400);
        if (f > forest_threshold) code = forest_pixel(world, win, x, y, f, error);
    }
    if (!code) {
        Region region;
        if (blk.uniform_region) {
            region = blk.region;
        } else {
            const auto cell = region_cell(world.of(s_region), x, y);
            region = make_region(world.of(s_region), cell.first, cell.second);
        }
        code = field_pixel(world, region, x, y, river_d, error);
    }
    // Small wrong blobs: one chance per 22 m cell.
    const std::int64_t bx = ifloor(x / 22), by = ifloor(y / 22);
    const std::uint64_t bh = hash3(world.of(s_blob), bx, by);
    if (unit(bh) < 0.22) {
        const double r = 1.3 + 3.5 * unit2(bh);
        const double cx = static_cast<double>(bx) * 22 + r + (22 - 2 * r) * unit(mix64(bh + 1));
        const double cy = static_cast<double>(by) * 22 + r + (22 - 2 * r) * unit2(mix64(bh + 1));
        if ((x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r) {
            error = 2;
            code = make_code(traits_of(flair_of(code)).confused[mix64(bh + 2) & 1], setting_of(code));
        }
    }
    return code;
}

// Chamfer 5-7 distance (exact integers, so any window gives the same values) to the nearest
// pixel whose 4-neighbour has another code.
void edge_distance(const std::vector<std::uint8_t>& codes, int w, int h, std::vector<std::int32_t>& d) {
    constexpr std::int32_t far = 1 << 29;
    d.assign(codes.size(), far);
    for (int j = 0; j < h; ++j)
        for (int i = 0; i < w; ++i) {
            const std::size_t k = static_cast<std::size_t>(j) * w + i;
            const std::uint8_t c = codes[k];
            if ((i > 0 && codes[k - 1] != c) || (i + 1 < w && codes[k + 1] != c) || (j > 0 && codes[k - w] != c) ||
                (j + 1 < h && codes[k + w] != c))
                d[k] = 0;
        }
    for (int j = 0; j < h; ++j)
        for (int i = 0; i < w; ++i) {
            const std::size_t k = static_cast<std::size_t>(j) * w + i;
            std::int32_t v = d[k];
            if (i > 0) v = std::min(v, d[k - 1] + 5);
            if (j > 0) {
                v = std::min(v, d[k - w] + 5);
                if (i > 0) v = std::min(v, d[k - w - 1] + 7);
                if (i + 1 < w) v = std::min(v, d[k - w + 1] + 7);
            }
            d[k] = v;
        }
    for (int j = h - 1; j >= 0; --j)
        for (int i = w - 1; i >= 0; --i) {
            const std::size_t k = static_cast<std::size_t>(j) * w + i;
            std::int32_t v = d[k];
            if (i + 1 < w) v = std::min(v, d[k + 1] + 5);
            if (j + 1 < h) {
                v = std::min(v, d[k + w] + 5);
                if (i + 1 < w) v = std::min(v, d[k + w + 1] + 7);
                if (i > 0) v = std::min(v, d[k + w - 1] + 7);
            }
            d[k] = v;
        }
}

}  // namespace

// ---- public: classes, grid, landscape ------------------------------------------------------------

std::string_view flair_name(Flair c) {
    const auto i = static_cast<std::size_t>(c);
    return i < traits.size() ? traits[i].name : "unknown";
}

OcsCodes ocs_codes(std::uint8_t code) {
    const Flair c = flair_of(code);
    const auto i = static_cast<std::size_t>(c);
    if (i == 0 || i >= traits.size()) return {"", ""};
    return {traits[i].cs, us_of(c, setting_of(code))};
}

int GridSpec::width() const { return static_cast<int>(std::lround(side_km * 1000.0 / resolution_m)); }

int side_for_area(double area_km2) {
    if (!(area_km2 > 0) || !std::isfinite(area_km2) || area_km2 > 1e6)
        throw std::invalid_argument("the area must be a positive number of km² (at most 1,000,000)");
    return std::max(1, static_cast<int>(std::lround(std::sqrt(area_km2))));
}

void check_grid(const GridSpec& g) {
    if (!(g.resolution_m > 0) || !std::isfinite(g.resolution_m) || g.resolution_m > 1000)
        throw std::invalid_argument("the resolution must be a positive number of metres, at most 1000");
    const double per_km = 1000 / g.resolution_m;
    if (std::abs(per_km - std::round(per_km)) > 1e-9 * per_km)
        throw std::invalid_argument("the resolution must divide 1 km (0.5, 1, 2, 4, 5 … m) so that pixels align on the tiles");
    if (g.side_km < 1) throw std::invalid_argument("the square must be at least 1 km on a side");
    if (static_cast<double>(g.side_km) * per_km > 2'000'000'000.0)
        throw std::invalid_argument("the raster would have more than 2^31 pixels on a side");
    if (std::fmod(g.origin_x, 1000) != 0 || std::fmod(g.origin_y, 1000) != 0)
        throw std::invalid_argument("the origin must be whole kilometres (it is the top-left corner of 1 km tiles)");
}

Landscape::Landscape(std::uint64_t seed, const GridSpec& grid) : m_seed(seed), m_grid(grid) {
    check_grid(grid);
    auto world = std::make_shared<World>();
    for (std::uint64_t s = 0; s < 32; ++s) world->stream[s] = hash_combine(seed, 0x7e55e4a, s);
    Rng rng(seed, 0x5eed);
    const double side = grid.side_km * 1000.0;
    // The river crosses the square from south to north, meandering within its middle 60 %.
    world->river_x = grid.origin_x + side * (0.3 + 0.4 * rng.uniform());
    for (double& p : world->phase) p = rng.uniform(0, 2 * std::numbers::pi);
    // The node nearest a point of the square's north-west quarter always has a village.
    const double vx = grid.origin_x + side * (0.2 + 0.2 * rng.uniform()), vy = grid.origin_y - side * (0.2 + 0.2 * rng.uniform());
    world->village_i = ifloor(vx / node_spacing);
    world->village_j = ifloor(vy / node_spacing);
    m_world = std::move(world);
}

void Landscape::render(int x0, int y0, int w, int h, std::vector<std::uint8_t>& codes, std::vector<float>& confidence) const {
    if (w <= 0 || h <= 0) throw std::invalid_argument("render: empty window");
    const World& world = *m_world;
    const double res = m_grid.resolution_m;
    const int halo = static_cast<int>(std::ceil(confidence_ramp_m / res)) + 1;
    Window win;
    win.x0 = x0 - halo;
    win.y0 = y0 - halo;
    win.w = w + 2 * halo;
    win.h = h + 2 * halo;
    prepare(world, m_grid, win);

    const std::size_t n = static_cast<std::size_t>(win.w) * static_cast<std::size_t>(win.h);
    std::vector<std::uint8_t> ext(n), errors(n);
    for (int j = 0; j < win.h; ++j) {
        const double y = m_grid.origin_y - (win.y0 + j + 0.5) * res;
        const auto* block_row = &win.blocks[static_cast<std::size_t>(j / block_px) * win.bx];
        for (int i = 0; i < win.w; ++i) {
            const double x = m_grid.origin_x + (win.x0 + i + 0.5) * res;
            const std::size_t k = static_cast<std::size_t>(j) * win.w + i;
            ext[k] = classify(world, win, block_row[i / block_px], x, y, errors[k]);
        }
    }
    std::vector<std::int32_t> dist;
    edge_distance(ext, win.w, win.h, dist);

    codes.resize(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
    confidence.resize(codes.size());
    const auto origin_px = static_cast<std::int64_t>(std::llround(m_grid.origin_x / res));
    const auto origin_py = static_cast<std::int64_t>(std::llround(m_grid.origin_y / res));
    for (int j = 0; j < h; ++j) {
        const double y = m_grid.origin_y - (y0 + j + 0.5) * res;
        for (int i = 0; i < w; ++i) {
            const double x = m_grid.origin_x + (x0 + i + 0.5) * res;
            const std::size_t e = static_cast<std::size_t>(j + halo) * win.w + (i + halo);
            std::uint8_t code = ext[e];
            const std::uint64_t ph = hash3(world.of(s_speckle), origin_px + x0 + i, origin_py - (y0 + j));
            const double d = std::min((dist[e] / 5.0 + 0.5) * res, confidence_ramp_m);
            double c = traits_of(flair_of(code)).confidence * (0.55 + 0.45 * d / confidence_ramp_m);
            const double u = unit2(ph);
            // Salt and pepper: single pixels, and 2 × 2 clumps (one chance per 4 × 4-pixel cell).
            const std::int64_t gx = origin_px + x0 + i, gy = origin_py - (y0 + j);
            const std::uint64_t ch = hash3(world.of(s_speckle) + 1, gx >> 2, gy >> 2);
            const std::uint64_t cb = mix64(ch);  // independent of the draw above
            const auto ox = static_cast<std::int64_t>(cb % 3), oy = static_cast<std::int64_t>((cb >> 8) % 3);
            const bool clump = unit(ch) < 0.02 && (gx & 3) - ox >= 0 && (gx & 3) - ox < 2 && (gy & 3) - oy >= 0 &&
                               (gy & 3) - oy < 2;
            if (clump || unit(ph) < 0.004) {
                const auto pick = clump ? (cb >> 16) & 1 : mix64(ph + 5) & 1;
                code = make_code(traits_of(flair_of(code)).confused[pick], setting_of(code));
                c = 0.15 + 0.3 * u;
            } else if (errors[e] == 2) {
                c = std::min(c, 0.25 + 0.3 * u);
            } else if (errors[e] == 1) {
                c = std::min(c, 0.40 + 0.25 * unit(mix64(ph + 7)));
            }
            c += 0.10 * (win.conf_noise.at(x, y) - 0.5) + 0.06 * (u - 0.5);
            codes[static_cast<std::size_t>(j) * w + i] = code;
            confidence[static_cast<std::size_t>(j) * w + i] = static_cast<float>(std::clamp(c, 0.01, 1.0));
        }
    }
}

// ---- generation: windows in worker threads, written in order ---------------------------------

namespace {

void register_gdal() {
    static std::once_flag once;
    std::call_once(once, [] { GDALAllRegister(); });
}

std::string gdal_message() {
    const char* m = CPLGetLastErrorMsg();
    return m && *m ? std::string(" (") + m + ")" : std::string();
}

struct QuietGdal {
    QuietGdal() {
        CPLPushErrorHandler(CPLQuietErrorHandler);
        CPLErrorReset();
    }
    ~QuietGdal() { CPLPopErrorHandler(); }
    QuietGdal(const QuietGdal&) = delete;
    QuietGdal& operator=(const QuietGdal&) = delete;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Runs produce(k) for k in [0, count) on `threads` workers, at most a few windows ahead of the
// consumer, and consume(k, result) on the calling thread in order of k: the output is the same
// whatever the scheduling, and memory is bounded by the windows in flight.
template <class T, class Produce, class Consume>
void ordered_pipeline(int count, int threads, Produce produce, Consume consume) {
    std::mutex m;
    std::condition_variable cv;
    std::map<int, T> done;
    int next = 0, consumed = 0;
    bool stop = false;
    std::exception_ptr error;
    const int ahead = threads + 2;
    auto fail = [&](std::exception_ptr e) {
        std::lock_guard lock(m);
        if (!error) error = e;
        stop = true;
    };
    auto worker = [&] {
        for (;;) {
            int k = 0;
            {
                std::unique_lock lock(m);
                cv.wait(lock, [&] { return stop || next >= count || next < consumed + ahead; });
                if (stop || next >= count) return;
                k = next++;
            }
            try {
                T result = produce(k);
                std::lock_guard lock(m);
                done.emplace(k, std::move(result));
            } catch (...) {
                fail(std::current_exception());
            }
            cv.notify_all();
        }
    };
    std::vector<std::jthread> pool;
    for (int t = 0; t < std::max(1, threads); ++t) pool.emplace_back(worker);
    try {
        for (int k = 0; k < count; ++k) {
            T item;
            {
                std::unique_lock lock(m);
                cv.wait(lock, [&] { return stop || done.contains(k); });
                if (!done.contains(k)) break;
                item = std::move(done.at(k));
                done.erase(k);
                consumed = k + 1;
            }
            cv.notify_all();
            consume(k, item);
        }
    } catch (...) {
        fail(std::current_exception());
    }
    {
        std::lock_guard lock(m);
        stop = true;
    }
    cv.notify_all();
    pool.clear();
    if (error) std::rethrow_exception(error);
}

constexpr int strip_rows = 256, strip_cols = 2048;  // whole 256 × 256 tiles

struct RasterWindow {
    int x0 = 0, y0 = 0, w = 0, h = 0;
    std::vector<std::uint8_t> classes, percent;
    std::vector<float> classes_f, unit_f;
    std::array<std::uint64_t, flair_class_count + 1> histogram{};
};

}  // namespace

RasterSummary generate_raster(const RasterOptions& options, std::ostream& log) {
    register_gdal();
    const auto t0 = std::chrono::steady_clock::now();
    const Landscape land(options.seed, options.grid);
    const GridSpec& grid = options.grid;
    const int width = grid.width(), height = grid.height();
    const bool unit_scale = options.confidence == ConfidenceEncoding::unit;
    const bool with_confidence = options.confidence != ConfidenceEncoding::none;

    geo::RasterSpec spec;
    spec.width = width;
    spec.height = height;
    spec.bands = with_confidence ? 2 : 1;
    spec.type = unit_scale ? geo::PixelType::float32 : geo::PixelType::byte;
    spec.epsg = 2154;
    spec.geometry = {grid.origin_x, grid.origin_y, grid.resolution_m};
    spec.compression = options.compression;
    spec.zlevel = options.zlevel;
    spec.nodata = 0;  // classes are 1..19; confidence is never 0 (at least 0.01 or 1 %)
    geo::RasterWriter writer(options.out, spec);

    const int cols = (width + strip_cols - 1) / strip_cols, rows = (height + strip_rows - 1) / strip_rows;
    RasterSummary summary;
    summary.width = width;
    summary.height = height;
    int last_tenth = 0;
    ordered_pipeline<RasterWindow>(
        cols * rows, options.threads,
        [&](int k) {
            RasterWindow win;
            win.x0 = (k % cols) * strip_cols;
            win.y0 = (k / cols) * strip_rows;
            win.w = std::min(strip_cols, width - win.x0);
            win.h = std::min(strip_rows, height - win.y0);
            std::vector<std::uint8_t> codes;
            std::vector<float> confidence;
            land.render(win.x0, win.y0, win.w, win.h, codes, confidence);
            if (unit_scale) {
                win.classes_f.resize(codes.size());
                win.unit_f = std::move(confidence);
            } else {
                win.classes.resize(codes.size());
                if (with_confidence) win.percent.resize(codes.size());
            }
            for (std::size_t i = 0; i < codes.size(); ++i) {
                const auto c = static_cast<std::uint8_t>(flair_of(codes[i]));
                ++win.histogram[c];
                if (unit_scale) {
                    win.classes_f[i] = c;
                } else {
                    win.classes[i] = c;
                    if (with_confidence)
                        win.percent[i] = static_cast<std::uint8_t>(std::clamp<long>(std::lround(confidence[i] * 100), 1, 100));
                }
            }
            return win;
        },
        [&](int k, RasterWindow& win) {
            writer.write(1, win.x0, win.y0, win.w, win.h, unit_scale ? static_cast<const void*>(win.classes_f.data()) : win.classes.data());
            if (with_confidence)
                writer.write(2, win.x0, win.y0, win.w, win.h, unit_scale ? static_cast<const void*>(win.unit_f.data()) : win.percent.data());
            for (std::size_t c = 0; c < win.histogram.size(); ++c) summary.class_pixels[c] += win.histogram[c];
            if ((k + 1) % cols == 0) writer.flush();  // a whole row of tiles is done
            const int tenth = (k + 1) * 10 / (cols * rows);
            if (tenth > last_tenth) {
                last_tenth = tenth;
                log << "generate raster: " << tenth * 10 << " % (" << static_cast<int>(seconds_since(t0)) << " s)\n" << std::flush;
            }
        });
    writer.close();
    summary.seconds = seconds_since(t0);
    return summary;
}

// ---- vector ------------------------------------------------------------------------------------

namespace {

struct OgrGeometry {
    OGRGeometryH g = nullptr;
    OgrGeometry() = default;
    explicit OgrGeometry(OGRGeometryH h) : g(h) {}
    OgrGeometry(OgrGeometry&& o) noexcept : g(std::exchange(o.g, nullptr)) {}
    OgrGeometry& operator=(OgrGeometry&& o) noexcept {
        if (this != &o) {
            if (g) OGR_G_DestroyGeometry(g);
            g = std::exchange(o.g, nullptr);
        }
        return *this;
    }
    OgrGeometry(const OgrGeometry&) = delete;
    OgrGeometry& operator=(const OgrGeometry&) = delete;
    ~OgrGeometry() {
        if (g) OGR_G_DestroyGeometry(g);
    }
    OGRGeometryH release() { return std::exchange(g, nullptr); }
};

struct OutFeature {
    OgrGeometry geom;
    std::uint8_t code = 0;
    double confidence = 0;
};

struct VectorWindow {
    std::vector<OutFeature> features;
    std::uint64_t polygons = 0, shifted = 0, bowties = 0, multipolygons = 0, grouped_parts = 0;
};

// 4-connected regions of equal value: a dense id per pixel, in order of first appearance.
std::int32_t label_regions(const std::vector<std::int32_t>& v, int w, int h, std::vector<std::int32_t>& id) {
    std::vector<std::int32_t> parent;
    auto find = [&](std::int32_t a) {
        while (parent[static_cast<std::size_t>(a)] != a) {
            parent[static_cast<std::size_t>(a)] = parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(a)])];
            a = parent[static_cast<std::size_t>(a)];
        }
        return a;
    };
    id.resize(v.size());
    for (int j = 0; j < h; ++j)
        for (int i = 0; i < w; ++i) {
            const std::size_t k = static_cast<std::size_t>(j) * w + i;
            const bool left = i > 0 && v[k - 1] == v[k], up = j > 0 && v[k - w] == v[k];
            if (left && up) {
                id[k] = id[k - 1];
                const std::int32_t a = find(id[k - 1]), b = find(id[k - w]);
                if (a != b) parent[static_cast<std::size_t>(std::max(a, b))] = std::min(a, b);
            } else if (left) {
                id[k] = id[k - 1];
            } else if (up) {
                id[k] = id[k - w];
            } else {
                id[k] = static_cast<std::int32_t>(parent.size());
                parent.push_back(id[k]);
            }
        }
    std::vector<std::int32_t> dense(parent.size(), -1);
    std::int32_t count = 0;
    for (auto& x : id) {
        const std::int32_t r = find(x);
        if (dense[static_cast<std::size_t>(r)] < 0) dense[static_cast<std::size_t>(r)] = count++;
        x = dense[static_cast<std::size_t>(r)];
    }
    return count;
}

// A MEM raster band over caller memory (DATAPOINTER: the MEM driver's way to wrap a buffer).
GDALDatasetH wrap_int32(std::vector<std::int32_t>& data, int w, int h, const double* gt) {
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("MEM"), "", w, h, 0, GDT_Int32, nullptr);
    if (!ds) return nullptr;
    char pointer[64];
    CPLPrintPointer(pointer, data.data(), sizeof pointer);
    CPLStringList options;
    options.SetNameValue("DATAPOINTER", pointer);
    if (GDALAddBand(ds, GDT_Int32, options.List()) != CE_None || GDALSetGeoTransform(ds, const_cast<double*>(gt)) != CE_None) {
        GDALClose(ds);
        return nullptr;
    }
    return ds;
}

void translate(OGRGeometryH g, double dx, double dy) {
    const int parts = OGR_G_GetGeometryCount(g);
    if (parts > 0) {
        for (int i = 0; i < parts; ++i) translate(OGR_G_GetGeometryRef(g, i), dx, dy);
        return;
    }
    for (int i = 0, n = OGR_G_GetPointCount(g); i < n; ++i) OGR_G_SetPoint_2D(g, i, OGR_G_GetX(g, i) + dx, OGR_G_GetY(g, i) + dy);
}

// Swaps two consecutive vertices of the exterior ring until the ring crosses itself.
bool make_bowtie(OGRGeometryH polygon) {
    OGRGeometryH ring = OGR_G_GetGeometryRef(polygon, 0);
    const int n = OGR_G_GetPointCount(ring);
    for (int s = 1; s + 2 < n && s < 9; ++s) {
        const double ax = OGR_G_GetX(ring, s), ay = OGR_G_GetY(ring, s);
        const double bx = OGR_G_GetX(ring, s + 1), by = OGR_G_GetY(ring, s + 1);
        OGR_G_SetPoint_2D(ring, s, bx, by);
        OGR_G_SetPoint_2D(ring, s + 1, ax, ay);
        if (!OGR_G_IsValid(polygon)) return true;
        OGR_G_SetPoint_2D(ring, s, ax, ay);
        OGR_G_SetPoint_2D(ring, s + 1, bx, by);
    }
    return false;
}

bool envelopes_apart(const OGREnvelope& a, const OGREnvelope& b, double gap) {
    return a.MaxX + gap < b.MinX || b.MaxX + gap < a.MinX || a.MaxY + gap < b.MinY || b.MaxY + gap < a.MinY;
}

VectorWindow polygonize_window(const Landscape& land, const VectorOptions& o, int index, int x0, int y0, int w, int h) {
    QuietGdal quiet;
    const GridSpec& grid = land.grid();
    const double res = grid.resolution_m;
    std::vector<std::uint8_t> codes;
    std::vector<float> confidence;
    land.render(x0, y0, w, h, codes, confidence);
    std::vector<std::int32_t> values(codes.begin(), codes.end());
    geo::sieve(values, w, h, std::max(2, static_cast<int>(std::lround(o.sieve_m2 / (res * res)))), -1);
    std::vector<std::int32_t> region;
    const std::int32_t regions = label_regions(values, w, h, region);
    std::vector<double> conf_sum(static_cast<std::size_t>(regions), 0);
    std::vector<std::uint32_t> pixels(static_cast<std::size_t>(regions), 0);
    std::vector<std::uint8_t> region_code(static_cast<std::size_t>(regions), 0);
    for (std::size_t k = 0; k < region.size(); ++k) {
        const auto r = static_cast<std::size_t>(region[k]);
        conf_sum[r] += confidence[k];
        ++pixels[r];
        region_code[r] = static_cast<std::uint8_t>(values[k]);
    }

    const double gt[6] = {grid.origin_x + x0 * res, res, 0, grid.origin_y - y0 * res, 0, -res};
    GDALDatasetH raster = wrap_int32(region, w, h, gt);
    GDALDatasetH memory = GDALCreate(GDALGetDriverByName("Memory"), "", 0, 0, 0, GDT_Unknown, nullptr);
    struct Close {
        GDALDatasetH a, b;
        ~Close() {
            if (a) GDALClose(a);
            if (b) GDALClose(b);
        }
    } close{raster, memory};
    if (!raster || !memory) throw std::runtime_error("generate vector: cannot create in-memory datasets" + gdal_message());
    OGRLayerH layer = GDALDatasetCreateLayer(memory, "p", nullptr, wkbPolygon, nullptr);
    OGRFieldDefnH field = OGR_Fld_Create("id", OFTInteger);
    const bool field_ok = layer && OGR_L_CreateField(layer, field, TRUE) == OGRERR_NONE;
    OGR_Fld_Destroy(field);
    if (!field_ok || GDALPolygonize(GDALGetRasterBand(raster, 1), nullptr, layer, 0, nullptr, nullptr, nullptr) != CE_None)
        throw std::runtime_error("generate vector: polygonizing window " + std::to_string(index) + " failed" + gdal_message());

    struct Poly {
        OgrGeometry g;
        std::int32_t region;
        OGREnvelope env;
        bool touched = false, dropped = false;
    };
    std::vector<Poly> polys;
    polys.reserve(static_cast<std::size_t>(regions));
    OGR_L_ResetReading(layer);
    while (OGRFeatureH f = OGR_L_GetNextFeature(layer)) {
        Poly p{OgrGeometry(OGR_F_StealGeometry(f)), OGR_F_GetFieldAsInteger(f, 0), {}};
        OGR_F_Destroy(f);
        if (!p.g.g) continue;
        OGR_G_GetEnvelope(p.g.g, &p.env);
        polys.push_back(std::move(p));
    }

    // Vector errors, drawn per polygon from the seed, the window and the polygon's rank.
    VectorWindow out;
    out.polygons = polys.size();
    const std::uint64_t err_seed = hash_combine(land.seed(), 0xbad5eed, static_cast<std::uint64_t>(index));
    const double p_bow = o.bowtie_share, p_shift = p_bow + o.shifted_share, p_multi = p_shift + o.multipolygon_share;
    std::vector<std::size_t> leaders;
    for (std::size_t i = 0; i < polys.size(); ++i) {
        const std::uint64_t draw = mix64(err_seed + i);
        const double u = unit(draw);
        if (u < p_bow) {
            if (make_bowtie(polys[i].g.g)) {
                ++out.bowties;
                polys[i].touched = true;
            }
        } else if (u < p_shift) {
            const double len = 0.3 + 1.7 * unit2(draw), a = 2 * std::numbers::pi * unit(mix64(draw + 1));
            translate(polys[i].g.g, std::round(len * std::cos(a) * 100) / 100, std::round(len * std::sin(a) * 100) / 100);
            ++out.shifted;
            polys[i].touched = true;
        } else if (u < p_multi) {
            leaders.push_back(i);
            polys[i].touched = true;
        }
    }
    std::vector<std::pair<std::size_t, std::vector<std::size_t>>> groups;
    for (std::size_t leader : leaders) {
        const std::uint8_t code = region_code[static_cast<std::size_t>(polys[leader].region)];
        const std::size_t want = 1 + (mix64(err_seed ^ leader) & 1);
        std::vector<std::size_t> members;
        for (std::size_t j = leader + 1; j < polys.size() && j < leader + 4000 && members.size() < want; ++j) {
            auto& p = polys[j];
            if (p.touched || region_code[static_cast<std::size_t>(p.region)] != code) continue;
            if (!envelopes_apart(p.env, polys[leader].env, 1)) continue;
            bool apart = true;
            for (std::size_t m2 : members) apart = apart && envelopes_apart(p.env, polys[m2].env, 1);
            if (!apart) continue;
            members.push_back(j);
        }
        if (members.empty()) {
            polys[leader].touched = false;
            continue;
        }
        for (std::size_t m2 : members) polys[m2].touched = polys[m2].dropped = true;
        groups.emplace_back(leader, std::move(members));
    }
    std::map<std::size_t, std::size_t> group_of;  // leader → index in groups
    for (std::size_t g = 0; g < groups.size(); ++g) group_of[groups[g].first] = g;

    out.features.reserve(polys.size());
    for (std::size_t i = 0; i < polys.size(); ++i) {
        auto& p = polys[i];
        if (p.dropped) continue;
        const auto r = static_cast<std::size_t>(p.region);
        OutFeature f;
        f.code = region_code[r];
        if (auto it = group_of.find(i); it != group_of.end()) {
            double sum = conf_sum[r], count = pixels[r];
            OGRGeometryH multi = OGR_G_CreateGeometry(wkbMultiPolygon);
            OGR_G_AddGeometryDirectly(multi, p.g.release());
            for (std::size_t m2 : groups[it->second].second) {
                const auto rm = static_cast<std::size_t>(polys[m2].region);
                sum += conf_sum[rm];
                count += pixels[rm];
                OGR_G_AddGeometryDirectly(multi, polys[m2].g.release());
                ++out.grouped_parts;
            }
            ++out.grouped_parts;
            ++out.multipolygons;
            f.geom = OgrGeometry(multi);
            f.confidence = sum / count;
        } else {
            f.geom = std::move(p.g);
            f.confidence = conf_sum[r] / pixels[r];
        }
        f.confidence = std::round(f.confidence * 10000) / 10000;
        out.features.push_back(std::move(f));
    }
    return out;
}

// The GeoPackage: one transaction per few thousand features, the R-tree built by GDAL.
class GpkgOut {
public:
    explicit GpkgOut(const std::filesystem::path& path) : m_file(path.string()) {
        std::error_code ec;
        for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(m_file + suffix, ec);
        // Generated data: no fsync per commit (a crash means generating again).
        CPLSetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", "OFF");
        GDALDriverH driver = GDALGetDriverByName("GPKG");
        if (!driver) fail("GDAL has no GPKG driver");
        m_ds = GDALCreate(driver, m_file.c_str(), 0, 0, 0, GDT_Unknown, nullptr);
        if (!m_ds) fail("cannot create the GeoPackage");
        OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
        OSRImportFromEPSG(srs, 2154);
        OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
        CPLStringList options;
        options.SetNameValue("GEOMETRY_NAME", "geom");
        options.SetNameValue("SPATIAL_INDEX", "YES");
        m_layer = GDALDatasetCreateLayer(m_ds, "prediction", srs, wkbUnknown, options.List());
        OSRDestroySpatialReference(srs);
        if (!m_layer) fail("cannot create layer prediction");
        const std::pair<const char*, OGRFieldType> fields[] = {
            {"classe", OFTInteger}, {"confidence", OFTReal}, {"code_cs", OFTString}, {"code_us", OFTString}};
        for (const auto& [name, type] : fields) {
            OGRFieldDefnH f = OGR_Fld_Create(name, type);
            const bool ok = OGR_L_CreateField(m_layer, f, TRUE) == OGRERR_NONE;
            OGR_Fld_Destroy(f);
            if (!ok) fail(std::string("cannot create field ") + name);
        }
        m_defn = OGR_L_GetLayerDefn(m_layer);
    }
    GpkgOut(const GpkgOut&) = delete;
    GpkgOut& operator=(const GpkgOut&) = delete;
    ~GpkgOut() {
        if (m_ds) GDALClose(m_ds);
        CPLSetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", nullptr);
    }

    void write(OutFeature& f) {
        if (m_in_transaction == 0 && OGR_L_StartTransaction(m_layer) != OGRERR_NONE) fail("cannot start a transaction");
        OGRFeatureH feature = OGR_F_Create(m_defn);
        OGR_F_SetFieldInteger(feature, 0, static_cast<int>(flair_of(f.code)));
        OGR_F_SetFieldDouble(feature, 1, f.confidence);
        const OcsCodes codes = ocs_codes(f.code);
        OGR_F_SetFieldString(feature, 2, std::string(codes.cs).c_str());
        OGR_F_SetFieldString(feature, 3, std::string(codes.us).c_str());
        OGR_F_SetGeometryDirectly(feature, f.geom.release());
        const OGRErr err = OGR_L_CreateFeature(m_layer, feature);
        OGR_F_Destroy(feature);
        if (err != OGRERR_NONE) fail("cannot write feature " + std::to_string(m_written + 1));
        ++m_written;
        if (++m_in_transaction == 5000) commit();
    }
    void close() {
        commit();
        GDALDatasetH ds = std::exchange(m_ds, nullptr);
        CPLErrorReset();
        GDALClose(ds);  // builds the spatial index
        if (CPLGetLastErrorType() >= CE_Failure) fail("closing failed");
    }
    std::uint64_t written() const { return m_written; }

private:
    void commit() {
        if (m_in_transaction == 0) return;
        m_in_transaction = 0;
        if (OGR_L_CommitTransaction(m_layer) != OGRERR_NONE) fail("cannot commit");
    }
    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error("cannot write " + m_file + ": " + what + gdal_message());
    }

    std::string m_file;
    GDALDatasetH m_ds = nullptr;
    OGRLayerH m_layer = nullptr;
    OGRFeatureDefnH m_defn = nullptr;
    int m_in_transaction = 0;
    std::uint64_t m_written = 0;
};

// Window borders in pixels along one axis: 0, the offset, then every window, then the end.
std::vector<int> window_borders(int size_px, double res, double offset_m, double window_m) {
    std::vector<int> b{0};
    for (double m = offset_m; m / res < size_px; m += window_m) {
        const int px = static_cast<int>(std::lround(m / res));
        if (px > b.back() && px < size_px) b.push_back(px);
    }
    b.push_back(size_px);
    return b;
}

}  // namespace

VectorSummary generate_vector(const VectorOptions& options, std::ostream& log) {
    register_gdal();
    if (!(options.window_m > 0) || !(options.window_offset_m >= 0) || options.sieve_m2 < 0)
        throw std::invalid_argument("generate vector: window, offset and sieve area must be positive");
    const auto t0 = std::chrono::steady_clock::now();
    const Landscape land(options.seed, options.grid);
    const double res = options.grid.resolution_m;
    const auto xs = window_borders(options.grid.width(), res, options.window_offset_m, options.window_m);
    const auto ys = window_borders(options.grid.height(), res, options.window_offset_m, options.window_m);
    const int nx = static_cast<int>(xs.size()) - 1, count = nx * (static_cast<int>(ys.size()) - 1);

    QuietGdal quiet;
    GpkgOut out(options.out);
    VectorSummary summary;
    summary.windows = count;
    int last_tenth = 0;
    ordered_pipeline<VectorWindow>(
        count, options.threads,
        [&](int k) {
            const int i = k % nx, j = k / nx;
            return polygonize_window(land, options, k, xs[static_cast<std::size_t>(i)], ys[static_cast<std::size_t>(j)],
                                     xs[static_cast<std::size_t>(i) + 1] - xs[static_cast<std::size_t>(i)],
                                     ys[static_cast<std::size_t>(j) + 1] - ys[static_cast<std::size_t>(j)]);
        },
        [&](int k, VectorWindow& win) {
            for (auto& f : win.features) out.write(f);
            summary.polygons += win.polygons;
            summary.shifted += win.shifted;
            summary.bowties += win.bowties;
            summary.multipolygons += win.multipolygons;
            summary.grouped_parts += win.grouped_parts;
            const int tenth = (k + 1) * 10 / count;
            if (tenth > last_tenth) {
                last_tenth = tenth;
                log << "generate vector: " << tenth * 10 << " % (" << out.written() << " features, "
                    << static_cast<int>(seconds_since(t0)) << " s)\n" << std::flush;
            }
        });
    out.close();
    summary.features = out.written();
    summary.seconds = seconds_since(t0);
    return summary;
}

}  // namespace tessera::demo
