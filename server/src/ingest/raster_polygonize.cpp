#include "ingest/raster_polygonize.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

// How it works. Faces are the 4-connected regions of one label plus the patches of "void"
// (nodata; the ring and everything outside the core is one void face). The boundary between
// faces is made of unit pixel edges, linked into chains between fixed points (nodes): corners
// where three or more edges meet, corners on the core's border where a label changes on either
// side of the border, and one corner on every part of the arrangement that floats free of the
// border (its top-left corner, so that it can be located again). Each chain is simplified once;
// those along void keep their pixel outline, so the covered area stays exactly the pixels with
// data and simplification only moves area between neighbours. The simplified arrangement is then
// checked for the three ways simplification can break a partition: segments that cross or touch
// away from a shared vertex, chains leaving a node in another angular order, and a floating
// part ending up in another face. Offending segments are simplified again over their span with
// half their tolerance, down to the pixel outline, until none remain. Every polygon is then
// rebuilt from the chains around its face.

namespace tessera::ingest {

namespace {

using geo::PointCm;

// A pixel corner of the core: x east, y NORTH, (0, 0) the core's south-west corner. With y up,
// "face on the left" means counter-clockwise, the orientation shells must have.
struct Pt {
    std::int32_t x = 0, y = 0;
    friend bool operator==(const Pt&, const Pt&) = default;
};

// Directions counter-clockwise: their order is the angular order of edges around a corner.
enum Dir : int { east = 0, north = 1, west = 2, south = 3 };
constexpr std::array<int, 4> step_x{1, 0, -1, 0};
constexpr std::array<int, 4> step_y{0, 1, 0, -1};
constexpr int opposite(int d) { return (d + 2) & 3; }
// Edges at a corner, from its mask of directions (std::popcount is a library call without -mpopcnt).
constexpr std::array<int, 16> edge_count{0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};

int direction(const Pt& from, const Pt& to) {
    if (to.x != from.x) return to.x > from.x ? east : west;
    return to.y > from.y ? north : south;
}

std::int64_t cross(std::int64_t ax, std::int64_t ay, std::int64_t bx, std::int64_t by) { return ax * by - ay * bx; }

int orientation(const Pt& a, const Pt& b, const Pt& c) {
    const std::int64_t v = cross(b.x - a.x, b.y - a.y, c.x - a.x, c.y - a.y);
    return (v > 0) - (v < 0);
}

// --- Faces ---------------------------------------------------------------------------------

struct Faces {
    int width = 0, height = 0;
    std::vector<std::int32_t> of_pixel;  // the extended grid, ring included, first row north
    std::vector<std::int32_t> label;     // per face
    std::vector<std::uint8_t> is_data;   // per face: a region of a class, not void
    std::vector<std::int64_t> pixels;
    std::vector<double> confidence_sum;
    std::vector<std::int64_t> confidence_count;

    std::size_t index(int x, int y) const {
        return static_cast<std::size_t>(height - y) * static_cast<std::size_t>(width + 2) +
               static_cast<std::size_t>(x + 1);
    }
    // The face of the pixel whose south-west corner is (x, y); x in [-1, width], y in [-1, height].
    std::int32_t at(int x, int y) const { return of_pixel[index(x, y)]; }
};

// Gives `id` to the 4-connected pixels of `seed`'s label around it. The ring is labelled before
// any flood, so the walk never leaves the extended grid.
void flood(const LabelWindow& w, std::vector<std::int32_t>& face, std::size_t seed, std::int32_t id,
           std::vector<std::size_t>& stack) {
    const std::int32_t key = w.labels[seed];
    const std::size_t row = static_cast<std::size_t>(w.width) + 2;
    auto visit = [&](std::size_t n) {
        if (face[n] < 0 && w.labels[n] == key) {
            face[n] = id;
            stack.push_back(n);
        }
    };
    face[seed] = id;
    stack.push_back(seed);
    while (!stack.empty()) {
        const std::size_t e = stack.back();
        stack.pop_back();
        visit(e - 1);
        visit(e + 1);
        visit(e - row);
        visit(e + row);
    }
}

Faces label_faces(const LabelWindow& w) {
    Faces f;
    f.width = w.width;
    f.height = w.height;
    const std::size_t row = static_cast<std::size_t>(w.width) + 2, rows = static_cast<std::size_t>(w.height) + 2;
    f.of_pixel.assign(row * rows, -1);
    for (std::size_t c = 0; c < row; ++c) f.of_pixel[c] = f.of_pixel[(rows - 1) * row + c] = 0;
    for (std::size_t r = 1; r + 1 < rows; ++r) f.of_pixel[r * row] = f.of_pixel[r * row + row - 1] = 0;
    f.label.push_back(w.nodata);
    f.is_data.push_back(0);

    std::vector<std::size_t> stack;
    auto core = [&](int r, int c) { return static_cast<std::size_t>(r + 1) * row + static_cast<std::size_t>(c + 1); };
    // Nodata reaching the core's border is outside: it joins the ring's face.
    auto join_outside = [&](std::size_t e) {
        if (f.of_pixel[e] < 0 && w.labels[e] == w.nodata) flood(w, f.of_pixel, e, 0, stack);
    };
    for (int c = 0; c < w.width; ++c) {
        join_outside(core(0, c));
        join_outside(core(w.height - 1, c));
    }
    for (int r = 0; r < w.height; ++r) {
        join_outside(core(r, 0));
        join_outside(core(r, w.width - 1));
    }
    for (int r = 0; r < w.height; ++r)
        for (int c = 0; c < w.width; ++c) {
            const std::size_t e = core(r, c);
            if (f.of_pixel[e] >= 0) continue;
            const auto id = static_cast<std::int32_t>(f.label.size());
            f.label.push_back(w.labels[e]);
            f.is_data.push_back(w.labels[e] != w.nodata ? 1 : 0);
            flood(w, f.of_pixel, e, id, stack);
        }

    f.pixels.assign(f.label.size(), 0);
    f.confidence_sum.assign(f.label.size(), 0.0);
    f.confidence_count.assign(f.label.size(), 0);
    const bool with_confidence = !w.confidence.empty();
    for (int r = 0; r < w.height; ++r)
        for (int c = 0; c < w.width; ++c) {
            const std::int32_t id = f.of_pixel[core(r, c)];
            ++f.pixels[id];
            if (!with_confidence) continue;
            const float v = w.confidence[static_cast<std::size_t>(r) * static_cast<std::size_t>(w.width) + c];
            if (std::isnan(v)) continue;
            f.confidence_sum[id] += v;
            ++f.confidence_count[id];
        }
    return f;
}

// --- The boundary arrangement ----------------------------------------------------------------

// One end of a chain at a node.
struct End {
    std::int32_t chain = -1;
    bool at_start = false;
};

struct Node {
    Pt at;
    std::array<End, 4> ends;  // by the direction in which the chain leaves the node
    unsigned mask = 0;        // directions with an edge
    bool border = false;
    // Where four edges meet, which arcs a face's boundary takes: around the north-east and the
    // south-west pixels (the faces on the other diagonal pass through the corner), or around the
    // north-west and the south-east ones. A face on both pixels of a diagonal must pass through,
    // so that its rings touch at the corner instead of one ring crossing itself.
    bool arcs_ne_sw = true;

