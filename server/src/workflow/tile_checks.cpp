#include "workflow/tile_checks.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "geo/wkb.hpp"
#include "qc/issue.hpp"

namespace tessera::workflow {

store::StoredIssue to_stored(const qc::Issue& issue) {
    store::StoredIssue s;
    s.key = issue.key();
    s.code = issue.code;
    s.blocking = issue.severity == qc::Severity::blocking;
    s.features = issue.features;
    s.x_cm = issue.location.x;
    s.y_cm = issue.location.y;
    s.message = issue.message;
    s.area_m2 = issue.area_m2;
    return s;
}

qc::Feature to_qc(const store::QcFeatureRow& row) {
    qc::Feature f;
    f.id = row.id;
    f.code_cs = row.code_cs;
    f.code_us = row.code_us;
    f.wkb = row.wkb;
    if (row.confidence) f.confidence = *row.confidence;
    f.predicted = row.predicted;
    f.reviewed = row.reviewed;
    return f;
}

namespace {

// The rows are taken: their geometries move (callers that keep theirs pass a copy).
std::vector<qc::Feature> to_qc_all(std::vector<store::QcFeatureRow> rows) {
    std::vector<qc::Feature> out;
    out.reserve(rows.size());
    for (auto& r : rows) {
        std::string wkb = std::move(r.wkb);
        out.push_back(to_qc(r));
        out.back().wkb = std::move(wkb);
    }
    return out;
}

// Blocking first, then by code and key: the order people read them in. Of issues with one key (a
// rule may meet the same problem twice, e.g. from both sides of a border), the first is kept.
// Sorted through their places (an issue is a large record), then moved into that order.
void sort_issues(std::vector<store::StoredIssue>& issues) {
    std::vector<std::uint32_t> order(issues.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::uint32_t i, std::uint32_t j) {
        const auto& a = issues[i];
        const auto& b = issues[j];
        if (a.blocking != b.blocking) return a.blocking;
        if (const int c = a.code.compare(b.code)) return c < 0;
        if (const int c = a.key.compare(b.key)) return c < 0;
        return i < j;
    });
    std::vector<store::StoredIssue> sorted;
    sorted.reserve(issues.size());
    for (const auto i : order)
        if (sorted.empty() || sorted.back().key != issues[i].key) sorted.push_back(std::move(issues[i]));
    issues = std::move(sorted);
}

void add_all(std::vector<store::StoredIssue>& out, const std::vector<qc::Issue>& in) {
    for (const auto& i : in) out.push_back(to_stored(i));
}

// Issues with one key once (a rule may meet the same problem twice, e.g. from both sides of a
// border).
void add_unique(std::vector<store::StoredIssue>& out, std::set<std::string>& keys, const std::vector<qc::Issue>& in) {
    for (const auto& i : in) {
        auto s = to_stored(i);
        if (keys.insert(s.key).second) out.push_back(std::move(s));
    }
}

std::vector<store::StoredIssue> whole_tile_issues(const Checker& c, store::QcAccess& access,
                                                  const tiles::TileKey& key,
                                                  const qc::CoverageAnalysis* known = nullptr) {
    const auto box = c.grid.bounds(key);
    const auto mine = to_qc_all(access.features());
    std::vector<store::StoredIssue> issues;
    add_all(issues, qc::check_tile(c.rules, c.nomenclature, box, mine, known));
    // Edge matching with the four neighbours, on the features in a strip along each border.
    const double strip = 0.05;
    const std::int32_t step = c.grid.size_m() / 1000;
    struct Side {
        std::int32_t dx, dy;
        tiles::Box strip;
    };
    const Side sides[] = {
        {-step, 0, {box.min_x - strip, box.min_y, box.min_x + strip, box.max_y}},
        {step, 0, {box.max_x - strip, box.min_y, box.max_x + strip, box.max_y}},
        {0, -step, {box.min_x, box.min_y - strip, box.max_x, box.min_y + strip}},
        {0, step, {box.min_x, box.max_y - strip, box.max_x, box.max_y + strip}},
    };
    for (const auto& side : sides) {
        const tiles::TileKey other{key.x_km + side.dx, key.y_km + side.dy};
        auto theirs = access.features_of(other.str(), side.strip);
        if (theirs.empty()) continue;  // no such tile, or nothing loaded there yet
        add_all(issues, qc::check_border(c.rules, box, c.grid.bounds(other), mine, to_qc_all(std::move(theirs))));
    }
    sort_issues(issues);  // and one of each key
    return issues;
}

// Whether a point lies inside a polygon (even-odd over its rings; exact on integers).
bool covers(const geo::RingsCm& rings, const geo::PointCm& p) {
    bool inside = false;
    for (const auto& ring : rings) {
        for (std::size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
            const auto& a = ring[i];
            const auto& b = ring[j];
            if ((a.y > p.y) == (b.y > p.y)) continue;
            // x of the edge at p.y, compared without division (centimetre products fit in 64 bits).
            const std::int64_t lhs = (p.x - a.x) * (b.y - a.y);
            const std::int64_t rhs = (b.x - a.x) * (p.y - a.y);
            if ((b.y > a.y) ? lhs < rhs : lhs > rhs) inside = !inside;
        }
    }
    return inside;
}

}  // namespace

