#include "api/dashboards.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/http_api.hpp"
#include "store/dashboard_store.hpp"

namespace tessera::api {
namespace {

using nlohmann::json;

constexpr std::string_view prefix = "/api/v1/dashboard/";
constexpr int default_tile_limit = 100;
constexpr int max_tile_limit = 100000;

// --------------------------------------------------------------------------------- CSV

std::string csv_field(const std::string& v) {
    if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
    std::string out = "\"";
    for (char c : v) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + '"';
}

std::string number(double v) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

// One table: a header row, then rows of already formatted cells.
class Csv {
public:
    explicit Csv(std::vector<std::string> header) { row(std::move(header)); }
    void row(const std::vector<std::string>& cells) {
        for (std::size_t i = 0; i < cells.size(); ++i) m_text += (i ? "," : "") + csv_field(cells[i]);
        m_text += "\r\n";
    }
    const std::string& text() const { return m_text; }

private:
    std::string m_text;
};

template <typename T>
std::string cell(const std::optional<T>& v) {
    if (!v) return "";
    if constexpr (std::is_floating_point_v<T>) return number(*v);
    else return std::to_string(*v);
}

template <typename T>
json nullable(const std::optional<T>& v) {
    return v ? json(*v) : json(nullptr);
}

json username_json(const std::string& name) { return name.empty() ? json(nullptr) : json(name); }

// ------------------------------------------------------------------------------ request

struct Request {
    std::string name;   // states, progress, ...
    std::string route;  // for metrics and logs
    bool csv = false;
    store::DayRange range;
};

HttpResponse json_ok(const json& body, const Request& r) {
    HttpResponse out;
    out.body = body.dump();
    out.route = r.route;
    return out;
}

HttpResponse csv_ok(const Csv& csv, const Services& s, const Request& r, const std::string& suffix = "") {
    HttpResponse out;
    out.body = csv.text();
    out.content_type = "text/csv; charset=utf-8";
    out.route = r.route;
    out.headers.emplace_back("Content-Disposition", "attachment; filename=\"tessera-" + s.project.name + "-" + r.name +
                                                        suffix + ".csv\"");
    return out;
}

// A UTC day as YYYY-MM-DD, between 2000 and 2199; nullopt when it is not one.
std::optional<std::chrono::year_month_day> parse_day(const std::string& text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    int y = 0;
    unsigned m = 0;
    unsigned d = 0;
    const char* p = text.data();
    if (std::from_chars(p, p + 4, y).ptr != p + 4 || std::from_chars(p + 5, p + 7, m).ptr != p + 7 ||
        std::from_chars(p + 8, p + 10, d).ptr != p + 10)
        return std::nullopt;
    const std::chrono::year_month_day day{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
    if (!day.ok() || y < 2000 || y > 2199) return std::nullopt;
    return day;
}

// ?from and ?to, checked; an error message when they are wrong.
std::optional<std::string> read_range(const HttpRequest& req, store::DayRange& range) {
    std::optional<std::chrono::year_month_day> bounds[2];
    const char* names[2] = {"from", "to"};
    std::string* values[2] = {&range.from, &range.to};
    for (int i = 0; i < 2; ++i) {
        auto v = query_param(req.target, names[i]);
        if (!v || v->empty()) continue;
        bounds[i] = parse_day(*v);
        if (!bounds[i])
            return std::string(names[i]) + " must be a day YYYY-MM-DD (2000 to 2199), got '" + v->substr(0, 40) + "'";
        *values[i] = *v;
    }
    if (bounds[0] && bounds[1] && std::chrono::sys_days(*bounds[0]) > std::chrono::sys_days(*bounds[1]))
        return "from (" + range.from + ") is after to (" + range.to + ")";
    return std::nullopt;
}

// ?zone=NAME: its id; nullopt when absent. An error response when there is no such zone.
std::variant<std::optional<int>, HttpResponse> read_zone(Services& s, store::DashboardStore& store,
                                                         const HttpRequest& req, const Request& r) {
    auto name = query_param(req.target, "zone");
    if (!name) return std::optional<int>();
    auto id = store.zone_id(s.project, *name);
    if (!id) return error_response(ErrorKind::not_found, "no zone named '" + name->substr(0, 100) + "'", r.route);
    return id;
}

// ?user=NAME: its id; nullopt when absent. The caller's own name needs no lookup.
std::variant<std::optional<int>, HttpResponse> read_user(Services& s, const HttpRequest& req, const Request& r,
                                                         const auth::Principal& who) {
    auto name = query_param(req.target, "user");
    if (!name) return std::optional<int>();
    if (*name == who.username) return std::optional<int>(who.user_id);
    auto user = s.accounts.find_user(*name);
    if (!user) return error_response(ErrorKind::not_found, "no user named '" + name->substr(0, 100) + "'", r.route);
    return std::optional<int>(user->id);
}

// --------------------------------------------------------------------------- dashboards

json states_json(const store::ZoneStates& z) {
    json by_state = json::object();
    for (std::size_t i = 0; i < store::tile_states.size(); ++i)
        by_state[store::tile_states[i]] = {{"tiles", z.states[i].tiles}, {"area_m2", z.states[i].area_m2}};
    json out = {{"tiles", z.tiles()}, {"area_m2", z.area_m2()}, {"by_state", by_state}};
    if (z.zone_id) out["zone"] = z.zone;
    return out;
}

json state_names() {
    json out = json::array();
    for (const char* st : store::tile_states) out.push_back(st);
    return out;
}

HttpResponse states(Services& s, store::DashboardStore& store, const HttpRequest& req, const Request& r) {
    auto zone = read_zone(s, store, req, r);
    if (auto* e = std::get_if<HttpResponse>(&zone)) return *e;
    const auto rows = store.states(s.project, std::get<std::optional<int>>(zone));
    if (r.csv) {
        Csv csv({"scope", "zone", "state", "tiles", "area_m2"});
        for (const auto& z : rows)
            for (std::size_t i = 0; i < store::tile_states.size(); ++i)
                csv.row({z.zone_id ? "zone" : "project", z.zone, store::tile_states[i],
                         std::to_string(z.states[i].tiles), number(z.states[i].area_m2)});
        return csv_ok(csv, s, r);
    }
    json out = {{"states", state_names()}, {"zones", json::array()}};
    for (const auto& z : rows) {
        if (z.zone_id) out["zones"].push_back(states_json(z));
        else out["project"] = states_json(z);
    }
    return json_ok(out, r);
}

HttpResponse progress(Services& s, store::DashboardStore& store, const HttpRequest& req, const Request& r) {
    auto zone = read_zone(s, store, req, r);
    if (auto* e = std::get_if<HttpResponse>(&zone)) return *e;
    const auto zone_id = std::get<std::optional<int>>(zone);
    const auto days = store.progress(s.project, zone_id, r.range);
    if (r.csv) {
        std::vector<std::string> header = {"day"};
        for (const char* st : store::tile_states) header.emplace_back(st);
        header.emplace_back("total");
        Csv csv(header);
        for (const auto& d : days) {
            std::vector<std::string> cells = {d.day};
            std::int64_t total = 0;
            for (auto n : d.tiles) {
                cells.push_back(std::to_string(n));
                total += n;
            }
            cells.push_back(std::to_string(total));
            csv.row(cells);
        }
        return csv_ok(csv, s, r);
    }
    json list = json::array();
    for (const auto& d : days) {
        json day = {{"day", d.day}};
        std::int64_t total = 0;
        for (std::size_t i = 0; i < store::tile_states.size(); ++i) {
            day[store::tile_states[i]] = d.tiles[i];
            total += d.tiles[i];
        }
        day["total"] = total;
        list.push_back(std::move(day));
    }
    json out = {{"states", state_names()}, {"days", list}};
    out["zone"] = zone_id ? json(query_param(req.target, "zone").value_or("")) : json(nullptr);
    return json_ok(out, r);
}

HttpResponse throughput(Services& s, store::DashboardStore& store, const Request& r) {
    const auto days = store.throughput(s.project, r.range);
    static const std::vector<std::string> header = {"day",        "change_sets", "ops",    "submissions",
                                                    "approvals", "rejections",  "reopens"};
    if (r.csv) {
        Csv csv(header);
        for (const auto& d : days)
            csv.row({d.day, std::to_string(d.change_sets), std::to_string(d.ops), std::to_string(d.submissions),
                     std::to_string(d.approvals), std::to_string(d.rejections), std::to_string(d.reopens)});
        return csv_ok(csv, s, r);
    }
    json list = json::array();
    store::DayThroughput total;
    for (const auto& d : days) {
        list.push_back({{"day", d.day},
                        {"change_sets", d.change_sets},
                        {"ops", d.ops},
                        {"submissions", d.submissions},
                        {"approvals", d.approvals},
                        {"rejections", d.rejections},
                        {"reopens", d.reopens}});
        total.change_sets += d.change_sets;
        total.ops += d.ops;
        total.submissions += d.submissions;
        total.approvals += d.approvals;
        total.rejections += d.rejections;
        total.reopens += d.reopens;
    }
    json totals = {{"change_sets", total.change_sets}, {"ops", total.ops},
                   {"submissions", total.submissions}, {"approvals", total.approvals},
                   {"rejections", total.rejections},   {"reopens", total.reopens}};
    return json_ok({{"days", list}, {"totals", totals}}, r);
}

json contributor_json(const store::ContributorFigures& c) {
    return {{"user_id", c.user_id},
            {"username", username_json(c.username)},
            {"change_sets", c.change_sets},
            {"ops", c.ops},
            {"submissions", c.submissions},
            {"tiles_submitted", c.tiles_submitted},
            {"approved", c.approved},
            {"rejected", c.rejected},
            {"approval_rate", nullable(c.approval_rate())},
            {"rework", c.rework}};
}

HttpResponse contributors(Services& s, store::DashboardStore& store, const HttpRequest& req, const Request& r,
                          const auth::Principal& who) {
    auto user = read_user(s, req, r, who);
    if (auto* e = std::get_if<HttpResponse>(&user)) return *e;
    const auto rows = store.contributors(s.project, std::get<std::optional<int>>(user), r.range);
    if (r.csv) {
        Csv csv({"user_id", "username", "change_sets", "ops", "submissions", "tiles_submitted", "approved", "rejected",
                 "approval_rate", "rework"});
        for (const auto& c : rows)
            csv.row({std::to_string(c.user_id), c.username, std::to_string(c.change_sets), std::to_string(c.ops),
                     std::to_string(c.submissions), std::to_string(c.tiles_submitted), std::to_string(c.approved),
                     std::to_string(c.rejected), cell(c.approval_rate()), std::to_string(c.rework)});
        return csv_ok(csv, s, r);
    }
    json list = json::array();
    store::ContributorFigures total;
    for (const auto& c : rows) {
        list.push_back(contributor_json(c));
        total.change_sets += c.change_sets;
        total.ops += c.ops;
        total.submissions += c.submissions;
        total.tiles_submitted += c.tiles_submitted;  // (a tile submitted by two people counts twice)
        total.approved += c.approved;
        total.rejected += c.rejected;
        total.rework += c.rework;
    }
    json totals = contributor_json(total);
    totals.erase("user_id");
    totals.erase("username");
    return json_ok({{"contributors", list}, {"totals", totals}}, r);
}

HttpResponse controllers(Services& s, store::DashboardStore& store, const HttpRequest& req, const Request& r,
                         const auth::Principal& who) {
    auto user = read_user(s, req, r, who);
    if (auto* e = std::get_if<HttpResponse>(&user)) return *e;
    const auto rows = store.controllers(s.project, std::get<std::optional<int>>(user));
    // The fixed reasons always, then any other met in the log.
    std::vector<std::string> reasons(store::rejection_reasons.begin(), store::rejection_reasons.end());
    for (const auto& c : rows)
        for (const auto& [reason, n] : c.reasons)
            if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) reasons.push_back(reason);
    auto count = [](const store::ControllerFigures& c, const std::string& reason) {
        auto it = c.reasons.find(reason);
        return it == c.reasons.end() ? std::int64_t{0} : it->second;
    };
    if (r.csv) {
        std::vector<std::string> header = {"user_id", "username", "claimed",  "approved",
                                           "rejected", "released", "lapsed", "median_review_s"};
        for (const auto& reason : reasons) header.push_back("reason_" + reason);
        Csv csv(header);
        for (const auto& c : rows) {
            std::vector<std::string> cells = {std::to_string(c.user_id), c.username, std::to_string(c.claimed),
                                              std::to_string(c.approved), std::to_string(c.rejected),
                                              std::to_string(c.released), std::to_string(c.lapsed),
                                              cell(c.median_review_s)};
            for (const auto& reason : reasons) cells.push_back(std::to_string(count(c, reason)));
            csv.row(cells);
        }
        return csv_ok(csv, s, r);
    }
    json list = json::array();
    store::ControllerFigures total;
    for (const auto& c : rows) {
        json by_reason = json::object();
        for (const auto& reason : reasons) {
            by_reason[reason] = count(c, reason);
            total.reasons[reason] += count(c, reason);
        }
        list.push_back({{"user_id", c.user_id},
                        {"username", username_json(c.username)},
                        {"claimed", c.claimed},
                        {"approved", c.approved},
                        {"rejected", c.rejected},
                        {"released", c.released},
                        {"lapsed", c.lapsed},
                        {"median_review_s", nullable(c.median_review_s)},
                        {"reasons", by_reason}});
        total.claimed += c.claimed;
        total.approved += c.approved;
        total.rejected += c.rejected;
        total.released += c.released;
        total.lapsed += c.lapsed;
    }
    json total_reasons = json::object();
    for (const auto& reason : reasons) total_reasons[reason] = total.reasons[reason];
    json totals = {{"claimed", total.claimed},   {"approved", total.approved}, {"rejected", total.rejected},
                   {"released", total.released}, {"lapsed", total.lapsed},     {"reasons", total_reasons}};
    return json_ok({{"controllers", list}, {"totals", totals}}, r);
}

HttpResponse qc(Services& s, store::DashboardStore& store, const Request& r) {
    const auto rows = store.qc(s.project);
    auto severity = [](bool blocking) { return blocking ? "blocking" : "warning"; };
    if (r.csv) {
        Csv csv({"code", "severity", "issues", "tiles"});
        for (const auto& q : rows)
            csv.row({q.code, severity(q.blocking), std::to_string(q.issues), std::to_string(q.tiles)});
        return csv_ok(csv, s, r);
    }
    json list = json::array();
    std::int64_t blocking = 0;
    std::int64_t warnings = 0;
    for (const auto& q : rows) {
        list.push_back(
            {{"code", q.code}, {"severity", severity(q.blocking)}, {"issues", q.issues}, {"tiles", q.tiles}});
        (q.blocking ? blocking : warnings) += q.issues;
    }
    return json_ok({{"issues", list}, {"totals", {{"blocking", blocking}, {"warning", warnings}}}}, r);
}

HttpResponse conflicts(Services& s, store::DashboardStore& store, const HttpRequest& req, const Request& r) {
    const auto by = query_param(req.target, "by");
    if (by && *by != "day" && *by != "tile" && *by != "user")
        return error_response(ErrorKind::invalid_argument, "by must be day, tile or user", r.route);
    int limit = default_tile_limit;
    if (auto text = query_param(req.target, "limit")) {
        auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
        if (ec != std::errc() || end != text->data() + text->size() || limit < 1 || limit > max_tile_limit)
            return error_response(ErrorKind::invalid_argument,
                                  "limit must be a number of tiles from 1 to " + std::to_string(max_tile_limit),
                                  r.route);
    }
    const auto f = store.conflicts(s.project, r.range, limit);
    const std::string table = by.value_or(r.csv ? "day" : "");
    if (r.csv) {
        if (table == "day") {
            Csv csv({"day", "conflicts", "users"});
            for (const auto& d : f.days) csv.row({d.day, std::to_string(d.conflicts), std::to_string(d.users)});
            return csv_ok(csv, s, r, "-by-day");
        }
        if (table == "tile") {
            Csv csv({"tile", "conflicts", "users", "last_at"});
            for (const auto& t : f.tiles)
                csv.row({t.tile, std::to_string(t.conflicts), std::to_string(t.users), t.last_at});
            return csv_ok(csv, s, r, "-by-tile");
        }
        Csv csv({"user_id", "username", "conflicts", "tiles"});
        for (const auto& u : f.users)
            csv.row({std::to_string(u.user_id), u.username, std::to_string(u.conflicts), std::to_string(u.tiles)});
        return csv_ok(csv, s, r, "-by-user");
    }
    json out = {{"total", f.total}};
    if (table.empty() || table == "day") {
        out["days"] = json::array();
        for (const auto& d : f.days)
            out["days"].push_back({{"day", d.day}, {"conflicts", d.conflicts}, {"users", d.users}});
    }
    if (table.empty() || table == "tile") {
        out["tiles"] = json::array();
        for (const auto& t : f.tiles)
            out["tiles"].push_back(
                {{"tile", t.tile}, {"conflicts", t.conflicts}, {"users", t.users}, {"last_at", t.last_at}});
    }
    if (table.empty() || table == "user") {
        out["users"] = json::array();
        for (const auto& u : f.users)
            out["users"].push_back({{"user_id", u.user_id},
                                    {"username", username_json(u.username)},
                                    {"conflicts", u.conflicts},
                                    {"tiles", u.tiles}});
    }
    return json_ok(out, r);
}

}  // namespace

HttpResponse dashboard(Services& s, const HttpRequest& req, const auth::Principal& who) {
    static const std::vector<std::string> names = {"states",       "progress",    "throughput", "contributors",
                                                   "controllers", "qc",          "conflicts"};
    const auto path = path_of(req.target);
    Request r;
    r.name = path.substr(std::min(path.size(), prefix.size()));
    if (std::find(names.begin(), names.end(), r.name) == names.end())
        return error_response(ErrorKind::not_found,
                              "no dashboard named '" + r.name.substr(0, 60) +
                                  "' (states, progress, throughput, contributors, controllers, qc, conflicts)",
                              "dashboard");
    r.route = "dashboard_" + r.name;

    // Leads see every dashboard; anyone else their own line only.
    if (who.role != auth::Role::lead && who.role != auth::Role::admin) {
        const bool own_line = (r.name == "contributors" || r.name == "controllers") &&
                              query_param(req.target, "user") == who.username;
        if (!own_line)
            return error_response(ErrorKind::forbidden,
                                  "dashboards are for leads; you may see your own figures at "
                                  "/api/v1/dashboard/contributors?user=" +
                                      who.username + " or /api/v1/dashboard/controllers?user=" + who.username,
                                  r.route);
    }

    const auto format = query_param(req.target, "format").value_or("json");
    if (format != "json" && format != "csv")
        return error_response(ErrorKind::invalid_argument, "format must be json or csv", r.route);
    r.csv = format == "csv";
    if (auto why = read_range(req, r.range)) return error_response(ErrorKind::invalid_argument, *why, r.route);

    store::DashboardStore store(s.db);
    if (r.name == "states") return states(s, store, req, r);
    if (r.name == "progress") return progress(s, store, req, r);
    if (r.name == "throughput") return throughput(s, store, r);
    if (r.name == "contributors") return contributors(s, store, req, r, who);
    if (r.name == "controllers") return controllers(s, store, req, r, who);
    if (r.name == "qc") return qc(s, store, r);
    return conflicts(s, store, req, r);
}

}  // namespace tessera::api
