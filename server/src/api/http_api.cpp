#include "api/http_api.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "api/dashboards.hpp"
#include "api/http_accounts.hpp"
#include "api/http_workflow.hpp"
#include "core/log.hpp"
#include "store/migrations.hpp"

namespace tessera::api {
namespace {

using nlohmann::json;


json user_json(const auth::Principal& p) {
    return {{"id", p.user_id},
            {"username", p.username},
            {"display_name", p.display_name},
            {"role", std::string(auth::role_name(p.role))}};
}


std::string cookie_header(const Services& s, const std::string& value, long max_age) {
    std::string c = std::string(session_cookie) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                    std::to_string(max_age);
    if (s.config.secure_cookies) c += "; Secure";
    return c;
}

std::optional<auth::Principal> principal_of(Services& s, const HttpRequest& req) {
    auto cred = credentials_of(req);
    if (!cred) return std::nullopt;
    return s.auth.authenticate(cred->token);
}

HttpResponse login(Services& s, const HttpRequest& req) {
    const std::string route = "login";
    json body;
    try {
        body = json::parse(req.body);
    } catch (const json::parse_error& e) {
        return error_response(ErrorKind::malformed, std::string("the request body is not JSON: ") + e.what(), route);
    }
    if (!body.is_object() || !body.contains("username") || !body["username"].is_string() ||
        !body.contains("password") || !body["password"].is_string()) {
        return error_response(ErrorKind::invalid_argument,
                              "expected {\"username\": string, \"password\": string}", route);
    }
    auto result = s.auth.login(body["username"].get<std::string>(), body["password"].get<std::string>(),
                               req.user_agent);
    if (!result) return error_response(ErrorKind::unauthenticated, "wrong username or password", route);
    auto r = json_response(200,
                           {{"user", user_json(result->principal)},
                            {"token", result->token},
                            {"expires_at", iso_time(result->principal.expires_at_ms)}},
                           route);
    r.headers.emplace_back("Set-Cookie", cookie_header(s, result->token, 3600L * s.config.session_hours));
    core::log_info("login user=", result->principal.username, " session=", result->principal.session_id);
    return r;
}

HttpResponse logout(Services& s, const HttpRequest& req) {
    HttpResponse r;
    r.status = 204;
    r.route = "logout";
    r.content_type.clear();
    if (auto cred = credentials_of(req)) s.auth.logout(cred->token);
    r.headers.emplace_back("Set-Cookie", cookie_header(s, "", 0));
    return r;
}

json project_json(const Services& s) {
    json imagery = json::parse(s.project.imagery_json, nullptr, false);
    if (imagery.is_discarded() || !imagery.is_object()) imagery = {{"kind", "none"}};
    // The extent: the tiles the project has.
    const auto e = s.projects.extent(s.project);
    json extent = nullptr;
    if (e.tiles > 0) extent = {e.box.min_x, e.box.min_y, e.box.max_x, e.box.max_y};
    return {{"name", s.project.name}, {"srid", s.project.srid}, {"tile_size_m", s.project.tile_size_m},
            {"extent", extent},       {"tile_count", e.tiles},    {"imagery", imagery}};
}

json nomenclature_json(const core::Nomenclature& n) {
    auto codes = [](const std::vector<core::NomenclatureCode>& list) {
        json out = json::array();
        for (const auto& c : list)
            out.push_back({{"code", c.code}, {"label", c.label}, {"color", c.color}, {"leaf", c.leaf},
                           {"level", c.level}, {"parent", c.parent}});
        return out;
    };
    return {{"cs", codes(n.cs())}, {"us", codes(n.us())}};
}

HttpResponse tiles_in_bbox(Services& s, const HttpRequest& req, const auth::Principal& who) {
    const std::string route = "tiles";
    auto bbox = query_param(req.target, "bbox");
    if (!bbox) return error_response(ErrorKind::invalid_argument, "bbox=minx,miny,maxx,maxy is required", route);
    double v[4];
    std::size_t pos = 0;
    for (int i = 0; i < 4; ++i) {
        auto end = bbox->find(',', pos);
        if ((i < 3) != (end != std::string::npos)) {
            return error_response(ErrorKind::invalid_argument,
                                  "bbox must be four numbers minx,miny,maxx,maxy (metres, EPSG:" +
                                      std::to_string(s.project.srid) + "), got '" + bbox->substr(0, 100) + "'",
                                  route);
        }
        const auto part = bbox->substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        try {
            std::size_t used = 0;
            v[i] = std::stod(part, &used);
            if (used != part.size()) throw std::invalid_argument(part);
        } catch (const std::exception&) {
            return error_response(ErrorKind::invalid_argument,
                                  "bbox value " + std::to_string(i + 1) + " is not a number: '" + part.substr(0, 40) +
                                      "'",
                                  route);
        }
        pos = end + 1;
    }
    const tiles::Box box{v[0], v[1], v[2], v[3]};
    if (!box.valid()) {
        return error_response(ErrorKind::invalid_argument,
                              "bbox must be finite with minx < maxx and miny < maxy", route);
    }
    const auto n = s.grid.count_in(box);
    if (n > s.config.limits.max_bbox_tiles) {
        return error_response(ErrorKind::limit_exceeded,
                              "bbox covers " + std::to_string(n) + " tile positions; the limit is " +
                                  std::to_string(s.config.limits.max_bbox_tiles) + ": zoom in",
                              route);
    }
    json tiles = json::array();
    auto found = s.projects.tiles_in(s.project, box, s.config.limits.max_bbox_tiles);
    std::vector<std::string> keys;
    for (const auto& t : found) keys.push_back(t.key);
    const auto shown = visible_tiles(s, who, keys);
    for (const auto& t : found) {
        if (shown.size() != keys.size() && std::find(shown.begin(), shown.end(), t.key) == shown.end()) continue;
        json j = {{"key", t.key},     {"x", t.x_km * 1000},   {"y", t.y_km * 1000},
                  {"size", s.grid.size_m()}, {"state", t.state}, {"seq", t.seq},
                  {"features", t.feature_count}, {"qc_blocking", t.qc_blocking}, {"qc_warnings", t.qc_warnings}};
        j["mean_confidence"] = t.mean_confidence ? json(*t.mean_confidence) : json(nullptr);
        tiles.push_back(std::move(j));
    }
    return json_response(200, {{"tiles", tiles}}, route);
}

// A tile's stored quality-control issues (kept current by every change set and whole-tile check).
HttpResponse qc_report(Services& s, const HttpRequest& req, const auth::Principal& who) {
    const std::string route = "qc";
    HttpResponse error;
    const auto key = tile_of_request(s, req, who, error, route);
    if (!key) return error;
    const auto report = s.qc.issues(s.project, *key);
    json issues = json::array();
    for (const auto& i : report.issues)
        issues.push_back({{"key", i.key},
                          {"code", i.code},
                          {"severity", i.blocking ? "blocking" : "warning"},
                          {"features", i.features},
                          {"x", static_cast<double>(i.x_cm) / 100},
                          {"y", static_cast<double>(i.y_cm) / 100},
                          {"message", i.message},
                          {"area_m2", i.area_m2}});
    json out = {{"tile", *key},
                {"seq", report.seq},
                {"blocking", report.counts.blocking},
                {"warnings", report.counts.warnings},
                {"issues", issues}};
    out["whole_tile_seq"] = report.whole_seq ? json(*report.whole_seq) : json(nullptr);
    return json_response(200, out, route);
}

// Conflicts are for leads (and admins) to see where people collide.
HttpResponse conflicts(Services& s, const HttpRequest& req, const auth::Principal& who) {
    const std::string route = "conflicts";
    if (who.role != auth::Role::lead && who.role != auth::Role::admin)
        return error_response(ErrorKind::forbidden, "conflicts are visible to leads", route);
    std::string tile = query_param(req.target, "tile").value_or("");
    if (!tile.empty()) {
        std::string why;
        if (!tiles::parse_key(tile, &why)) return error_response(ErrorKind::invalid_argument, why, route);
    }
    json list = json::array();
    for (const auto& c : s.edits.conflicts(s.project, tile, 500))
        list.push_back({{"id", c.id}, {"tile", c.tile_key}, {"change_set", c.change_set}, {"user", c.username},
                        {"features", c.feature_ids}, {"message", c.message}, {"at", iso_time(c.at_ms)}});
    return json_response(200, {{"conflicts", list}}, route);
}

HttpResponse file_response(const std::filesystem::path& file, const std::string& route, bool immutable) {
    static const std::pair<const char*, const char*> types[] = {
        {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},   {".png", "image/png"},
        {".svg", "image/svg+xml"},             {".json", "application/json"},
        {".ico", "image/x-icon"},              {".map", "application/json"},
        {".woff2", "font/woff2"},              {".jpg", "image/jpeg"}};
    HttpResponse r;
    r.route = route;
    r.file = file.string();
    r.content_type = "application/octet-stream";
    for (const auto& [ext, type] : types)
        if (file.extension() == ext) r.content_type = type;
    r.headers.emplace_back("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
    return r;
}

HttpResponse imagery(Services& s, const std::string& path) {
    const std::string route = "imagery";
    // /imagery/<key>.png, nothing else: the key is parsed, never used as a path as given.
    const std::string name = path.substr(std::string("/imagery/").size());
    if (name.size() < 5 || name.substr(name.size() - 4) != ".png")
        return error_response(ErrorKind::not_found, "no such imagery: " + name.substr(0, 60), route);
    std::string why;
    auto key = tiles::parse_key(name.substr(0, name.size() - 4), &why);
    if (!key || s.config.imagery_dir.empty()) return error_response(ErrorKind::not_found, "no imagery here", route);
    auto file = s.config.imagery_dir / (key->str() + ".png");
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
        return error_response(ErrorKind::not_found, "no imagery for tile " + key->str(), route);
    return file_response(file, route, false);
}

HttpResponse static_file(Services& s, const std::string& path) {
    const std::string route = "static";
    if (s.config.static_dir.empty())
        return error_response(ErrorKind::not_found, "this server has no web client configured (static_dir)", route);
    // Only plain names below static_dir: no "..", no hidden files.
    std::filesystem::path rel;
    std::string_view p(path);
    while (!p.empty()) {
        auto slash = p.find('/');
        auto part = p.substr(0, slash);
        if (!part.empty()) {
            if (part.front() == '.' || part.find('\\') != std::string_view::npos)
                return error_response(ErrorKind::not_found, "not found", route);
            rel /= std::string(part);
        }
        if (slash == std::string_view::npos) break;
        p.remove_prefix(slash + 1);
    }
    std::error_code ec;
    auto file = s.config.static_dir / rel;
    if (!rel.empty() && std::filesystem::is_regular_file(file, ec))
        return file_response(file, route, rel.begin()->string() == "assets");
    // The client routes its own pages: unknown paths get index.html.
    auto index = s.config.static_dir / "index.html";
    if (std::filesystem::is_regular_file(index, ec)) return file_response(index, route, false);
    return error_response(ErrorKind::not_found, "the web client is not built (no " + index.string() + ")", route);
}

HttpResponse readyz(Services& s) {
    const std::string route = "readyz";
    if (!s.db.ping()) return json_response(503, {{"status", "unavailable"}, {"reason", "database unreachable"}}, route);
    const int applied = store::applied_version(s.db.url());
    const int known = store::embedded_migrations().back().number;
    if (applied != known) {
        return json_response(503,
                             {{"status", "unavailable"},
                              {"reason", "database schema at migration " + std::to_string(applied) + ", expected " +
                                             std::to_string(known)}},
                             route);
    }
    return json_response(200, {{"status", "ready"}, {"migration", applied}}, route);
}

HttpResponse route(Services& s, const HttpRequest& req) {
    const auto path = path_of(req.target);
    const bool get = req.method == "GET" || req.method == "HEAD";
    if (path == "/healthz" && get) {
        HttpResponse r;
        r.body = "ok\n";
        r.content_type = "text/plain";
        r.route = "healthz";
        return r;
    }
    if (path == "/readyz" && get) return readyz(s);
    if (path == "/metrics" && get) {
        HttpResponse r;
        r.body = s.metrics.prometheus_text();
        r.content_type = "text/plain; version=0.0.4";
        r.route = "metrics";
        return r;
    }
    if (path.rfind("/api/", 0) == 0) {
        if (path == "/api/v1/login") {
            if (req.method != "POST") return error_response(ErrorKind::invalid_argument, "use POST", "login");
            return login(s, req);
        }
        if (path == "/api/v1/logout") {
            if (req.method != "POST") return error_response(ErrorKind::invalid_argument, "use POST", "logout");
            return logout(s, req);
        }
        auto principal = principal_of(s, req);
        if (!principal) {
            return error_response(ErrorKind::unauthenticated,
                                  "log in first: no valid session (cookie or Bearer token)", "api");
        }
        if (auto r = accounts_http(s, req, *principal, path)) return *r;
        if (req.method == "POST")
            if (auto r = workflow_post(s, req, *principal, path)) return *r;
        if (!get) return error_response(ErrorKind::invalid_argument, req.method + " " + path + " is not supported", "api");
        if (path == "/api/v1/me") return json_response(200, {{"user", user_json(*principal)}}, "me");
        if (path == "/api/v1/project") return json_response(200, project_json(s), "project");
        if (path == "/api/v1/nomenclature") return json_response(200, nomenclature_json(s.nomenclature), "nomenclature");
        if (path == "/api/v1/tiles") return tiles_in_bbox(s, req, *principal);
        if (path == "/api/v1/conflicts") return conflicts(s, req, *principal);
        if (path == "/api/v1/qc") return qc_report(s, req, *principal);
        if (auto r = workflow_http(s, req, *principal, path)) return *r;
        if (path.rfind("/api/v1/dashboard/", 0) == 0) return dashboard(s, req, *principal);
        return error_response(ErrorKind::not_found, "no such API endpoint: " + path.substr(0, 100), "api");
    }
    if (!get) return error_response(ErrorKind::invalid_argument, req.method + " is not supported here", "static");
    if (path.rfind("/imagery/", 0) == 0) return imagery(s, path);
    return static_file(s, path);
}

}  // namespace

HttpResponse json_response(int status, const json& body, const std::string& route) {
    HttpResponse r;
    r.status = status;
    r.body = body.dump();
    r.route = route;
    return r;
}

std::string iso_time(std::int64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

HttpResponse error_response(ErrorKind kind, const std::string& message, const std::string& route_name) {
    const auto& w = wire(kind);
    return json_response(w.http_status, {{"error", {{"code", w.name}, {"message", message}}}}, route_name);
}

HttpResponse handle_http(Services& services, const HttpRequest& request) {
    try {
        return route(services, request);
    } catch (const std::exception& e) {
        core::log_error("HTTP ", request.method, " ", path_of(request.target), " failed: ", e.what());
        return error_response(ErrorKind::internal, "internal error; the server log has the details", "error");
    }
}

std::variant<auth::Principal, HttpResponse> check_upgrade(Services& s, const HttpRequest& req) {
    try {
        auto cred = credentials_of(req);
        if (!cred) return error_response(ErrorKind::unauthenticated, "log in first: no session cookie or Bearer token", "ws");
        if (!req.origin.empty()) {
            bool allowed = false;
            if (s.config.allowed_origins.empty()) {
                allowed = req.origin == "http://" + req.host || req.origin == "https://" + req.host;
            } else {
                for (const auto& o : s.config.allowed_origins) allowed = allowed || o == req.origin;
            }
            if (!allowed) return error_response(ErrorKind::forbidden, "origin '" + req.origin.substr(0, 100) + "' is not allowed", "ws");
        } else if (cred->from_cookie) {
            // A cookie is sent by browsers, and browsers always send Origin: a cookie without
            // an Origin is not a browser we can check, so it is refused (cross-site hijacking).
            return error_response(ErrorKind::forbidden, "a cookie-authenticated WebSocket needs an Origin header", "ws");
        }
        auto principal = s.auth.authenticate(cred->token);
        if (!principal) return error_response(ErrorKind::unauthenticated, "the session is unknown, expired or revoked", "ws");
        return *principal;
    } catch (const std::exception& e) {
        core::log_error("WebSocket upgrade check failed: ", e.what());
        return error_response(ErrorKind::unavailable, "cannot check the session now; try again", "ws");
    }
}

}  // namespace tessera::api