    // The direction a boundary arriving along `d` leaves by, when its face is on both diagonals' sides.
    int partner(int d) const {
        static constexpr std::array<int, 4> ne_sw{north, east, south, west};
        static constexpr std::array<int, 4> nw_se{south, west, north, east};
        return arcs_ne_sw ? ne_sw[d] : nw_se[d];
    }
};

struct Chain {
    std::int32_t first = 0, last = 0;             // its pixel-outline points: Arrangement::points[first..last]
    std::int32_t left = 0, right = 0;             // faces, seen going from first to last
    std::int32_t start_node = -1, end_node = -1;  // -1: a ring with no node on it
    int start_dir = 0, end_dir = 0;               // directions from its nodes into the chain
    std::int32_t component = 0;                   // connected part of the arrangement
};

struct Arrangement {
    std::vector<Node> nodes;
    std::vector<Chain> chains;
    std::vector<Pt> points;  // turning points of the chains (ends repeated per chain)
};

class Tracer {
public:
    Tracer(const LabelWindow& w, const Faces& f, Arrangement& a)
        : m_w(w),
          m_f(f),
          m_a(a),
          m_flags(static_cast<std::size_t>(w.width + 1) * static_cast<std::size_t>(w.height + 1), 0) {}

    void run() {
        find_nodes();
        for (std::size_t n = 0; n < m_a.nodes.size(); ++n)
            for (int d = 0; d < 4; ++d)
                if ((m_a.nodes[n].mask >> d & 1u) && m_a.nodes[n].ends[d].chain < 0)
                    trace(m_a.nodes[n].at, d, static_cast<std::int32_t>(n));
        // What is left are rings with no node. Scanning from the north-west, the first edge of
        // each starts at its top-left corner: the point that locates the ring later.
        for (int y = m_w.height; y >= 0; --y)
            for (int x = 0; x < m_w.width; ++x)
                if (!(m_flags[corner(x, y)] & east_traced) && m_f.at(x, y) != m_f.at(x, y - 1)) trace({x, y}, east, -1);
    }

private:
    static constexpr std::uint8_t is_node = 1, east_traced = 2;

    std::size_t corner(int x, int y) const {
        return static_cast<std::size_t>(y) * static_cast<std::size_t>(m_w.width + 1) + static_cast<std::size_t>(x);
    }

    unsigned mask_at(int x, int y) const {
        const std::int32_t ne = m_f.at(x, y), nw = m_f.at(x - 1, y), sw = m_f.at(x - 1, y - 1), se = m_f.at(x, y - 1);
        return unsigned{ne != se} << east | unsigned{nw != ne} << north | unsigned{nw != sw} << west |
               unsigned{sw != se} << south;
    }

    // On the border, a corner is fixed where the label changes along the border on the core's
    // side or on the ring's: both windows sharing the border see the same pixels there.
    bool fixed_on_border(int x, int y, const std::int32_t* up, const std::int32_t* down) const {
        const bool vertical_border = x == 0 || x == m_w.width, horizontal_border = y == 0 || y == m_w.height;
        if (vertical_border && horizontal_border) return true;
        if (horizontal_border) return up[x] != up[x + 1] || down[x] != down[x + 1];
        return up[x] != down[x] || up[x + 1] != down[x + 1];
    }

    void find_nodes() {
        const std::size_t row = static_cast<std::size_t>(m_w.width) + 2;
        for (int y = m_w.height; y >= 0; --y) {
            const std::size_t up_row = static_cast<std::size_t>(m_w.height - y) * row;
            const std::int32_t* up = m_f.of_pixel.data() + up_row;
            const std::int32_t* down = up + row;
            const std::int32_t* labels = m_w.labels.data() + up_row;
            for (int x = 0; x <= m_w.width; ++x) {
                const std::int32_t nw = up[x], ne = up[x + 1], sw = down[x], se = down[x + 1];
                const unsigned mask = unsigned{ne != se} << east | unsigned{nw != ne} << north |
                                      unsigned{nw != sw} << west | unsigned{sw != se} << south;
                if (!mask) continue;
                const bool border = x == 0 || x == m_w.width || y == 0 || y == m_w.height;
                if (edge_count[mask] < 3 && !(border && fixed_on_border(x, y, labels, labels + row))) continue;
                Node n;
                n.at = {x, y};
                n.mask = mask;
                n.border = border;
                n.arcs_ne_sw = ne != sw;
                m_flags[corner(x, y)] |= is_node;
                m_node_keys.push_back(corner(x, y));
                m_a.nodes.push_back(n);
            }
        }
        // Found from the north row down, while corner indices grow northwards: sorted for lookups.
        m_node_ids.resize(m_node_keys.size());
        std::iota(m_node_ids.begin(), m_node_ids.end(), 0);
        std::sort(m_node_ids.begin(), m_node_ids.end(),
                  [&](std::int32_t a, std::int32_t b) { return m_node_keys[a] < m_node_keys[b]; });
        std::sort(m_node_keys.begin(), m_node_keys.end());
    }

