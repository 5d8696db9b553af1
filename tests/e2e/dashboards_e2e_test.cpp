// The dashboards end to end (issue "Workflow", point 4): a tile's life through the real server
// (edit, submit, reject with a reason, rework, resubmit, approve by another controller, reopen),
// then every dashboard over HTTP, in JSON and CSV, agrees with the raw tables; leads see all,
// others only their own line; bad parameters get clear errors.
// Needs the route in api/http_api.cpp (`/api/v1/dashboard/` → api::dashboard).

#include <sstream>

#include <nlohmann/json.hpp>

#include "e2e/editor.hpp"
#include "e2e/fixture.hpp"

using namespace tessera;
using namespace tessera::test;
using nlohmann::json;

namespace {

class DashboardsE2e : public ServerE2e {
protected:
    void SetUp() override {
        ServerE2e::SetUp();
        for (const auto& [name, role] :
             {std::pair{"marc", "controller"}, {"chloe", "controller"}, {"sophie", "lead"}}) {
            std::string out;
            ASSERT_EQ(run_tessera({"user", "add", name, "--role", role, "--password", password, "--database-url",
                                   m_db->url()},
                                  &out),
                      0)
                << out;
        }
    }
    std::string as(const std::string& user) { return login_token(port(), user, password); }

    HttpResult get(const std::string& token, const std::string& target) {
        return http_request(port(), "GET", target, "", bearer(token));
    }
    json get_json(const std::string& token, const std::string& target) {
        auto r = get(token, target);
        EXPECT_EQ(r.status, 200) << target << ": " << r.body;
        return r.status == 200 ? json::parse(r.body) : json::object();
    }
    std::int64_t count(const std::string& sql) {
        pqxx::connection c(m_db->url());
        pqxx::work tx(c);
        return tx.exec1(sql)[0].as<std::int64_t>();
    }

    // A tile's whole review cycle through the server.
    void work() {
        Editor lea(port(), token()), marc(port(), as("marc")), chloe(port(), as("chloe")), sophie(port(), as("sophie"));
        const auto snap = lea.open();
        marc.open();
        chloe.open();
        sophie.open();
        const auto& field = find(snap, "CS2.2.1", "US1.1");
        auto edited = lea.send("d-1", {set_class(field, "CS2.2.1", "US6.3")});
        ASSERT_TRUE(edited.has_ack()) << edited.DebugString();
        ASSERT_TRUE(lea.request(tile_message(v1::ClientMessage::kSubmitTile)).has_qc_report());
        ASSERT_TRUE(marc.request(tile_message(v1::ClientMessage::kClaimReview)).has_tile_state());
        v1::ClientMessage reject;
        reject.mutable_reject_tile()->set_tile_key(tile);
        reject.mutable_reject_tile()->add_reasons(v1::REJECT_REASON_WRONG_CLASS);
        reject.mutable_reject_tile()->set_comment("the field is a meadow");
        auto rejected = marc.request(reject);
        ASSERT_TRUE(rejected.has_tile_state()) << rejected.DebugString();
        auto fix = lea.send("d-2", {set_class(field, "CS2.2.1", "US1.1", edited.ack().features(0).version())});
        ASSERT_TRUE(fix.has_ack()) << fix.DebugString();
        ASSERT_TRUE(lea.request(tile_message(v1::ClientMessage::kSubmitTile)).has_qc_report());
        ASSERT_TRUE(chloe.request(tile_message(v1::ClientMessage::kClaimReview)).has_tile_state());
        ASSERT_TRUE(chloe.request(tile_message(v1::ClientMessage::kApproveTile)).has_qc_report());
        ASSERT_TRUE(sophie.request(tile_message(v1::ClientMessage::kReopenTile)).has_tile_state());
    }
};

}  // namespace

