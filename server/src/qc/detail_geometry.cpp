#include "qc/detail_geometry.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <queue>
#include <utility>

#include "geo/ring_check.hpp"

namespace tessera::qc::detail {

using geo::PointCm;
using geo::RingsCm;

Frame::Frame(const tiles::Box& t)
    : origin{std::llround(t.min_x * 100), std::llround(t.min_y * 100)} {
    tile.expand(origin);
    tile.expand(PointCm{std::llround(t.max_x * 100), std::llround(t.max_y * 100)});
}

PointCm Frame::global(double local_x, double local_y) const {
    return PointCm{std::llround(local_x) + origin.x, std::llround(local_y) + origin.y};
}

geo::Geom Frame::box(const Envelope& e) const {
    return ctx.box(static_cast<double>(e.min_x - origin.x), static_cast<double>(e.min_y - origin.y),
                   static_cast<double>(e.max_x - origin.x), static_cast<double>(e.max_y - origin.y));
}

namespace {

Int128 ring_area2(const std::vector<PointCm>& r) {
    Int128 a = 0;
    if (r.size() < 2) return a;
    const PointCm o = r.front();  // relative to the first point: smaller products
    for (std::size_t i = 0; i + 1 < r.size(); ++i) {
        const Int128 x1 = r[i].x - o.x, y1 = r[i].y - o.y, x2 = r[i + 1].x - o.x, y2 = r[i + 1].y - o.y;
        a += x1 * y2 - x2 * y1;
    }
    return a;
}

// Shells counter-clockwise, holes clockwise: the interior on the left of every edge.
std::vector<RingsCm> oriented(std::vector<RingsCm> polygons) {
    for (auto& rings : polygons)
        for (std::size_t i = 0; i < rings.size(); ++i) {
            const Int128 a = ring_area2(rings[i]);
            if ((i == 0 && a < 0) || (i > 0 && a > 0)) std::reverse(rings[i].begin(), rings[i].end());
        }
    return polygons;
}

std::string metres(const PointCm& p) {
    char text[96];
    std::snprintf(text, sizeof text, "%.2f %.2f", static_cast<double>(p.x) / 100.0, static_cast<double>(p.y) / 100.0);
    return text;
}

// Why rings cannot make polygons at all, before GEOS is asked.
std::optional<std::string> structural_problem(const std::vector<RingsCm>& parts, std::optional<PointCm>& at) {
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto where = parts.size() > 1 ? " of polygon " + std::to_string(i + 1) : std::string();
        if (parts[i].empty()) return "polygon " + std::to_string(i + 1) + " is empty";
        for (std::size_t j = 0; j < parts[i].size(); ++j) {
            const auto& r = parts[i][j];
            const auto ring = (j == 0 ? std::string("exterior ring") : "interior ring " + std::to_string(j)) + where;
            if (!r.empty()) at = r.front();
            if (r.size() < 4) return ring + " has " + std::to_string(r.size()) + " points, fewer than 4";
            if (!(r.front() == r.back())) return ring + " is not closed";
        }
    }
    return std::nullopt;
}

}  // namespace

Prepared prepare(const Frame& frame, const Rules& rules, const Feature& feature) {
    Prepared p;
    p.feature = &feature;
    std::string error;
    auto parts = geo::polygons_from_wkb(feature.wkb, &error);
    if (!parts) {
        p.problem = error;
        return p;
    }
    p.parts = std::move(*parts);
    for (const auto& part : p.parts)
        for (const auto& ring : part) p.vertices += ring.size();
    if (p.parts.empty() || p.vertices == 0) {
        p.problem = "empty geometry";
        return p;
    }
    if (auto why = structural_problem(p.parts, p.problem_at)) {
        p.problem = *why;
        return p;
    }
    p.problem_at.reset();
    if (p.vertices > rules.max_vertices()) {
        // Bounded work: no GEOS. Coverage still sees its rings (integer work, n log n).
        p.shape = Shape::over_limit;
        p.problem =
            std::to_string(p.vertices) + " vertices exceed the limit of " + std::to_string(rules.max_vertices());
        p.problem_at = p.parts.front().front().front();
        p.cover = oriented(p.parts);
    } else {
        // One polygon whose rings meet only as a valid polygon's may is valid (integer work);
        // GEOS decides the rest, and says why.
        std::optional<geo::InvalidDetail> invalid;
        if (p.parts.size() != 1 || !geo::certainly_valid(p.parts.front())) {
            try {
                p.geom = geo::polygons_cm(frame.ctx, p.parts, frame.origin);
            } catch (const geo::GeosError& e) {
                p.problem = e.what();
                return p;
            }
            invalid = geo::invalid_detail(frame.ctx, p.geom.get());
        }
        if (invalid) {
            p.shape = Shape::invalid;
            p.problem = invalid->reason;
            if (invalid->location) {
                p.problem_at = frame.global(invalid->location->first, invalid->location->second);
                p.problem += " at " + metres(*p.problem_at);
            }
            try {
                p.geom = geo::make_valid_on_grid(frame.ctx, p.geom.get(), 1.0);
                p.cover = oriented(geo::read_polygons_cm(frame.ctx, p.geom.get(), frame.origin));
            } catch (const geo::GeosError&) {
                p.geom.reset();
                p.cover.clear();
            }
            if (p.cover.empty()) p.geom.reset();
            p.has_geometry = static_cast<bool>(p.geom);
        } else {
            p.shape = Shape::valid;
            p.cover = oriented(p.parts);
            p.has_geometry = true;
        }
    }
    for (const auto& part : p.cover)
        for (const auto& ring : part)
            for (const auto& pt : ring) p.envelope.expand(pt);
    return p;
}

