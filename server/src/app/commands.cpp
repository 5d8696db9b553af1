#include "app/commands.hpp"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <sstream>
#include <unistd.h>

#include "api/editing.hpp"
#include "api/presence.hpp"
#include "api/services.hpp"
#include "auth/auth.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/nomenclature.hpp"
#include "demo/demo.hpp"
#include "net/server.hpp"
#include "qc/rules.hpp"
#include "store/accounts.hpp"
#include "store/database.hpp"
#include "store/dashboard_store.hpp"
#include "store/edit_store.hpp"
#include "store/listener.hpp"
#include "store/migrations.hpp"
#include "store/projects.hpp"

namespace tessera::app {
namespace {

std::vector<OptionSpec> with(std::vector<OptionSpec> specs, const std::vector<OptionSpec>& more) {
    specs.insert(specs.end(), more.begin(), more.end());
    return specs;
}

bool print_help(const Args& a, const std::string& usage, const std::string& text, const std::vector<OptionSpec>& specs) {
    if (!a.help()) return false;
    std::cout << format_help(usage, text, specs);
    return true;
}

}  // namespace

// The quality-control rules of the configuration (the defaults when no file is given); a bad
// file stops the start with its name, line and reason.
qc::Rules load_qc_rules(const core::Config& config) {
    if (config.qc_rules.empty() && config.qc_coherence.empty()) return qc::Rules::defaults();
    if (config.qc_rules.empty()) throw std::runtime_error("qc_coherence needs qc_rules (a rules file, may be empty)");
    std::optional<std::filesystem::path> coherence;
    if (!config.qc_coherence.empty()) coherence = config.qc_coherence;
    return qc::Rules::load(config.qc_rules, coherence);
}

int cmd_serve(const std::vector<std::string>& args) {
    const auto specs = config_options();
    Args a(args, specs);
    if (print_help(a, "tessera serve [--config FILE] [--port N] [--database-url URL] ...",
                   "Serves the HTTP API, the WebSocket /ws and the web client. Applies missing migrations first.\n"
                   "Every setting can also come from a file (--config) or a TESSERA_<NAME> variable.",
                   specs))
        return 0;
    if (!a.positionals().empty()) throw UsageError("unexpected argument '" + a.positionals()[0] + "'");
    const auto config = load_config(a);
    store::migrate(config.database_url);
    store::Database db(config.database_url, config.db_connections);
    store::ProjectStore projects(db);
    store::AccountStore accounts(db);
    auth::AuthService auth(accounts, config.session_hours);
    auto project = projects.find(config.project);
    if (!project) {
        throw std::runtime_error("project '" + config.project +
                                 "' does not exist: create it with `tessera project create " + config.project + "`");
    }
    core::Metrics metrics;
    store::EditStore edits(db);
    api::LeaseCache leases;
    net::Server* server_ptr = nullptr;
    api::Services* services_ptr = nullptr;
    // Changes this instance has not delivered (committed by another instance, or published out
    // of order) are read back from the database on a worker and published in order.
    hub::Hub hub(
        [&](const std::string& tile, std::uint64_t after) {
            server_ptr->post_work([&, tile, after] {
                auto changes = edits.changes_after(*project, tile, static_cast<std::int64_t>(after), 1000);
                if (!changes) return;
                for (const auto& c : *changes)
                    hub.publish(tile, static_cast<std::uint64_t>(c.seq),
                                std::make_shared<const std::string>(api::encode_change(c, tile, services_ptr->grid, 0)));
            });
        },
        [&](const std::string& tile, const std::vector<hub::ViewerState>& viewers) {
            return api::encode_presence(leases, tile, viewers);
        });
    const auto qc_rules = load_qc_rules(config);
    store::QcStore qc(db);
    store::WorkflowStore workflow(db);
    store::ZoneStore zones(db);
    api::Services services{config,   db,    projects, accounts, auth,     metrics,          core::Nomenclature::builtin(),
                           *project, tiles::Grid(project->tile_size_m), edits, hub, leases, qc_rules, qc,
                           workflow, zones,   config.lease_idle_s};
    services_ptr = &services;
    net::Server server(services);
    server_ptr = &server;
    // Commits and lease changes of every instance on this database, including this one.
    const std::string prefix = std::to_string(project->id) + " ";
    store::Listener listener(
        config.database_url, store::tile_channel,
        [&](const std::string& payload) {
            // "revoked session <id>" / "revoked user <id>": an account change or a logout.
            if (payload.rfind("revoked ", 0) == 0) {
                std::istringstream in(payload.substr(8));
                std::string what;
                std::int64_t id = 0;
                in >> what >> id;
                server.revoke(what == "session" ? id : -1, what == "user" ? static_cast<int>(id) : -1);
                return;
            }
            if (payload.rfind(prefix, 0) != 0) return;
            std::istringstream in(payload.substr(prefix.size()));
            std::string tile, what;
            in >> tile >> what;
            if (what == "lease" || what == "lapsed") {
                int user = 0;
                in >> user;
                server.post_work([&, tile, what, user] {
                    leases.set(tile, edits.lease(*project, tile));
                    hub.refresh_presence(tile);
                    if (what == "lapsed") hub.send_to_user(tile, user, api::encode_lease_notice(tile, "lapsed"));
                });
            } else if (!what.empty() && std::isdigit(static_cast<unsigned char>(what[0]))) {
                hub.notified(tile, std::stoull(what));
            }
        },
        [&] {
            // (Re)connected: catch up on commits made while nobody listened.
            for (const auto& tile : hub.tiles())
                if (auto t = projects.tile(*project, tile)) hub.notified(tile, static_cast<std::uint64_t>(t->seq));
        });
    // Leases lapse after idling: every instance sweeps; the database decides once.
    server.every(std::clamp(config.lease_idle_s / 4, 1u, 15u), [&] { edits.expire_leases(*project); });
    // The dashboards' rollups follow the event log a few seconds behind (each read catches up).
    store::DashboardStore dashboards(db);
    server.every(5, [&] { dashboards.fold(); });
    server.every_ms(250, [&] { hub.flush_presence(); });
    const auto port = server.listen();
    core::log_info("serving project '", project->name, "' on http://", config.listen_address, ":", port);
    // A line on stdout that scripts and tests wait for (the port matters when --port 0).
    std::cout << "tessera: listening on " << config.listen_address << ":" << port << std::endl;
    server.run();
    core::log_info("stopped");
    return 0;
}

int cmd_migrate(const std::vector<std::string>& args) {
    const auto specs = config_options();
    Args a(args, specs);
    if (print_help(a, "tessera migrate [--database-url URL]",
                   "Applies the migrations this program carries that the database lacks. Safe to run while\n"
                   "servers start: runners wait for each other.",
                   specs))
        return 0;
    const auto config = load_config(a);
    auto result = store::migrate(config.database_url);
    std::cout << (result.applied.empty() ? "schema up to date" : std::to_string(result.applied.size()) + " migrations applied")
              << " (at " << result.current << ")\n";
    return 0;
}

int cmd_user(const std::vector<std::string>& args) {
    const auto specs = with(config_options(), {{"role", true, "contributor, controller, lead or admin"},
                                               {"password", true, "the password (prefer --password-stdin)"},
                                               {"password-stdin", false, "read the password from standard input"},
                                               {"name", true, "display name"},
                                               {"replace", false, "change the user if it exists"}});
    Args a(args, specs);
    if (print_help(a,
                   "tessera user add USERNAME --role ROLE (--password P | --password-stdin) [--name NAME]\n"
                   "       tessera user disable|enable USERNAME\n"
                   "       tessera user role USERNAME --role ROLE\n"
                   "       tessera user password USERNAME (--password P | --password-stdin)\n"
                   "       tessera user list",
                   "Manages accounts. Passwords are stored as Argon2id hashes. Disabling an account, changing\n"
                   "its role or its password ends its sessions and closes its open connections.",
                   specs))
        return 0;
    const auto& pos = a.positionals();
    const auto config = load_config(a);
    store::Database db(config.database_url, 1);
    store::AccountStore accounts(db);
    auth::AuthService auth(accounts, config.session_hours);
    auto read_password = [&] {
        std::string password;
        if (a.has("password-stdin")) {
            std::getline(std::cin, password);
        } else if (auto p = a.get("password")) {
            password = *p;
        } else {
            throw UsageError("give --password or --password-stdin");
        }
        return password;
    };
    if (pos.size() == 1 && pos[0] == "list") {
        for (const auto& u : accounts.users())
            std::cout << u.username << "\t" << u.role << (u.disabled ? "\tdisabled" : "") << "\n";
        return 0;
    }
    if (pos.size() == 2 && pos[0] != "add") {
        try {
            bool found = false;
            if (pos[0] == "disable" || pos[0] == "enable") {
                found = accounts.set_disabled(pos[1], pos[0] == "disable", std::nullopt);
            } else if (pos[0] == "role") {
                if (!a.has("role") || !auth::parse_role(*a.get("role")))
                    throw UsageError("--role must be contributor, controller, lead or admin");
                found = accounts.set_role(pos[1], *a.get("role"), std::nullopt);
            } else if (pos[0] == "password") {
                found = auth.set_password(pos[1], read_password(), std::nullopt);
            } else {
                throw UsageError("unknown user command '" + pos[0] + "' (add, disable, enable, role, password, list)");
            }
            if (!found) throw std::runtime_error("no user '" + pos[1] + "'");
        } catch (const std::invalid_argument& e) {
            throw UsageError(e.what());
        }
        std::cout << "user " << pos[1] << ": " << pos[0] << " done\n";
        return 0;
    }
    if (pos.size() != 2 || pos[0] != "add") throw UsageError("expected: tessera user add USERNAME --role ROLE ...");
    if (!a.has("role")) throw UsageError("--role is required (contributor, controller, lead or admin)");
    const auto password = read_password();
    try {
        auto user = auth.add_user(pos[1], a.get_or("name", pos[1]), *a.get("role"), password, a.has("replace"));
        std::cout << "user " << user.username << " (" << user.role << ") ready\n";
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    return 0;
}

int cmd_project(const std::vector<std::string>& args) {
    const auto specs = with(config_options(), {{"srid", true, "EPSG code of the project CRS (default 2154)"},
                                               {"tile-size", true, "tile side in metres, a multiple of 1000 (default 1000)"},
                                               {"imagery", true, "imagery settings as JSON, e.g. {\"kind\":\"xyz\",\"url\":\"...\"}"}});
    Args a(args, specs);
    if (print_help(a, "tessera project create NAME [--srid 2154] [--tile-size 1000] [--imagery JSON]",
                   "Creates a project (or updates the imagery of an existing one).", specs))
        return 0;
    const auto& pos = a.positionals();
    if (pos.size() != 2 || pos[0] != "create") throw UsageError("expected: tessera project create NAME");
    int srid = 0, tile = 0;
    try {
        srid = std::stoi(a.get_or("srid", "2154"));
        tile = std::stoi(a.get_or("tile-size", "1000"));
    } catch (const std::exception&) {
        throw UsageError("--srid and --tile-size take whole numbers");
    }
    if (tile <= 0 || tile % 1000 != 0) throw UsageError("--tile-size must be a positive multiple of 1000");
    const auto config = load_config(a);
    store::migrate(config.database_url);
    store::Database db(config.database_url, 1);
    store::ProjectStore projects(db);
    auto p = projects.ensure(pos[1], srid, tile, a.get_or("imagery", R"({"kind": "none"})"));
    std::cout << "project " << p.name << " (EPSG:" << p.srid << ", " << p.tile_size_m << " m tiles) ready\n";
    return 0;
}

int cmd_demo(const std::vector<std::string>& args) {
    const std::vector<OptionSpec> specs{{"out", true, "output folder"},
                                        {"geo", true, "folder with real geography (OSM extract); default: none"},
                                        {"seed", true, "random seed (default 20260101)"}};
    Args a(args, specs);
    if (print_help(a, "tessera demo generate --out DIR [--geo DIR] [--seed N]",
                   "Generates a demo territory: a ground-truth partition (procedural, or from the real OSM\n"
                   "extract in --geo), AI-like predictions degraded from it (prediction.gpkg) and rendered\n"
                   "imagery (imagery/<tile>.png).",
                   specs))
        return 0;
    const auto& pos = a.positionals();
    if (pos.size() != 1 || pos[0] != "generate") throw UsageError("expected: tessera demo generate --out DIR");
    if (!a.has("out")) throw UsageError("--out DIR is required");
    demo::Options options;
    options.out_dir = *a.get("out");
    if (auto g = a.get("geo"); g && !g->empty()) options.geo_dir = *g;
    try {
        if (auto s = a.get("seed")) options.seed = std::stoull(*s);
    } catch (const std::exception&) {
        throw UsageError("--seed takes a whole number");
    }
    auto summary = demo::generate(options, std::cout);
    std::cout << "demo (" << summary.source << "): " << summary.truth_polygons << " true polygons, "
              << summary.predicted_polygons << " predicted (" << summary.confused_polygons << " with a wrong class)\n"
              << "extent " << summary.extent.min_x << " " << summary.extent.min_y << " " << summary.extent.max_x << " "
              << summary.extent.max_y << "\n";
    return 0;
}

}  // namespace tessera::app