    std::int32_t node_at(const Pt& p) const {
        const auto it = std::lower_bound(m_node_keys.begin(), m_node_keys.end(), corner(p.x, p.y));
        return m_node_ids[static_cast<std::size_t>(it - m_node_keys.begin())];
    }

    std::pair<std::int32_t, std::int32_t> faces_beside(const Pt& p, int d) const {
        switch (d) {
            case east:
                return {m_f.at(p.x, p.y), m_f.at(p.x, p.y - 1)};
            case north:
                return {m_f.at(p.x - 1, p.y), m_f.at(p.x, p.y)};
            case west:
                return {m_f.at(p.x - 1, p.y - 1), m_f.at(p.x - 1, p.y)};
            default:
                return {m_f.at(p.x, p.y - 1), m_f.at(p.x - 1, p.y - 1)};
        }
    }

    // Follows the boundary from `start` along `dir` to the next node (or back to `start`),
    // keeping the corners where it turns.
    void trace(Pt start, int dir, std::int32_t start_node) {
        Chain c;
        c.first = static_cast<std::int32_t>(m_a.points.size());
        c.start_node = start_node;
        c.start_dir = dir;
        std::tie(c.left, c.right) = faces_beside(start, dir);
        m_a.points.push_back(start);
        Pt p = start;
        int d = dir;
        for (;;) {
            if (d == east) m_flags[corner(p.x, p.y)] |= east_traced;
            if (d == west) m_flags[corner(p.x - 1, p.y)] |= east_traced;
            p.x += step_x[d];
            p.y += step_y[d];
            if ((m_flags[corner(p.x, p.y)] & is_node) || p == start) {
                m_a.points.push_back(p);
                c.end_node = start_node < 0 ? -1 : node_at(p);
                c.end_dir = opposite(d);
                break;
            }
            const int next = std::countr_zero(mask_at(p.x, p.y) & ~(1u << opposite(d)));
            if (next != d) m_a.points.push_back(p);
            d = next;
        }
        c.last = static_cast<std::int32_t>(m_a.points.size()) - 1;
        const auto id = static_cast<std::int32_t>(m_a.chains.size());
        m_a.chains.push_back(c);
        if (start_node >= 0) m_a.nodes[start_node].ends[dir] = {id, true};
        if (c.end_node >= 0) m_a.nodes[c.end_node].ends[c.end_dir] = {id, false};
    }

    const LabelWindow& m_w;
    const Faces& m_f;
    Arrangement& m_a;
    std::vector<std::uint8_t> m_flags;     // per corner
    std::vector<std::size_t> m_node_keys;  // corner index of each node, sorted
    std::vector<std::int32_t> m_node_ids;  // node id of each key
};

// --- Floating parts --------------------------------------------------------------------------

// A connected part of the arrangement that does not reach the border, located by its top-left
// corner (kept as a node, so simplification never moves it) and the face that surrounds it.
struct Island {
    Pt anchor;
    std::int32_t component = 0;
    std::int32_t face = 0;
};

std::int32_t find_root(std::vector<std::int32_t>& parent, std::int32_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
}

// Cuts `c` at its point `k` with a new node: the top-left corner of a floating part.
void split_chain(Arrangement& a, std::int32_t c, std::int32_t k) {
    Chain tail = a.chains[c];
    Chain& head = a.chains[c];
    const auto node = static_cast<std::int32_t>(a.nodes.size());
    const auto tail_id = static_cast<std::int32_t>(a.chains.size());
    tail.first = k;
    tail.start_node = node;
    tail.start_dir = direction(a.points[k], a.points[k + 1]);
    head.last = k;
    head.end_node = node;
    head.end_dir = direction(a.points[k], a.points[k - 1]);
    Node n;
    n.at = a.points[k];
    n.mask = 1u << head.end_dir | 1u << tail.start_dir;
    n.ends[head.end_dir] = {c, false};
    n.ends[tail.start_dir] = {tail_id, true};
    a.nodes.push_back(n);
    a.nodes[tail.end_node].ends[tail.end_dir] = {tail_id, false};
    a.chains.push_back(tail);
}

std::vector<Island> anchor_islands(Arrangement& a, const Faces& f) {
    const auto node_count = static_cast<std::int32_t>(a.nodes.size());
    std::vector<std::int32_t> parent(a.nodes.size());
    std::iota(parent.begin(), parent.end(), 0);
    for (const Chain& c : a.chains)
        if (c.start_node >= 0) parent[find_root(parent, c.start_node)] = find_root(parent, c.end_node);
    std::vector<std::uint8_t> touches_border(a.nodes.size(), 0);
    for (std::int32_t n = 0; n < node_count; ++n)
        if (a.nodes[n].border) touches_border[find_root(parent, n)] = 1;

    std::vector<Island> islands;
    // The top-left point of each floating part with nodes: (chain, point index), per root node.
    std::vector<std::pair<std::int32_t, std::int32_t>> top_left(a.nodes.size(), {-1, -1});
    auto above_left = [&](const Pt& p, const Pt& q) { return p.y > q.y || (p.y == q.y && p.x < q.x); };
    const auto chain_count = static_cast<std::int32_t>(a.chains.size());
    for (std::int32_t c = 0; c < chain_count; ++c) {
        Chain& chain = a.chains[c];
        if (chain.start_node < 0) {
            chain.component = node_count + c;
            islands.push_back({a.points[chain.first], chain.component, 0});
            continue;
        }
        chain.component = find_root(parent, chain.start_node);
        if (touches_border[chain.component]) continue;
        auto& best = top_left[chain.component];
        for (std::int32_t k = chain.first + 1; k < chain.last; ++k)
            if (best.first < 0 || above_left(a.points[k], a.points[best.second])) best = {c, k};
    }
    for (std::int32_t root = 0; root < node_count; ++root) {
        const auto [c, k] = top_left[root];
        if (c < 0) continue;
        islands.push_back({a.points[k], root, 0});
        split_chain(a, c, k);
    }
    // The pixel north-east of the top-left corner lies just outside the part.
    for (Island& i : islands) i.face = f.at(i.anchor.x, i.anchor.y);
    return islands;
}

// The chains along each face, CSR.
struct FaceChains {
    std::vector<std::int32_t> start, items;

