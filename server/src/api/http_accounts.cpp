#include "api/http_accounts.hpp"

#include "api/http_api.hpp"

namespace tessera::api {
namespace {

using nlohmann::json;

const std::string route = "users";

// Whether `who` may manage an account of role `role` (or give that role).
bool may_manage(const auth::Principal& who, auth::Role role) {
    if (who.role == auth::Role::admin) return true;
    return who.role == auth::Role::lead && (role == auth::Role::contributor || role == auth::Role::controller);
}

std::optional<json> body_of(const HttpRequest& req, HttpResponse& error) {
    try {
        auto body = json::parse(req.body);
        if (body.is_object()) return body;
    } catch (const json::parse_error&) {
    }
    error = error_response(ErrorKind::malformed, "the request body must be a JSON object", route);
    return std::nullopt;
}

std::optional<std::string> string_field(const json& body, const char* name, HttpResponse& error) {
    if (body.contains(name) && body[name].is_string()) return body[name].get<std::string>();
    error = error_response(ErrorKind::invalid_argument, std::string("\"") + name + "\" (a string) is required", route);
    return std::nullopt;
}

}  // namespace

std::optional<HttpResponse> accounts_http(Services& s, const HttpRequest& req, const auth::Principal& who,
                                          const std::string& path) {
    const std::string base = "/api/v1/users";
    if (path != base && path.rfind(base + "/", 0) != 0) return std::nullopt;
    if (who.role != auth::Role::admin && who.role != auth::Role::lead)
        return error_response(ErrorKind::forbidden, "accounts are managed by leads and administrators", route);
    if (path == base && req.method == "GET") {
        json list = json::array();
        for (const auto& u : s.accounts.users())
            list.push_back({{"id", u.id}, {"username", u.username}, {"display_name", u.display_name},
                            {"role", u.role}, {"disabled", u.disabled}});
        return json_response(200, {{"users", list}}, route);
    }
    if (req.method != "POST") return error_response(ErrorKind::invalid_argument, "use GET or POST", route);
    HttpResponse error;
    if (path == base) {
        auto body = body_of(req, error);
        if (!body) return error;
        auto name = string_field(*body, "username", error);
        auto role = name ? string_field(*body, "role", error) : std::nullopt;
        auto password = role ? string_field(*body, "password", error) : std::nullopt;
        if (!password) return error;
        const auto parsed = auth::parse_role(*role);
        if (!parsed) return error_response(ErrorKind::invalid_argument, "unknown role '" + role->substr(0, 30) + "'", route);
        if (!may_manage(who, *parsed))
            return error_response(ErrorKind::forbidden, "leads create contributors and controllers only", route);
        if (s.accounts.find_user(*name)) return error_response(ErrorKind::invalid_argument, "user '" + *name + "' exists", route);
        try {
            auto user = s.auth.add_user(*name, body->value("display_name", *name), *role, *password, false);
            s.accounts.append_event("user_created_by", who.user_id, json({{"user", user.id}}).dump());
            return json_response(201, {{"user", {{"id", user.id}, {"username", user.username}, {"role", user.role}}}},
                                 route);
        } catch (const std::invalid_argument& e) {
            return error_response(ErrorKind::invalid_argument, e.what(), route);
        }
    }
    // /api/v1/users/NAME/ACTION
    const auto rest = path.substr(base.size() + 1);
    const auto slash = rest.find('/');
    if (slash == std::string::npos) return error_response(ErrorKind::not_found, "no such endpoint", route);
    const auto name = rest.substr(0, slash), action = rest.substr(slash + 1);
    auto target = s.accounts.find_user(name);
    if (!target) return error_response(ErrorKind::not_found, "no user '" + name.substr(0, 63) + "'", route);
    if (!may_manage(who, *auth::parse_role(target->role)))
        return error_response(ErrorKind::forbidden, "leads manage contributors and controllers only", route);
    if (target->id == who.user_id && action != "password")
        return error_response(ErrorKind::forbidden, "you cannot change your own account this way", route);
    if (action == "disable" || action == "enable") {
        s.accounts.set_disabled(name, action == "disable", who.user_id);
    } else if (action == "role") {
        auto body = body_of(req, error);
        if (!body) return error;
        auto role = string_field(*body, "role", error);
        if (!role) return error;
        const auto parsed = auth::parse_role(*role);
        if (!parsed) return error_response(ErrorKind::invalid_argument, "unknown role '" + role->substr(0, 30) + "'", route);
        if (!may_manage(who, *parsed))
            return error_response(ErrorKind::forbidden, "leads give the roles contributor and controller only", route);
        s.accounts.set_role(name, *role, who.user_id);
    } else if (action == "password") {
        auto body = body_of(req, error);
        if (!body) return error;
        auto password = string_field(*body, "password", error);
        if (!password) return error;
        try {
            s.auth.set_password(name, *password, who.user_id);
        } catch (const std::invalid_argument& e) {
            return error_response(ErrorKind::invalid_argument, e.what(), route);
        }
    } else {
        return error_response(ErrorKind::not_found, "no such action '" + action.substr(0, 30) + "'", route);
    }
    return json_response(200, {{"user", name}, {"done", action}}, route);
}

}  // namespace tessera::api
