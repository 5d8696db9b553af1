// The incremental check after a change set (workflow::check_change), over an in-memory store of
// one tile: what it reports as introduced and fixed, and what it writes. A change set that only
// sets classes does not search for overlaps again; it must come to the same answer as one that
// does.

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "geo/wkb.hpp"
#include "qc/issue.hpp"
#include "workflow/tile_checks.hpp"

using namespace tessera;

namespace {

// One tile's features and stored issues, as the database holds them for check_change.
class MemoryTile final : public store::QcAccess {
public:
    std::map<std::int64_t, store::QcFeatureRow> rows;
    std::map<std::string, store::StoredIssue> issues;
    std::optional<std::int64_t> whole_seq;

    // Every stored issue but edge mismatches comes with it: a superset, as the contract allows,
    // which check_change narrows.
    Neighbourhood neighbourhood(const std::vector<std::int64_t>& ids, const std::vector<std::int64_t>&,
                                double margin_m) override {
        Neighbourhood out;
        std::vector<Box> boxes;
        for (auto id : ids)
            if (auto it = rows.find(id); it != rows.end()) boxes.push_back(box_of(it->second, margin_m));
        for (const auto& [id, f] : rows) {
            const auto b = box_of(f, 0);
            if (std::any_of(boxes.begin(), boxes.end(), [&](const Box& t) { return t.meets(b); }))
                out.features.push_back(f);
        }
        out.whole_seq = whole_seq;
        out.counts = counts();
        for (const auto& [key, i] : issues)
            if (i.code != qc::code::edge_mismatch) out.issues.push_back(i);
        return out;
    }
    std::vector<store::QcFeatureRow> features() override {
        std::vector<store::QcFeatureRow> out;
        for (const auto& [id, f] : rows) out.push_back(f);
        return out;
    }
    std::vector<store::QcFeatureRow> features_of(const std::string&, const tiles::Box&) override { return {}; }
    void update_issues(std::int64_t, const std::vector<std::string>& removed, const std::vector<store::StoredIssue>& added,
                       const store::QcCounts&) override {
        for (const auto& k : removed) issues.erase(k);
        for (const auto& i : added) issues[i.key] = i;
        ++writes;
    }
    store::QcCounts replace_all(std::int64_t seq, const std::vector<store::StoredIssue>& all) override {
        issues.clear();
        for (const auto& i : all) issues[i.key] = i;
        whole_seq = seq;
        return counts();
    }
    void record_delta(std::int64_t, const std::string&) override {}

    int writes = 0;

private:
    struct Box {
        double min_x, min_y, max_x, max_y;
        bool meets(const Box& o) const {
            return min_x <= o.max_x && o.min_x <= max_x && min_y <= o.max_y && o.min_y <= max_y;
        }
    };
    static Box box_of(const store::QcFeatureRow& f, double margin_m) {
        const auto rings = geo::polygon_from_wkb(f.wkb);
        Box b{1e18, 1e18, -1e18, -1e18};
        for (const auto& p : (*rings)[0]) {
            b.min_x = std::min(b.min_x, static_cast<double>(p.x) / 100);
            b.min_y = std::min(b.min_y, static_cast<double>(p.y) / 100);
            b.max_x = std::max(b.max_x, static_cast<double>(p.x) / 100);
            b.max_y = std::max(b.max_y, static_cast<double>(p.y) / 100);
        }
        return {b.min_x - margin_m, b.min_y - margin_m, b.max_x + margin_m, b.max_y + margin_m};
    }
    store::QcCounts counts() const {
        store::QcCounts c;
        for (const auto& [k, i] : issues) (i.blocking ? c.blocking : c.warnings) += 1;
        return c;
    }
};

store::QcFeatureRow square(std::int64_t id, double x0, double y0, double size, const std::string& cs) {
    const auto p = [](double x, double y) {
        return geo::PointCm{static_cast<std::int64_t>(std::llround(x * 100)), static_cast<std::int64_t>(std::llround(y * 100))};
    };
    store::QcFeatureRow f;
    f.id = id;
    f.code_cs = cs;
    f.code_us = "US1.1";
    const geo::RingsCm rings{{p(x0, y0), p(x0 + size, y0), p(x0 + size, y0 + size), p(x0, y0 + size), p(x0, y0)}};
    f.wkb = geo::polygon_to_wkb(rings);
    f.reviewed = true;
    return f;
}

// A tile of four 500 m squares, the second shifted 2 m onto the first (an overlap, and a gap
// where it left), checked whole, then `id`'s class changed.
struct Scenario {
    MemoryTile tile;
    workflow::ChangeCheck check;
};

Scenario set_class_after_whole_check(std::int64_t id, const std::string& cs, bool geometry_changed) {
    const tiles::Grid grid(1000);
    const auto key = *tiles::parse_key("0880_6840");
    const auto box = grid.bounds(key);
    const auto& rules = qc::Rules::defaults();
    const auto& nomenclature = core::Nomenclature::builtin();
    const workflow::Checker checker{rules, nomenclature, grid};
    Scenario s;
    s.tile.rows[1] = square(1, box.min_x, box.min_y, 500, "CS2.2.1");
    s.tile.rows[2] = square(2, box.min_x + 498, box.min_y, 500, "CS2.1.1.1");
    s.tile.rows[3] = square(3, box.min_x, box.min_y + 500, 500, "CS2.2.1");
    s.tile.rows[4] = square(4, box.min_x + 500, box.min_y + 500, 500, "CS2.1.1.1");
    workflow::check_whole_tile(checker, s.tile, key, 1);
    s.tile.rows[id].code_cs = cs;
    s.check = workflow::check_change(checker, s.tile, box, 2, {id}, {}, geometry_changed);
    return s;
}

std::vector<std::string> keys_of(const std::vector<store::StoredIssue>& issues) {
    std::vector<std::string> out;
    for (const auto& i : issues) out.push_back(i.key);
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST(CheckChange, AClassChangeKeepsTheStoredOverlapWithoutSearchingForIt) {
    for (const std::int64_t id : {1, 2}) {
        auto searched = set_class_after_whole_check(id, "CS2.1.1.1", true);
        auto kept = set_class_after_whole_check(id, "CS2.1.1.1", false);
        const auto overlaps = [](const MemoryTile& t) {
            return std::count_if(t.issues.begin(), t.issues.end(),
                                 [](const auto& kv) { return kv.second.code == qc::code::overlap; });
        };
        ASSERT_EQ(overlaps(searched.tile), 1) << "the shifted square overlaps its neighbour";
        EXPECT_EQ(overlaps(kept.tile), 1) << "a class change does not fix an overlap";
        EXPECT_EQ(keys_of(kept.check.introduced), keys_of(searched.check.introduced)) << "feature " << id;
        EXPECT_EQ(keys_of(kept.check.fixed), keys_of(searched.check.fixed)) << "feature " << id;
        EXPECT_EQ(kept.check.counts.blocking, searched.check.counts.blocking);
        EXPECT_EQ(kept.check.counts.warnings, searched.check.counts.warnings);
        std::vector<std::string> stored_kept, stored_searched;
        for (const auto& [k, i] : kept.tile.issues) stored_kept.push_back(k + " " + i.message);
        for (const auto& [k, i] : searched.tile.issues) stored_searched.push_back(k + " " + i.message);
        EXPECT_EQ(stored_kept, stored_searched) << "feature " << id;
    }
    // And the class change is seen: two neighbours of one class now share a border.
    auto merged = set_class_after_whole_check(4, "CS2.2.1", false);
    EXPECT_FALSE(merged.check.introduced.empty()) << "same-class neighbours are reported";
}