    FaceChains(const Arrangement& a, std::size_t faces) : start(faces + 1, 0) {
        for (const Chain& c : a.chains) {
            ++start[c.left + 1];
            ++start[c.right + 1];
        }
        std::partial_sum(start.begin(), start.end(), start.begin());
        items.resize(static_cast<std::size_t>(start.back()));
        std::vector<std::int32_t> fill(start.begin(), start.end() - 1);
        for (std::size_t c = 0; c < a.chains.size(); ++c) {
            items[fill[a.chains[c].left]++] = static_cast<std::int32_t>(c);
            items[fill[a.chains[c].right]++] = static_cast<std::int32_t>(c);
        }
    }
    std::span<const std::int32_t> of(std::int32_t face) const {
        return {items.data() + start[face], items.data() + start[face + 1]};
    }
};

// --- Simplification --------------------------------------------------------------------------

double distance2_to_segment(const Pt& p, const Pt& a, const Pt& b) {
    const double abx = b.x - a.x, aby = b.y - a.y, apx = p.x - a.x, apy = p.y - a.y;
    const double len2 = abx * abx + aby * aby;
    const double t = len2 > 0 ? std::clamp((apx * abx + apy * aby) / len2, 0.0, 1.0) : 0.0;
    const double dx = apx - t * abx, dy = apy - t * aby;
    return dx * dx + dy * dy;
}

// Each chain's current simplification: Douglas–Peucker over its pixel-outline points, every
// segment remembering the level it was made at. A segment found at fault is simplified again
// over its own span with half its tolerance, down to the pixel outline at the last level, so the
// rest of the chain keeps its simplification. Chains along void keep their outline: the
// covered area stays exactly the pixels with data.
class Simplifier {
public:
    Simplifier(const Arrangement& a, const Faces& f, double tolerance_px)
        : m_a(a),
          m_tolerance(tolerance_px),
          m_begin(a.chains.size()),
          m_end(a.chains.size()),
          m_chain_marked(a.chains.size(), 0) {
        // Below a quarter of a pixel the outline is as good as simplified.
        for (double t = tolerance_px; t >= 0.25 && m_outline_level < 30; t /= 2) ++m_outline_level;
        for (std::size_t c = 0; c < a.chains.size(); ++c) {
            const Chain& chain = a.chains[c];
            m_begin[c] = m_points.size();
            if (!f.is_data[chain.left] || !f.is_data[chain.right] || !simplify(chain)) {
                truncate(m_begin[c]);
                for (std::int32_t k = chain.first; k <= chain.last; ++k) append(k, m_outline_level);
            }
            m_end[c] = m_points.size();
        }
        m_marked_segment.assign(m_points.size(), 0);
    }

    bool outlines_only() const { return m_outline_level == 0; }

    std::span<const Pt> points(std::int32_t c) const {
        return {m_points.data() + m_begin[c], m_points.data() + m_end[c]};
    }
    std::size_t point_count() const {
        std::size_t n = 0;
        for (std::size_t c = 0; c < m_begin.size(); ++c) n += m_end[c] - m_begin[c];
        return n;
    }

    // Marks the segment from the k-th point of chain `c` for refinement.
    void mark(std::int32_t c, std::size_t k) {
        m_marked_segment[m_begin[c] + k] = 1;
        if (!m_chain_marked[c]) m_marked.push_back(c);
        m_chain_marked[c] = 1;
    }
    // Marks the segment of `c` spanning the outline segment from Arrangement::points[source].
    void mark_source(std::int32_t c, std::int32_t source) {
        const auto begin = m_source.begin() + static_cast<std::ptrdiff_t>(m_begin[c]);
        const auto it = std::upper_bound(begin, m_source.begin() + static_cast<std::ptrdiff_t>(m_end[c]), source);
        mark(c, static_cast<std::size_t>(it - begin) - 1);
    }
    std::size_t marked_chains() const { return m_marked.size(); }

    // Re-simplifies the marked segments one level finer and clears the marks; the chains that
    // changed go to `changed` (none: every marked segment already followed its pixel outline).
    void refine_marked(std::vector<std::int32_t>& changed) {
        changed.clear();
        for (const std::int32_t c : m_marked) {
            m_chain_marked[c] = 0;
            const std::size_t begin = m_points.size();
            bool finer = false;
            for (std::size_t k = m_begin[c]; k + 1 < m_end[c]; ++k) {
                const std::int32_t from = m_source[k], to = m_source[k + 1];
                if (!m_marked_segment[k] || m_level[k] >= m_outline_level) {
                    append(from, m_level[k]);
                    continue;
                }
                finer = true;
                const int level = m_level[k] + 1;
                append(from, level);
                if (level >= m_outline_level)
                    for (std::int32_t i = from + 1; i < to; ++i) append(i, level);
                else
                    keep_between(from, to, level);
            }
            append(m_source[m_end[c] - 1], 0);
            if (!finer) {
                truncate(begin);
                continue;
            }
            m_begin[c] = begin;
            m_end[c] = m_points.size();
            changed.push_back(c);
        }
        m_marked.clear();
        m_marked_segment.assign(m_points.size(), 0);
    }

private:
    void append(std::int32_t source, int level) {
        m_points.push_back(m_a.points[source]);
        m_source.push_back(source);
        m_level.push_back(static_cast<std::uint8_t>(level));
    }

