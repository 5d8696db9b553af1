// Who may do what (SPEC §2): every role × every lifecycle action over the WebSocket and the
// account, queue and dashboard reads over HTTP; and zones: a contributor or controller assigned
// to zones sees and touches only their tiles, inside and outside. Real server, real database.

#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "e2e/editor.hpp"
#include "e2e/fixture.hpp"

using namespace tessera;
using namespace tessera::test;

namespace {

const std::vector<std::pair<std::string, std::string>> people = {
    {"lea", "contributor"}, {"marc", "controller"}, {"sophie", "lead"}, {"root", "admin"}};

class PermissionsE2e : public ServerE2e {
protected:
    void SetUp() override {
        ServerE2e::SetUp();
        for (const auto& [name, role] : people) {
            if (name == "lea") continue;
            std::string out;
            ASSERT_EQ(run_tessera({"user", "add", name, "--role", role, "--password", password, "--database-url",
                                   m_db->url()},
                                  &out),
                      0)
                << out;
        }
    }

    int user_id(const std::string& name) {
        pqxx::connection c(m_db->url());
        pqxx::work tx(c);
        return tx.exec_params1("SELECT id FROM app_user WHERE username = $1", name)[0].as<int>();
    }

    // Puts the tile in `state`; with `reviewer`, that user holds its review.
    void prepare(const std::string& state, const std::string& reviewer = {}) {
        pqxx::connection c(m_db->url());
        pqxx::work tx(c);
        tx.exec("DELETE FROM tile_lease");
        tx.exec("UPDATE review SET ended_at = now(), outcome = 'released' WHERE ended_at IS NULL");
        tx.exec_params("UPDATE tile SET state = $1::tile_state WHERE key = '0880_6840'", state);
        if (!reviewer.empty()) {
            const int id = tx.exec_params1("SELECT id FROM app_user WHERE username = $1", reviewer)[0].as<int>();
            tx.exec_params("INSERT INTO tile_lease (project_id, tile_key, user_id, expires_at, kind) SELECT project_id, "
                           "key, $1, now() + interval '1 hour', 'review' FROM tile WHERE key = '0880_6840'",
                           id);
            tx.exec_params("INSERT INTO review (project_id, tile_key, reviewer_id, tile_seq) SELECT project_id, key, $1, "
                           "seq FROM tile WHERE key = '0880_6840'",
                           id);
        }
        tx.commit();
    }
};

v1::ClientMessage action(const std::string& name) {
    v1::ClientMessage m;
    if (name == "submit") m.mutable_submit_tile()->set_tile_key(tile);
    if (name == "claim") m.mutable_claim_review()->set_tile_key(tile);
    if (name == "approve") m.mutable_approve_tile()->set_tile_key(tile);
    if (name == "reject") {
        m.mutable_reject_tile()->set_tile_key(tile);
        m.mutable_reject_tile()->add_reasons(v1::REJECT_REASON_INCOMPLETE);
    }
    if (name == "reopen") m.mutable_reopen_tile()->set_tile_key(tile);
    return m;
}

// Done (a TileStateChanged among the answers) or the error's code.
std::string outcome_of(Editor& e, const v1::ClientMessage& m) {
    auto first = e.request(m);
    if (first.has_qc_report()) first = e.answer(first.request_id());
    if (first.has_tile_state()) return "done";
    if (first.has_error()) return v1::ErrorCode_Name(first.error().code());
    return "?" + first.DebugString();
}

}  // namespace

