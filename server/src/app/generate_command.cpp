// `tessera generate raster|vector`: realistic prediction data of any size for tests and
// benchmarks (demo/prediction_raster.hpp), deterministic for a seed.

#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "app/commands.hpp"
#include "demo/prediction_raster.hpp"

namespace tessera::app {
namespace {

double number(const Args& a, const std::string& name, double fallback) {
    const auto v = a.get(name);
    if (!v) return fallback;
    try {
        std::size_t used = 0;
        const double d = std::stod(*v, &used);
        if (used != v->size() || !std::isfinite(d)) throw std::invalid_argument(*v);
        return d;
    } catch (const std::exception&) {
        throw UsageError("--" + name + " takes a number, not '" + *v + "'");
    }
}

std::uint64_t seed_of(const Args& a) {
    const auto v = a.get("seed");
    if (!v) return 20260101;
    try {
        std::size_t used = 0;
        const auto s = std::stoull(*v, &used);
        if (used != v->size()) throw std::invalid_argument(*v);
        return s;
    } catch (const std::exception&) {
        throw UsageError("--seed takes a whole number");
    }
}

demo::GridSpec grid_of(const Args& a, double default_area_km2, double default_resolution) {
    demo::GridSpec grid;
    try {
        grid.side_km = demo::side_for_area(number(a, "area-km2", default_area_km2));
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--area-km2: ") + e.what());
    }
    grid.resolution_m = number(a, "resolution", default_resolution);
    if (auto o = a.get("origin")) {
        std::istringstream in(*o);
        char comma = 0;
        if (!(in >> grid.origin_x >> comma >> grid.origin_y) || comma != ',' || !in.eof())
            throw UsageError("--origin takes X,Y (Lambert-93 metres of the top-left corner), not '" + *o + "'");
    }
    try {
        demo::check_grid(grid);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    return grid;
}

int threads_of(const Args& a) {
    const double t = number(a, "threads", 2);
    if (t < 1 || t > 64 || t != std::floor(t)) throw UsageError("--threads takes a whole number from 1 to 64");
    return static_cast<int>(t);
}

std::string megabytes(const std::filesystem::path& p) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(p, ec);
    std::ostringstream out;
    out << std::fixed << std::setprecision(1) << (ec ? 0.0 : static_cast<double>(size) / 1e6) << " MB";
    return out.str();
}

std::string describe(const demo::GridSpec& g) {
    std::ostringstream out;
    out << g.side_km << " × " << g.side_km << " km from (" << std::fixed << std::setprecision(0) << g.origin_x << ", "
        << g.origin_y << ") top-left, EPSG:2154, " << std::setprecision(2) << g.resolution_m << " m pixels (" << g.width()
        << " × " << g.height() << ")";
    return out.str();
}

}  // namespace

int cmd_generate(const std::vector<std::string>& args) {
    const std::vector<OptionSpec> specs{
        {"out", true, "output file (.tif for raster, .gpkg for vector)"},
        {"area-km2", true, "area, rounded to a square of whole km (raster: 100; vector: 484, 22 × 22 km, about 1,000,000 polygons)"},
        {"resolution", true, "pixel size in metres, dividing 1 km (default 1)"},
        {"seed", true, "random seed (default 20260101); the same seed gives the same data"},
        {"origin", true, "X,Y top-left corner, whole km, Lambert-93 (default 860000,6840000: the Meuse near Bure)"},
        {"confidence", true, "raster band 2: percent (Byte 1..100, default), unit (Float32 0..1) or none"},
        {"compress", true, "raster compression: deflate (level 1, default), lzw or none"},
        {"sieve-m2", true, "vector: regions smaller than this are merged before polygonizing (default 4)"},
        {"threads", true, "worker threads (default 2)"},
    };
    Args a(args, specs);
    if (a.help()) {
        std::cout << format_help(
            "tessera generate raster --out pred.tif [--area-km2 100] [--resolution 1] [--seed N] [--origin X,Y]\n"
            "                        [--confidence percent|unit|none] [--compress deflate|lzw|none]\n"
            "       tessera generate vector --out pred.gpkg [--area-km2 484] [--resolution 1] [--seed N] [--origin X,Y]\n"
            "                        [--sieve-m2 4]",
            "Generates realistic AI predictions for tests and benchmarks: a Meuse-like landscape (fields, forests,\n"
            "a river, roads, street villages) with a segmentation model's errors (speckle, small wrong blobs,\n"
            "ragged boundaries, confused parcels) and its confidence (low near boundaries and on errors).\n"
            "raster: a tiled GeoTIFF, band 1 FLAIR-1 classes 1..19 (Byte), band 2 confidence.\n"
            "vector: the same landscape polygonized in 1.5 km windows offset by 250 m from the 1 km tiles\n"
            "(polygons straddle tile borders), layer 'prediction' with classe, confidence (0..1), code_cs,\n"
            "code_us, and injected vector errors: ~0.5 % shifted polygons, ~0.05 % bow-ties, ~0.1 %\n"
            "MultiPolygons. Same seed, same output.",
            specs);
        return 0;
    }
    const auto& pos = a.positionals();
    if (pos.size() != 1 || (pos[0] != "raster" && pos[0] != "vector"))
        throw UsageError("expected: tessera generate raster|vector --out FILE");
    if (!a.has("out")) throw UsageError("--out FILE is required");
    const std::filesystem::path out = *a.get("out");
    if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());