    void truncate(std::size_t size) {
        m_points.resize(size);
        m_source.resize(size);
        m_level.resize(size);
    }

    double tolerance2(int level) const {
        const double t = m_tolerance / std::ldexp(1.0, level);
        return t * t;
    }

    // The first simplification; false when a closed chain would not keep three points: a ring
    // must keep an area, so it keeps its outline.
    bool simplify(const Chain& chain) {
        const std::int32_t first = chain.first, last = chain.last;
        const std::size_t begin = m_points.size();
        if (m_outline_level == 0 || last - first < 2) return false;
        append(first, 0);
        const Pt* p = m_a.points.data();
        if (p[first] == p[last]) {
            // The ends coincide: split at the point farthest from them first.
            std::int32_t far = first + 1;
            double far2 = -1;
            for (std::int32_t k = first + 1; k < last; ++k)
                if (const double d2 = distance2_to_segment(p[k], p[first], p[first]); d2 > far2) {
                    far2 = d2;
                    far = k;
                }
            keep_between(first, far, 0);
            append(far, 0);
            keep_between(far, last, 0);
            append(last, 0);
            return m_points.size() - begin >= 4;
        }
        keep_between(first, last, 0);
        append(last, 0);
        return true;
    }

    // Appends, in order, the points strictly between `from` and `to` that Douglas–Peucker keeps
    // at `level`.
    void keep_between(std::int32_t from, std::int32_t to, int level) {
        const double limit = tolerance2(level);
        const Pt* p = m_a.points.data();
        m_keep.assign(static_cast<std::size_t>(to - from + 1), 0);
        m_stack.clear();
        m_stack.push_back({from, to});
        while (!m_stack.empty()) {
            const auto [i, j] = m_stack.back();
            m_stack.pop_back();
            std::int32_t far = -1;
            double far2 = limit;
            for (std::int32_t k = i + 1; k < j; ++k)
                if (const double d2 = distance2_to_segment(p[k], p[i], p[j]); d2 > far2) {
                    far2 = d2;
                    far = k;
                }
            if (far < 0) continue;
            m_keep[far - from] = 1;
            m_stack.push_back({i, far});
            m_stack.push_back({far, j});
        }
        for (std::int32_t k = from + 1; k < to; ++k)
            if (m_keep[k - from]) append(k, level);
    }

    const Arrangement& m_a;
    double m_tolerance;
    int m_outline_level = 0;
    // The current simplification of chain c is [m_begin[c], m_end[c]) of these parallel arrays;
    // superseded ones stay behind.
    std::vector<Pt> m_points;
    std::vector<std::int32_t> m_source;  // index of the point in Arrangement::points
    std::vector<std::uint8_t> m_level;   // level of the segment starting at the point
    std::vector<std::uint8_t> m_marked_segment;
    std::vector<std::size_t> m_begin, m_end;
    std::vector<std::uint8_t> m_chain_marked;
    std::vector<std::int32_t> m_marked;
    std::vector<std::uint8_t> m_keep;
    std::vector<std::pair<std::int32_t, std::int32_t>> m_stack;
};

// --- Checking the simplified arrangement ----------------------------------------------------

struct Segment {
    Pt a, b;  // in the chain's direction
    std::int32_t chain = 0;
    std::int32_t k = 0;  // from the chain's k-th point
};

// Two segments leaving the same point `o` towards `u` and `v` meet elsewhere only when they
// overlap.
bool overlap_from(const Pt& o, const Pt& u, const Pt& v) {
    const std::int64_t ux = u.x - o.x, uy = u.y - o.y, vx = v.x - o.x, vy = v.y - o.y;
    return cross(ux, uy, vx, vy) == 0 && ux * vx + uy * vy > 0;
}

// Whether two segments of the simplified arrangement meet anywhere but at a shared end point.
// Two chains can only share a point that is a node of both, or a chain's consecutive segments
// their common point: any other contact tears the partition.
bool conflict(const Segment& s, const Segment& t) {
    if (s.a == t.a) return overlap_from(s.a, s.b, t.b);
    if (s.a == t.b) return overlap_from(s.a, s.b, t.a);
    if (s.b == t.a) return overlap_from(s.b, s.a, t.b);
    if (s.b == t.b) return overlap_from(s.b, s.a, t.a);
    const int o1 = orientation(s.a, s.b, t.a), o2 = orientation(s.a, s.b, t.b);
    const int o3 = orientation(t.a, t.b, s.a), o4 = orientation(t.a, t.b, s.b);
    if (o1 * o2 < 0 && o3 * o4 < 0) return true;
    auto within = [](const Pt& p, const Pt& q, const Pt& r) {  // r on segment pq, knowing they are collinear
        return std::min(p.x, q.x) <= r.x && r.x <= std::max(p.x, q.x) && std::min(p.y, q.y) <= r.y &&
               r.y <= std::max(p.y, q.y);
    };
    return (o1 == 0 && within(s.a, s.b, t.a)) || (o2 == 0 && within(s.a, s.b, t.b)) ||
           (o3 == 0 && within(t.a, t.b, s.a)) || (o4 == 0 && within(t.a, t.b, s.b));
}

// Where a segment crosses the vertical line x0 + ε: y = num / den + ε · slope_num / den.
struct Crossing {
    std::int64_t num = 0, den = 1, slope_num = 0;
    bool below(const Crossing& o) const {
        const std::int64_t l = num * o.den, r = o.num * den;
        return l != r ? l < r : slope_num * o.den < o.slope_num * den;
    }
};

// The simplified segments, indexed by a uniform grid of square cells.
class SegmentGrid {
public:
    SegmentGrid(int width, int height) : m_width(width), m_height(height) {}