Int128 area2(const std::vector<RingsCm>& polygons) {
    Int128 a = 0;
    for (const auto& rings : polygons)
        for (const auto& r : rings) a += ring_area2(r);
    return a;
}

PointCm interior_point(const std::vector<RingsCm>& polygons) {
    Envelope env;
    for (const auto& rings : polygons)
        for (const auto& r : rings)
            for (const auto& pt : r) env.expand(pt);
    if (env.empty()) return {};
    // A line strictly inside the envelope when it is at least 2 cm tall. Crossings follow the
    // half-open rule (an edge counts when its ends are on either side of y), so vertices on the
    // line are counted once.
    const double y = env.max_y - env.min_y >= 2 ? static_cast<double>(env.min_y + (env.max_y - env.min_y) / 2)
                                                : static_cast<double>(env.min_y) + 0.5;
    std::vector<double> xs;
    for (const auto& rings : polygons)
        for (const auto& r : rings)
            for (std::size_t i = 0; i + 1 < r.size(); ++i) {
                const auto& a = r[i];
                const auto& b = r[i + 1];
                const double ay = static_cast<double>(a.y), by = static_cast<double>(b.y);
                if ((ay > y) == (by > y)) continue;
                xs.push_back(static_cast<double>(a.x) +
                             (y - ay) * static_cast<double>(b.x - a.x) / (by - ay));
            }
    std::sort(xs.begin(), xs.end());
    double best = -1, mid = static_cast<double>(polygons.front().front().front().x);
    for (std::size_t i = 0; i + 1 < xs.size(); i += 2)
        if (xs[i + 1] - xs[i] > best) {
            best = xs[i + 1] - xs[i];
            mid = (xs[i] + xs[i + 1]) / 2;
        }
    if (best < 0) return polygons.front().front().front();
    return PointCm{std::llround(mid), std::llround(y)};
}

namespace {

double det3(double a, double b, double c, double d, double e, double f, double g, double h, double i) {
    return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
}

// The inradius of a convex polygon (counter-clockwise ring, closed): the largest ρ with a
// centre p such that every edge line is at least ρ away, a linear programme in (x, y, ρ) whose
// optimum is a vertex where three constraints are tight. Small n only: O(n⁴).
std::optional<double> convex_inradius(const std::vector<PointCm>& ring) {
    struct Line {
        double nx, ny, c;  // unit inward normal; n·p >= c inside
    };
    std::vector<Line> lines;
    const PointCm o = ring.front();
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
        const double ax = static_cast<double>(ring[i].x - o.x), ay = static_cast<double>(ring[i].y - o.y);
        const double dx = static_cast<double>(ring[i + 1].x - ring[i].x);
        const double dy = static_cast<double>(ring[i + 1].y - ring[i].y);
        const double len = std::hypot(dx, dy);
        if (len == 0) continue;
        const double nx = -dy / len, ny = dx / len;
        lines.push_back({nx, ny, nx * ax + ny * ay});
    }
    std::optional<double> best;
    const std::size_t n = lines.size();
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j)
            for (std::size_t k = j + 1; k < n; ++k) {
                const Line& a = lines[i];
                const Line& b = lines[j];
                const Line& c = lines[k];
                // n·p - ρ = c for the three lines (Cramer's rule).
                const double det = det3(a.nx, a.ny, -1, b.nx, b.ny, -1, c.nx, c.ny, -1);
                if (std::fabs(det) < 1e-12) continue;
                const double dx = det3(a.c, a.ny, -1, b.c, b.ny, -1, c.c, c.ny, -1);
                const double dy = det3(a.nx, a.c, -1, b.nx, b.c, -1, c.nx, c.c, -1);
                const double dr = det3(a.nx, a.ny, a.c, b.nx, b.ny, b.c, c.nx, c.ny, c.c);
                const double x = dx / det, y = dy / det, r = dr / det;
                if (best && r <= *best) continue;
                bool feasible = true;
                for (const auto& l : lines)
                    if (l.nx * x + l.ny * y - r < l.c - 1e-6) {
                        feasible = false;
                        break;
                    }
                if (feasible) best = r;
            }
    return best;
}

