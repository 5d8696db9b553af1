#pragma once

// What the two ingest benchmarks share: where generated inputs are kept between runs, running
// a program with its time and peak memory, and GDAL's command-line tools.

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "support/server_process.hpp"

namespace tessera::bench {

// Generated inputs are kept (they take a minute to make) in var/bench of the source tree, or
// TESSERA_BENCH_DATA.
inline std::filesystem::path data_dir() {
    const char* dir = std::getenv("TESSERA_BENCH_DATA");
    std::filesystem::path p = dir ? dir : std::filesystem::path(TESSERA_SOURCE_DIR) / "var" / "bench";
    std::filesystem::create_directories(p);
    return p;
}

inline double env_number(const char* name, double fallback) {
    const char* v = std::getenv(name);
    return v ? std::atof(v) : fallback;
}

// Runs a program to the end; stops the benchmark with its output when it fails.
inline test::Measured must_run(const std::string& what, const std::vector<std::string>& argv) {
    std::cout << "  " << what << "...\n" << std::flush;
    auto m = test::run_measured(argv);
    if (m.status != 0) {
        std::cerr << what << " failed (" << m.status << "):\n" << m.output << "\n";
        std::exit(1);
    }
    std::cout << "    " << m.seconds << " s, peak RSS " << m.max_rss_kb / 1024 << " MiB, processor " << m.cpu_seconds
              << " s (whole machine, database included: " << m.machine_cpu_seconds << " s, "
              << m.machine_cpu_seconds / m.seconds << " cores busy)\n";
    return m;
}

// A GDAL Python script with Debian's own interpreter (which has the osgeo module, whatever
// python3 comes first in PATH).
inline std::vector<std::string> gdal_script(const std::string& name, std::vector<std::string> args) {
    std::vector<std::string> argv{"/usr/bin/python3", "/usr/bin/" + name};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

}  // namespace tessera::bench