TEST_F(PermissionsE2e, EveryRoleTimesEveryLifecycleAction) {
    struct Case {
        std::string action, state;
        bool holds_review;
        std::map<std::string, std::string> expected;  // by user
    };
    const std::string ok = "done", no = "ERROR_CODE_FORBIDDEN";
    const std::vector<Case> cases = {
        {"submit", "in_progress", false, {{"lea", ok}, {"marc", ok}, {"sophie", ok}, {"root", no}}},
        {"claim", "submitted", false, {{"lea", no}, {"marc", ok}, {"sophie", ok}, {"root", no}}},
        {"approve", "in_review", true, {{"lea", no}, {"marc", ok}, {"sophie", ok}, {"root", no}}},
        {"reject", "in_review", true, {{"lea", no}, {"marc", ok}, {"sophie", ok}, {"root", no}}},
        {"reopen", "approved", false, {{"lea", no}, {"marc", no}, {"sophie", ok}, {"root", no}}},
    };
    std::map<std::string, std::unique_ptr<Editor>> editors;
    for (const auto& [name, role] : people) {
        editors[name] = std::make_unique<Editor>(port(), login_token(port(), name, password));
        editors[name]->open();
    }
    for (const auto& c : cases) {
        for (const auto& [name, role] : people) {
            prepare(c.state, c.holds_review ? name : "");
            EXPECT_EQ(outcome_of(*editors[name], action(c.action)), c.expected.at(name))
                << role << " " << name << " tries " << c.action << " on a " << c.state << " tile";
        }
    }
    // Every refusal for a role is in the log.
    pqxx::connection db(m_db->url());
    pqxx::work tx(db);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM event WHERE kind = 'transition_refused'")[0].as<int>(), 10);
}

TEST_F(PermissionsE2e, EveryRoleTimesTheHttpReads) {
    const std::map<std::string, std::map<std::string, int>> expected = {
        {"/api/v1/users", {{"lea", 403}, {"marc", 403}, {"sophie", 200}, {"root", 200}}},
        {"/api/v1/review-queue", {{"lea", 403}, {"marc", 200}, {"sophie", 200}, {"root", 403}}},
        {"/api/v1/conflicts", {{"lea", 403}, {"marc", 403}, {"sophie", 200}, {"root", 200}}},
        {"/api/v1/my-work", {{"lea", 200}, {"marc", 200}, {"sophie", 200}, {"root", 200}}},
        {"/api/v1/next-tile", {{"lea", 200}, {"marc", 200}, {"sophie", 200}, {"root", 200}}},
        {"/api/v1/zones", {{"lea", 200}, {"marc", 200}, {"sophie", 200}, {"root", 200}}},
    };
    for (const auto& [path, by_user] : expected)
        for (const auto& [name, status] : by_user)
            EXPECT_EQ(http_request(port(), "GET", path, "", bearer(login_token(port(), name, password))).status, status)
                << name << " GET " << path;
}

