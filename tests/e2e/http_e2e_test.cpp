#include <nlohmann/json.hpp>

#include "e2e/fixture.hpp"

using namespace tessera::test;
using nlohmann::json;

TEST_F(ServerE2e, HealthReadinessAndMetrics) {
    auto h = http_request(port(), "GET", "/healthz");
    EXPECT_EQ(h.status, 200);
    auto r = http_request(port(), "GET", "/readyz");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body)["status"], "ready");
    auto m = http_request(port(), "GET", "/metrics");
    EXPECT_EQ(m.status, 200);
    EXPECT_NE(m.body.find("tessera_ws_connections "), std::string::npos);
    EXPECT_NE(m.body.find("tessera_request_duration_seconds_bucket{route=\"readyz\""), std::string::npos) << m.body;
}

TEST_F(ServerE2e, LoginGivesACookieAndATokenAndLogoutRevokes) {
    auto bad = http_request(port(), "POST", "/api/v1/login", json{{"username", "lea"}, {"password", "wrong"}}.dump());
    EXPECT_EQ(bad.status, 401);
    EXPECT_EQ(json::parse(bad.body)["error"]["code"], "unauthenticated");
    auto unknown = http_request(port(), "POST", "/api/v1/login", json{{"username", "nobody"}, {"password", "x"}}.dump());
    EXPECT_EQ(unknown.status, 401);
    EXPECT_EQ(json::parse(unknown.body)["error"]["message"], json::parse(bad.body)["error"]["message"]);

    auto ok = http_request(port(), "POST", "/api/v1/login", json{{"username", "lea"}, {"password", password}}.dump());
    ASSERT_EQ(ok.status, 200) << ok.body;
    const auto body = json::parse(ok.body);
    EXPECT_EQ(body["user"]["role"], "contributor");
    const auto token = body["token"].get<std::string>();
    EXPECT_GE(token.size(), 22u);  // ≥ 128 bits
    const auto cookie = ok.headers["set-cookie"];
    EXPECT_NE(cookie.find("tessera_session=" + token), std::string::npos);
    EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);

    EXPECT_EQ(http_request(port(), "GET", "/api/v1/me", "", bearer(token)).status, 200);
    EXPECT_EQ(http_request(port(), "GET", "/api/v1/me", "", {{"Cookie", "a=b; tessera_session=" + token}}).status, 200);
    EXPECT_EQ(http_request(port(), "GET", "/api/v1/me").status, 401);
    // The token is stored hashed: the database never holds it.
    pqxx::connection c(m_db->url());
    pqxx::work tx(c);
    EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM session WHERE encode(token_hash, 'escape') LIKE '%' || $1 || '%'",
                              token)[0].as<int>(),
              0);
    EXPECT_EQ(http_request(port(), "POST", "/api/v1/logout", "", bearer(token)).status, 204);
    EXPECT_EQ(http_request(port(), "GET", "/api/v1/me", "", bearer(token)).status, 401);
}

TEST_F(ServerE2e, BadLoginBodiesGetClearErrors) {
    auto not_json = http_request(port(), "POST", "/api/v1/login", "{nope");
    EXPECT_EQ(not_json.status, 400);
    EXPECT_NE(json::parse(not_json.body)["error"]["message"].get<std::string>().find("not JSON"), std::string::npos);
    auto wrong_shape = http_request(port(), "POST", "/api/v1/login", R"({"username": 3})");
    EXPECT_EQ(wrong_shape.status, 400);
    auto huge = http_request(port(), "POST", "/api/v1/login", std::string(2u << 20, 'x'));
    EXPECT_EQ(huge.status, 413);
    EXPECT_EQ(http_request(port(), "GET", "/healthz").status, 200);
}

TEST_F(ServerE2e, TilesInABoundingBox) {
    const auto t = token();
    auto r = http_request(port(), "GET", "/api/v1/tiles?bbox=879000,6839000,882000,6842000", "", bearer(t));
    ASSERT_EQ(r.status, 200) << r.body;
    auto tiles = json::parse(r.body)["tiles"];
    ASSERT_EQ(tiles.size(), 4u);
    EXPECT_EQ(tiles[0]["key"], "0880_6840");
    EXPECT_EQ(tiles[0]["state"], "todo");
    EXPECT_GT(tiles[0]["features"].get<int>(), 0);
    auto one = http_request(port(), "GET", "/api/v1/tiles?bbox=880100,6840100,880200,6840200", "", bearer(t));
    EXPECT_EQ(json::parse(one.body)["tiles"].size(), 1u);

    for (const char* bad : {"/api/v1/tiles", "/api/v1/tiles?bbox=1,2,3", "/api/v1/tiles?bbox=a,b,c,d",
                            "/api/v1/tiles?bbox=5,5,1,1", "/api/v1/tiles?bbox=nan,0,1,1", "/api/v1/tiles?bbox=1,2,3,4,5"}) {
        auto e = http_request(port(), "GET", bad, "", bearer(t));
        EXPECT_EQ(e.status, 400) << bad << " " << e.body;
        EXPECT_FALSE(json::parse(e.body)["error"]["message"].get<std::string>().empty());
    }
    auto absurd = http_request(port(), "GET", "/api/v1/tiles?bbox=-1e12,-1e12,1e12,1e12", "", bearer(t));
    EXPECT_EQ(absurd.status, 429);
    EXPECT_NE(absurd.body.find("zoom in"), std::string::npos);
    EXPECT_EQ(http_request(port(), "GET", "/api/v1/tiles?bbox=0,0,1,1").status, 401);
}

TEST_F(ServerE2e, ProjectAndNomenclature) {
    const auto t = token();
    auto p = json::parse(http_request(port(), "GET", "/api/v1/project", "", bearer(t)).body);
    EXPECT_EQ(p["srid"], 2154);
    EXPECT_EQ(p["extent"], json({880000.0, 6840000.0, 882000.0, 6842000.0}));
    auto n = json::parse(http_request(port(), "GET", "/api/v1/nomenclature", "", bearer(t)).body);
    EXPECT_EQ(n["cs"].size(), 23u);
    EXPECT_EQ(n["us"].size(), 24u);
}

TEST_F(ServerE2e, StaticPathsCannotEscape) {
    for (const char* p : {"/../../etc/passwd", "/%2e%2e/etc/passwd", "/imagery/../../etc/passwd",
                          "/imagery/0880_6840.png", "/imagery/x.png"}) {
        auto r = http_request(port(), "GET", p);
        EXPECT_NE(r.status, 200) << p;
        EXPECT_EQ(r.body.find("root:"), std::string::npos) << p;
    }
}
