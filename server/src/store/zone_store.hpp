#pragma once

// Territories and zones (SPEC §2): the project's communes (with their EPCI and département),
// zones defined as lists of communes, EPCI, départements or tiles and resolved to tiles, the
// people assigned to them, and the check every request makes: a user with zones sees and
// touches only their tiles (a user without zones, every tile). No libpqxx in this header.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/records.hpp"

namespace tessera::store {

struct CommuneRow {
    std::string code;  // INSEE
    std::string name;
    std::string epci;
    std::string departement;
    std::string hex_wkb;  // ISO WKB (Polygon or MultiPolygon) in the project CRS, hex
};

struct ZoneRecord {
    int id = 0;
    std::string name;
    std::string kind;  // commune, epci, departement, tiles
    std::vector<std::string> codes;
    double boost = 0;
    int tiles = 0;
    std::vector<std::string> members;
};

class ZoneStore {
public:
    explicit ZoneStore(Database& db) : m_db(db) {}

    // Replaces the project's communes (one transaction); returns how many.
    std::size_t load_communes(const ProjectRecord& project, const std::vector<CommuneRow>& communes);
    // Creates or redefines a zone and resolves its tiles (those of the project whose square
    // overlaps the territories, or the keys given). Throws std::invalid_argument listing unknown
    // codes. Returns the number of tiles.
    int define_zone(const ProjectRecord& project, const std::string& name, const std::string& kind,
                    const std::vector<std::string>& codes, double boost, std::optional<int> actor_id);
    // Assigns (or removes) a user to a zone; false when the user or the zone does not exist.
    bool assign(const ProjectRecord& project, const std::string& username, const std::string& zone, bool add,
                std::optional<int> actor_id);
    std::vector<ZoneRecord> zones(const ProjectRecord& project);
    // The keys among `keys` this user may see and touch.
    std::vector<std::string> allowed(const ProjectRecord& project, int user_id, const std::vector<std::string>& keys);

private:
    Database& m_db;
};

}  // namespace tessera::store