    if (pos[0] == "raster") {
        for (const char* vector_only : {"sieve-m2"})
            if (a.has(vector_only)) throw UsageError(std::string("--") + vector_only + " is for generate vector");
        demo::RasterOptions o;
        o.out = out;
        o.grid = grid_of(a, 100, 1);
        o.seed = seed_of(a);
        o.threads = threads_of(a);
        const auto confidence = a.get_or("confidence", "percent");
        if (confidence == "percent") o.confidence = demo::ConfidenceEncoding::percent;
        else if (confidence == "unit") o.confidence = demo::ConfidenceEncoding::unit;
        else if (confidence == "none") o.confidence = demo::ConfidenceEncoding::none;
        else throw UsageError("--confidence takes percent, unit or none");
        const auto compress = a.get_or("compress", "deflate");
        if (compress == "deflate") o.compression = geo::Compression::deflate;
        else if (compress == "lzw") o.compression = geo::Compression::lzw;
        else if (compress == "none") o.compression = geo::Compression::none;
        else throw UsageError("--compress takes deflate, lzw or none");
        std::cout << "generate raster: " << describe(o.grid) << ", seed " << o.seed << "\n";
        const auto s = demo::generate_raster(o, std::cout);
        const double total = static_cast<double>(s.width) * s.height;
        std::cout << "wrote " << out.string() << " (" << megabytes(out) << ") in " << std::fixed << std::setprecision(1)
                  << s.seconds << " s\nclasses:";
        for (int c = 1; c <= demo::flair_class_count; ++c) {
            if (!s.class_pixels[static_cast<std::size_t>(c)]) continue;
            std::cout << " " << demo::flair_name(static_cast<demo::Flair>(c)) << " " << std::setprecision(2)
                      << 100.0 * static_cast<double>(s.class_pixels[static_cast<std::size_t>(c)]) / total << "%";
        }
        std::cout << "\n";
        return 0;
    }

    for (const char* raster_only : {"confidence", "compress"})
        if (a.has(raster_only)) throw UsageError(std::string("--") + raster_only + " is for generate raster");
    demo::VectorOptions o;
    o.out = out;
    o.grid = grid_of(a, 484, 1);
    o.seed = seed_of(a);
    o.threads = threads_of(a);
    o.sieve_m2 = number(a, "sieve-m2", o.sieve_m2);
    if (o.sieve_m2 < 0) throw UsageError("--sieve-m2 must not be negative");
    std::cout << "generate vector: " << describe(o.grid) << ", seed " << o.seed << ", sieve " << o.sieve_m2 << " m²\n";
    const auto s = demo::generate_vector(o, std::cout);
    std::cout << "wrote " << out.string() << " (" << megabytes(out) << "): " << s.features << " features from "
              << s.polygons << " polygons in " << s.windows << " windows, " << std::fixed << std::setprecision(1)
              << s.seconds << " s\ninjected errors: " << s.shifted << " shifted 0.3–2 m, " << s.bowties
              << " self-intersecting (bow-tie), " << s.multipolygons << " MultiPolygons of " << s.grouped_parts
              << " polygons\n";
    return 0;
}

}  // namespace tessera::app