TileCheck check_whole_tile(const Checker& checker, store::TileTransaction& tx) {
    if (!tx.tile()) throw std::logic_error("checking a tile that does not exist");
    return check_whole_tile(checker, tx.qc(), *tiles::parse_key(tx.tile()->key), tx.tile()->seq);
}

TileCheck check_whole_tile(const Checker& checker, store::QcAccess& access, const tiles::TileKey& key,
                           std::int64_t seq, const qc::CoverageAnalysis* known) {
    TileCheck out;
    out.seq = seq;
    out.issues = whole_tile_issues(checker, access, key, known);
    out.counts = access.replace_all(seq, out.issues);
    return out;
}

ChangeCheck check_change(const Checker& checker, store::QcAccess& access, const tiles::Box& tile, std::int64_t seq,
                         const std::vector<std::int64_t>& touched, const std::vector<std::int64_t>& deleted,
                         bool geometry_changed) {
    ChangeCheck out;
    auto hood = access.neighbourhood(touched, deleted, neighbour_margin_m);
    if (!hood.whole_seq) {
        const auto key = checker.grid.key_at(tile.min_x, tile.min_y);
        out.counts = access.replace_all(seq, whole_tile_issues(checker, access, key));
        out.whole_tile = true;
        return out;
    }
    const auto& rows = hood.features;
    const auto features = to_qc_all(rows);
    const std::set<std::int64_t> touched_set(touched.begin(), touched.end());
    std::vector<store::StoredIssue> now;
    std::set<std::string> keys;
    add_unique(now, keys,
               qc::check_features(checker.rules, checker.nomenclature, tile, features, touched_set, geometry_changed));

    // What was stored about these features (and the gaps they may have filled): the region is
    // the touched features' box.
    std::vector<geo::RingsCm> touched_rings;
    std::int64_t x0 = std::numeric_limits<std::int64_t>::max(), y0 = x0;  // their box, in centimetres
    std::int64_t x1 = std::numeric_limits<std::int64_t>::min(), y1 = x1;  // (empty: none)
    for (const auto& f : rows) {
        if (!touched_set.contains(f.id)) continue;
        auto rings = geo::polygon_from_wkb(f.wkb);
        if (!rings) continue;
        for (const auto& p : (*rings)[0]) {
            x0 = std::min(x0, p.x);
            y0 = std::min(y0, p.y);
            x1 = std::max(x1, p.x);
            y1 = std::max(y1, p.y);
        }
        touched_rings.push_back(std::move(*rings));
    }
    std::vector<std::int64_t> involved = touched;
    involved.insert(involved.end(), deleted.begin(), deleted.end());
    const std::set<std::int64_t> involved_set(involved.begin(), involved.end());
    const auto involves = [&](const store::StoredIssue& i) {
        return std::any_of(i.features.begin(), i.features.end(),
                           [&](std::int64_t id) { return involved_set.contains(id); });
    };
    // The store's answer is a superset: exactly the issues that involve the change, and the gaps
    // located inside the touched features' box.
    std::vector<store::StoredIssue> before;
    for (auto& i : hood.issues) {
        const bool inside = i.x_cm >= x0 && i.x_cm <= x1 && i.y_cm >= y0 && i.y_cm <= y1;
        if (involves(i) || (i.code == qc::code::gap && inside)) before.push_back(std::move(i));
    }

    // A stored gap near the change but not bordering it is fixed only if a touched feature now
    // covers it (touched_rings); otherwise this check cannot tell and leaves it.
    std::map<std::string, const store::StoredIssue*> old, before_by_key;
    for (const auto& i : before) {
        before_by_key.emplace(i.key, &i);
        const bool concerned = involves(i);
        const bool filled = std::any_of(touched_rings.begin(), touched_rings.end(),
                                        [&](const geo::RingsCm& r) { return covers(r, {i.x_cm, i.y_cm}); });
        if (!(concerned || filled)) continue;
        old.emplace(i.key, &i);
        // Not searched for again: still there, as stored.
        if (!geometry_changed && i.code == qc::code::overlap && keys.insert(i.key).second) now.push_back(i);
    }
    std::vector<store::StoredIssue> changed;  // new, or the same problem with other figures
    for (const auto& i : now) {
        auto it = old.find(i.key);
        if (it == old.end()) {
            out.introduced.push_back(i);
            changed.push_back(i);
        } else {
            const auto& o = *it->second;
            if (o.x_cm != i.x_cm || o.y_cm != i.y_cm || o.message != i.message || o.area_m2 != i.area_m2 ||
                o.blocking != i.blocking)
                changed.push_back(i);
            old.erase(it);
        }
    }
    // The tile's counts move by what is removed and what is new or changes severity.
    store::QcCounts delta;
    auto count = [&](const store::StoredIssue& i, int sign) { (i.blocking ? delta.blocking : delta.warnings) += sign; };
    std::vector<std::string> removed;
    for (const auto& [key, issue] : old) {
        out.fixed.push_back(*issue);
        removed.push_back(key);
        count(*issue, -1);
    }
    for (const auto& i : changed) {
        if (auto it = before_by_key.find(i.key); it != before_by_key.end()) count(*it->second, -1);
        count(i, +1);
    }
    sort_issues(out.introduced);
    sort_issues(out.fixed);
    access.update_issues(seq, removed, changed, delta);
    out.counts = {hood.counts.blocking + delta.blocking, hood.counts.warnings + delta.warnings};
    return out;
}

}  // namespace tessera::workflow
