#include "demo/procedural.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>

#include "demo/geos_ops.hpp"
#include "demo/random.hpp"

namespace tessera::demo {

namespace {

constexpr double pi = std::numbers::pi;

// One random stream per stage, so that changing one stage leaves the others' numbers alone.
enum Stream : std::uint64_t {
    s_river = 1,
    s_villages,
    s_roads,
    s_core,
    s_houses,
    s_tracks,
    s_fields,
    s_woods,
    s_riparian,
};

XY operator+(XY a, XY b) { return {a.x + b.x, a.y + b.y}; }
XY operator-(XY a, XY b) { return {a.x - b.x, a.y - b.y}; }
XY operator*(XY a, double k) { return {a.x * k, a.y * k}; }
double dist(XY a, XY b) { return std::hypot(a.x - b.x, a.y - b.y); }
XY heading(double angle) { return {std::cos(angle), std::sin(angle)}; }

double dist_to_polyline(XY p, const std::vector<XY>& line) {
    double best = 1e300;
    for (std::size_t i = 1; i < line.size(); ++i) {
        const XY a = line[i - 1], d = line[i] - a;
        const double len2 = d.x * d.x + d.y * d.y;
        double t = len2 > 0 ? ((p.x - a.x) * d.x + (p.y - a.y) * d.y) / len2 : 0;
        t = std::clamp(t, 0.0, 1.0);
        best = std::min(best, dist(p, a + d * t));
    }
    return best;
}

// Corner cutting: turns a zigzag into the smooth curve of a country road; keeps the ends.
std::vector<XY> chaikin(const std::vector<XY>& pts, int iterations) {
    std::vector<XY> cur = pts;
    for (int it = 0; it < iterations && cur.size() > 2; ++it) {
        std::vector<XY> next{cur.front()};
        for (std::size_t i = 1; i < cur.size(); ++i) {
            const XY a = cur[i - 1], b = cur[i];
            if (i > 1) next.push_back(a * 0.75 + b * 0.25);
            if (i + 1 < cur.size()) next.push_back(a * 0.25 + b * 0.75);
        }
        next.push_back(cur.back());
        cur = std::move(next);
    }
    return cur;
}

// A road-like path from a to b: midpoint displacement, then smoothing.
std::vector<XY> wiggly(XY a, XY b, Rng& rng, double amplitude) {
    std::vector<XY> pts{a, b};
    for (int level = 0; level < 4; ++level) {
        std::vector<XY> next{pts.front()};
        for (std::size_t i = 1; i < pts.size(); ++i) {
            const XY p = pts[i - 1], q = pts[i], d = q - p;
            const double len = std::hypot(d.x, d.y);
            const XY normal = len > 0 ? XY{-d.y / len, d.x / len} : XY{};
            next.push_back((p + q) * 0.5 + normal * (rng.uniform(-1, 1) * amplitude * len));
            next.push_back(q);
        }
        pts = std::move(next);
    }
    return chaikin(pts, 2);
}

// Arc-length parametrisation of a polyline.
class Path {
public:
    explicit Path(std::vector<XY> pts) : m_pts(std::move(pts)), m_cum(m_pts.size(), 0.0) {
        for (std::size_t i = 1; i < m_pts.size(); ++i) m_cum[i] = m_cum[i - 1] + dist(m_pts[i - 1], m_pts[i]);
    }
    double length() const { return m_cum.empty() ? 0 : m_cum.back(); }
    const std::vector<XY>& points() const { return m_pts; }
    // Point and unit tangent at arc length s.
    std::pair<XY, XY> at(double s) const {
        const auto it = std::upper_bound(m_cum.begin(), m_cum.end(), s);
        std::size_t i = std::clamp<std::size_t>(static_cast<std::size_t>(it - m_cum.begin()), 1, m_pts.size() - 1);
        const XY a = m_pts[i - 1], b = m_pts[i];
        const double seg = m_cum[i] - m_cum[i - 1];
        const double t = seg > 0 ? std::clamp((s - m_cum[i - 1]) / seg, 0.0, 1.0) : 0;
        const XY d = b - a;
        return {a + d * t, seg > 0 ? d * (1 / seg) : XY{1, 0}};
    }

private:
    std::vector<XY> m_pts;
    std::vector<double> m_cum;
};

struct Village {
    XY centre;
    double radius = 300;
    std::vector<double> used_angles;  // directions of the roads leaving the centre
};

struct Road {
    Path path;
    double width = 6;
    bool country = true;  // false for village streets
};

class Generator {
public:
    Generator(const geo::Context& ctx, const tiles::Box& extent, std::uint64_t seed, Territory& out)
        : m_ctx(ctx), m_ext(extent), m_seed(seed), m_out(out) {}

