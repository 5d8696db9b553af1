#include "api/http_workflow.hpp"

#include <algorithm>
#include <cmath>

#include "api/http_api.hpp"
#include "geo/wkb.hpp"

namespace tessera::api {
namespace {

using nlohmann::json;

json comment_json(const store::CommentRow& c) {
    json j = {{"x", static_cast<double>(c.x_cm) / 100}, {"y", static_cast<double>(c.y_cm) / 100},
              {"reason", c.reason},                      {"text", c.text},
              {"author", c.author},                      {"at", iso_time(c.at_ms)}};
    j["feature"] = c.feature_id ? json(c.feature_id) : json(nullptr);
    return j;
}

json review_json(const store::ReviewRecord& r) {
    json comments = json::array();
    for (const auto& c : r.comments) comments.push_back(comment_json(c));
    json j = {{"id", r.id},        {"reviewer", r.reviewer}, {"reasons", r.reasons},
              {"comment", r.comment}, {"claimed_at", iso_time(r.claimed_at_ms)}, {"comments", comments}};
    j["outcome"] = r.outcome.empty() ? json(nullptr) : json(r.outcome);
    j["ended_at"] = r.ended_at_ms ? json(iso_time(r.ended_at_ms)) : json(nullptr);
    return j;
}


// A polygon's rings in metres, GeoJSON style.
json rings_json(const std::string& wkb) {
    json rings = json::array();
    auto parsed = geo::polygon_from_wkb(wkb);
    if (!parsed) return rings;
    for (const auto& ring : *parsed) {
        json r = json::array();
        for (const auto& p : ring) r.push_back({static_cast<double>(p.x) / 100, static_cast<double>(p.y) / 100});
        rings.push_back(std::move(r));
    }
    return rings;
}

}  // namespace

std::optional<std::string> tile_of_request(Services& s, const HttpRequest& req, const auth::Principal& who,
                                      HttpResponse& error, const std::string& route) {
    auto tile = query_param(req.target, "tile");
    if (!tile) {
        error = error_response(ErrorKind::invalid_argument, "tile=KEY is required", route);
        return std::nullopt;
    }
    std::string why;
    auto key = tiles::parse_key(*tile, &why);
    if (!key || !s.grid.aligned(*key)) {
        error = error_response(ErrorKind::invalid_argument, "tile: " + why, route);
        return std::nullopt;
    }
    if (!s.projects.tile(s.project, key->str())) {
        error = error_response(ErrorKind::not_found, "tile " + key->str() + " does not exist", route);
        return std::nullopt;
    }
    if (visible_tiles(s, who, {key->str()}).empty()) {
        error = error_response(ErrorKind::forbidden, "tile " + key->str() + " is outside your zones", route);
        return std::nullopt;
    }
    return key->str();
}

std::optional<HttpResponse> workflow_post(Services& s, const HttpRequest& req, const auth::Principal& who,
                                          const std::string& path) {
    if (path != "/api/v1/zones" && path != "/api/v1/zones/assign" && path != "/api/v1/tiles/priority")
        return std::nullopt;
    const std::string route = path == "/api/v1/tiles/priority" ? "priority" : "zones";
    if (who.role != auth::Role::lead && who.role != auth::Role::admin)
        return error_response(ErrorKind::forbidden, "zones and priorities are set by leads", route);
    json body;
    try {
        body = json::parse(req.body);
    } catch (const json::parse_error&) {
    }
    if (!body.is_object()) return error_response(ErrorKind::malformed, "the request body must be a JSON object", route);
    auto text = [&](const char* name) -> std::optional<std::string> {
        if (body.contains(name) && body[name].is_string()) return body[name].get<std::string>();
        return std::nullopt;
    };
    if (path == "/api/v1/zones") {
        const auto name = text("name"), kind = text("kind");
        static const std::vector<std::string> kinds = {"commune", "epci", "departement", "tiles"};
        if (!name || name->empty() || name->size() > 100)
            return error_response(ErrorKind::invalid_argument, "\"name\" (1 to 100 characters) is required", route);
        if (!kind || std::find(kinds.begin(), kinds.end(), *kind) == kinds.end())
            return error_response(ErrorKind::invalid_argument,
                                  "\"kind\" must be commune, epci, departement or tiles", route);
        if (!body.contains("codes") || !body["codes"].is_array() || body["codes"].empty())
            return error_response(ErrorKind::invalid_argument, "\"codes\" (a non-empty array of strings) is required", route);
        std::vector<std::string> codes;
        for (const auto& c : body["codes"]) {
            if (!c.is_string()) return error_response(ErrorKind::invalid_argument, "every code must be a string", route);
            codes.push_back(c.get<std::string>());
        }
        double boost = 0;
        if (body.contains("boost")) {
            if (!body["boost"].is_number() || !std::isfinite(body["boost"].get<double>()))
                return error_response(ErrorKind::invalid_argument, "\"boost\" must be a number", route);
            boost = body["boost"].get<double>();
        }
        try {
            const int n = s.zones.define_zone(s.project, *name, *kind, codes, boost, who.user_id);
            return json_response(200, {{"zone", *name}, {"tiles", n}}, route);
        } catch (const std::invalid_argument& e) {
            return error_response(ErrorKind::invalid_argument, e.what(), route);
        }
    }
    if (path == "/api/v1/zones/assign") {
        const auto user = text("user"), zone = text("zone");
        if (!user || !zone) return error_response(ErrorKind::invalid_argument, "\"user\" and \"zone\" are required", route);
        const bool remove = body.value("remove", false);
        if (!s.zones.assign(s.project, *user, *zone, !remove, who.user_id))
            return error_response(ErrorKind::not_found, "no user '" + user->substr(0, 63) + "' or zone '" +
                                                            zone->substr(0, 100) + "'", route);
        return json_response(200, {{"user", *user}, {"zone", *zone}, {"assigned", !remove}}, route);
    }
    // Tile priority override.
    const auto tile = text("tile");
    std::string why;
    const auto key = tile ? tiles::parse_key(*tile, &why) : std::nullopt;
    if (!key) return error_response(ErrorKind::invalid_argument, tile ? "tile: " + why : "\"tile\" is required", route);
    std::optional<double> priority;
    if (body.contains("priority") && !body["priority"].is_null()) {
        if (!body["priority"].is_number() || !std::isfinite(body["priority"].get<double>()))
            return error_response(ErrorKind::invalid_argument, "\"priority\" must be a number or null", route);
        priority = body["priority"].get<double>();
    }
    if (!s.workflow.set_priority(s.project, key->str(), priority, who.user_id))
        return error_response(ErrorKind::not_found, "tile " + key->str() + " does not exist", route);
    json out = {{"tile", key->str()}};
    out["priority"] = priority ? json(*priority) : json(nullptr);
    return json_response(200, out, route);
}

std::optional<HttpResponse> workflow_http(Services& s, const HttpRequest& req, const auth::Principal& who,
                                          const std::string& path) {
    if (path == "/api/v1/zones") {
        // Leads see every zone and its members; others the zones they are assigned to.
        const bool lead = who.role == auth::Role::lead || who.role == auth::Role::admin;
        json list = json::array();
        for (const auto& z : s.zones.zones(s.project)) {
            const bool mine = std::find(z.members.begin(), z.members.end(), who.username) != z.members.end();
            if (!lead && !mine) continue;
            json j = {{"name", z.name}, {"kind", z.kind}, {"codes", z.codes}, {"tiles", z.tiles}, {"boost", z.boost}};
            if (lead) j["members"] = z.members;
            list.push_back(std::move(j));
        }
        return json_response(200, {{"zones", list}}, "zones");
    }
    if (path == "/api/v1/my-work") {
        json tiles = json::array();
        for (const auto& w : s.workflow.my_work(s.project, who.user_id, 500)) {
            json j = {{"tile", w.tile_key},         {"state", w.state},      {"change_sets", w.change_sets},
                      {"last_change", iso_time(w.last_change_ms)}, {"qc_blocking", w.qc_blocking},
                      {"qc_warnings", w.qc_warnings}};
            j["last_review"] = w.last_review ? review_json(*w.last_review) : json(nullptr);
            tiles.push_back(std::move(j));
        }
        return json_response(200, {{"user", who.username}, {"tiles", tiles}}, "my-work");
    }
    if (path == "/api/v1/reviews") {
        HttpResponse error;
        auto tile = tile_of_request(s, req, who, error, "reviews");
        if (!tile) return error;
        json list = json::array();
        for (const auto& r : s.workflow.reviews(s.project, *tile, 50)) list.push_back(review_json(r));
        return json_response(200, {{"tile", *tile}, {"reviews", list}}, "reviews");
    }
    if (path == "/api/v1/prediction") {
        HttpResponse error;
        auto tile = tile_of_request(s, req, who, error, "prediction");
        if (!tile) return error;
        json features = json::array();
        for (const auto& f : s.workflow.prediction(s.project, *tile)) {
            json j = {{"id", f.id}, {"code_cs", f.code_cs}, {"code_us", f.code_us}, {"changed", f.changed},
                      {"rings", rings_json(f.wkb)}};
            j["confidence"] = f.confidence ? json(*f.confidence) : json(nullptr);
            features.push_back(std::move(j));
        }
        return json_response(200, {{"tile", *tile}, {"srid", s.project.srid}, {"features", features}}, "prediction");
    }
    if (path == "/api/v1/review-queue") {
        if (who.role != auth::Role::controller && who.role != auth::Role::lead)
            return error_response(ErrorKind::forbidden, "the review queue is for controllers and leads", "review-queue");
        json list = json::array();
        for (const auto& q : s.workflow.review_queue(s.project, who.user_id, 200))
            list.push_back({{"tile", q.tile_key},
                            {"submitted_by", q.submitted_by},
                            {"submitted_at", q.submitted_at_ms ? json(iso_time(q.submitted_at_ms)) : json(nullptr)},
                            {"qc_warnings", q.qc_warnings}});
        return json_response(200, {{"tiles", list}}, "review-queue");
    }
    if (path == "/api/v1/next-tile") {
        std::size_t limit = 1;
        if (auto l = query_param(req.target, "limit")) {
            try {
                limit = static_cast<std::size_t>(std::clamp(std::stoi(*l), 1, 100));
            } catch (const std::exception&) {
                return error_response(ErrorKind::invalid_argument, "limit must be a number from 1 to 100", "next-tile");
            }
        }
        json list = json::array();
        for (const auto& n : s.workflow.next_tiles(s.project, who.user_id, limit)) {
            json j = {{"tile", n.tile_key}, {"state", n.state}, {"score", n.score}, {"qc_blocking", n.qc_blocking}};
            j["mean_confidence"] = n.mean_confidence ? json(*n.mean_confidence) : json(nullptr);
            list.push_back(std::move(j));
        }
        return json_response(200, {{"tiles", list}}, "next-tile");
    }
    return std::nullopt;
}

}  // namespace tessera::api