TEST_F(DashboardsE2e, EveryDashboardAgreesWithTheTables) {
    work();
    const auto lead = as("sophie");

    const auto states = get_json(lead, "/api/v1/dashboard/states");
    EXPECT_EQ(states["project"]["tiles"], count("SELECT count(*) FROM tile"));
    EXPECT_EQ(states["project"]["by_state"]["in_progress"]["tiles"], 1) << states.dump();
    EXPECT_EQ(states["project"]["by_state"]["todo"]["tiles"], count("SELECT count(*) FROM tile") - 1);
    EXPECT_NEAR(states["project"]["area_m2"].get<double>(),
                static_cast<double>(count("SELECT round(sum(ST_Area(geom)))::bigint FROM feature")), 1.0);

    const auto progress = get_json(lead, "/api/v1/dashboard/progress");
    ASSERT_FALSE(progress["days"].empty());
    EXPECT_EQ(progress["days"].back()["in_progress"], 1);
    EXPECT_EQ(progress["days"].back()["total"], states["project"]["tiles"]);

    const auto throughput = get_json(lead, "/api/v1/dashboard/throughput");
    EXPECT_EQ(throughput["totals"]["change_sets"], count("SELECT count(*) FROM change_set"));
    EXPECT_EQ(throughput["totals"]["submissions"], 2);
    EXPECT_EQ(throughput["totals"]["approvals"], count("SELECT count(*) FROM review WHERE outcome = 'approved'"));
    EXPECT_EQ(throughput["totals"]["rejections"], count("SELECT count(*) FROM review WHERE outcome = 'rejected'"));
    EXPECT_EQ(throughput["totals"]["reopens"], 1);

    const auto contributors = get_json(lead, "/api/v1/dashboard/contributors");
    ASSERT_EQ(contributors["contributors"].size(), 1u) << contributors.dump();
    const auto& lea = contributors["contributors"][0];
    EXPECT_EQ(lea["username"], "lea");
    EXPECT_EQ(lea["change_sets"], 2);
    EXPECT_EQ(lea["submissions"], 2);
    EXPECT_EQ(lea["tiles_submitted"], 1);
    EXPECT_EQ(lea["approved"], 1);
    EXPECT_EQ(lea["rejected"], 1);
    EXPECT_EQ(lea["approval_rate"], 0.5);
    EXPECT_EQ(lea["rework"], 1);

    const auto controllers = get_json(lead, "/api/v1/dashboard/controllers");
    std::map<std::string, json> by_name;
    for (const auto& c : controllers["controllers"]) by_name[c["username"].get<std::string>()] = c;
    EXPECT_EQ(by_name["marc"]["rejected"], 1);
    EXPECT_EQ(by_name["marc"]["reasons"]["wrong_class"], 1);
    EXPECT_EQ(by_name["chloe"]["approved"], 1);
    EXPECT_GE(by_name["chloe"]["median_review_s"].get<int>(), 0);
    EXPECT_EQ(controllers["totals"]["claimed"], count("SELECT count(*) FROM review"));

    const auto qc = get_json(lead, "/api/v1/dashboard/qc");
    std::int64_t issues = 0;
    for (const auto& q : qc["issues"]) issues += q["issues"].get<std::int64_t>();
    EXPECT_EQ(issues, count("SELECT count(*) FROM qc_issue"));

    const auto conflicts = get_json(lead, "/api/v1/dashboard/conflicts");
    EXPECT_EQ(conflicts["total"], count("SELECT count(*) FROM conflict"));

    // CSV: one table with a header row.
    auto csv = get(lead, "/api/v1/dashboard/states?format=csv");
    ASSERT_EQ(csv.status, 200) << csv.body;
    EXPECT_EQ(csv.headers["content-type"].rfind("text/csv", 0), 0u) << csv.headers["content-type"];
    EXPECT_NE(csv.headers["content-disposition"].find(".csv"), std::string::npos);
    std::istringstream lines(csv.body);
    std::string header;
    std::getline(lines, header);
    EXPECT_EQ(header, "scope,zone,state,tiles,area_m2\r");
    auto contributors_csv = get(lead, "/api/v1/dashboard/contributors?format=csv");
    const auto lea_id = count("SELECT id FROM app_user WHERE username = 'lea'");
    EXPECT_NE(contributors_csv.body.find("\r\n" + std::to_string(lea_id) + ",lea,2,"), std::string::npos)
        << contributors_csv.body;
    for (const char* name : {"progress", "throughput", "controllers", "qc", "conflicts"}) {
        auto r = get(lead, std::string("/api/v1/dashboard/") + name + "?format=csv");
        EXPECT_EQ(r.status, 200) << name << ": " << r.body;
        EXPECT_NE(r.body.find("\r\n"), std::string::npos) << name;
    }
}

TEST_F(DashboardsE2e, LeadsSeeEverythingOthersTheirOwnLine) {
    const auto lea = token();
    EXPECT_EQ(get(lea, "/api/v1/dashboard/states").status, 403);
    EXPECT_EQ(get(lea, "/api/v1/dashboard/contributors").status, 403);
    EXPECT_EQ(get(lea, "/api/v1/dashboard/contributors?user=marc").status, 403);
    EXPECT_EQ(get(lea, "/api/v1/dashboard/contributors?user=lea").status, 200);
    EXPECT_EQ(get(as("marc"), "/api/v1/dashboard/controllers?user=marc").status, 200);
    EXPECT_EQ(get(as("marc"), "/api/v1/dashboard/throughput").status, 403);
    EXPECT_EQ(http_request(port(), "GET", "/api/v1/dashboard/states").status, 401);
    const auto lead = as("sophie");
    EXPECT_EQ(get(lead, "/api/v1/dashboard/contributors?user=lea").status, 200);

    // Clear errors.
    for (const auto& [target, status] : std::vector<std::pair<std::string, int>>{
             {"/api/v1/dashboard/nope", 404},
             {"/api/v1/dashboard/states?format=xml", 400},
             {"/api/v1/dashboard/throughput?from=2026-13-01", 400},
             {"/api/v1/dashboard/throughput?from=2026-05-02&to=2026-05-01", 400},
             {"/api/v1/dashboard/states?zone=nowhere", 404},
             {"/api/v1/dashboard/contributors?user=nobody", 404},
             {"/api/v1/dashboard/conflicts?limit=0", 400},
             {"/api/v1/dashboard/conflicts?by=week", 400}}) {
        auto r = get(lead, target);
        EXPECT_EQ(r.status, status) << target << ": " << r.body;
        EXPECT_FALSE(json::parse(r.body)["error"]["message"].get<std::string>().empty()) << target;
    }
}