// The largest circle inside a polygon, decided against a radius `r` rather than measured:
// branch and bound over square cells (the idea of Mapbox's polylabel), each cell's centre at a
// signed distance d from the boundary bounding every point of the cell by d + half its diagonal.
// Stops as soon as a centre lies r inside (no sliver) or no cell can reach r any more (a sliver,
// with a bound on its radius at most `tolerance` above the true one). A cell that still could reach r once smaller than `doubt`
// counts as reaching it. Plain scans of the segments: predictions' polygons are small.
class InscribedCircle {
public:
    explicit InscribedCircle(const std::vector<RingsCm>& cover) {
        for (const auto& poly : cover)
            for (const auto& ring : poly)
                for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
                    if (ring[i] == ring[i + 1]) continue;
                    const double ax = static_cast<double>(ring[i].x), ay = static_cast<double>(ring[i].y);
                    const double dx = static_cast<double>(ring[i + 1].x) - ax;
                    const double dy = static_cast<double>(ring[i + 1].y) - ay;
                    m_segments.push_back({ax, ay, dx, dy, 1 / (dx * dx + dy * dy)});
                }
    }

    SliverVerdict decide(const Envelope& e, double r, double tolerance, double doubt) const {
        struct Cell {
            double x, y, h, d;
            double reach() const { return d + h * std::numbers::sqrt2; }
            bool operator<(const Cell& o) const { return reach() < o.reach(); }
        };
        const double w = static_cast<double>(e.max_x - e.min_x), hgt = static_cast<double>(e.max_y - e.min_y);
        const double size = std::min(w, hgt);
        if (size <= 0) return {true, 0.0};
        // The centroid first: for most polygons that are no sliver, a circle of radius r fits there.
        double best = signed_distance(centroid());
        if (best >= r) return {false, best};
        std::priority_queue<Cell> cells;
        const auto add = [&](double x, double y, double h) {
            const Cell c{x, y, h, signed_distance(x, y)};
            best = std::max(best, c.d);
            if (c.reach() > best) cells.push(c);
        };
        const double x0 = static_cast<double>(e.min_x), y0 = static_cast<double>(e.min_y);
        for (double x = x0; x < x0 + w; x += size)
            for (double y = y0; y < y0 + hgt; y += size) add(x + size / 2, y + size / 2, size / 2);
        while (!cells.empty()) {
            if (best >= r) return {false, best};
            const Cell c = cells.top();
            cells.pop();
            if (c.reach() <= best) continue;
            if (c.reach() < r && c.reach() - best <= tolerance) return {true, c.reach()};  // no cell reaches further
            if (c.reach() >= r && c.h * std::numbers::sqrt2 < doubt) return {false, std::nullopt};
            const double h = c.h / 2;
            add(c.x - h, c.y - h, h);
            add(c.x + h, c.y - h, h);
            add(c.x - h, c.y + h, h);
            add(c.x + h, c.y + h, h);
        }
        return {best < r, std::max(best, 0.0)};  // every cell explored: the radius is found
    }

private:
    // The centroid of the area the rings enclose (shells counter-clockwise, holes clockwise).
    std::pair<double, double> centroid() const {
        const double x0 = m_segments.front().ax, y0 = m_segments.front().ay;  // for precision
        double a = 0, cx = 0, cy = 0;
        for (const auto& s : m_segments) {
            const double ax = s.ax - x0, ay = s.ay - y0, bx = ax + s.dx, by = ay + s.dy;
            const double cross = ax * by - bx * ay;
            a += cross;
            cx += (ax + bx) * cross;
            cy += (ay + by) * cross;
        }
        return {x0 + cx / (3 * a), y0 + cy / (3 * a)};
    }

    double signed_distance(std::pair<double, double> p) const { return signed_distance(p.first, p.second); }

    // Distance to the boundary, positive inside (an odd number of crossings to the right).
    double signed_distance(double x, double y) const {
        bool inside = false;
        double d2 = std::numeric_limits<double>::infinity();
        for (const auto& s : m_segments) {
            const double ux = x - s.ax, uy = y - s.ay;
            if ((s.ay > y) != (s.ay + s.dy > y) && x < s.dx * uy / s.dy + s.ax) inside = !inside;
            const double t = std::clamp((ux * s.dx + uy * s.dy) * s.inv_length2, 0.0, 1.0);
            const double px = t * s.dx - ux, py = t * s.dy - uy;
            d2 = std::min(d2, px * px + py * py);
        }
        return (inside ? 1 : -1) * std::sqrt(d2);
    }

    struct Segment {
        double ax, ay, dx, dy, inv_length2;  // from (ax, ay) by (dx, dy)
    };
    std::vector<Segment> m_segments;
};

}  // namespace

