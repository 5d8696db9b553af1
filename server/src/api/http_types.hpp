#pragma once

// HTTP as the API sees it: plain values, no Beast. The net module converts.

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tessera::api {

struct HttpRequest {
    std::string method;  // "GET", "POST", ...
    std::string target;  // path and query, as received
    std::string body;
    std::string cookie;         // the Cookie header
    std::string authorization;  // the Authorization header
    std::string origin;         // the Origin header
    std::string host;           // the Host header
    std::string user_agent;
    std::string content_type;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string route;  // a fixed name for metrics and logs
    std::string file;   // when set, the net module streams this file as the body
};

// Splits "path?query" and decodes one query parameter (percent-decoding); nullopt if absent.
std::optional<std::string> query_param(const std::string& target, const std::string& name);
std::string path_of(const std::string& target);

// The session token of a request: the Bearer token, else the tessera_session cookie.
struct Credentials {
    std::string token;
    bool from_cookie = false;
};
std::optional<Credentials> credentials_of(const HttpRequest& request);

inline constexpr const char* session_cookie = "tessera_session";

}  // namespace tessera::api
