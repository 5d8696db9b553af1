#include "support/bench_world.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <sstream>

#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

#include "core/nomenclature.hpp"
#include "geo/geos.hpp"
#include "ingest/vector_ingest.hpp"
#include "support/server_process.hpp"

namespace tessera::test {

std::vector<TestFeature> voronoi_tile(double x0, double y0, int cells, double densify_m, std::uint64_t seed) {
    geo::Context ctx;
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0, 1000);
    std::string wkt = "MULTIPOINT(";
    for (int i = 0; i < cells; ++i) wkt += (i ? "," : "") + std::to_string(x0 + u(rng)) + " " + std::to_string(y0 + u(rng));
    wkt += ")";
    auto points = ctx.from_wkt(wkt);
    auto box = ctx.box(x0, y0, x0 + 1000, y0 + 1000);
    auto diagram = ctx.own(GEOSVoronoiDiagram_r(ctx.handle(), points.get(), box.get(), 0, 0), "voronoi");
    if (densify_m > 0) diagram = ctx.own(GEOSDensify_r(ctx.handle(), diagram.get(), densify_m), "densify");
    static const char* cs[] = {"CS2.2.1", "CS2.1.1.1", "CS1.1.1.1", "CS1.1.1.2", "CS2.1.1.3"};
    static const char* us[] = {"US1.1", "US1.2", "US235", "US4.1.1", "US6.3"};
    std::vector<TestFeature> out;
    const int n = GEOSGetNumGeometries_r(ctx.handle(), diagram.get());
    for (int i = 0; i < n; ++i) {
        auto clipped = ctx.intersection(GEOSGetGeometryN_r(ctx.handle(), diagram.get(), i), box.get());
        for (auto& p : ctx.polygons(clipped.get()))
            out.push_back({ctx.to_wkt(p.get(), 2), cs[i % 5], us[(i / 5) % 5], 0.5 + (i % 50) / 100.0});
    }
    return out;
}

store::ProjectRecord load_dense_tile(const TestDatabase& db, store::ProjectStore& projects) {
    auto project = projects.ensure("bench", 2154, 1000, R"({"kind": "none"})");
    const auto dir = std::filesystem::temp_directory_path() / ("tessera_bench_" + db.name());
    std::filesystem::create_directories(dir);
    const auto file = dir / "tile.gpkg";
    write_vector(file.string(), "GPKG", 2154, voronoi_tile(880000, 6840000, 3000, 2.4, 42));
    ingest::VectorOptions options;
    options.file = file;
    std::ostringstream log;
    ingest::ImportReport report;
    ingest::ingest_vector(options, projects, project, core::Nomenclature::builtin(), report, log);
    std::filesystem::remove_all(dir);
    return project;
}

BenchWorld::BenchWorld(int columns, int rows, int cells, double densify_m) : m_columns(columns), m_rows(rows) {
    std::vector<TestFeature> all;
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < columns; ++c) {
            auto tile = voronoi_tile(880000 + c * 1000.0, 6840000 + r * 1000.0, cells, densify_m,
                                     static_cast<std::uint64_t>(r * columns + c + 1));
            all.insert(all.end(), tile.begin(), tile.end());
        }
    const auto file = std::filesystem::temp_directory_path() / ("tessera_bench_" + m_db.name() + ".gpkg");
    write_vector(file.string(), "GPKG", 2154, all);
    std::string out;
    if (run_tessera({"project", "create", "demo", "--database-url", m_db.url()}, &out) != 0 ||
        run_tessera({"ingest", "vector", file.string(), "--database-url", m_db.url()}, &out) != 0 ||
        run_tessera({"user", "add", user, "--role", "contributor", "--password", password, "--database-url", m_db.url()},
                    &out) != 0) {
        throw std::runtime_error("setting up the benchmark failed: " + out);
    }
    std::filesystem::remove(file);
}

std::vector<std::string> BenchWorld::tile_keys() const {
    std::vector<std::string> keys;
    char buf[32];
    for (int r = 0; r < m_rows; ++r)
        for (int c = 0; c < m_columns; ++c) {
            std::snprintf(buf, sizeof buf, "%04d_%04d", 880 + c, 6840 + r);
            keys.emplace_back(buf);
        }
    return keys;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

double cpu_seconds(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(text.substr(close + 2));
    std::string f;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> f; ++i) {
        if (i == 14) utime = std::stod(f);
        if (i == 15) stime = std::stod(f);
    }
    return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double cpu_seconds_named(const std::string& name) {
    double total = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const auto pid = entry.path().filename().string();
        if (pid.empty() || !std::isdigit(static_cast<unsigned char>(pid[0]))) continue;
        std::ifstream comm(entry.path() / "comm");
        std::string c;
        std::getline(comm, c);
        if (c == name) total += cpu_seconds(std::stoi(pid));
    }
    return total;
}

double machine_busy_seconds() {
    std::ifstream in("/proc/stat");
    std::string cpu;
    double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
    return (user + nice + system + irq + softirq + steal) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long rss_kib(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

}  // namespace tessera::test