TEST_F(PermissionsE2e, ZonesScopeWhatContributorsAndControllersSeeAndTouch) {
    // Two communes: the west one over the tiles 0880_*, the east one over 0881_*.
    const auto file = m_dir / "communes.geojson";
    std::ofstream(file) << R"({"type": "FeatureCollection",
      "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}},
      "features": [
        {"type": "Feature", "properties": {"code_insee": "55001", "nom": "Ouest", "code_epci": "200000001", "code_dep": "55"},
         "geometry": {"type": "Polygon", "coordinates": [[[880000, 6840000], [881000, 6840000], [881000, 6842000], [880000, 6842000], [880000, 6840000]]]}},
        {"type": "Feature", "properties": {"code_insee": "55002", "nom": "Est", "code_epci": "200000002", "code_dep": "55"},
         "geometry": {"type": "Polygon", "coordinates": [[[881000, 6840000], [882000, 6840000], [882000, 6842000], [881000, 6842000], [881000, 6840000]]]}}
      ]})";
    std::string out;
    ASSERT_EQ(run_tessera({"territory", "load", file.string(), "--layer", "communes", "--database-url", m_db->url()}, &out), 0)
        << out;
    EXPECT_NE(out.find("2 communes"), std::string::npos) << out;
    ASSERT_EQ(run_tessera({"zone", "define", "west", "--communes", "55001", "--database-url", m_db->url()}, &out), 0) << out;
    EXPECT_NE(out.find("2 tiles"), std::string::npos) << out;
    ASSERT_EQ(run_tessera({"zone", "define", "east", "--epci", "200000002", "--boost", "10", "--database-url", m_db->url()},
                          &out),
              0)
        << out;
    EXPECT_NE(out.find("2 tiles"), std::string::npos) << out;
    ASSERT_EQ(run_tessera({"zone", "assign", "lea", "west", "--database-url", m_db->url()}, &out), 0) << out;
    ASSERT_EQ(run_tessera({"zone", "assign", "marc", "east", "--database-url", m_db->url()}, &out), 0) << out;
    // Bad zone definitions are refused, naming what is wrong.
    EXPECT_NE(run_tessera({"zone", "define", "x", "--communes", "99999", "--database-url", m_db->url()}, &out), 0);
    EXPECT_NE(out.find("99999"), std::string::npos) << out;
    EXPECT_NE(run_tessera({"zone", "assign", "ghost", "west", "--database-url", m_db->url()}, &out), 0);
    EXPECT_NE(run_tessera({"territory", "load", (m_dir / "missing.gpkg").string(), "--database-url", m_db->url()}, &out), 0);

    // Inside her zone lea works; outside it she is refused, and does not even see the tiles.
    Editor lea(port(), token());
    lea.open("0880_6840");
    v1::ClientMessage outside = subscribe_keys(0, {"0881_6840"});
    auto refused = lea.request(outside);
    ASSERT_TRUE(refused.has_error()) << refused.DebugString();
    EXPECT_EQ(refused.error().code(), v1::ERROR_CODE_FORBIDDEN);
    EXPECT_EQ(refused.error().field(), "subscribe.tile_keys[0]");
    const auto listed = http_request(port(), "GET", "/api/v1/tiles?bbox=879000,6839000,883000,6843000", "", bearer(token()));
    ASSERT_EQ(listed.status, 200);
    const auto tiles = nlohmann::json::parse(listed.body)["tiles"];
    ASSERT_EQ(tiles.size(), 2u) << listed.body;
    for (const auto& t : tiles) EXPECT_EQ(t["key"].get<std::string>().substr(0, 4), "0880");
    EXPECT_EQ(http_request(port(), "GET", "/api/v1/qc?tile=0881_6840", "", bearer(token())).status, 403);
    EXPECT_EQ(http_request(port(), "GET", "/api/v1/prediction?tile=0881_6840", "", bearer(token())).status, 403);
    EXPECT_EQ(http_request(port(), "GET", "/api/v1/qc?tile=0880_6840", "", bearer(token())).status, 200);
    const auto next = nlohmann::json::parse(
        http_request(port(), "GET", "/api/v1/next-tile?limit=10", "", bearer(token())).body)["tiles"];
    ASSERT_EQ(next.size(), 2u);
    for (const auto& t : next) EXPECT_EQ(t["tile"].get<std::string>().substr(0, 4), "0880");
    // Her zones, not others'.
    const auto zones = nlohmann::json::parse(http_request(port(), "GET", "/api/v1/zones", "", bearer(token())).body);
    ASSERT_EQ(zones["zones"].size(), 1u);
    EXPECT_EQ(zones["zones"][0]["name"], "west");

    // A lead sees everything, and the east zone's boost ranks its tiles first.
    const auto sophie = login_token(port(), "sophie", password);
    EXPECT_EQ(http_request(port(), "GET", "/api/v1/qc?tile=0881_6840", "", bearer(sophie)).status, 200);
    const auto ranked =
        nlohmann::json::parse(http_request(port(), "GET", "/api/v1/next-tile?limit=4", "", bearer(sophie)).body)["tiles"];
    ASSERT_EQ(ranked.size(), 4u);
    EXPECT_EQ(ranked[0]["tile"].get<std::string>().substr(0, 4), "0881") << ranked.dump();
    // The controller of the east zone cannot open the west tiles.
    Editor marc(port(), login_token(port(), "marc", password));
    auto west = marc.request(subscribe_keys(0, {"0880_6840"}));
    ASSERT_TRUE(west.has_error());
    EXPECT_EQ(west.error().code(), v1::ERROR_CODE_FORBIDDEN);
}

