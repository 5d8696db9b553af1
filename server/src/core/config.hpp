#pragma once

// The server's configuration: one plain struct, filled from a file, then the environment
// (TESSERA_*), then the command line, each overriding the one before. Every limit has a safe
// default. Passed by reference; there is no global instance.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::core {

struct Limits {
    std::size_t max_frame_bytes = 1u << 20;          // one WebSocket message
    std::size_t max_http_body_bytes = 1u << 20;      // one HTTP request body
    std::size_t max_tiles_per_subscribe = 64;        // one Subscribe
    std::size_t max_subscribed_tiles = 256;          // one connection at a time
    std::size_t max_messages_per_second = 100;       // per connection, averaged over a few seconds
    std::size_t max_queued_bytes = 32u << 20;        // unsent bytes per connection before it is closed
    std::size_t max_connections_per_user = 16;
    std::size_t max_bbox_tiles = 10000;              // GET /api/v1/tiles
    std::size_t max_vertices_per_feature = 100000;
    std::size_t max_ops_per_change_set = 500;
};

struct Config {
    std::string database_url = "postgresql:///tessera";  // libpq connection string or URI
    std::string listen_address = "127.0.0.1";
    std::uint16_t port = 8080;
    unsigned io_threads = 2;
    unsigned db_connections = 4;
    std::string project = "demo";
    std::filesystem::path static_dir;    // the built web client (client-web/dist)
    std::filesystem::path imagery_dir;   // rendered demo imagery, <tilekey>.png
    // Quality-control rules (thresholds, severities, UMC...) and CS×US coherence table; empty:
    // the defaults compiled in (server/data/qc).
    std::filesystem::path qc_rules;
    std::filesystem::path qc_coherence;
    std::vector<std::string> allowed_origins;  // empty: same host as the request only
    unsigned session_hours = 12;
    bool secure_cookies = false;         // set the Secure flag (behind HTTPS)
    unsigned idle_timeout_s = 120;       // WebSocket without any frame, pings included
    unsigned lease_idle_s = 1800;        // a tile lease lapses after this long without activity
    Limits limits;
};

class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Sets one setting by its name as written in a file ("port", "limits.max_frame_bytes"...);
// throws ConfigError naming `where` when the name is unknown or the value malformed.
void set_option(Config& config, std::string_view name, std::string_view value, std::string_view where);

// The names set_option knows, for --help.
std::vector<std::string> option_names();

// Reads "name = value" lines ('#' starts a comment) into `config`.
void load_file(Config& config, const std::filesystem::path& path);

// Applies TESSERA_<NAME> variables (dots become underscores, upper case) from `environ`.
void load_environment(Config& config, char** environ_vars);

}  // namespace tessera::core
