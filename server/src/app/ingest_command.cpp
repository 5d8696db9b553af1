// `tessera ingest vector|raster`: AI predictions into a project's tiles (SPEC §6). The options
// shared by both kinds (prediction set, people's work, resumption, dry run, report) are parsed
// here once; each kind adds its own.

#include <cmath>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "app/commands.hpp"
#include "core/nomenclature.hpp"
#include "ingest/class_mapping.hpp"
#include "ingest/raster_ingest.hpp"
#include "ingest/vector_ingest.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/projects.hpp"

namespace tessera::app {
namespace {

std::vector<OptionSpec> with_options(std::vector<OptionSpec> specs, const std::vector<OptionSpec>& more) {
    specs.insert(specs.end(), more.begin(), more.end());
    return specs;
}

const std::vector<OptionSpec>& common_options() {
    static const std::vector<OptionSpec> specs{
        {"prediction-set", true, "name of the prediction set (default: default)"},
        {"beside", false, "load tiles people have edited beside their work instead of refusing the import"},
        {"dry-run", false, "read, check and report what would be loaded, without writing"},
        {"restart", false, "load again the tiles an earlier run of the same import already loaded"},
        {"threads", true, "worker threads (default: one per core)"},
        {"report", true, "write the import report (JSON) to this file"},
        {"mapping", true, "class mapping file: class,code_cs,code_us[,label] (default: FLAIR-1, to adjust)"},
        {"print-mapping", false, "print the class mapping in use and stop"},
    };
    return specs;
}

unsigned parse_count(const Args& a, const std::string& name, unsigned fallback) {
    const auto v = a.get(name);
    if (!v) return fallback;
    try {
        std::size_t used = 0;
        const long n = std::stol(*v, &used);
        if (used == v->size() && n >= 1 && n <= 256) return static_cast<unsigned>(n);
    } catch (const std::exception&) {
    }
    throw UsageError("--" + name + " takes a whole number from 1 to 256");
}

// A number of `unit` (0 or more) given to --name.
double parse_amount(const Args& a, const std::string& name, double fallback, const std::string& unit) {
    const auto v = a.get(name);
    if (!v) return fallback;
    try {
        std::size_t used = 0;
        const double x = std::stod(*v, &used);
        if (used == v->size() && x >= 0 && std::isfinite(x)) return x;
    } catch (const std::exception&) {
    }
    throw UsageError("--" + name + " takes a number of " + unit + " (0 or more)");
}

ingest::ClassMapping mapping_of(const Args& a) {
    if (auto file = a.get("mapping")) return ingest::ClassMapping::load(*file, core::Nomenclature::builtin());
    return ingest::ClassMapping::flair();
}

struct Session {
    core::Config config;
    std::unique_ptr<store::Database> db;
    std::unique_ptr<store::ProjectStore> projects;
    store::ProjectRecord project;
    std::optional<qc::Rules> rules;
};

Session open_session(const Args& a, unsigned threads) {
    Session s;
    s.config = load_config(a);
    store::migrate(s.config.database_url);
    s.db = std::make_unique<store::Database>(s.config.database_url, threads + 1);
    s.projects = std::make_unique<store::ProjectStore>(*s.db);
    auto project = s.projects->find(s.config.project);
    if (!project) {
        throw std::runtime_error("project '" + s.config.project + "' does not exist: create it with `tessera project create " +
                                 s.config.project + "`");
    }
    s.project = *project;
    s.rules.emplace(load_qc_rules(s.config));
    return s;
}

ingest::LoadOptions load_options(const Args& a, const Session& s, unsigned threads) {
    ingest::LoadOptions o;
    o.prediction_set = a.get_or("prediction-set", "default");
    o.beside_edited = a.has("beside");
    o.dry_run = a.has("dry-run");
    o.restart = a.has("restart");
    o.threads = threads;
    o.qc_rules = &*s.rules;
    return o;
}

int finish(const Args& a, const ingest::ImportReport& report) {
    report.print_summary(std::cout);
    if (auto file = a.get("report")) {
        std::ofstream out(*file);
        out << report.to_json() << "\n";
        if (!out) throw std::runtime_error(*file + ": cannot write the import report");
        std::cout << "report written to " << *file << "\n";
    }
    return 0;
}

// The one input file of `tessera ingest KIND`; nullopt when --help or --print-mapping asked
// for something else, already printed.
std::optional<std::string> input_file(const Args& a, const std::string& kind, const std::string& usage,
                                      const std::string& text, const std::vector<OptionSpec>& specs) {
    if (a.help()) {
        std::cout << format_help(usage, text, specs);
        return std::nullopt;
    }
    if (a.has("print-mapping")) {
        std::cout << mapping_of(a).to_csv();
        return std::nullopt;
    }
    const auto pos = a.positionals();
    if (pos.size() != 1) throw UsageError("expected: tessera ingest " + kind + " FILE");
    return pos[0];
}

int ingest_vector(const std::vector<std::string>& args) {
    const auto specs = with_options(
        with_options(config_options(), common_options()),
        {{"layer", true, "layer to read (default: the first)"},
         {"cs-field", true, "field with the land-cover code (default code_cs)"},
         {"us-field", true, "field with the land-use code (default code_us)"},
         {"class-field", true, "field with model classes, mapped to CS/US by --mapping (instead of --cs/us-field)"},
         {"confidence-field", true, "field with the confidence, 0..1 or 0..100 (default confidence; '' for none)"},
         {"gaps", true, "fill (default): give gaps to the neighbour sharing the longest border; flag: keep them as "
                        "polygons of confidence 0 for a person to check"},
         {"max-gap", true, "gaps larger than this (m², default 2500) are left uncovered: the prediction's edge"}});
    Args a(args, specs);
    const auto file = input_file(a, "vector",
            "tessera ingest vector FILE [--project NAME] [--class-field F --mapping CSV] [--beside] [--dry-run] ...",
            "Loads a vector prediction (any OGR format) into the project's tiles: reprojected, invalid polygons\n"
            "repaired, multipart ones exploded, clipped to tiles on the 1 cm grid and repaired into a partition\n"
            "(overlaps to the more confident polygon, gaps filled or flagged). One transaction per tile, with its\n"
            "quality controls. Tiles people have edited are never overwritten. Running the same command again\n"
            "resumes an interrupted import.",
        specs);
    if (!file) return 0;
    const auto gaps = a.get_or("gaps", "fill");
    if (gaps != "fill" && gaps != "flag") throw UsageError("--gaps is fill or flag, not '" + gaps + "'");
    const unsigned threads = ingest::worker_count(parse_count(a, "threads", 0));
    auto session = open_session(a, threads);
    ingest::VectorOptions options;
    options.file = *file;
    options.layer = a.get_or("layer", "");
    std::optional<ingest::ClassMapping> mapping;
    if (auto field = a.get("class-field")) {
        options.fields.model_class = *field;
        options.fields.cs.clear();
        options.fields.us.clear();
        mapping = mapping_of(a);
        options.mapping = &*mapping;
    } else {
        options.fields.cs = a.get_or("cs-field", "code_cs");
        options.fields.us = a.get_or("us-field", "code_us");
    }
    options.fields.confidence = a.get_or("confidence-field", "confidence");
    options.gaps.flag = gaps == "flag";
    options.gaps.max_area_m2 = parse_amount(a, "max-gap", 2500, "square metres");
    options.load = load_options(a, session, threads);
    ingest::ImportReport report;
    ingest::ingest_vector(options, *session.projects, session.project, core::Nomenclature::builtin(), report, std::cout);
    return finish(a, report);
}

int ingest_raster(const std::vector<std::string>& args) {
    const auto specs = with_options(
        with_options(config_options(), common_options()),
        {{"sieve", true, "regions smaller than this (m², default 200: the smallest UMC) take their largest "
                         "neighbour's class; 0: no sieve"},
         {"simplify", true, "simplification tolerance in metres (default: one pixel; 0: pixel outlines)"},
         {"confidence", true, "auto (default: whole-number bands are 0..100, others sampled), unit (0..1) or percent"},
         {"work-dir", true, "folder for the temporary sieved raster (default: the system's temporary folder)"}});
    Args a(args, specs);
    const auto file = input_file(a, "raster",
            "tessera ingest raster FILE [--project NAME] [--mapping CSV] [--sieve M2] [--simplify M] [--dry-run] ...",
            "Loads a model's class raster (GeoTIFF: band 1 model classes, optional band 2 confidence) into the\n"
            "project's tiles: sieved to the UMC with GDAL's sieve, polygonized tile by tile, each boundary between\n"
            "two regions simplified once so that shared edges stay shared and tiles meet exactly, classes mapped\n"
            "to CS/US (--mapping; the FLAIR-1 default otherwise), mean confidence per polygon. The raster must be in\n"
            "the project's CRS with pixels aligned on its tile grid. One transaction per tile, with its quality\n"
            "controls. Running the same command again resumes an interrupted import.",
        specs);
    if (!file) return 0;
    const auto unit = a.get_or("confidence", "auto");
    if (unit != "auto" && unit != "unit" && unit != "percent")
        throw UsageError("--confidence is auto, unit or percent, not '" + unit + "'");
    const unsigned threads = ingest::worker_count(parse_count(a, "threads", 0));
    const auto mapping = mapping_of(a);
    ingest::RasterOptions options;
    options.file = *file;
    options.mapping = &mapping;
    options.sieve_m2 = parse_amount(a, "sieve", 200, "square metres");
    if (a.get("simplify")) options.simplify_m = parse_amount(a, "simplify", 0, "metres");
    options.confidence = unit == "unit"      ? ingest::ConfidenceUnit::unit
                         : unit == "percent" ? ingest::ConfidenceUnit::percent
                                             : ingest::ConfidenceUnit::automatic;
    options.work_dir = a.get_or("work-dir", "");
    auto session = open_session(a, threads);
    options.load = load_options(a, session, threads);
    ingest::ImportReport report;
    ingest::ingest_raster(options, *session.projects, session.project, core::Nomenclature::builtin(), report, std::cout);
    return finish(a, report);
}

}  // namespace

int cmd_ingest(const std::vector<std::string>& args) {
    if (!args.empty() && args[0] == "vector") return ingest_vector({args.begin() + 1, args.end()});
    if (!args.empty() && args[0] == "raster") return ingest_raster({args.begin() + 1, args.end()});
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
        std::cout << "usage: tessera ingest vector|raster FILE [OPTIONS]\n\n"
                     "  vector   a vector prediction (any OGR format)   (tessera ingest vector --help)\n"
                     "  raster   a model's class raster (GeoTIFF)        (tessera ingest raster --help)\n";
        return 0;
    }
    throw UsageError("expected: tessera ingest vector FILE, or tessera ingest raster FILE");
}

}  // namespace tessera::app
