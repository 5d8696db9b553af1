#include "demo/partition.hpp"

#include <algorithm>
#include <map>
#include <memory>

namespace tessera::demo {

namespace {

bool inside(const tiles::Box& b, XY p) { return p.x > b.min_x && p.x < b.max_x && p.y > b.min_y && p.y < b.max_y; }

}  // namespace

Faces polygonize_lines(const geo::Context& ctx, std::vector<geo::Geom> lines, const tiles::Box& extent) {
    geo::Geom box = ctx.box(extent.min_x, extent.min_y, extent.max_x, extent.max_y);
    append_rings(ctx, box.get(), lines);
    geo::Geom noded = node_lines(ctx, std::move(lines));
    Faces faces;
    for (geo::Geom& face : polygonize(ctx, noded.get())) {
        const double a = ctx.area(face.get());
        if (a <= 0) continue;
        const XY p = point_on_surface(ctx, face.get());
        if (!inside(extent, p)) continue;
        faces.geoms.push_back(std::move(face));
        faces.areas.push_back(a);
        faces.inner.push_back(p);
    }
    return faces;
}

std::vector<std::size_t> absorb_slivers(const geo::Context& ctx, const Faces& faces, std::vector<int>& labels,
                                        double min_area, double min_width, double max_thin_area) {
    const std::size_t n = faces.size();
    std::vector<std::size_t> source(n);
    std::vector<char> pending(n, 0);
    std::vector<std::size_t> todo;
    for (std::size_t i = 0; i < n; ++i) {
        source[i] = i;
        const double a = faces.areas[i];
        bool small = labels[i] < 0 || a < min_area;
        if (!small && a < max_thin_area) small = 2 * a / perimeter(ctx, faces.geoms[i].get()) < min_width;
        if (small) {
            pending[i] = 1;
            todo.push_back(i);
        }
    }
    if (todo.empty()) return source;

    StrTree tree(ctx);
    for (std::size_t i = 0; i < n; ++i) tree.insert(faces.geoms[i].get(), i);

    // Largest first, so a cluster of slivers drains into its big neighbours; repeated while
    // some sliver only touches other unresolved slivers.
    std::stable_sort(todo.begin(), todo.end(), [&](std::size_t a, std::size_t b) { return faces.areas[a] > faces.areas[b]; });
    for (int pass = 0; pass < 4 && !todo.empty(); ++pass) {
        std::vector<std::size_t> again;
        for (std::size_t i : todo) {
            const auto segments = ring_segments(ctx, faces.geoms[i].get());
            double best_len = 0;
            std::size_t best = i;
            for (std::size_t j : tree.query(faces.geoms[i].get())) {
                if (j == i || pending[j]) continue;
                const double len = shared_length(ctx, segments, faces.geoms[j].get());
                if (len > best_len) best_len = len, best = j;
            }
            if (best == i) {
                again.push_back(i);
                continue;
            }
            labels[i] = labels[best];
            source[i] = source[best];
            pending[i] = 0;
        }
        todo = std::move(again);
    }
    // Isolated unlabelled faces cannot happen in a connected polygonization; keep a label anyway.
    for (std::size_t i : todo)
        if (labels[i] < 0) labels[i] = static_cast<int>(LandClass::arable);
    return source;
}

Dissolved dissolve(const geo::Context& ctx, const Faces& faces, const std::vector<int>& labels) {
    std::map<int, std::vector<std::size_t>> groups;
    for (std::size_t i = 0; i < faces.size(); ++i) groups[labels[i]].push_back(i);

    Dissolved out;
    out.face_piece.assign(faces.size(), 0);
    for (const auto& [label, members] : groups) {
        std::vector<geo::Geom> polys;
        polys.reserve(members.size());
        for (std::size_t i : members) polys.push_back(ctx.clone(faces.geoms[i].get()));
        geo::Geom merged = coverage_union(ctx, std::move(polys));
        std::vector<geo::Geom> parts = ctx.polygons(merged.get());
        const std::size_t first = out.pieces.size();
        if (parts.size() == 1) {
            for (std::size_t i : members) out.face_piece[i] = first;
        } else {
            StrTree tree(ctx);
            for (std::size_t k = 0; k < parts.size(); ++k) tree.insert(parts[k].get(), k);
            std::vector<std::unique_ptr<Prepared>> prepared(parts.size());
            for (std::size_t i : members) {
                geo::Geom p = make_point(ctx, faces.inner[i]);
                for (std::size_t k : tree.query(p.get())) {
                    if (!prepared[k]) prepared[k] = std::make_unique<Prepared>(ctx, parts[k].get());
                    if (prepared[k]->covers(p.get())) {
                        out.face_piece[i] = first + k;
                        break;
                    }
                }
            }
        }
        for (geo::Geom& part : parts) out.pieces.push_back(Piece{std::move(part), static_cast<LandClass>(label)});
    }
    return out;
}

Dissolved clean_partition(const geo::Context& ctx, std::vector<Piece> pieces, double min_area, double min_width,
                          double max_thin_area) {
    Faces faces;
    std::vector<int> labels;
    for (Piece& p : pieces) {
        faces.areas.push_back(ctx.area(p.geom.get()));
        faces.inner.push_back(point_on_surface(ctx, p.geom.get()));
        faces.geoms.push_back(std::move(p.geom));
        labels.push_back(static_cast<int>(p.cls));
    }
    absorb_slivers(ctx, faces, labels, min_area, min_width, max_thin_area);
    return dissolve(ctx, faces, labels);
}

TruthBuild build_truth(const geo::Context& ctx, const Territory& territory) {
    const tiles::Box& ext = territory.extent;
    geo::Geom box = ctx.box(ext.min_x, ext.min_y, ext.max_x, ext.max_y);

    // Clip to the extent on the grid first: fewer vertices to node, and big forests that reach
    // far outside cost nothing afterwards.
    std::vector<geo::Geom> clipped;
    std::vector<std::size_t> item_of;
    std::vector<geo::Geom> lines;
    for (std::size_t i = 0; i < territory.items.size(); ++i) {
        const GEOSGeometry* g = territory.items[i].geom.get();
        if (!g || ctx.is_empty(g)) continue;
        const Envelope e = envelope(ctx, g);
        if (e.max_x <= ext.min_x || e.min_x >= ext.max_x || e.max_y <= ext.min_y || e.min_y >= ext.max_y) continue;
        geo::Geom c = ctx.intersection(g, box.get());
        if (ctx.is_empty(c.get()) || ctx.area(c.get()) <= 0) continue;
        append_rings(ctx, c.get(), lines);
        clipped.push_back(std::move(c));
        item_of.push_back(i);
    }

    TruthBuild out;
    out.clipped_items = clipped.size();
    out.faces = polygonize_lines(ctx, std::move(lines), ext);
    const Faces& faces = out.faces;

    StrTree tree(ctx);
    for (std::size_t k = 0; k < clipped.size(); ++k) tree.insert(clipped[k].get(), k);
    std::vector<std::unique_ptr<Prepared>> prepared(clipped.size());

    std::vector<int> labels(faces.size());
    std::vector<int> owner(faces.size(), -1);
    for (std::size_t f = 0; f < faces.size(); ++f) {
        geo::Geom p = make_point(ctx, faces.inner[f]);
        int best = -1;
        for (std::size_t k : tree.query(p.get())) {
            const Item& item = territory.items[item_of[k]];
            if (best >= 0) {
                const Item& current = territory.items[static_cast<std::size_t>(best)];
                if (item.priority >= current.priority) continue;  // ties: the earlier item wins
            }
            if (!prepared[k]) prepared[k] = std::make_unique<Prepared>(ctx, clipped[k].get());
            if (prepared[k]->covers(p.get())) best = static_cast<int>(item_of[k]);
        }
        owner[f] = best;
        labels[f] = static_cast<int>(best >= 0 ? territory.items[static_cast<std::size_t>(best)].cls
                                               : territory.background);
    }

    // Noding noise first (under 1 m², or hairlines), then what a producer would not map: a
    // shed of a few m², a strip under 1.5 m wide left between a road and a field drawn apart.
    const auto source = absorb_slivers(ctx, faces, labels, 1.0, 0.3, 200.0);
    out.face_item.resize(faces.size());
    for (std::size_t f = 0; f < faces.size(); ++f) out.face_item[f] = owner[source[f]];
    out.pieces = clean_partition(ctx, dissolve(ctx, faces, labels).pieces, 20.0, 1.5, 2000.0).pieces;
    return out;
}

}  // namespace tessera::demo
