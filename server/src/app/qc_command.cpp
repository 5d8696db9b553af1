// `tessera qc`: the quality controls over many tiles at once (all of a project, a box, the
// tiles of a prediction set), stored like any whole-tile check, with a report: the issues as
// GeoJSON points and a summary table, to see where the model's output is weakest.

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/commands.hpp"
#include "core/nomenclature.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/projects.hpp"
#include "store/qc_store.hpp"
#include "workflow/tile_checks.hpp"

namespace tessera::app {
namespace {

std::optional<tiles::Box> parse_bbox(const std::string& text) {
    tiles::Box b;
    char c1 = 0, c2 = 0, c3 = 0;
    std::istringstream in(text);
    if (!(in >> b.min_x >> c1 >> b.min_y >> c2 >> b.max_x >> c3 >> b.max_y) || c1 != ',' || c2 != ',' || c3 != ',')
        return std::nullopt;
    if (!b.valid()) return std::nullopt;
    return b;
}

std::vector<std::string> split_keys(const std::string& text) {
    std::vector<std::string> out;
    std::string key;
    std::istringstream in(text);
    while (std::getline(in, key, ','))
        if (!key.empty()) out.push_back(key);
    return out;
}

struct TileSummary {
    std::string key;
    int blocking = 0;
    int warnings = 0;
    std::optional<double> mean_confidence;
};

}  // namespace

int cmd_qc(const std::vector<std::string>& args) {
    const auto specs = [] {
        auto s = config_options();
        s.push_back({"tiles", true, "comma-separated tile keys"});
        s.push_back({"bbox", true, "minx,miny,maxx,maxy in the project CRS: the tiles overlapping it"});
        s.push_back({"prediction-set", true, "the tiles loaded from this prediction set"});
        s.push_back({"report", true, "write the issues as GeoJSON points to this file"});
        s.push_back({"summary", true, "write the per-tile, per-code counts as CSV to this file"});
        return s;
    }();
    Args a(args, specs);
    if (a.help()) {
        std::cout << format_help(
            "tessera qc [--tiles K,K | --bbox X0,Y0,X1,Y1 | --prediction-set NAME] [--report FILE.geojson] "
            "[--summary FILE.csv]",
            "Runs every quality control (SPEC 5) on whole tiles, edge matching with the neighbouring tiles\n"
            "included, and stores the issues as the server's own checks do. Without a selection: every tile of\n"
            "the project. Prints a summary by code and the tiles with the most blocking issues; --report writes\n"
            "the issues as GeoJSON points (project CRS) with their properties.",
            specs);
        return 0;
    }
    if (!a.positionals().empty()) throw UsageError("unexpected argument '" + a.positionals()[0] + "'");
    const int selections = static_cast<int>(a.has("tiles")) + a.has("bbox") + a.has("prediction-set");
    if (selections > 1) throw UsageError("give one of --tiles, --bbox, --prediction-set");
    const auto config = load_config(a);
    const auto rules = load_qc_rules(config);
    store::migrate(config.database_url);
    store::Database db(config.database_url, 1);
    store::ProjectStore projects(db);
    auto project = projects.find(config.project);
    if (!project) throw std::runtime_error("project '" + config.project + "' does not exist");
    const tiles::Grid grid(project->tile_size_m);

    std::vector<std::string> keys;
    if (auto t = a.get("tiles")) {
        keys = split_keys(*t);
        for (const auto& k : keys) {
            std::string why;
            auto key = tiles::parse_key(k, &why);
            if (!key || !grid.aligned(*key)) throw UsageError("--tiles: " + why);
        }
    } else if (auto b = a.get("bbox")) {
        auto box = parse_bbox(*b);
        if (!box) throw UsageError("--bbox: expected minx,miny,maxx,maxy with min < max, got '" + *b + "'");
        for (const auto& tile : projects.tiles_in(*project, *box, 10'000'000)) keys.push_back(tile.key);
    } else if (auto p = a.get("prediction-set")) {
        auto id = projects.find_prediction_set(*project, *p);
        if (!id) throw std::runtime_error("no prediction set '" + *p + "' in project " + project->name);
        keys = projects.loaded_tiles(*project, *id);
    } else {
        const auto extent = projects.extent(*project);
        if (extent.tiles > 0)
            for (const auto& tile : projects.tiles_in(*project, extent.box, 10'000'000)) keys.push_back(tile.key);
    }
    if (keys.empty()) {
        std::cout << "no tile to check\n";
        return 0;
    }

    const workflow::Checker checker{rules, core::Nomenclature::builtin(), grid};
    std::ofstream report;
    if (auto r = a.get("report")) {
        report.open(*r);
        if (!report) throw std::runtime_error("cannot write the report " + *r);
        report << R"({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::)"
               << project->srid << R"("}}, "features": [)" << "\n";
    }
    std::map<std::string, std::pair<int, int>> by_code;  // issues, blocking
    std::map<std::string, std::set<std::string>> tiles_by_code;
    std::map<std::string, double> area_by_code;
    std::vector<TileSummary> tiles;
    std::map<std::pair<std::string, std::string>, int> per_tile_code;
    bool first = true;
    std::size_t done = 0;
    for (const auto& key : keys) {
        store::TileTransaction tx(db, *project, key);
        if (!tx.tile()) {
            std::cerr << "tile " << key << " does not exist in project " << project->name << ": skipped\n";
            continue;
        }
        const auto check = workflow::check_whole_tile(checker, tx);
        tx.commit();
        TileSummary summary{key, check.counts.blocking, check.counts.warnings, tx.tile()->mean_confidence};
        tiles.push_back(summary);
        for (const auto& i : check.issues) {
            auto& c = by_code[i.code];
            ++c.first;
            if (i.blocking) ++c.second;
            tiles_by_code[i.code].insert(key);
            area_by_code[i.code] += i.area_m2;
            ++per_tile_code[{key, i.code}];
            if (report.is_open()) {
                nlohmann::json f = {
                    {"type", "Feature"},
                    {"geometry",
                     {{"type", "Point"},
                      {"coordinates", {static_cast<double>(i.x_cm) / 100, static_cast<double>(i.y_cm) / 100}}}},
                    {"properties",
                     {{"tile", key},
                      {"code", i.code},
                      {"severity", i.blocking ? "blocking" : "warning"},
                      {"features", i.features},
                      {"message", i.message},
                      {"area_m2", i.area_m2},
                      {"key", i.key}}}};
                report << (first ? "" : ",\n") << f.dump();
                first = false;
            }
        }
        if (++done % 50 == 0 || done == keys.size())
            std::cerr << "  " << done << "/" << keys.size() << " tiles checked\n";
    }
    if (report.is_open()) {
        report << "\n]}\n";
        report.close();
        if (!report) throw std::runtime_error("writing the report " + *a.get("report") + " failed");
    }
    if (auto path = a.get("summary")) {
        std::ofstream csv(*path);
        if (!csv) throw std::runtime_error("cannot write the summary " + *path);
        csv << "tile,code,issues\n";
        for (const auto& [k, n] : per_tile_code) csv << k.first << "," << k.second << "," << n << "\n";
        if (!csv) throw std::runtime_error("writing the summary " + *path + " failed");
    }

    int total = 0, blocking = 0;
    std::cout << done << " tiles checked\n\n"
              << std::left << std::setw(28) << "code" << std::right << std::setw(8) << "issues" << std::setw(10)
              << "blocking" << std::setw(8) << "tiles" << std::setw(14) << "area m²" << "\n";
    for (const auto& [code, n] : by_code) {
        total += n.first;
        blocking += n.second;
        std::cout << std::left << std::setw(28) << code << std::right << std::setw(8) << n.first << std::setw(10)
                  << n.second << std::setw(8) << tiles_by_code[code].size() << std::setw(14) << std::fixed
                  << std::setprecision(1) << area_by_code[code] << "\n";
    }
    std::cout << std::left << std::setw(28) << "total" << std::right << std::setw(8) << total << std::setw(10) << blocking
              << "\n";
    std::sort(tiles.begin(), tiles.end(), [](const auto& x, const auto& y) {
        if (x.blocking != y.blocking) return x.blocking > y.blocking;
        return x.key < y.key;
    });
    std::cout << "\ntiles with the most blocking issues (where the prediction needs the most work):\n";
    for (std::size_t i = 0; i < tiles.size() && i < 10 && tiles[i].blocking > 0; ++i) {
        std::cout << "  " << tiles[i].key << "  " << tiles[i].blocking << " blocking, " << tiles[i].warnings
                  << " warnings";
        if (tiles[i].mean_confidence)
            std::cout << ", mean confidence " << std::setprecision(2) << *tiles[i].mean_confidence;
        std::cout << "\n";
    }
    return 0;
}

}  // namespace tessera::app