const GEOSGeometry* geometry(const Frame& frame, const Prepared& p) {
    if (!p.geom && p.has_geometry) p.geom = geo::polygons_cm(frame.ctx, p.parts, frame.origin);
    return p.geom.get();
}

SliverVerdict sliver_test(const Prepared& p, double width_cm) {
    const double r = width_cm / 2;
    if (r <= 0) return {};
    // Why the first test proves "not a sliver". Let ρ be the inradius: every point of the
    // polygon Q is within ρ of the boundary (else a larger circle would fit). Take for each
    // point a nearest boundary point q. If q is inside an edge e, the point lies on e's inward
    // normal at q, within ρ: in the rectangle e × [0, ρ], area |e|·ρ. If q is a vertex v, the
    // point lies in v's normal cone, which points into Q only at a reflex vertex, where it is a
    // sector of angle θ_v (the turning angle at v) and radius ρ, area ρ²θ_v/2. These sets cover
    // Q, so A ≤ ρ·P + ρ²·R/2 with P the perimeter and R the sum of θ_v over reflex vertices
    // (holes included). The right side grows with ρ, so A ≥ r·P + r²·R/2 gives ρ ≥ r.
    double perimeter = 0, reflex = 0;
    std::size_t rings = 0, points = 0;
    bool convex = true;
    for (const auto& poly : p.cover)
        for (const auto& ring : poly) {
            ++rings;
            std::vector<PointCm> pts;  // distinct consecutive points, open
            for (std::size_t i = 0; i + 1 < ring.size(); ++i)
                if (pts.empty() || !(pts.back() == ring[i])) pts.push_back(ring[i]);
            while (pts.size() > 1 && pts.back() == pts.front()) pts.pop_back();
            points += pts.size();
            const std::size_t n = pts.size();
            for (std::size_t i = 0; i < n; ++i) {
                const PointCm& a = pts[(i + n - 1) % n];
                const PointCm& v = pts[i];
                const PointCm& b = pts[(i + 1) % n];
                const double ex = static_cast<double>(v.x - a.x), ey = static_cast<double>(v.y - a.y);
                const double fx = static_cast<double>(b.x - v.x), fy = static_cast<double>(b.y - v.y);
                perimeter += std::hypot(fx, fy);
                const Int128 cross = Int128(v.x - a.x) * (b.y - v.y) - Int128(v.y - a.y) * (b.x - v.x);
                const Int128 dot = Int128(v.x - a.x) * (b.x - v.x) + Int128(v.y - a.y) * (b.y - v.y);
                if (cross < 0 || (cross == 0 && dot < 0)) {  // right turn (or spike): reflex
                    reflex += std::atan2(std::fabs(ex * fy - ey * fx), ex * fx + ey * fy);
                    convex = false;
                }
            }
        }
    const double area = static_cast<double>(area2(p.cover)) / 2;
    if (area >= (r * perimeter + r * r * reflex / 2) * (1 + 1e-12)) return {};
    // Sure slivers: the circle fits in the area, and in the envelope.
    if (area < std::numbers::pi * r * r * (1 - 1e-12)) return {true, std::nullopt};
    if (static_cast<double>(std::min(p.envelope.max_x - p.envelope.min_x, p.envelope.max_y - p.envelope.min_y)) <
        width_cm)
        return {true, std::nullopt};
    if (convex && rings == 1 && points <= 16) {
        if (auto rho = convex_inradius(p.cover.front().front())) return {*rho < r * (1 - 1e-9), *rho};
    }
    // Measured to a tenth of the width when it is a sliver (for the message); the benefit of the
    // doubt within a thousandth.
    return InscribedCircle(p.cover).decide(p.envelope, r, width_cm / 10, width_cm / 1000);
}

}  // namespace tessera::qc::detail
