#pragma once

// What crosses the store boundary: plain values, geometry as WKB bytes. No libpqxx here.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tessera::store {

struct ProjectRecord {
    int id = 0;
    std::string name;
    int srid = 2154;
    int tile_size_m = 1000;
    std::string imagery_json = R"({"kind": "none"})";
};

struct TileRecord {
    std::string key;
    int x_km = 0;
    int y_km = 0;
    std::string state;  // tile_state enum label
    std::int64_t seq = 0;
    int feature_count = 0;
    std::optional<double> mean_confidence;
    int qc_blocking = 0;  // the tile's stored quality-control issues
    int qc_warnings = 0;
};

struct FeatureRecord {
    std::int64_t id = 0;
    int version = 0;
    std::string code_cs;
    std::string code_us;
    std::string wkb;  // ISO WKB Polygon
    std::string pred_cs;
    std::string pred_us;
    std::optional<float> pred_confidence;
    bool reviewed = false;
    std::int64_t updated_at_ms = 0;
};

// A quality-control issue as stored (SPEC §5).
struct StoredIssue {
    std::string key;
    std::string code;
    bool blocking = false;
    std::vector<std::int64_t> features;
    std::int64_t x_cm = 0;
    std::int64_t y_cm = 0;
    std::string message;
    double area_m2 = 0;
};

struct QcCounts {
    int blocking = 0;
    int warnings = 0;
};

struct TileSnapshotRecord {
    TileRecord tile;
    std::vector<FeatureRecord> features;
};

// A predicted feature to load into a tile.
struct NewFeature {
    std::string code_cs;
    std::string code_us;
    std::optional<float> confidence;
    std::string ewkb;    // EWKB Polygon with the project's SRID
    double area_m2 = 0;  // the polygon's area: what the tile's mean confidence is weighted by
};

struct UserRecord {
    int id = 0;
    std::string username;
    std::string display_name;
    std::string role;  // user_role enum label
    std::string password_hash;
    bool disabled = false;
};

struct SessionRecord {
    std::int64_t id = 0;
    UserRecord user;
    std::int64_t expires_at_ms = 0;
};

}  // namespace tessera::store