TEST_F(PermissionsE2e, LeadsSteerZonesAndPrioritiesOverHttp) {
    const auto sophie = login_token(port(), "sophie", password);
    const auto post = [&](const std::string& who, const std::string& path, const std::string& body) {
        return http_request(port(), "POST", path, body, bearer(who));
    };
    // A contributor may not; bad bodies are refused with what is wrong.
    EXPECT_EQ(post(token(), "/api/v1/zones", R"({"name": "z", "kind": "tiles", "codes": ["0880_6840"]})").status, 403);
    EXPECT_EQ(post(sophie, "/api/v1/zones", R"({"name": "z", "kind": "planet", "codes": ["x"]})").status, 400);
    EXPECT_EQ(post(sophie, "/api/v1/zones", R"({"name": "z", "kind": "tiles", "codes": []})").status, 400);
    auto unknown = post(sophie, "/api/v1/zones", R"({"name": "z", "kind": "tiles", "codes": ["0990_6990"]})");
    EXPECT_EQ(unknown.status, 400);
    EXPECT_NE(unknown.body.find("0990_6990"), std::string::npos) << unknown.body;
    EXPECT_EQ(post(sophie, "/api/v1/zones", "[1, 2]").status, 400);

    auto defined = post(sophie, "/api/v1/zones", R"({"name": "ne", "kind": "tiles", "codes": ["0881_6841"], "boost": 5})");
    ASSERT_EQ(defined.status, 200) << defined.body;
    EXPECT_EQ(nlohmann::json::parse(defined.body)["tiles"], 1);
    ASSERT_EQ(post(sophie, "/api/v1/zones/assign", R"({"user": "lea", "zone": "ne"})").status, 200);
    EXPECT_EQ(post(sophie, "/api/v1/zones/assign", R"({"user": "ghost", "zone": "ne"})").status, 404);
    auto mine = nlohmann::json::parse(http_request(port(), "GET", "/api/v1/next-tile?limit=5", "", bearer(token())).body);
    ASSERT_EQ(mine["tiles"].size(), 1u);
    EXPECT_EQ(mine["tiles"][0]["tile"], "0881_6841");

    // A priority override ranks a tile first for everyone who may work on it.
    EXPECT_EQ(post(token(), "/api/v1/tiles/priority", R"({"tile": "0880_6840", "priority": 500})").status, 403);
    EXPECT_EQ(post(sophie, "/api/v1/tiles/priority", R"({"tile": "0880_6840", "priority": "high"})").status, 400);
    EXPECT_EQ(post(sophie, "/api/v1/tiles/priority", R"({"tile": "0990_6990", "priority": 1})").status, 404);
    ASSERT_EQ(post(sophie, "/api/v1/tiles/priority", R"({"tile": "0880_6840", "priority": 500})").status, 200);
    auto ranked = nlohmann::json::parse(http_request(port(), "GET", "/api/v1/next-tile?limit=4", "", bearer(sophie)).body);
    EXPECT_EQ(ranked["tiles"][0]["tile"], "0880_6840");
    EXPECT_DOUBLE_EQ(ranked["tiles"][0]["score"].get<double>(), 500.0);
    ASSERT_EQ(post(sophie, "/api/v1/tiles/priority", R"({"tile": "0880_6840", "priority": null})").status, 200);
    pqxx::connection c(m_db->url());
    pqxx::work tx(c);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM event WHERE kind = 'priority_set'")[0].as<int>(), 2);
    EXPECT_TRUE(tx.exec1("SELECT priority_override IS NULL FROM tile WHERE key = '0880_6840'")[0].as<bool>());
}
