#include "core/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <functional>
#include <map>

namespace tessera::core {
namespace {

std::string trim(std::string_view s) {
    auto b = s.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) return {};
    auto e = s.find_last_not_of(" \t\r");
    return std::string(s.substr(b, e - b + 1));
}

template <typename T>
T parse_unsigned(std::string_view name, std::string_view value, std::string_view where, T max) {
    unsigned long long v = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || p != value.data() + value.size() || v > max) {
        throw ConfigError(std::string(where) + ": " + std::string(name) + " must be a whole number from 0 to " +
                          std::to_string(max) + ", got '" + std::string(value) + "'");
    }
    return static_cast<T>(v);
}

bool parse_bool(std::string_view name, std::string_view value, std::string_view where) {
    if (value == "true" || value == "1" || value == "yes" || value == "on") return true;
    if (value == "false" || value == "0" || value == "no" || value == "off") return false;
    throw ConfigError(std::string(where) + ": " + std::string(name) + " must be true or false, got '" +
                      std::string(value) + "'");
}

using Setter = std::function<void(Config&, std::string_view, std::string_view)>;

const std::map<std::string, Setter, std::less<>>& setters() {
    auto size = [](std::size_t Limits::*field) {
        return [field](Config& c, std::string_view v, std::string_view where) {
            c.limits.*field = parse_unsigned<std::size_t>("limit", v, where, std::size_t{1} << 40);
            if (c.limits.*field == 0) throw ConfigError(std::string(where) + ": a limit cannot be 0");
        };
    };
    static const std::map<std::string, Setter, std::less<>> table = {
        {"database_url", [](Config& c, std::string_view v, std::string_view) { c.database_url = v; }},
        {"listen_address", [](Config& c, std::string_view v, std::string_view) { c.listen_address = v; }},
        {"port", [](Config& c, std::string_view v, std::string_view w) {
             c.port = parse_unsigned<std::uint16_t>("port", v, w, 65535);
         }},
        {"io_threads", [](Config& c, std::string_view v, std::string_view w) {
             c.io_threads = std::max(1u, parse_unsigned<unsigned>("io_threads", v, w, 256));
         }},
        {"db_connections", [](Config& c, std::string_view v, std::string_view w) {
             c.db_connections = std::max(1u, parse_unsigned<unsigned>("db_connections", v, w, 256));
         }},
        {"project", [](Config& c, std::string_view v, std::string_view) { c.project = v; }},
        {"static_dir", [](Config& c, std::string_view v, std::string_view) { c.static_dir = std::string(v); }},
        {"imagery_dir", [](Config& c, std::string_view v, std::string_view) { c.imagery_dir = std::string(v); }},
        {"qc_rules", [](Config& c, std::string_view v, std::string_view) { c.qc_rules = std::string(v); }},
        {"qc_coherence", [](Config& c, std::string_view v, std::string_view) { c.qc_coherence = std::string(v); }},
        {"allowed_origins", [](Config& c, std::string_view v, std::string_view) {
             c.allowed_origins.clear();
             std::string item;
             for (char ch : std::string(v) + ",") {
                 if (ch == ',') {
                     if (auto t = trim(item); !t.empty()) c.allowed_origins.push_back(t);
                     item.clear();
                 } else {
                     item += ch;
                 }
             }
         }},
        {"session_hours", [](Config& c, std::string_view v, std::string_view w) {
             c.session_hours = std::max(1u, parse_unsigned<unsigned>("session_hours", v, w, 24 * 365));
         }},
        {"secure_cookies", [](Config& c, std::string_view v, std::string_view w) {
             c.secure_cookies = parse_bool("secure_cookies", v, w);
         }},
        {"idle_timeout_s", [](Config& c, std::string_view v, std::string_view w) {
             c.idle_timeout_s = std::max(5u, parse_unsigned<unsigned>("idle_timeout_s", v, w, 86400));
         }},
        {"lease_idle_s", [](Config& c, std::string_view v, std::string_view w) {
             c.lease_idle_s = std::max(1u, parse_unsigned<unsigned>("lease_idle_s", v, w, 7 * 86400));
         }},
        {"limits.max_frame_bytes", size(&Limits::max_frame_bytes)},
        {"limits.max_http_body_bytes", size(&Limits::max_http_body_bytes)},
        {"limits.max_tiles_per_subscribe", size(&Limits::max_tiles_per_subscribe)},
        {"limits.max_subscribed_tiles", size(&Limits::max_subscribed_tiles)},
        {"limits.max_messages_per_second", size(&Limits::max_messages_per_second)},
        {"limits.max_queued_bytes", size(&Limits::max_queued_bytes)},
        {"limits.max_connections_per_user", size(&Limits::max_connections_per_user)},
        {"limits.max_bbox_tiles", size(&Limits::max_bbox_tiles)},
        {"limits.max_vertices_per_feature", size(&Limits::max_vertices_per_feature)},
        {"limits.max_ops_per_change_set", size(&Limits::max_ops_per_change_set)},
    };
    return table;
}

}  // namespace

void set_option(Config& config, std::string_view name, std::string_view value, std::string_view where) {
    const auto& table = setters();
    auto it = table.find(name);
    if (it == table.end()) {
        throw ConfigError(std::string(where) + ": unknown setting '" + std::string(name) + "'");
    }
    it->second(config, trim(value), where);
}

std::vector<std::string> option_names() {
    std::vector<std::string> names;
    for (const auto& [name, setter] : setters()) names.push_back(name);
    return names;
}

void load_file(Config& config, const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw ConfigError(path.string() + ": cannot open the configuration file");
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
        const auto text = trim(line);
        if (text.empty()) continue;
        const auto where = path.string() + ":" + std::to_string(number);
        const auto eq = text.find('=');
        if (eq == std::string::npos) throw ConfigError(where + ": expected 'name = value'");
        set_option(config, trim(std::string_view(text).substr(0, eq)), std::string_view(text).substr(eq + 1), where);
    }
}

void load_environment(Config& config, char** environ_vars) {
    if (!environ_vars) return;
    std::map<std::string, std::string> by_env;
    for (const auto& name : option_names()) {
        std::string env = "TESSERA_";
        for (char c : name) env += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        by_env[env] = name;
    }
    for (char** e = environ_vars; *e; ++e) {
        std::string_view entry(*e);
        auto eq = entry.find('=');
        if (eq == std::string_view::npos) continue;
        auto it = by_env.find(std::string(entry.substr(0, eq)));
        if (it != by_env.end()) set_option(config, it->second, entry.substr(eq + 1), "environment " + it->first);
    }
}

}  // namespace tessera::core
