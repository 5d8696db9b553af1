// The `tessera` program: the composition root. Parses the command line, loads the
// configuration (file < environment < command line) and runs one subcommand.

#include <cstdlib>
#include <iostream>
#include <map>

#include "app/args.hpp"
#include "app/commands.hpp"
#include "core/config.hpp"
#include "core/log.hpp"

extern char** environ;

namespace tessera::app {
namespace {

const std::map<std::string, std::pair<Command, std::string>>& commands() {
    static const std::map<std::string, std::pair<Command, std::string>> table = {
        {"serve", {cmd_serve, "serve the API, the WebSocket and the web client"}},
        {"migrate", {cmd_migrate, "apply the database migrations that are missing"}},
        {"user", {cmd_user, "manage accounts (user add)"}},
        {"project", {cmd_project, "create a project or change its settings (project create)"}},
        {"ingest", {cmd_ingest, "load AI predictions into a project's tiles (ingest vector)"}},
        {"territory", {cmd_territory, "load the project's communes, EPCI and départements (territory load)"}},
        {"zone", {cmd_zone, "define zones and assign people to them (zone define, assign, list)"}},
        {"qc", {cmd_qc, "run the quality controls over tiles and write a report (GeoJSON, summary)"}},
        {"demo", {cmd_demo, "generate the demo territory, predictions and imagery (demo generate)"}},
        {"generate", {cmd_generate, "generate prediction rasters and vectors for tests and benchmarks (generate raster, generate vector)"}},
    };
    return table;
}

int usage(std::ostream& out) {
    out << "usage: tessera COMMAND [OPTIONS]   (tessera COMMAND --help for each)\n\n"
           "Tessera: collaborative correction of AI land-cover predictions (OCS GE).\n\ncommands:\n";
    for (const auto& [name, entry] : commands()) {
        std::string left = "  " + name;
        left.resize(12, ' ');
        out << left << entry.second << "\n";
    }
    return 2;
}

}  // namespace

std::vector<OptionSpec> config_options() {
    std::vector<OptionSpec> specs{{"config", true, "configuration file (name = value lines)"}};
    for (auto name : core::option_names()) {
        for (auto& c : name)
            if (c == '_') c = '-';
        specs.push_back({name, true, "configuration setting (see README)"});
    }
    return specs;
}

core::Config load_config(const Args& args) {
    core::Config config;
    if (auto file = args.get("config")) core::load_file(config, *file);
    core::load_environment(config, environ);
    for (auto name : core::option_names()) {
        std::string flag = name;
        for (auto& c : flag)
            if (c == '_') c = '-';
        if (auto v = args.get(flag)) core::set_option(config, name, *v, "--" + flag);
    }
    return config;
}

}  // namespace tessera::app

int main(int argc, char** argv) {
    using namespace tessera;
    std::vector<std::string> rest(argv + 1, argv + argc);
    if (rest.empty() || rest[0] == "--help" || rest[0] == "-h" || rest[0] == "help") {
        app::usage(std::cout);
        return rest.empty() ? 2 : 0;
    }
    const auto& table = app::commands();
    auto it = table.find(rest[0]);
    if (it == table.end()) {
        std::cerr << "tessera: unknown command '" << rest[0] << "'\n";
        return app::usage(std::cerr);
    }
    rest.erase(rest.begin());
    try {
        return it->second.first(rest);
    } catch (const app::UsageError& e) {
        std::cerr << "tessera " << it->first << ": " << e.what() << "\n";
        return 2;
    } catch (const core::ConfigError& e) {
        std::cerr << "tessera " << it->first << ": configuration: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "tessera " << it->first << ": " << e.what() << "\n";
        return 1;
    }
}
