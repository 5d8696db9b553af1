#pragma once

// The part every import shares: tiles produced in parallel by worker threads (each with its own
// reader and GEOS context), each tile committed on its own with its quality controls (neighbouring
// tiles in turn, so that every border between them is checked), the import recorded so that
// running the same command again skips the tiles it committed, tiles people have edited refused
// or loaded beside their work, progress shown while it runs.

#include <cstddef>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/nomenclature.hpp"
#include "ingest/report.hpp"
#include "qc/qc.hpp"
#include "qc/rules.hpp"
#include "store/projects.hpp"
#include "tiles/grid.hpp"

namespace tessera::ingest {

struct TileOutput {
    std::vector<store::NewFeature> features;
    TileTally tally;
    // The coverage test of `features`, in their order, when the producer made it: the tile's
    // quality controls take it instead of making it again.
    std::optional<qc::CoverageAnalysis> coverage;
};

// Makes one tile's features; nullopt when the input has nothing in the tile. Throws
// geo::InputError for bad input, naming it.
using TileProducer = std::function<std::optional<TileOutput>(const tiles::TileKey&)>;
// Called once per worker thread, on that thread.
using ProducerFactory = std::function<TileProducer()>;

struct LoadOptions {
    std::string kind;     // "raster" or "vector"
    std::string source;   // the input, as the user named it
    std::string run_key;  // digest of the input and the options that shape what is loaded
    std::string prediction_set = "default";
    bool beside_edited = false;  // edited tiles get the prediction beside their features
    bool dry_run = false;
    bool restart = false;  // load again the tiles this import already committed
    unsigned threads = 0;  // 0: one per core
    const qc::Rules* qc_rules = nullptr;
};

// Runs the import over `keys` (the tiles the input may cover) and fills `report`. Throws
// std::runtime_error, before writing anything, when tiles have been edited and
// `beside_edited` is off (listing them); rethrows the first producer or database error once
// the other workers have finished their tile, saying what was kept and how to resume.
void load_tiles(const std::vector<tiles::TileKey>& keys, const ProducerFactory& factory, const LoadOptions& options,
                store::ProjectStore& projects, const store::ProjectRecord& project,
                const core::Nomenclature& nomenclature, ImportReport& report, std::ostream& log);

// Number of worker threads for `requested` (0: the machine's cores).
unsigned worker_count(unsigned requested);

// A stable digest (FNV-1a 64, hex) of the parts, for LoadOptions::run_key.
std::string digest(const std::vector<std::string>& parts);

}  // namespace tessera::ingest