    void run() {
        make_river();
        place_villages();
        make_roads();
        make_corridors();
        make_village_cores();
        make_houses();
        make_tracks();
        make_riparian_trees();
        make_woods();
        make_fields();
    }

private:
    double width() const { return m_ext.width(); }
    double height() const { return m_ext.height(); }
    double diagonal() const { return std::hypot(width(), height()); }
    XY centre() const { return {(m_ext.min_x + m_ext.max_x) / 2, (m_ext.min_y + m_ext.max_y) / 2}; }
    bool inside(XY p, double margin) const {
        return p.x > m_ext.min_x + margin && p.x < m_ext.max_x - margin && p.y > m_ext.min_y + margin &&
               p.y < m_ext.max_y - margin;
    }
    double village_distance(XY p) const {
        double best = 1e300;
        for (const Village& v : m_villages) best = std::min(best, dist(p, v.centre) - v.radius);
        return best;
    }

    void add(geo::Geom g, LandClass cls, int prio, Appearance look) {
        m_out.items.push_back(Item{std::move(g), cls, prio, look});
    }

    void make_river() {
        Rng rng(m_seed, s_river);
        const bool north_south = rng.chance(0.5);
        const double theta = (north_south ? pi / 2 : 0.0) + rng.uniform(-0.45, 0.45) + (rng.chance(0.5) ? pi : 0.0);
        const XY p0 = centre() + XY{rng.uniform(-0.2, 0.2) * width(), rng.uniform(-0.2, 0.2) * height()};
        const double half = diagonal() / 2 + 300;
        XY pos = p0 - heading(theta) * half;
        // Meanders: the heading swings around the valley direction; ~700 m main wavelength gives
        // loops of 60–100 m amplitude, like the Saulx or the Orge.
        const double l1 = rng.uniform(550, 850), l2 = rng.uniform(180, 260);
        const double a1 = rng.uniform(0.6, 0.9), a2 = rng.uniform(0.2, 0.35);
        const double f1 = rng.uniform(0, 2 * pi), f2 = rng.uniform(0, 2 * pi);
        const double step = 12;
        m_river.push_back(pos);
        for (double s = 0; s < 2 * half; s += step) {
            const double h = theta + a1 * std::sin(2 * pi * s / l1 + f1) + a2 * std::sin(2 * pi * s / l2 + f2) +
                             0.5 * (value_noise(s / 400, 0.5, m_seed + s_river) - 0.5);
            pos = pos + heading(h) * step;
            m_river.push_back(pos);
        }
        m_river_width = rng.uniform(12, 20);
        geo::Geom line = make_line(m_ctx, m_river);
        add(buffer_line(m_ctx, line.get(), m_river_width, true), LandClass::water, priority::water,
            Appearance{Look::water, 0, static_cast<float>(rng.uniform())});
        m_river_zone = buffer_line(m_ctx, line.get(), m_river_width + 12, true);
        m_river_prepared = std::make_unique<Prepared>(m_ctx, m_river_zone.get());
    }

