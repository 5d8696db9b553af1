// Edge matching across the border of two tiles (check_border in qc.hpp).

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "geo/wkb.hpp"
#include "qc/detail_report.hpp"
#include "qc/qc.hpp"

namespace tessera::qc {

using geo::PointCm;

namespace {

// What one tile has on the shared border, as positions along it (centimetres).
struct BorderSide {
    struct Span {
        std::int64_t from, to;
        std::size_t feature;
    };
    std::vector<Span> spans;                                   // edges lying on the border
    std::map<std::int64_t, std::vector<std::size_t>> vertices;  // vertex position -> features
};

// The shared border: the line x = at (vertical) or y = at, from..to along it.
struct SharedLine {
    bool vertical = false;
    std::int64_t at = 0, from = 0, to = 0;
    PointCm point(std::int64_t t) const { return vertical ? PointCm{at, t} : PointCm{t, at}; }
};

std::optional<SharedLine> shared_line(const tiles::Box& a, const tiles::Box& b) {
    auto cm = [](double v) { return std::llround(v * 100); };
    const std::int64_t ax0 = cm(a.min_x), ay0 = cm(a.min_y), ax1 = cm(a.max_x), ay1 = cm(a.max_y);
    const std::int64_t bx0 = cm(b.min_x), by0 = cm(b.min_y), bx1 = cm(b.max_x), by1 = cm(b.max_y);
    SharedLine line;
    if (ax1 == bx0 || ax0 == bx1) {
        line = SharedLine{true, ax1 == bx0 ? ax1 : ax0, std::max(ay0, by0), std::min(ay1, by1)};
    } else if (ay1 == by0 || ay0 == by1) {
        line = SharedLine{false, ay1 == by0 ? ay1 : ay0, std::max(ax0, bx0), std::min(ax1, bx1)};
    } else {
        return std::nullopt;
    }
    if (line.to <= line.from) return std::nullopt;  // a corner, or not neighbours
    return line;
}

BorderSide read_side(const SharedLine& line, const std::vector<Feature>& features) {
    BorderSide side;
    for (std::size_t i = 0; i < features.size(); ++i) {
        auto parts = geo::polygons_from_wkb(features[i].wkb);
        if (!parts) continue;  // unreadable: reported by the tile's own QC
        for (const auto& rings : *parts)
            for (const auto& ring : rings)
                for (std::size_t k = 0; k < ring.size(); ++k) {
                    const PointCm& p = ring[k];
                    const std::int64_t across = line.vertical ? p.x : p.y, along = line.vertical ? p.y : p.x;
                    if (across != line.at) continue;
                    if (along >= line.from && along <= line.to) {
                        auto& owners = side.vertices[along];
                        if (std::find(owners.begin(), owners.end(), i) == owners.end()) owners.push_back(i);
                    }
                    if (k + 1 == ring.size()) continue;
                    const PointCm& q = ring[k + 1];
                    if ((line.vertical ? q.x : q.y) != line.at) continue;
                    const std::int64_t other = line.vertical ? q.y : q.x;
                    const std::int64_t from = std::max(std::min(along, other), line.from);
                    const std::int64_t to = std::min(std::max(along, other), line.to);
                    if (from < to) side.spans.push_back({from, to, i});
                }
    }
    return side;
}

std::vector<std::size_t> covering(const BorderSide& side, std::int64_t from, std::int64_t to) {
    std::vector<std::size_t> out;
    for (const auto& s : side.spans)
        if (s.from <= from && s.to >= to && std::find(out.begin(), out.end(), s.feature) == out.end())
            out.push_back(s.feature);
    return out;
}

// Vertices of `here` with no vertex across, where a feature across covers the point.
void unmatched_vertices(const SharedLine& line, const BorderSide& here, const std::vector<Feature>& here_features,
                        const BorderSide& there, const std::vector<Feature>& there_features, std::string_view label,
                        detail::Reporter& report) {
    for (const auto& [t, owners] : here.vertices) {
        if (there.vertices.count(t)) continue;
        const auto across = covering(there, t, t);
        if (across.empty()) continue;  // nothing across here yet: that tile's own gap
        std::vector<std::int64_t> ids;
        for (auto i : owners) ids.push_back(here_features[i].id);
        for (auto i : across) ids.push_back(there_features[i].id);
        report.edge_vertex(std::move(ids), line.point(t), label);
    }
}

std::string classes(const Feature& f) { return f.code_cs + " / " + f.code_us; }

}  // namespace

std::vector<Issue> check_border(const Rules& rules, const tiles::Box& tile, const tiles::Box& neighbour,
                                const std::vector<Feature>& mine, const std::vector<Feature>& theirs) {
    detail::Reporter report(rules, nullptr);
    const auto line = shared_line(tile, neighbour);
    if (!line) return report.take();
    const BorderSide here = read_side(*line, mine), there = read_side(*line, theirs);
    unmatched_vertices(*line, here, mine, there, theirs, "this tile's", report);
    unmatched_vertices(*line, there, theirs, here, mine, "the neighbouring tile's", report);

    // Classes along the border, stretch by stretch between consecutive span ends of either side.
    std::vector<std::int64_t> cuts;
    for (const auto* side : {&here, &there})
        for (const auto& s : side->spans) {
            cuts.push_back(s.from);
            cuts.push_back(s.to);
        }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    struct Stretch {
        double length = 0, longest = -1;
        std::int64_t middle = 0;
    };
    std::map<std::pair<std::size_t, std::size_t>, Stretch> differing;
    for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
        const auto a = covering(here, cuts[k], cuts[k + 1]);
        const auto b = covering(there, cuts[k], cuts[k + 1]);
        if (a.size() != 1 || b.size() != 1) continue;  // uncovered or overlapping: each tile's own QC
        const Feature& f = mine[a.front()];
        const Feature& g = theirs[b.front()];
        if (f.code_cs == g.code_cs && f.code_us == g.code_us) continue;
        auto& s = differing[{a.front(), b.front()}];
        const double len = static_cast<double>(cuts[k + 1] - cuts[k]);
        s.length += len;
        if (len > s.longest) {
            s.longest = len;
            s.middle = cuts[k] + (cuts[k + 1] - cuts[k]) / 2;
        }
    }
    for (const auto& [pair, s] : differing)
        report.edge_classes(mine[pair.first].id, theirs[pair.second].id, classes(mine[pair.first]),
                            classes(theirs[pair.second]), s.length / 100, line->point(s.middle));
    return report.take();
}

}  // namespace tessera::qc
