// Accounts end to end (SPEC §2): who may manage whom over HTTP and from the command line; an
// account disabled, its role or password changed, or a session logged out, closes the
// sockets opened with it, also when the change comes from another process.

#include <nlohmann/json.hpp>

#include "e2e/fixture.hpp"

using namespace tessera;
using namespace tessera::test;

namespace {

class AccountsE2e : public ServerE2e {
protected:
    void add(const std::string& name, const std::string& role) {
        std::string out;
        ASSERT_EQ(run_tessera({"user", "add", name, "--role", role, "--password", password, "--database-url", m_db->url()},
                              &out),
                  0)
            << out;
    }
    HttpResult post(const std::string& as, const std::string& path, const nlohmann::json& body) {
        return http_request(port(), "POST", path, body.dump(), bearer(login_token(port(), as, password)));
    }
};

}  // namespace

TEST_F(AccountsE2e, LeadsManageContributorsAndControllersAdminsEveryone) {
    add("sophie", "lead");
    add("root", "admin");
    // A lead creates a contributor and a controller, not a lead or an admin.
    EXPECT_EQ(post("sophie", "/api/v1/users", {{"username", "noe"}, {"role", "contributor"}, {"password", "long enough"}}).status, 201);
    EXPECT_EQ(post("sophie", "/api/v1/users", {{"username", "ines"}, {"role", "controller"}, {"password", "long enough"}}).status, 201);
    EXPECT_EQ(post("sophie", "/api/v1/users", {{"username", "max"}, {"role", "admin"}, {"password", "long enough"}}).status, 403);
    EXPECT_EQ(post("sophie", "/api/v1/users/noe/role", {{"role", "lead"}}).status, 403);
    EXPECT_EQ(post("sophie", "/api/v1/users/root/disable", nlohmann::json::object()).status, 403);
    EXPECT_EQ(post("root", "/api/v1/users/noe/role", {{"role", "lead"}}).status, 200);
    // Contributors manage nothing; bad input is refused clearly.
    EXPECT_EQ(http_request(port(), "GET", "/api/v1/users", "", bearer(token())).status, 403);
    auto listed = http_request(port(), "GET", "/api/v1/users", "", bearer(login_token(port(), "sophie", password)));
    ASSERT_EQ(listed.status, 200);
    EXPECT_NE(listed.body.find("\"noe\""), std::string::npos);
    EXPECT_EQ(listed.body.find("password"), std::string::npos) << "no hash leaves the server";
    auto bad_json = http_request(port(), "POST", "/api/v1/users", "{not json", bearer(login_token(port(), "root", password)));
    EXPECT_EQ(bad_json.status, 400);
    EXPECT_EQ(post("root", "/api/v1/users", {{"username", "x"}, {"role", "contributor"}, {"password", "long enough"}}).status, 400);
    EXPECT_EQ(post("root", "/api/v1/users", {{"username", "zed"}, {"role", "king"}, {"password", "long enough"}}).status, 400);
    EXPECT_EQ(post("root", "/api/v1/users", {{"username", "zed"}, {"role", "contributor"}, {"password", "short"}}).status, 400);
    EXPECT_EQ(post("root", "/api/v1/users/ghost/disable", nlohmann::json::object()).status, 404);
    pqxx::connection c(m_db->url());
    pqxx::work tx(c);
    EXPECT_EQ(tx.exec1("SELECT role::text FROM app_user WHERE username = 'noe'")[0].as<std::string>(), "lead");
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM event WHERE kind = 'user_role_changed'")[0].as<int>(), 1);
}

TEST_F(AccountsE2e, DisablingAnAccountClosesItsSocketsFromAnyProcess) {
    add("sophie", "lead");
    const auto lea_token = token();
    WsClient lea_ws(port(), bearer(lea_token));
    lea_ws.ignore_presence(true);
    lea_ws.send(ping(1));
    ASSERT_TRUE(lea_ws.receive());
    // Over HTTP, by a lead.
    EXPECT_EQ(post("sophie", "/api/v1/users/lea/disable", nlohmann::json::object()).status, 200);
    EXPECT_TRUE(lea_ws.closed(5000)) << "the disabled account's socket stays open";
    EXPECT_EQ(http_request(port(), "GET", "/api/v1/me", "", bearer(lea_token)).status, 401) << "its sessions ended";
    EXPECT_EQ(post("sophie", "/api/v1/users/lea/enable", nlohmann::json::object()).status, 200);

    // From the command line (another process): a role change.
    WsClient again(port(), bearer(token()));
    again.ignore_presence(true);
    again.send(ping(2));
    ASSERT_TRUE(again.receive());
    std::string out;
    ASSERT_EQ(run_tessera({"user", "role", "lea", "--role", "controller", "--database-url", m_db->url()}, &out), 0) << out;
    EXPECT_TRUE(again.closed(5000)) << "a role change must end the sessions opened under the old role";
    ASSERT_EQ(run_tessera({"user", "list", "--database-url", m_db->url()}, &out), 0);
    EXPECT_NE(out.find("lea\tcontroller"), std::string::npos) << out;
    EXPECT_NE(run_tessera({"user", "role", "lea", "--role", "king", "--database-url", m_db->url()}, &out), 0);
    EXPECT_NE(run_tessera({"user", "disable", "ghost", "--database-url", m_db->url()}, &out), 0);
    EXPECT_NE(out.find("ghost"), std::string::npos) << out;
}

TEST_F(AccountsE2e, LoggingOutClosesTheSocketsOfThatSessionOnly) {
    const auto first = token(), second = token();
    WsClient a(port(), bearer(first)), b(port(), bearer(second));
    a.ignore_presence(true);
    b.ignore_presence(true);
    ASSERT_EQ(http_request(port(), "POST", "/api/v1/logout", "", bearer(first)).status, 204);
    EXPECT_TRUE(a.closed(5000));
    b.send(ping(3));
    auto pong = b.receive();
    ASSERT_TRUE(pong && pong->has_pong()) << "the other session's socket must stay open";
}