    void place_villages() {
        Rng rng(m_seed, s_villages);
        const double small_side = std::min(width(), height());
        const double margin = std::min(450.0, small_side * 0.25);
        // The first village stands by the river, as most villages of the Saulx valley do.
        Village first;
        first.centre = centre();
        for (int attempt = 0; attempt < 40; ++attempt) {
            const auto i = static_cast<std::size_t>(rng.uniform(0.3, 0.7) * static_cast<double>(m_river.size()));
            const XY a = m_river[i], b = m_river[std::min(i + 1, m_river.size() - 1)];
            const XY d = b - a;
            const double len = std::max(1e-9, std::hypot(d.x, d.y));
            const double side = rng.chance(0.5) ? 1 : -1;
            const XY c = a + XY{-d.y / len, d.x / len} * (side * rng.uniform(90, 170));
            if (inside(c, margin)) {
                first.centre = c;
                break;
            }
        }
        first.radius = small_side >= 3000 ? rng.uniform(290, 370) : std::min(260.0, small_side * 0.2);
        m_villages.push_back(first);
        if (small_side < 3000) return;
        for (int attempt = 0; attempt < 60; ++attempt) {
            const XY c{rng.uniform(m_ext.min_x + margin, m_ext.max_x - margin),
                       rng.uniform(m_ext.min_y + margin, m_ext.max_y - margin)};
            if (dist(c, first.centre) < 1900 || dist_to_polyline(c, m_river) < 300) continue;
            m_villages.push_back(Village{c, rng.uniform(230, 310), {}});
            break;
        }
    }

    void add_road(std::vector<XY> pts, double w, bool country) {
        m_roads.push_back(Road{Path(std::move(pts)), w, country});
    }

    // A road from a village out through the edge of the extent.
    void road_out(Village& v, double angle, Rng& rng) {
        const XY far = v.centre + heading(angle) * diagonal();
        add_road(wiggly(v.centre, far, rng, 0.05), rng.uniform(6, 7), true);
        v.used_angles.push_back(angle);
    }

    void make_roads() {
        Rng rng(m_seed, s_roads);
        Village& a = m_villages.front();
        const double through = rng.uniform(0, pi);
        road_out(a, through, rng);
        road_out(a, through + pi + rng.uniform(-0.4, 0.4), rng);
        if (m_villages.size() > 1) {
            Village& b = m_villages[1];
            add_road(wiggly(a.centre, b.centre, rng, 0.06), rng.uniform(6, 7), true);
            const XY d = b.centre - a.centre;
            const double ab = std::atan2(d.y, d.x);
            a.used_angles.push_back(ab);
            b.used_angles.push_back(ab + pi);
            road_out(b, ab + rng.uniform(-0.6, 0.6), rng);
            road_out(b, ab + pi / 2 * (rng.chance(0.5) ? 1 : -1) + rng.uniform(-0.3, 0.3), rng);
        }
        // Village streets radiate from the centre, away from the roads already there.
        for (Village& v : m_villages) {
            const int streets = 2 + static_cast<int>(rng.below(2));
            for (int k = 0, tries = 0; k < streets && tries < 40; ++tries) {
                const double angle = rng.uniform(0, 2 * pi);
                bool clear = true;
                for (double used : v.used_angles) {
                    const double diff = std::remainder(angle - used, 2 * pi);
                    if (std::abs(diff) < 0.75) clear = false;
                }
                if (!clear) continue;
                const XY end = v.centre + heading(angle) * (v.radius * rng.uniform(0.6, 0.95));
                add_road(wiggly(v.centre, end, rng, 0.04), rng.uniform(5, 6), false);
                v.used_angles.push_back(angle);
                ++k;
            }
        }
        for (const Road& r : m_roads) {
            geo::Geom line = make_line(m_ctx, r.path.points());
            add(buffer_line(m_ctx, line.get(), r.width, true), LandClass::road, priority::road,
                Appearance{Look::road, 0, static_cast<float>(rng.uniform())});
        }
    }

    // The ground buildings must keep clear of: roads with their verges, and the river.
    void make_corridors() {
        std::vector<geo::Geom> parts;
        for (const Road& r : m_roads) {
            geo::Geom line = make_line(m_ctx, r.path.points());
            parts.push_back(buffer_line(m_ctx, line.get(), r.width + 3, true));
        }
        geo::Geom all = geo::make_collection(m_ctx, GEOS_GEOMETRYCOLLECTION, std::move(parts));
        m_corridor = m_ctx.own(GEOSUnaryUnion_r(m_ctx.handle(), all.get()), "road corridors");
        m_corridor_prepared = std::make_unique<Prepared>(m_ctx, m_corridor.get());
    }

