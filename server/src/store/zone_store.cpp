#include "store/zone_store.hpp"

#include <stdexcept>

#include "store/connection.hpp"
#include "store/detail_arrays.hpp"

namespace tessera::store {
namespace {

std::vector<std::string> split_array(const std::string& text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto comma = text.find(',', pos);
        if (comma == std::string::npos) comma = text.size();
        if (comma > pos) out.push_back(text.substr(pos, comma - pos));
        pos = comma + 1;
    }
    return out;
}

std::string array_of(const std::vector<std::string>& values) {
    return detail::text_array(std::vector<std::optional<std::string>>(values.begin(), values.end()));
}

}  // namespace

std::size_t ZoneStore::load_communes(const ProjectRecord& project, const std::vector<CommuneRow>& communes) {
    auto conn = m_db.acquire();
    pqxx::work tx(conn->pq());
    tx.exec_params("DELETE FROM territory WHERE project_id = $1 AND kind = 'commune'", project.id);
    tx.exec("CREATE TEMP TABLE territory_load (code text, name text, epci text, departement text, wkb text) "
            "ON COMMIT DROP");
    {
        pqxx::stream_to copy(tx, "territory_load",
                             std::vector<std::string>{"code", "name", "epci", "departement", "wkb"});
        for (const auto& c : communes) copy << std::make_tuple(c.code, c.name, c.epci, c.departement, c.hex_wkb);
        copy.complete();
    }
    tx.exec_params("INSERT INTO territory (project_id, kind, code, name, epci, departement, geom) "
                   "SELECT $1, 'commune', code, name, nullif(epci, ''), nullif(departement, ''), "
                   "ST_Multi(ST_SetSRID(ST_GeomFromWKB(decode(wkb, 'hex')), $2)) FROM territory_load",
                   project.id, project.srid);
    tx.exec_params(
        "INSERT INTO event (project_id, kind, payload) VALUES ($1, 'territory_loaded', jsonb_build_object('communes', $2::int))",
        project.id, static_cast<long long>(communes.size()));
    tx.commit();
    return communes.size();
}

int ZoneStore::define_zone(const ProjectRecord& project, const std::string& name, const std::string& kind,
                           const std::vector<std::string>& codes, double boost, std::optional<int> actor_id) {
    auto conn = m_db.acquire();
    pqxx::work tx(conn->pq());
    const auto codes_array = array_of(codes);
    // Codes the project does not know, named.
    const std::string column = kind == "commune" ? "code" : kind == "epci" ? "epci" : "departement";
    const auto unknown =
        kind == "tiles"
            ? tx.exec_params("SELECT c FROM unnest($2::text[]) c WHERE NOT EXISTS (SELECT 1 FROM tile t WHERE "
                             "t.project_id = $1 AND t.key = c) ORDER BY c",
                             project.id, codes_array)
            : tx.exec_params("SELECT c FROM unnest($2::text[]) c WHERE NOT EXISTS (SELECT 1 FROM territory t WHERE "
                             "t.project_id = $1 AND t.kind = 'commune' AND t." + column + " = c) ORDER BY c",
                             project.id, codes_array);
    if (!unknown.empty()) {
        std::string list;
        for (std::size_t i = 0; i < unknown.size() && i < 20; ++i) list += (i ? ", " : "") + unknown[i][0].as<std::string>();
        throw std::invalid_argument(std::to_string(unknown.size()) + " unknown " + kind + " code(s) in project " +
                                    project.name + ": " + list);
    }
    const auto id = tx.exec_params1(
                          "INSERT INTO zone (project_id, name, kind, codes, boost) VALUES ($1, $2, $3, $4::text[], $5) "
                          "ON CONFLICT (project_id, name) DO UPDATE SET kind = EXCLUDED.kind, codes = EXCLUDED.codes, "
                          "boost = EXCLUDED.boost RETURNING id",
                          project.id, name, kind, codes_array, boost)[0]
                        .as<int>();
    tx.exec_params("DELETE FROM zone_tile WHERE zone_id = $1", id);
    if (kind == "tiles") {
        tx.exec_params("INSERT INTO zone_tile (zone_id, project_id, tile_key) "
                       "SELECT $1::integer, $2::integer, c FROM unnest($3::text[]) c",
                       id, project.id, codes_array);
    } else {
        // Tiles whose square overlaps the territories (sharing more than a boundary).
        tx.exec_params(
            "INSERT INTO zone_tile (zone_id, project_id, tile_key) "
            "SELECT DISTINCT $1::integer, t.project_id, t.key FROM territory c JOIN project p ON p.id = c.project_id "
            "JOIN tile t ON t.project_id = c.project_id "
            "AND ST_Intersects(c.geom, ST_MakeEnvelope(t.x_km * 1000, t.y_km * 1000, t.x_km * 1000 + p.tile_size_m, "
            "t.y_km * 1000 + p.tile_size_m, p.srid)) "
            "AND NOT ST_Touches(c.geom, ST_MakeEnvelope(t.x_km * 1000, t.y_km * 1000, t.x_km * 1000 + p.tile_size_m, "
            "t.y_km * 1000 + p.tile_size_m, p.srid)) "
            "WHERE c.project_id = $2 AND c.kind = 'commune' AND c." + column + " = ANY($3::text[])",
            id, project.id, codes_array);
    }
    const auto n = tx.exec_params1("SELECT count(*) FROM zone_tile WHERE zone_id = $1", id)[0].as<int>();
    const std::string payload = "{\"zone\": " + std::to_string(id) + ", \"tiles\": " + std::to_string(n) + "}";
    if (actor_id) {
        tx.exec_params("INSERT INTO event (project_id, kind, actor_id, payload) VALUES ($1, 'zone_defined', $2, $3::jsonb)",
                       project.id, *actor_id, payload);
    } else {
        tx.exec_params("INSERT INTO event (project_id, kind, payload) VALUES ($1, 'zone_defined', $2::jsonb)", project.id,
                       payload);
    }
    tx.commit();
    return n;
}