    void build(const Simplifier& s, std::size_t chains) {
        m_segments.clear();
        for (std::size_t c = 0; c < chains; ++c) {
            const auto pts = s.points(static_cast<std::int32_t>(c));
            for (std::size_t i = 0; i + 1 < pts.size(); ++i)
                m_segments.push_back({pts[i], pts[i + 1], static_cast<std::int32_t>(c), static_cast<std::int32_t>(i)});
        }
        // About one segment per cell.
        const double side = std::sqrt(double(m_width) * m_height / double(std::max<std::size_t>(m_segments.size(), 1)));
        m_cell = std::clamp(static_cast<int>(side), 4, std::max(4, std::max(m_width, m_height)));
        m_cols = m_width / m_cell + 1;
        m_rows = m_height / m_cell + 1;
        m_start.assign(static_cast<std::size_t>(m_cols) * m_rows + 1, 0);
        for (const Segment& seg : m_segments) for_cells(seg, [&](std::size_t cell) { ++m_start[cell + 1]; });
        std::partial_sum(m_start.begin(), m_start.end(), m_start.begin());
        m_items.resize(static_cast<std::size_t>(m_start.back()));
        std::vector<std::int32_t> fill(m_start.begin(), m_start.end() - 1);
        for (std::size_t i = 0; i < m_segments.size(); ++i)
            for_cells(m_segments[i], [&](std::size_t cell) { m_items[fill[cell]++] = static_cast<std::int32_t>(i); });
    }

    // Marks conflicting segments, looking only at pairs with a segment of a `dirty` chain.
    void mark_conflicts(const std::vector<std::uint8_t>& dirty, Simplifier& simplifier) const {
        for (std::size_t cell = 0; cell + 1 < m_start.size(); ++cell)
            for (std::int32_t i = m_start[cell]; i < m_start[cell + 1]; ++i) {
                const Segment& s = m_segments[m_items[i]];
                for (std::int32_t j = i + 1; j < m_start[cell + 1]; ++j) {
                    const Segment& t = m_segments[m_items[j]];
                    if ((dirty[s.chain] || dirty[t.chain]) && conflict(s, t)) {
                        simplifier.mark(s.chain, static_cast<std::size_t>(s.k));
                        simplifier.mark(t.chain, static_cast<std::size_t>(t.k));
                    }
                }
            }
    }

    // Calls f(segment, crossing) for every segment crossing the line x = from.x + ε above `from`.
    template <class F>
    void for_crossings_above(const Pt& from, F&& f) const {
        const int cx = std::min(from.x / m_cell, m_cols - 1);
        for (int cy = std::min(from.y / m_cell, m_rows - 1); cy < m_rows; ++cy) {
            const std::size_t cell = static_cast<std::size_t>(cy) * m_cols + cx;
            for (std::int32_t i = m_start[cell]; i < m_start[cell + 1]; ++i) {
                const Segment& s = m_segments[m_items[i]];
                const Pt& l = s.a.x < s.b.x ? s.a : s.b;
                const Pt& r = s.a.x < s.b.x ? s.b : s.a;
                if (!(l.x <= from.x && from.x < r.x)) continue;
                const Crossing c{std::int64_t{l.y} * (r.x - l.x) + std::int64_t{from.x - l.x} * (r.y - l.y), r.x - l.x,
                                 r.y - l.y};
                if (c.num > std::int64_t{from.y} * c.den) f(s, c);
            }
        }
    }

private:
    // Every cell the segment passes through (a little more near cell sides).
    template <class F>
    void for_cells(const Segment& s, F&& f) const {
        const int x0 = std::min(s.a.x, s.b.x), x1 = std::max(s.a.x, s.b.x);
        const int last_col = std::min(x1 / m_cell, m_cols - 1);
        for (int cx = std::min(x0 / m_cell, m_cols - 1); cx <= last_col; ++cx) {
            double y_lo = std::min(s.a.y, s.b.y), y_hi = std::max(s.a.y, s.b.y);
            if (s.a.x != s.b.x) {
                const double slope = double(s.b.y - s.a.y) / double(s.b.x - s.a.x);
                const double xa = std::max(x0, cx * m_cell), xb = std::min(x1, (cx + 1) * m_cell);
                const double ya = s.a.y + (xa - s.a.x) * slope, yb = s.a.y + (xb - s.a.x) * slope;
                y_lo = std::min(ya, yb);
                y_hi = std::max(ya, yb);
            }
            const int r0 = std::clamp(static_cast<int>(std::floor((y_lo - 1e-6) / m_cell)), 0, m_rows - 1);
            const int r1 = std::clamp(static_cast<int>(std::floor((y_hi + 1e-6) / m_cell)), 0, m_rows - 1);
            for (int cy = r0; cy <= r1; ++cy) f(static_cast<std::size_t>(cy) * m_cols + cx);
        }
    }

