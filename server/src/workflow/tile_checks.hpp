#pragma once

// Quality controls run on stored tiles: the whole tile (on submit, on demand, after an import,
// in batch), with edge matching against the four neighbouring tiles, and the incremental check
// after a change set. Reads and writes through the store, judges with qc's pure rules.
// Thread-safe (state lives in the database).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/nomenclature.hpp"
#include "qc/qc.hpp"
#include "store/qc_store.hpp"
#include "tiles/grid.hpp"

namespace tessera::workflow {

struct Checker {
    const qc::Rules& rules;
    const core::Nomenclature& nomenclature;
    tiles::Grid grid;
};

store::StoredIssue to_stored(const qc::Issue& issue);
qc::Feature to_qc(const store::QcFeatureRow& row);

struct TileCheck {
    std::int64_t seq = 0;
    store::QcCounts counts;
    std::vector<store::StoredIssue> issues;  // blocking first
};

// Checks the whole tile of `tx` (which holds its writer lock) and stores the issues.
TileCheck check_whole_tile(const Checker& checker, store::TileTransaction& tx);
// The same through the access of any transaction that holds the tile's writer lock, at `seq`.
// `known`: the coverage test of the tile's features, when the caller made it (qc::check_tile).
TileCheck check_whole_tile(const Checker& checker, store::QcAccess& access, const tiles::TileKey& key,
                           std::int64_t seq, const qc::CoverageAnalysis* known = nullptr);

struct ChangeCheck {
    std::vector<store::StoredIssue> introduced;
    std::vector<store::StoredIssue> fixed;
    store::QcCounts counts;
    bool whole_tile = false;  // the tile had never been checked: it was checked whole, nothing is
                              // reported as introduced or fixed
};

// The margin (m) within which features count as neighbours of a touched one.
inline constexpr double neighbour_margin_m = 0.05;

// After a change set's writes, in its transaction: re-checks the features it wrote (stored ids)
// and their neighbours, compares with the stored issues that involved them (or gaps under them),
// and stores the difference. Edge matching is left to whole-tile checks. With `geometry_changed`
// false (the change set only set classes), the stored overlaps are kept as they are instead of
// being searched for again.
ChangeCheck check_change(const Checker& checker, store::QcAccess& access, const tiles::Box& tile, std::int64_t seq,
                         const std::vector<std::int64_t>& touched, const std::vector<std::int64_t>& deleted,
                         bool geometry_changed = true);

}  // namespace tessera::workflow
