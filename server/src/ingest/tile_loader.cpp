#include "ingest/tile_loader.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <tuple>

#include "geo/ogr_source.hpp"
#include "ingest/progress.hpp"
#include "workflow/tile_checks.hpp"

namespace tessera::ingest {
namespace {

double since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string listed(const std::vector<std::string>& keys, std::size_t most) {
    std::string out;
    for (std::size_t i = 0; i < keys.size() && i < most; ++i) out += (i ? ", " : "") + keys[i];
    if (keys.size() > most) out += ", ... (" + std::to_string(keys.size() - most) + " more)";
    return out;
}

// Neighbouring tiles of an import take turns at their shared border. A tile's whole-tile check
// reads its four neighbours' features along their shared borders and sees only what they have
// committed: two neighbours checked at the same time would each miss the other, and their border
// would go unchecked. So a tile's check and commit wait until no neighbour is between its own
// check and commit: of any two neighbours, the second to check sees the first's features, and
// every border is checked.
class BorderTurns {
public:
    explicit BorderTurns(std::int32_t step_km) : m_step(step_km) {}

    // Held from a tile's check to its commit (or failure).
    class Turn {
    public:
        Turn(BorderTurns& turns, const tiles::TileKey& key) : m_turns(turns), m_key(key) { m_turns.enter(m_key); }
        ~Turn() { m_turns.leave(m_key); }
        Turn(const Turn&) = delete;
        Turn& operator=(const Turn&) = delete;

    private:
        BorderTurns& m_turns;
        tiles::TileKey m_key;
    };

private:
    void enter(const tiles::TileKey& key) {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [&] {
            const auto x = key.x_km, y = key.y_km;
            return !m_inside.contains({x - m_step, y}) && !m_inside.contains({x + m_step, y}) &&
                   !m_inside.contains({x, y - m_step}) && !m_inside.contains({x, y + m_step});
        });
        m_inside.insert(key);
    }
    void leave(const tiles::TileKey& key) {
        {
            std::lock_guard lock(m_mutex);
            m_inside.erase(key);
        }
        m_changed.notify_all();
    }