    int m_width, m_height;
    int m_cell = 4, m_cols = 1, m_rows = 1;
    std::vector<Segment> m_segments;
    std::vector<std::int32_t> m_start, m_items;
};

bool angle_less(std::int64_t ux, std::int64_t uy, std::int64_t vx, std::int64_t vy) {
    const bool lower_u = uy < 0 || (uy == 0 && ux < 0), lower_v = vy < 0 || (vy == 0 && vx < 0);
    if (lower_u != lower_v) return lower_v;
    return cross(ux, uy, vx, vy) > 0;
}

// Marks the first segments around nodes where the simplified chains leave in another angular
// order than the pixel edges did: faces would be swapped without any segments crossing.
void mark_turns(const Arrangement& a, Simplifier& s, const std::vector<std::uint8_t>& dirty) {
    for (const Node& n : a.nodes) {
        if (edge_count[n.mask] < 3) continue;
        std::array<std::pair<std::int64_t, std::int64_t>, 4> out;
        std::size_t k = 0;
        bool touched = false;
        for (const End& e : n.ends) {
            if (e.chain < 0) continue;
            touched = touched || dirty[e.chain];
            const auto pts = s.points(e.chain);
            const Pt& next = e.at_start ? pts[1] : pts[pts.size() - 2];
            out[k++] = {next.x - n.at.x, next.y - n.at.y};
        }
        if (!touched) continue;
        int wraps = 0;
        for (std::size_t i = 0; i < k; ++i) {
            const auto& u = out[i];
            const auto& v = out[(i + 1) % k];
            if (!angle_less(u.first, u.second, v.first, v.second)) ++wraps;
        }
        if (wraps == 1) continue;
        for (const End& e : n.ends)
            if (e.chain >= 0) s.mark(e.chain, e.at_start ? 0 : s.points(e.chain).size() - 2);
    }
}

// The chain holding the horizontal unit edge from (x, y) to (x + 1, y) in its pixel outline,
// and the index in Arrangement::points of the outline segment holding it; {-1, -1}: none.
std::pair<std::int32_t, std::int32_t> outline_edge(const Arrangement& a, const FaceChains& fc, std::int32_t face, int x,
                                                   int y) {
    for (const std::int32_t c : fc.of(face))
        for (std::int32_t k = a.chains[c].first; k < a.chains[c].last; ++k) {
            const Pt& p = a.points[k];
            const Pt& q = a.points[k + 1];
            if (p.y == y && q.y == y && std::min(p.x, q.x) <= x && x + 1 <= std::max(p.x, q.x)) return {c, k};
        }
    return {-1, -1};
}

// Marks segments for floating parts that left the face around them: casting a ray north from
// the part's top-left corner, the first segment met must show that face on its south side.
// Marked: the segment met first, the one holding the pixel edge met first in the pixel
// arrangement and every segment crossing the ray before that edge, so that refining them all
// ends up with the pixel arrangement along the ray.
void mark_misplaced(const Arrangement& a, const Faces& f, const FaceChains& fc, const std::vector<Island>& islands,
                    const SegmentGrid& grid, Simplifier& s) {
    for (const Island& island : islands) {
        const Segment* first = nullptr;
        Crossing at;
        grid.for_crossings_above(island.anchor, [&](const Segment& seg, const Crossing& c) {
            if (a.chains[seg.chain].component == island.component || (first && !c.below(at))) return;
            first = &seg;
            at = c;
        });
        std::int32_t seen = 0;  // nothing met: outside
        if (first) seen = first->b.x > first->a.x ? a.chains[first->chain].right : a.chains[first->chain].left;
        if (seen == island.face) continue;

        if (first) s.mark(first->chain, static_cast<std::size_t>(first->k));
        const int x = island.anchor.x;
        int y = island.anchor.y + 1;
        while (y <= f.height && f.at(x, y) == island.face) ++y;
        if (y <= f.height)
            if (const auto [c, k] = outline_edge(a, fc, island.face, x, y); c >= 0) s.mark_source(c, k);
        grid.for_crossings_above(island.anchor, [&](const Segment& seg, const Crossing& c) {
            if (a.chains[seg.chain].component != island.component && c.num <= std::int64_t{y + 1} * c.den)
                s.mark(seg.chain, static_cast<std::size_t>(seg.k));
        });
    }
}

// Refines the simplification until the arrangement is a partition again.
void resolve(const Arrangement& a, const Faces& f, const FaceChains& fc, const std::vector<Island>& islands,
             Simplifier& s, PolygonizeStats& stats) {
    if (s.outlines_only()) return;  // the pixel arrangement is a partition by construction
    std::vector<std::uint8_t> dirty(a.chains.size(), 1);
    std::vector<std::int32_t> changed;
    SegmentGrid grid(f.width, f.height);
    for (;;) {
        grid.build(s, a.chains.size());
        grid.mark_conflicts(dirty, s);
        const std::size_t crossing = s.marked_chains();
        mark_turns(a, s, dirty);
        const std::size_t turning = s.marked_chains() - crossing;
        // Locating floating parts needs a plane arrangement: only once nothing crosses.
        if (crossing + turning == 0) mark_misplaced(a, f, fc, islands, grid, s);
        const std::size_t total = s.marked_chains();
        if (total == 0) return;
        stats.crossing_repairs += crossing;
        stats.turn_repairs += turning;
        stats.island_repairs += total - crossing - turning;
        s.refine_marked(changed);
        // Pixel outlines never conflict: conflicts left between them are a bug.
        if (changed.empty()) throw std::logic_error("polygonize_window: conflicts remain between pixel outlines");
        std::fill(dirty.begin(), dirty.end(), 0);
        for (const std::int32_t c : changed) dirty[c] = 1;
        stats.refined_chains += changed.size();
        ++stats.refinement_rounds;
    }
}

// --- Rebuilding the polygons ----------------------------------------------------------------

class Assembler {
public:
    Assembler(const LabelWindow& w, const Arrangement& a, const Faces& f, const FaceChains& fc, const Simplifier& s)
        : m_w(w), m_a(a), m_f(f), m_fc(fc), m_s(s), m_used(2 * a.chains.size(), 0) {}

    std::vector<RasterPolygon> run() {
        std::vector<RasterPolygon> out;
        for (std::int32_t face = 0; face < static_cast<std::int32_t>(m_f.label.size()); ++face) {
            if (!m_f.is_data[face]) continue;
            RasterPolygon p;
            p.label = m_f.label[face];
            p.pixels = m_f.pixels[face];
            if (m_f.confidence_count[face] > 0)
                p.mean_confidence = m_f.confidence_sum[face] / static_cast<double>(m_f.confidence_count[face]);
            p.rings = rings_of(face);
            out.push_back(std::move(p));
        }
        return out;
    }

private:
    // A use of a chain with `face` on its left: forward if the face is its left face.
    struct Use {
        std::int32_t chain = 0;
        bool reversed = false;
        friend bool operator==(const Use&, const Use&) = default;
    };