bool ZoneStore::assign(const ProjectRecord& project, const std::string& username, const std::string& zone, bool add,
                       std::optional<int> actor_id) {
    auto conn = m_db.acquire();
    pqxx::work tx(conn->pq());
    auto ids = tx.exec_params("SELECT u.id, z.id FROM app_user u, zone z WHERE u.username = $1 AND z.project_id = $2 "
                              "AND z.name = $3",
                              username, project.id, zone);
    if (ids.empty()) return false;
    const auto user = ids[0][0].as<int>(), zone_id = ids[0][1].as<int>();
    if (add) {
        tx.exec_params("INSERT INTO user_zone (user_id, zone_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", user, zone_id);
    } else {
        tx.exec_params("DELETE FROM user_zone WHERE user_id = $1 AND zone_id = $2", user, zone_id);
    }
    const std::string payload = "{\"user\": " + std::to_string(user) + ", \"zone\": " + std::to_string(zone_id) + "}";
    const std::string kind = add ? "zone_assigned" : "zone_unassigned";
    if (actor_id) {
        tx.exec_params("INSERT INTO event (project_id, kind, actor_id, payload) VALUES ($1, $2, $3, $4::jsonb)",
                       project.id, kind, *actor_id, payload);
    } else {
        tx.exec_params("INSERT INTO event (project_id, kind, payload) VALUES ($1, $2, $3::jsonb)", project.id, kind,
                       payload);
    }
    tx.commit();
    return true;
}

std::vector<ZoneRecord> ZoneStore::zones(const ProjectRecord& project) {
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    std::vector<ZoneRecord> out;
    for (const auto& row : tx.exec_params(
             "SELECT z.id, z.name, z.kind, array_to_string(z.codes, ','), z.boost, "
             "(SELECT count(*) FROM zone_tile zt WHERE zt.zone_id = z.id), "
             "coalesce((SELECT string_agg(u.username, ',' ORDER BY u.username) FROM user_zone uz JOIN app_user u "
             "ON u.id = uz.user_id WHERE uz.zone_id = z.id), '') FROM zone z WHERE z.project_id = $1 ORDER BY z.name",
             project.id)) {
        ZoneRecord z;
        z.id = row[0].as<int>();
        z.name = row[1].as<std::string>();
        z.kind = row[2].as<std::string>();
        z.codes = split_array(row[3].as<std::string>());
        z.boost = row[4].as<double>();
        z.tiles = row[5].as<int>();
        z.members = split_array(row[6].as<std::string>());
        out.push_back(std::move(z));
    }
    return out;
}

std::vector<std::string> ZoneStore::allowed(const ProjectRecord& project, int user_id,
                                            const std::vector<std::string>& keys) {
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    std::vector<std::string> out;
    for (const auto& row : tx.exec_params(
             "SELECT k FROM unnest($3::text[]) k WHERE NOT EXISTS (SELECT 1 FROM user_zone WHERE user_id = $2) "
             "OR EXISTS (SELECT 1 FROM user_zone uz JOIN zone_tile zt ON zt.zone_id = uz.zone_id "
             "WHERE uz.user_id = $2 AND zt.project_id = $1 AND zt.tile_key = k)",
             project.id, user_id, array_of(keys)))
        out.push_back(row[0].as<std::string>());
    return out;
}

}  // namespace tessera::store