    std::int32_t m_step;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::set<tiles::TileKey> m_inside;
};

// The order tiles are loaded in: row by row and, in each row, every other tile first, then those
// between them. The tiles the workers have in hand at once are then seldom neighbours, which
// would wait for each other's turn, and each row's reads stay together.
std::vector<tiles::TileKey> in_loading_order(std::vector<tiles::TileKey> keys, std::int32_t step_km) {
    const auto rank = [step_km](const tiles::TileKey& k) { return std::tuple(k.y_km, (k.x_km / step_km) & 1, k.x_km); };
    std::sort(keys.begin(), keys.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
    return keys;
}

}  // namespace

unsigned worker_count(unsigned requested) {
    if (requested > 0) return requested;
    return std::max(1u, std::thread::hardware_concurrency());
}

std::string digest(const std::vector<std::string>& parts) {
    std::uint64_t h = 1469598103934665603ull;
    for (const auto& part : parts) {
        for (unsigned char c : part) {
            h ^= c;
            h *= 1099511628211ull;
        }
        h ^= 0xff;  // a separator, so that ("ab", "c") and ("a", "bc") differ
        h *= 1099511628211ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

void load_tiles(const std::vector<tiles::TileKey>& keys, const ProducerFactory& factory, const LoadOptions& options,
                store::ProjectStore& projects, const store::ProjectRecord& project,
                const core::Nomenclature& nomenclature, ImportReport& report, std::ostream& log) {
    const auto t0 = std::chrono::steady_clock::now();
    report.kind = options.kind;
    report.source = options.source;
    report.prediction_set = options.prediction_set;
    report.dry_run = options.dry_run;
    report.tiles_total = keys.size();

    // What this import already committed, when it ran before.
    std::optional<store::ProjectStore::IngestRun> run;
    std::optional<int> set_id;
    if (!options.dry_run) {
        set_id = projects.prediction_set(project, options.prediction_set, options.source);
        run = projects.begin_ingest(project, options.run_key, options.kind, options.source, *set_id, options.restart);
    } else if (auto id = projects.find_prediction_set(project, options.prediction_set)) {
        set_id = id;
    }
    const std::int32_t step_km = std::max(1, project.tile_size_m / 1000);
    std::vector<tiles::TileKey> pending;
    std::vector<std::string> pending_names;
    for (const auto& key : in_loading_order(keys, step_km)) {
        if (run && run->done.count(key.str())) {
            ++report.tiles_already_done;
            continue;
        }
        pending.push_back(key);
        pending_names.push_back(key.str());
    }
    if (run && report.tiles_already_done > 0) {
        log << "resuming the import started " << run->started_at << ": " << report.tiles_already_done << " of "
            << keys.size() << " tiles already loaded are skipped (--restart loads them again)\n";
    }

    // People's work is never overwritten (SPEC §6): refused as a whole before anything is
    // written, or the prediction goes beside it.
    report.edited_tiles = projects.edited_tiles(project, pending_names);
    if (!report.edited_tiles.empty() && !options.beside_edited) {
        throw std::runtime_error(std::to_string(report.edited_tiles.size()) +
                                 " tiles have been edited and would lose people's work; nothing was imported: " +
                                 listed(report.edited_tiles, 50) +
                                 ". Use --beside to load this prediction beside their work as a new prediction set "
                                 "(with --prediction-set NAME).");
    }

    const workflow::Checker checker{options.qc_rules ? *options.qc_rules : qc::Rules::defaults(), nomenclature,
                                    tiles::Grid(project.tile_size_m)};
    Progress progress(log, "tiles", pending.size(), Progress::is_terminal(log));
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    std::mutex error_mutex;
    std::exception_ptr error;
    std::string error_tile;
    std::atomic<std::size_t> loaded{0}, beside{0}, empty{0}, polygons{0};
    std::mutex qc_mutex;
    BorderTurns turns(step_km);

    const auto work = [&] {
        TileProducer produce;
        try {
            produce = factory();
        } catch (...) {
            std::lock_guard lock(error_mutex);
            if (!error) error = std::current_exception();
            stop = true;
            return;
        }
        while (!stop) {
            const auto i = next.fetch_add(1);
            if (i >= pending.size()) return;
            const auto& key = pending[i];
            try {
                auto out = produce(key);
                if (!out || out->features.empty()) {
                    ++empty;
                    progress.advance(1);
                    continue;
                }
                const auto n = out->features.size();
                if (!options.dry_run) {
                    const auto t_load = std::chrono::steady_clock::now();
                    double qc_seconds = 0, waited_seconds = 0;
                    store::ProjectStore::TileLoad load{*set_id, options.source, run->id, options.beside_edited};
                    std::optional<BorderTurns::Turn> turn;  // from the check to the commit
                    const auto result = projects.load_tile(
                        project, key, load, out->features, [&](store::QcAccess& access, std::int64_t seq) {
                            const auto t_turn = std::chrono::steady_clock::now();
                            turn.emplace(turns, key);
                            const auto t_qc = std::chrono::steady_clock::now();
                            waited_seconds = std::chrono::duration<double>(t_qc - t_turn).count();
                            const auto check = workflow::check_whole_tile(checker, access, key, seq,
                                                                          out->coverage ? &*out->coverage : nullptr);
                            {
                                std::lock_guard lock(qc_mutex);
                                for (const auto& issue : check.issues) ++report.issues_by_code[issue.code];
                                report.blocking_issues += static_cast<std::size_t>(check.counts.blocking);
                            }
                            qc_seconds = since(t_qc);
                        });
                    out->tally.stage_seconds["quality controls"] += qc_seconds;
                    out->tally.stage_seconds["waiting for neighbours"] += waited_seconds;
                    out->tally.stage_seconds["database"] += since(t_load) - qc_seconds - waited_seconds;
                    if (result == store::ProjectStore::Loaded::beside) {
                        ++beside;
                    } else {
                        ++loaded;
                    }
                } else {
                    ++loaded;
                }
                polygons += n;
                report.merge(std::move(out->tally));
                progress.advance(1, std::to_string(polygons.load()) + " polygons");
            } catch (...) {
                std::lock_guard lock(error_mutex);
                if (!error) {
                    error = std::current_exception();
                    error_tile = key.str();
                }
                stop = true;
                return;
            }
        }
    };
    const unsigned n = std::min<unsigned>(worker_count(options.threads),
                                          static_cast<unsigned>(std::max<std::size_t>(1, pending.size())));
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < n; ++t) threads.emplace_back(work);
    for (auto& t : threads) t.join();

    report.tiles_loaded = loaded;
    report.tiles_beside = beside;
    report.tiles_empty = empty;
    report.seconds = since(t0);
    progress.finish(std::to_string(polygons.load()) + " polygons");
    if (error) {
        const auto kept = options.dry_run ? std::string()
                                          : "; " + std::to_string(loaded + beside) +
                                                " tiles were loaded and are kept: run the same command again "
                                                "once the input is fixed and the import resumes after them";
        try {
            std::rethrow_exception(error);
        } catch (const geo::InputError& e) {
            throw geo::InputError(std::string(e.what()) + (error_tile.empty() ? "" : " (tile " + error_tile + ")") + kept);
        } catch (const std::exception& e) {
            throw std::runtime_error(std::string(e.what()) + (error_tile.empty() ? "" : " (tile " + error_tile + ")") + kept);
        }
    }
    if (run) projects.finish_ingest(run->id, report.to_json());
}

}  // namespace tessera::ingest