    geo::RingsCm rings_of(std::int32_t face) {
        geo::RingsCm rings;
        std::size_t shells = 0;
        for (const std::int32_t c : m_fc.of(face)) {
            const Use first{c, m_a.chains[c].left != face};
            if (m_used[2 * c + first.reversed]) continue;
            const std::int64_t area2 = walk(face, first);
            if (area2 == 0) throw std::logic_error("polygonize_window: a ring without area");
            rings.push_back(to_cm());
            if (area2 > 0) {
                ++shells;
                std::swap(rings.front(), rings.back());
            }
        }
        if (shells != 1) throw std::logic_error("polygonize_window: a region without exactly one shell");
        return rings;
    }

    // Follows the chains around `face` from `first` back to it into m_ring; twice the signed area.
    std::int64_t walk(std::int32_t face, Use first) {
        m_ring.clear();
        Use u = first;
        for (;;) {
            m_used[2 * u.chain + u.reversed] = 1;
            const auto pts = m_s.points(u.chain);
            for (std::size_t i = m_ring.empty() ? 0 : 1; i < pts.size(); ++i)
                m_ring.push_back(u.reversed ? pts[pts.size() - 1 - i] : pts[i]);
            const Chain& c = m_a.chains[u.chain];
            if (c.start_node < 0) break;  // a ring on its own
            const Node& n = m_a.nodes[u.reversed ? c.start_node : c.end_node];
            const int arrived = u.reversed ? c.start_dir : c.end_dir;
            u = next(n, arrived, face);
            if (u == first) break;
            if (m_used[2 * u.chain + u.reversed])
                throw std::logic_error("polygonize_window: rings run into each other");
        }
        std::int64_t area2 = 0;
        for (std::size_t i = 0; i + 1 < m_ring.size(); ++i)
            area2 += cross(m_ring[i].x, m_ring[i].y, m_ring[i + 1].x, m_ring[i + 1].y);
        return area2;
    }

    // The way on from node `n` for a boundary of `face` that arrived along direction `arrived`.
    Use next(const Node& n, int arrived, std::int32_t face) const {
        int found = -1, count = 0;
        for (int d = 0; d < 4; ++d)
            if (d != arrived && leaves_with(n, d, face)) {
                found = d;
                ++count;
            }
        if (count > 1) found = n.partner(arrived);
        if (found < 0 || !leaves_with(n, found, face))
            throw std::logic_error("polygonize_window: a boundary with no way on");
        return {n.ends[found].chain, !n.ends[found].at_start};
    }

    // Whether a chain leaves `n` along `d` with `face` on its left.
    bool leaves_with(const Node& n, int d, std::int32_t face) const {
        const End& e = n.ends[d];
        if (e.chain < 0) return false;
        const Chain& c = m_a.chains[e.chain];
        return (e.at_start ? c.left : c.right) == face;
    }

    std::vector<PointCm> to_cm() const {
        std::vector<PointCm> ring;
        ring.reserve(m_ring.size());
        for (const Pt& p : m_ring)
            ring.push_back({m_w.origin_x_cm + p.x * m_w.pixel_cm, m_w.origin_y_cm - (m_w.height - p.y) * m_w.pixel_cm});
        return ring;
    }

    const LabelWindow& m_w;
    const Arrangement& m_a;
    const Faces& m_f;
    const FaceChains& m_fc;
    const Simplifier& m_s;
    std::vector<std::uint8_t> m_used;  // per use: 2 * chain + reversed
    std::vector<Pt> m_ring;
};

void check_window(const LabelWindow& w) {
    if (w.width <= 0 || w.height <= 0) throw std::invalid_argument("polygonize_window: an empty window");
    const std::size_t cells = static_cast<std::size_t>(w.width + 2) * static_cast<std::size_t>(w.height + 2);
    if (w.labels.size() != cells)
        throw std::invalid_argument("polygonize_window: " + std::to_string(w.labels.size()) + " labels for a " +
                                    std::to_string(w.width) + "×" + std::to_string(w.height) +
                                    " window with its ring (expected " + std::to_string(cells) + ")");
    if (!w.confidence.empty() &&
        w.confidence.size() != static_cast<std::size_t>(w.width) * static_cast<std::size_t>(w.height))
        throw std::invalid_argument("polygonize_window: the confidences do not match the window's core");
    if (w.pixel_cm <= 0) throw std::invalid_argument("polygonize_window: the pixel size must be positive");
    if (w.simplify_cm < 0) throw std::invalid_argument("polygonize_window: a negative simplification tolerance");
}

}  // namespace

std::vector<RasterPolygon> polygonize_window(const LabelWindow& window, PolygonizeStats* stats) {
    check_window(window);
    PolygonizeStats local;
    const Faces faces = label_faces(window);
    Arrangement arrangement;
    Tracer(window, faces, arrangement).run();
    const std::vector<Island> islands = anchor_islands(arrangement, faces);
    const FaceChains face_chains(arrangement, faces.label.size());
    Simplifier simplifier(arrangement, faces,
                          static_cast<double>(window.simplify_cm) / static_cast<double>(window.pixel_cm));
    resolve(arrangement, faces, face_chains, islands, simplifier, local);
    std::vector<RasterPolygon> out = Assembler(window, arrangement, faces, face_chains, simplifier).run();
    if (stats) {
        local.regions = out.size();
        local.junctions = arrangement.nodes.size();
        local.chains = arrangement.chains.size();
        for (const Chain& c : arrangement.chains)
            local.vertices_before += static_cast<std::size_t>(c.last - c.first + 1);
        local.vertices_after = simplifier.point_count();
        *stats = local;
    }
    return out;
}

}  // namespace tessera::ingest