    bool blocked(const GEOSGeometry* g) const {
        if (m_corridor_prepared->intersects(g) || m_river_prepared->intersects(g)) return true;
        const Envelope e = envelope(m_ctx, g);
        for (std::size_t i = 0; i < m_obstacles.size(); ++i) {
            const Envelope& o = m_obstacle_env[i];
            if (o.max_x < e.min_x || o.min_x > e.max_x || o.max_y < e.min_y || o.min_y > e.max_y) continue;
            if (GEOSIntersects_r(m_ctx.handle(), g, m_obstacles[i].get()) == 1) return true;
        }
        return false;
    }

    void add_obstacle(const GEOSGeometry* g) {
        m_obstacles.push_back(m_ctx.clone(g));
        m_obstacle_env.push_back(envelope(m_ctx, g));
    }

    void add_building(geo::Geom g, bool farm, XY c, double angle, Rng& rng) {
        add_obstacle(g.get());
        const Look roof = farm ? Look::roof_grey : Look::roof_tile;
        add(std::move(g), farm ? LandClass::farm_building : LandClass::building, priority::building,
            Appearance{roof, static_cast<float>(angle), static_cast<float>(rng.uniform()), static_cast<float>(c.x),
                       static_cast<float>(c.y)});
    }

    // The church on the village square, and a cemetery at the edge of the first village.
    void make_village_cores() {
        Rng rng(m_seed, s_core);
        for (std::size_t vi = 0; vi < m_villages.size(); ++vi) {
            const Village& v = m_villages[vi];
            geo::Geom centre_pt = make_point(m_ctx, v.centre);
            add(m_ctx.own(GEOSBuffer_r(m_ctx.handle(), centre_pt.get(), rng.uniform(14, 20), 4), "village square"),
                LandClass::paved, priority::paved, Appearance{Look::paved, 0, static_cast<float>(rng.uniform())});
            for (int attempt = 0; attempt < 16; ++attempt) {
                const double a = rng.uniform(0, 2 * pi);
                const XY c = v.centre + heading(a) * rng.uniform(22, 34);
                geo::Geom church = make_oriented_rect(m_ctx, c, a + pi / 2, rng.uniform(24, 30), rng.uniform(10, 13));
                if (blocked(church.get())) continue;
                add_building(std::move(church), false, c, a + pi / 2, rng);
                break;
            }
            if (vi != 0) continue;
            for (int attempt = 0; attempt < 30; ++attempt) {
                const double a = rng.uniform(0, 2 * pi);
                const XY c = v.centre + heading(a) * v.radius * rng.uniform(0.75, 1.0);
                geo::Geom cemetery = make_oriented_rect(m_ctx, c, a, rng.uniform(40, 55), rng.uniform(30, 40));
                if (blocked(cemetery.get())) continue;
                add_obstacle(cemetery.get());
                add(std::move(cemetery), LandClass::mineral_site, priority::paved,
                    Appearance{Look::cemetery, static_cast<float>(a), static_cast<float>(rng.uniform())});
                break;
            }
        }
    }

    // Lorraine street villages: houses in a row along the street, set back behind a paved
    // "usoir", a garden behind, often an orchard beyond; barns towards the edge of the village.
    void make_houses() {
        for (std::size_t ri = 0; ri < m_roads.size(); ++ri) {
            const Road& road = m_roads[ri];
            for (std::size_t vi = 0; vi < m_villages.size(); ++vi) {
                const Village& v = m_villages[vi];
                Rng rng(m_seed, s_houses, ri * 8 + vi);
                const double length = road.path.length();
                for (double s = rng.uniform(12, 20); s < length;) {
                    const double spacing = rng.uniform(13, 24);
                    const auto [p, t] = road.path.at(s);
                    s += spacing;
                    const double d = dist(p, v.centre);
                    if (d > v.radius || d < 22) continue;
                    const double p_house = d < 0.5 * v.radius ? 0.85 : 0.85 * (1 - (d - 0.5 * v.radius) / (0.5 * v.radius));
                    for (const double side : {-1.0, 1.0}) {
                        if (!rng.chance(p_house)) continue;
                        place_house(road, p, t, side, spacing, d / v.radius, rng);
                    }
                }
            }
        }
    }

