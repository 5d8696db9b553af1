// `tessera territory load` and `tessera zone`: the project's communes (with their EPCI and
// département) from any OGR file, and zones defined by communes, EPCI, départements or tiles,
// with the people assigned to them.

#include <iostream>
#include <sstream>

#include "app/commands.hpp"
#include "core/hex.hpp"
#include "geo/ogr_source.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/projects.hpp"
#include "store/zone_store.hpp"

namespace tessera::app {
namespace {

std::vector<std::string> split_codes(const std::string& text) {
    std::vector<std::string> out;
    std::string code;
    std::istringstream in(text);
    while (std::getline(in, code, ','))
        if (!code.empty()) out.push_back(code);
    return out;
}

store::ProjectRecord project_of(store::ProjectStore& projects, const core::Config& config) {
    auto project = projects.find(config.project);
    if (!project) throw std::runtime_error("project '" + config.project + "' does not exist");
    return *project;
}

}  // namespace

int cmd_territory(const std::vector<std::string>& args) {
    auto specs = config_options();
    specs.push_back({"layer", true, "layer of communes (default: commune)"});
    specs.push_back({"code-field", true, "INSEE code field (default code_insee)"});
    specs.push_back({"name-field", true, "name field (default nom)"});
    specs.push_back({"epci-field", true, "EPCI (SIREN) field (default code_epci)"});
    specs.push_back({"departement-field", true, "département field (default code_dep)"});
    Args a(args, specs);
    if (a.help()) {
        std::cout << format_help("tessera territory load FILE [--layer commune] [--code-field code_insee] ...",
                                 "Loads the project's communes, with their EPCI and département, from any OGR file\n"
                                 "(reprojected to the project's CRS); zones are then defined by their codes.",
                                 specs);
        return 0;
    }
    const auto& pos = a.positionals();
    if (pos.size() != 2 || pos[0] != "load") throw UsageError("expected: tessera territory load FILE");
    const auto config = load_config(a);
    store::migrate(config.database_url);
    store::Database db(config.database_url, 1);
    store::ProjectStore projects(db);
    const auto project = project_of(projects, config);
    geo::FieldMap fields;
    fields.cs = a.get_or("code-field", "code_insee");
    fields.us = a.get_or("name-field", "nom");
    fields.confidence.clear();
    fields.extra = {a.get_or("epci-field", "code_epci"), a.get_or("departement-field", "code_dep")};
    geo::VectorSource source(pos[1], a.get_or("layer", "commune"), project.srid, fields);
    std::vector<store::CommuneRow> communes;
    geo::VectorFeature f;
    while (source.next(f)) {
        if (f.cs.empty()) throw geo::InputError(source.where(f.fid) + ": no commune code");
        communes.push_back({f.cs, f.us, f.extra[0], f.extra[1], core::hex(f.wkb)});
    }
    if (communes.empty()) throw geo::InputError(pos[1] + ": no commune in layer '" + source.layer_name() + "'");
    store::ZoneStore zones(db);
    std::cout << zones.load_communes(project, communes) << " communes loaded into project " << project.name << "\n";
    return 0;
}

int cmd_zone(const std::vector<std::string>& args) {
    auto specs = config_options();
    specs.push_back({"communes", true, "INSEE codes, comma-separated"});
    specs.push_back({"epci", true, "EPCI (SIREN) codes, comma-separated"});
    specs.push_back({"departements", true, "département codes, comma-separated"});
    specs.push_back({"tiles", true, "tile keys, comma-separated"});
    specs.push_back({"boost", true, "priority boost for the zone's tiles (default 0)"});
    Args a(args, specs);
    if (a.help()) {
        std::cout << format_help(
            "tessera zone define NAME (--communes C,C | --epci E,E | --departements D,D | --tiles K,K) [--boost N]\n"
            "       tessera zone assign|unassign USER ZONE\n       tessera zone list",
            "Zones scope what contributors and controllers see and touch: a user assigned to zones works only\n"
            "on their tiles (a user without zones, on every tile). A zone defined by territories holds the\n"
            "tiles whose square overlaps them.",
            specs);
        return 0;
    }
    const auto& pos = a.positionals();
    if (pos.empty()) throw UsageError("expected: tessera zone define|assign|unassign|list ...");
    const auto config = load_config(a);
    store::migrate(config.database_url);
    store::Database db(config.database_url, 1);
    store::ProjectStore projects(db);
    const auto project = project_of(projects, config);
    store::ZoneStore zones(db);
    if (pos[0] == "list" && pos.size() == 1) {
        for (const auto& z : zones.zones(project)) {
            std::cout << z.name << "\t" << z.kind << "\t" << z.tiles << " tiles\tboost " << z.boost << "\t";
            for (std::size_t i = 0; i < z.members.size(); ++i) std::cout << (i ? "," : "") << z.members[i];
            std::cout << "\n";
        }
        return 0;
    }
    if (pos[0] == "define" && pos.size() == 2) {
        std::string kind, codes;
        int given = 0;
        for (const auto& [option, k] : {std::pair{"communes", "commune"}, {"epci", "epci"}, {"departements", "departement"},
                                        {"tiles", "tiles"}}) {
            if (auto v = a.get(option)) {
                kind = k;
                codes = *v;
                ++given;
            }
        }
        if (given != 1) throw UsageError("give one of --communes, --epci, --departements, --tiles");
        double boost = 0;
        if (auto b = a.get("boost")) {
            try {
                boost = std::stod(*b);
            } catch (const std::exception&) {
                throw UsageError("--boost must be a number");
            }
        }
        const auto list = split_codes(codes);
        if (list.empty()) throw UsageError("no code given");
        try {
            const int n = zones.define_zone(project, pos[1], kind, list, boost, std::nullopt);
            std::cout << "zone " << pos[1] << ": " << n << " tiles\n";
        } catch (const std::invalid_argument& e) {
            throw UsageError(e.what());
        }
        return 0;
    }
    if ((pos[0] == "assign" || pos[0] == "unassign") && pos.size() == 3) {
        if (!zones.assign(project, pos[1], pos[2], pos[0] == "assign", std::nullopt))
            throw std::runtime_error("no user '" + pos[1] + "' or no zone '" + pos[2] + "' in project " + project.name);
        std::cout << pos[1] << (pos[0] == "assign" ? " assigned to " : " removed from ") << pos[2] << "\n";
        return 0;
    }
    throw UsageError("expected: tessera zone define NAME --communes ... | assign USER ZONE | unassign USER ZONE | list");
}

}  // namespace tessera::app
