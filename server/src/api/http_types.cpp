#include "api/http_types.hpp"

namespace tessera::api {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else if (s[i] == '+') {
            out += ' ';
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

std::string path_of(const std::string& target) { return target.substr(0, target.find('?')); }

std::optional<std::string> query_param(const std::string& target, const std::string& name) {
    const auto q = target.find('?');
    if (q == std::string::npos) return std::nullopt;
    std::string_view query(target);
    query.remove_prefix(q + 1);
    while (!query.empty()) {
        auto amp = query.find('&');
        auto part = query.substr(0, amp);
        auto eq = part.find('=');
        if (percent_decode(part.substr(0, eq)) == name)
            return eq == std::string_view::npos ? std::string() : percent_decode(part.substr(eq + 1));
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

std::optional<Credentials> credentials_of(const HttpRequest& request) {
    constexpr std::string_view bearer = "Bearer ";
    if (request.authorization.size() > bearer.size() && request.authorization.compare(0, bearer.size(), bearer) == 0)
        return Credentials{request.authorization.substr(bearer.size()), false};
    std::string_view cookies(request.cookie);
    while (!cookies.empty()) {
        auto semi = cookies.find(';');
        auto part = cookies.substr(0, semi);
        while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
        auto eq = part.find('=');
        if (eq != std::string_view::npos && part.substr(0, eq) == session_cookie)
            return Credentials{std::string(part.substr(eq + 1)), true};
        if (semi == std::string_view::npos) break;
        cookies.remove_prefix(semi + 1);
    }
    return std::nullopt;
}

}  // namespace tessera::api