    void place_house(const Road& road, XY p, XY t, double side, double spacing, double rel_dist, Rng& rng) {
        const bool farm = rng.chance(0.08 + 0.3 * rel_dist);
        const double along = farm ? rng.uniform(16, 24) : std::min(rng.uniform(9, 15), spacing - 1.5);
        const double depth = farm ? rng.uniform(12, 17) : rng.uniform(9, 13);
        const double setback = rng.uniform(4, 9);
        const XY n = XY{-t.y, t.x} * side;
        const double edge = road.width / 2;
        const double angle = std::atan2(t.y, t.x);
        const XY c = p + n * (edge + setback + depth / 2);
        geo::Geom house = make_oriented_rect(m_ctx, c, angle, along, depth);
        if (blocked(house.get())) return;

        const double lot_depth = setback + depth + rng.uniform(18, 45);
        add(make_oriented_rect(m_ctx, p + n * (edge + lot_depth / 2), angle, spacing + 1, lot_depth), LandClass::garden,
            priority::built_up, Appearance{Look::garden, static_cast<float>(angle), static_cast<float>(rng.uniform())});
        if (rng.chance(0.65)) {
            add(make_oriented_rect(m_ctx, p + n * (edge + setback / 2), angle, along + 2, setback),
                farm ? LandClass::farmyard : LandClass::paved, priority::paved,
                Appearance{Look::paved, 0, static_cast<float>(rng.uniform())});
        }
        if (rng.chance(0.3)) {
            const double od = rng.uniform(20, 40);
            add(make_oriented_rect(m_ctx, p + n * (edge + lot_depth + od / 2), angle, spacing + 1, od), LandClass::orchard,
                priority::built_up + 1, Appearance{Look::orchard, static_cast<float>(angle), static_cast<float>(rng.uniform())});
        }
        add_building(std::move(house), farm, c, angle, rng);
    }

    // Gravel farm tracks branching off the country roads into the fields.
    void make_tracks() {
        Rng rng(m_seed, s_tracks);
        std::vector<const Road*> country;
        for (const Road& r : m_roads)
            if (r.country) country.push_back(&r);
        const int wanted = std::max(2, static_cast<int>(width() * height() / 1e6 * 0.45));
        for (int made = 0, tries = 0; made < wanted && tries < wanted * 20; ++tries) {
            const Road& r = *country[rng.below(static_cast<std::uint32_t>(country.size()))];
            const auto [p, t] = r.path.at(rng.uniform(0, r.path.length()));
            if (!inside(p, 50) || village_distance(p) < 150) continue;
            const double side = rng.chance(0.5) ? 1 : -1;
            const double angle = std::atan2(t.x * side, -t.y * side) + rng.uniform(-0.35, 0.35);
            const XY end = p + heading(angle) * rng.uniform(350, 1100);
            if (village_distance(end) < 100) continue;
            geo::Geom line = make_line(m_ctx, wiggly(p, end, rng, 0.03));
            if (m_river_prepared->intersects(line.get())) continue;
            add(buffer_line(m_ctx, line.get(), 4, false), LandClass::track, priority::track,
                Appearance{Look::track, 0, static_cast<float>(rng.uniform())});
            ++made;
        }
    }

    // Stretches of trees along the banks (ripisylve), which hide narrow rivers from the model.
    void make_riparian_trees() {
        Rng rng(m_seed, s_riparian);
        constexpr std::size_t chunk = 40;  // 480 m of river
        for (std::size_t i = 0; i + 2 < m_river.size(); i += chunk) {
            if (!rng.chance(0.45)) continue;
            std::vector<XY> part(m_river.begin() + static_cast<std::ptrdiff_t>(i),
                                 m_river.begin() + static_cast<std::ptrdiff_t>(std::min(i + chunk + 1, m_river.size())));
            geo::Geom line = make_line(m_ctx, part);
            add(buffer_line(m_ctx, line.get(), m_river_width + 2 * rng.uniform(8, 18), false), LandClass::broadleaf,
                priority::riparian, Appearance{Look::broadleaf, 0, static_cast<float>(rng.uniform())});
        }
    }

    // Small woods scattered in the fields, with irregular edges.
    void make_woods() {
        Rng rng(m_seed, s_woods);
        const int wanted = std::max(1, static_cast<int>(width() * height() / 1e6 * 0.5));
        for (int made = 0, tries = 0; made < wanted && tries < wanted * 10; ++tries) {
            const XY c{rng.uniform(m_ext.min_x, m_ext.max_x), rng.uniform(m_ext.min_y, m_ext.max_y)};
            const double r = rng.uniform(50, 120);
            if (village_distance(c) < r + 150) continue;
            const bool mixed = rng.chance(0.3);
            add(make_blob(m_ctx, c, r, rng.next()), mixed ? LandClass::mixed_forest : LandClass::broadleaf,
                priority::forest, Appearance{mixed ? Look::mixed_forest : Look::broadleaf, 0, static_cast<float>(rng.uniform())});
            ++made;
        }
    }

    void make_fields();

    const geo::Context& m_ctx;
    tiles::Box m_ext;
    std::uint64_t m_seed;
    Territory& m_out;

    std::vector<XY> m_river;
    double m_river_width = 15;
    geo::Geom m_river_zone;
    std::unique_ptr<Prepared> m_river_prepared;
    std::vector<Village> m_villages;
    std::vector<Road> m_roads;
    geo::Geom m_corridor;
    std::unique_ptr<Prepared> m_corridor_prepared;
    std::vector<geo::Geom> m_obstacles;
    std::vector<Envelope> m_obstacle_env;
};

// Fields: the land is cut into blocks (Voronoi cells of ~900 m), each block into strips along
// its own direction and the strips into fields of 1–10 ha, like the open-field parcels of the
// Lorraine plateau. Forest massifs are clusters of parcels under low-frequency noise (a third
// of the land, as in the Meuse), meadows lie along the river and around the villages.
void Generator::make_fields() {
    Rng rng(m_seed, s_fields);
    constexpr double margin = 300, block = 900;
    struct Block {
        XY site;
        double angle;
    };
    std::vector<Block> blocks;
    std::vector<geo::Geom> sites;
    for (double y = m_ext.min_y - margin; y < m_ext.max_y + margin; y += block)
        for (double x = m_ext.min_x - margin; x < m_ext.max_x + margin; x += block) {
            blocks.push_back(Block{{x + rng.uniform(0.2, 0.8) * block, y + rng.uniform(0.2, 0.8) * block}, rng.uniform(0, pi)});
            sites.push_back(make_point(m_ctx, blocks.back().site));
        }
    geo::Geom all_sites = geo::make_collection(m_ctx, GEOS_MULTIPOINT, std::move(sites));
    geo::Geom env = m_ctx.box(m_ext.min_x - margin, m_ext.min_y - margin, m_ext.max_x + margin, m_ext.max_y + margin);
    geo::Geom cells_gc = m_ctx.own(GEOSVoronoiDiagram_r(m_ctx.handle(), all_sites.get(), env.get(), 0.0, 0), "blocks");
    std::vector<geo::Geom> cells = m_ctx.polygons(cells_gc.get());

    struct Field {
        geo::Geom geom;
        XY centre;
        double angle;
    };
    std::vector<Field> fields;
    for (geo::Geom& cell : cells) {
        geo::Geom clipped = m_ctx.intersection(cell.get(), env.get());
        if (m_ctx.is_empty(clipped.get())) continue;
        const XY cc = centroid(m_ctx, clipped.get());
        const Block* bk = &blocks.front();
        for (const Block& b : blocks)
            if (dist(cc, b.site) < dist(cc, bk->site)) bk = &b;
        const XY u = heading(bk->angle), v{-u.y, u.x};
        double u0 = 1e300, u1 = -1e300, v0 = 1e300, v1 = -1e300;
        for (const XY p : coords(m_ctx, GEOSGetExteriorRing_r(m_ctx.handle(), clipped.get()))) {
            const XY d = p - bk->site;
            const double pu = d.x * u.x + d.y * u.y, pv = d.x * v.x + d.y * v.y;
            u0 = std::min(u0, pu), u1 = std::max(u1, pu), v0 = std::min(v0, pv), v1 = std::max(v1, pv);
        }
        Prepared inside(m_ctx, clipped.get());
        for (double a = v0; a < v1;) {
            const double w = rng.uniform(60, 180);
            for (double b = u0 - rng.uniform(0, 300); b < u1;) {
                const double l = rng.uniform(200, 600);
                const XY c = bk->site + v * (a + w / 2) + u * (b + l / 2);
                b += l;
                geo::Geom rect = make_oriented_rect(m_ctx, c, bk->angle, l, w);
                if (!inside.intersects(rect.get())) continue;
                for (geo::Geom& part : m_ctx.polygons(m_ctx.intersection(rect.get(), clipped.get()).get())) {
                    if (m_ctx.area(part.get()) < 1) continue;
                    const XY fc = centroid(m_ctx, part.get());
                    fields.push_back(Field{std::move(part), fc, bk->angle});
                }
            }
            a += w;
        }
    }

    std::vector<double> wood;
    for (const Field& f : fields) {
        double n = fbm(f.centre.x / 1500, f.centre.y / 1500, m_seed + s_fields, 3);
        if (village_distance(f.centre) < 400) n -= 0.3;  // villages sit in open land
        wood.push_back(n);
    }
    std::vector<double> sorted = wood;
    std::sort(sorted.begin(), sorted.end());
    const double threshold = sorted.empty() ? 1.0 : sorted[static_cast<std::size_t>(0.66 * static_cast<double>(sorted.size()))];

    for (std::size_t k = 0; k < fields.size(); ++k) {
        Field& f = fields[k];
        const float tint = static_cast<float>(rng.uniform());
        const bool near_river = dist_to_polyline(f.centre, m_river) < m_river_width / 2 + 150;
        if (near_river && wood[k] < threshold + 0.08 && rng.chance(0.8)) {
            const bool used = rng.chance(0.6);
            add(std::move(f.geom), used ? LandClass::arable : LandClass::fallow, priority::meadow,
                Appearance{used ? Look::meadow : Look::fallow, 0, tint});
        } else if (wood[k] > threshold) {
            const double type = fbm(f.centre.x / 900, f.centre.y / 900, m_seed + s_woods, 2);
            LandClass cls = LandClass::broadleaf;
            Look look = Look::broadleaf;
            if (type > 0.64 || rng.chance(0.04)) {
                cls = LandClass::conifer;
                look = Look::conifer;
            } else if (type > 0.56) {
                cls = LandClass::mixed_forest;
                look = Look::mixed_forest;
            }
            add(std::move(f.geom), cls, priority::forest, Appearance{look, 0, tint});
        } else if (village_distance(f.centre) < 250 && rng.chance(0.55)) {
            add(std::move(f.geom), LandClass::arable, priority::meadow, Appearance{Look::meadow, 0, tint});
        } else {
            const double angle = f.angle + (rng.chance(0.2) ? pi / 2 : 0.0) + rng.uniform(-0.05, 0.05);
            add(std::move(f.geom), LandClass::arable, priority::farmland,
                Appearance{Look::arable, static_cast<float>(angle), tint});
        }
    }
}

}  // namespace

tiles::Box default_procedural_extent() { return tiles::Box{866000, 6826000, 871000, 6831000}; }

Territory make_procedural_territory(const geo::Context& ctx, const tiles::Box& extent, std::uint64_t seed) {
    Territory t;
    t.source = "generated";
    t.extent = extent;
    t.background = LandClass::arable;
    t.background_look = Appearance{Look::arable_patches};
    Generator(ctx, extent, seed, t).run();
    return t;
}

}  // namespace tessera::demo
