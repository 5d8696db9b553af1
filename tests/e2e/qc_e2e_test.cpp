// Quality controls end to end: a real server, real clients, the real database. A change set's
// ack and broadcast say which issues it introduced and fixed; the tile's stored issues follow;
// whole-tile checks and submission on request.

#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

#include "e2e/editor.hpp"
#include "e2e/fixture.hpp"

using namespace tessera;
using namespace tessera::test;

namespace {

bool has_issue(const google::protobuf::RepeatedPtrField<v1::QcIssue>& issues, const std::string& code,
               std::int64_t feature) {
    return std::any_of(issues.begin(), issues.end(), [&](const v1::QcIssue& i) {
        return i.code() == code && std::find(i.features().begin(), i.features().end(), feature) != i.features().end();
    });
}

v1::Op draw(const std::string& wkt, const std::string& cs, const std::string& us) {
    v1::Op op;
    api::encode_polygon(rings_of(wkt), ox, oy, *op.mutable_draw()->mutable_geometry());
    op.mutable_draw()->set_code_cs(cs);
    op.mutable_draw()->set_code_us(us);
    return op;
}

v1::Op merge(const std::vector<std::pair<std::int64_t, std::uint32_t>>& refs, const std::string& cs,
             const std::string& us) {
    v1::Op op;
    for (const auto& [id, version] : refs) {
        auto* r = op.mutable_merge()->add_features();
        r->set_id(id);
        r->set_version(version);
    }
    op.mutable_merge()->set_code_cs(cs);
    op.mutable_merge()->set_code_us(us);
    return op;
}

v1::ClientMessage submit(const std::string& key) {
    v1::ClientMessage m;
    m.mutable_submit_tile()->set_tile_key(key);
    return m;
}

class QcE2e : public ServerE2e {};

}  // namespace

TEST_F(QcE2e, BelowUmcIntroducedByADrawAndFixedByAMerge) {
    Editor a(port(), token()), viewer(port(), token());
    const auto snap = a.open();
    viewer.open();
    EXPECT_EQ(a.report().tile_key(), tile);
    EXPECT_GT(a.report().whole_tile_seq(), 0u) << "the import checks every tile it loads";
    const auto& forest = find(snap, "CS2.1.1.1", "US1.2");

    // A 20 m × 20 m meadow drawn in the forest: 400 m², under the 2,500 m² UMC.
    auto drawn = a.send("qc-1", {draw("POLYGON((880100 6840100, 880120 6840100, 880120 6840120, 880100 6840120, "
                                      "880100 6840100))",
                                      "CS2.2.1", "US6.3")});
    ASSERT_TRUE(drawn.has_ack()) << drawn.DebugString();
    ASSERT_EQ(drawn.ack().created_size(), 1);
    const auto meadow = drawn.ack().created(0);
    ASSERT_TRUE(has_issue(drawn.ack().introduced(), "below_mmu", meadow)) << drawn.DebugString();
    EXPECT_EQ(drawn.ack().fixed_size(), 0) << drawn.DebugString();
    EXPECT_GE(drawn.ack().blocking(), 1u);
    for (const auto& i : drawn.ack().introduced()) {
        if (i.code() != "below_mmu") continue;
        EXPECT_EQ(i.severity(), v1::SEVERITY_BLOCKING);
        EXPECT_NEAR(i.area_m2(), 400.0, 1e-6);
        // Located on the feature.
        EXPECT_GE(i.x_cm(), 88010000);
        EXPECT_LE(i.x_cm(), 88012000);
        EXPECT_GE(i.y_cm(), 684010000);
        EXPECT_LE(i.y_cm(), 684012000);
    }
    // Every viewer learns it with the change.
    auto change = viewer.push(v1::ServerMessage::kChange);
    ASSERT_TRUE(change) << "no change pushed";
    EXPECT_TRUE(has_issue(change->change().introduced(), "below_mmu", meadow)) << change->DebugString();

    // The stored list follows, and a new snapshot carries it.
    {
        pqxx::connection c(m_db->url());
        pqxx::work tx(c);
        EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM qc_issue WHERE code = 'below_mmu' AND $1 = ANY(features)",
                                  meadow)[0]
                      .as<int>(),
                  1);
    }
    Editor late(port(), token());
    late.open();
    EXPECT_TRUE(has_issue(late.report().issues(), "below_mmu", meadow));
    {
        auto http = http_request(port(), "GET", "/api/v1/qc?tile=0880_6840", "", bearer(token()));
        ASSERT_EQ(http.status, 200) << http.body;
        const auto report = nlohmann::json::parse(http.body);
        bool found = false;
        for (const auto& i : report["issues"])
            if (i["code"] == "below_mmu" && i["features"][0] == meadow) found = true;
        EXPECT_TRUE(found) << http.body;
        EXPECT_EQ(report["blocking"], drawn.ack().blocking());
        EXPECT_EQ(http_request(port(), "GET", "/api/v1/qc", "", bearer(token())).status, 400);
        EXPECT_EQ(http_request(port(), "GET", "/api/v1/qc?tile=0990_6990", "", bearer(token())).status, 404);
        EXPECT_EQ(http_request(port(), "GET", "/api/v1/qc?tile=0880_6840", "", {}).status, 401);
    }

    // Merging it back into the forest fixes it.
    std::uint32_t forest_version = 0, meadow_version = 0;
    for (const auto& f : drawn.ack().features()) {
        if (f.id() == forest.id()) forest_version = f.version();
        if (f.id() == meadow) meadow_version = f.version();
    }
    ASSERT_GT(forest_version, 0u) << "the draw cut the forest";
    auto merged = a.send("qc-2", {merge({{forest.id(), forest_version}, {meadow, meadow_version}}, "CS2.1.1.1", "US1.2")});
    ASSERT_TRUE(merged.has_ack()) << merged.DebugString();
    EXPECT_TRUE(has_issue(merged.ack().fixed(), "below_mmu", meadow)) << merged.DebugString();
    EXPECT_FALSE(has_issue(merged.ack().introduced(), "below_mmu", meadow));
    auto fixed = viewer.push(v1::ServerMessage::kChange);
    ASSERT_TRUE(fixed);
    EXPECT_TRUE(has_issue(fixed->change().fixed(), "below_mmu", meadow));
    pqxx::connection c(m_db->url());
    pqxx::work tx(c);
    EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM qc_issue WHERE $1 = ANY(features)", meadow)[0].as<int>(), 0);
    // The tile's counts are the stored issues'.
    auto counts = tx.exec1(
        "SELECT t.qc_blocking, t.qc_warnings, (SELECT count(*) FILTER (WHERE blocking) FROM qc_issue q WHERE "
        "q.tile_key = t.key), (SELECT count(*) FILTER (WHERE NOT blocking) FROM qc_issue q WHERE q.tile_key = t.key) "
        "FROM tile t WHERE t.key = '0880_6840'");
    EXPECT_EQ(counts[0].as<int>(), counts[2].as<int>());
    EXPECT_EQ(counts[1].as<int>(), counts[3].as<int>());
}

TEST_F(QcE2e, ResyncCarriesWhatEachChangeIntroduced) {
    Editor a(port(), token());
    const auto snap = a.open();
    auto drawn = a.send("qc-r", {draw("POLYGON((880200 6840200, 880210 6840200, 880210 6840210, 880200 6840210, "
                                      "880200 6840200))",
                                      "CS2.2.1", "US6.3")});
    ASSERT_TRUE(drawn.has_ack()) << drawn.DebugString();
    v1::ClientMessage resync;
    resync.mutable_resync()->set_tile_key(tile);
    resync.mutable_resync()->set_after_seq(snap.seq());
    auto replayed = a.request(resync);
    ASSERT_TRUE(replayed.has_change()) << replayed.DebugString();
    EXPECT_TRUE(has_issue(replayed.change().introduced(), "below_mmu", drawn.ack().created(0)))
        << replayed.DebugString();
}

TEST_F(QcE2e, SubmitIsRefusedWhileBlockingIssuesRemainThenAccepted) {
    Editor a(port(), token()), viewer(port(), token());
    const auto snap = a.open();
    viewer.open();
    auto drawn = a.send("qc-s1", {draw("POLYGON((880300 6840300, 880310 6840300, 880310 6840310, 880300 6840310, "
                                       "880300 6840300))",
                                       "CS2.2.1", "US6.3")});
    ASSERT_TRUE(drawn.has_ack()) << drawn.DebugString();
    auto refused = a.request(submit(tile));
    ASSERT_TRUE(refused.has_error()) << refused.DebugString();
    EXPECT_EQ(refused.error().code(), v1::ERROR_CODE_INVALID_OPERATION);
    EXPECT_NE(refused.error().message().find("blocking"), std::string::npos) << refused.error().message();
    auto report = a.answer(refused.request_id());
    ASSERT_TRUE(report.has_qc_report()) << report.DebugString();
    EXPECT_GE(report.qc_report().blocking(), 1u);
    EXPECT_TRUE(has_issue(report.qc_report().issues(), "below_mmu", drawn.ack().created(0)));
    {
        pqxx::connection c(m_db->url());
        pqxx::work tx(c);
        EXPECT_EQ(tx.exec1("SELECT state::text FROM tile WHERE key = '0880_6840'")[0].as<std::string>(), "in_progress");
    }

    // Fix it (merge back into the forest), then check on demand and submit.
    const auto& forest = find(snap, "CS2.1.1.1", "US1.2");
    std::uint32_t fv = 0, mv = 0;
    for (const auto& f : drawn.ack().features()) {
        if (f.id() == forest.id()) fv = f.version();
        if (f.id() == drawn.ack().created(0)) mv = f.version();
    }
    auto merged = a.send("qc-s2", {merge({{forest.id(), fv}, {drawn.ack().created(0), mv}}, "CS2.1.1.1", "US1.2")});
    ASSERT_TRUE(merged.has_ack()) << merged.DebugString();
    v1::ClientMessage check;
    check.mutable_check_tile()->set_tile_key(tile);
    auto checked = a.request(check);
    ASSERT_TRUE(checked.has_qc_report()) << checked.DebugString();
    EXPECT_EQ(checked.qc_report().whole_tile_seq(), merged.ack().seq());
    std::string blocking;
    for (const auto& i : checked.qc_report().issues())
        if (i.severity() == v1::SEVERITY_BLOCKING) blocking += i.code() + ": " + i.message() + "\n";
    ASSERT_EQ(checked.qc_report().blocking(), 0u) << blocking;

    auto accepted = a.request(submit(tile));
    ASSERT_TRUE(accepted.has_qc_report()) << accepted.DebugString();
    auto state = a.answer(accepted.request_id());
    ASSERT_TRUE(state.has_tile_state()) << state.DebugString();
    EXPECT_EQ(state.tile_state().state(), v1::TILE_STATE_SUBMITTED);
    auto pushed = viewer.push(v1::ServerMessage::kTileState);
    ASSERT_TRUE(pushed);
    EXPECT_EQ(pushed->tile_state().by(), "lea");
    pqxx::connection c(m_db->url());
    pqxx::work tx(c);
    EXPECT_EQ(tx.exec1("SELECT state::text FROM tile WHERE key = '0880_6840'")[0].as<std::string>(), "submitted");
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM event WHERE kind = 'submitted' AND tile_key = '0880_6840'")[0].as<int>(), 1);
    // Submitting again: the tile is no longer open.
    auto twice = a.request(submit(tile));
    ASSERT_TRUE(twice.has_error());
    EXPECT_EQ(twice.error().code(), v1::ERROR_CODE_INVALID_OPERATION);
    EXPECT_NE(twice.error().message().find("submitted"), std::string::npos);
}

TEST_F(QcE2e, BadRequestsGetClearErrors) {
    Editor a(port(), token());
    a.open();
    v1::ClientMessage check;
    check.mutable_check_tile()->set_tile_key("not a key");
    auto bad = a.request(check);
    ASSERT_TRUE(bad.has_error());
    EXPECT_EQ(bad.error().field(), "check_tile.tile_key");
    check.mutable_check_tile()->set_tile_key("0990_6990");  // not subscribed
    auto unknown = a.request(check);
    ASSERT_TRUE(unknown.has_error());
    EXPECT_EQ(unknown.error().field(), "check_tile.tile_key");
    auto not_watched = a.request(submit("0882_6842"));
    ASSERT_TRUE(not_watched.has_error());
    EXPECT_EQ(not_watched.error().field(), "submit_tile.tile_key");
}

TEST_F(QcE2e, BatchQcWritesAReport) {
    const auto report = m_dir / "qc.geojson";
    const auto summary = m_dir / "qc.csv";
    std::string out;
    ASSERT_EQ(run_tessera({"qc", "--database-url", m_db->url(), "--report", report.string(), "--summary",
                           summary.string()},
                          &out),
              0)
        << out;
    EXPECT_NE(out.find("4 tiles checked"), std::string::npos) << out;
    EXPECT_NE(out.find("unreviewed_low_confidence"), std::string::npos) << out;  // the 0.42 meadow, the 0.55 pond
    std::ifstream in(report);
    const auto json = nlohmann::json::parse(in);
    EXPECT_EQ(json["type"], "FeatureCollection");
    pqxx::connection c(m_db->url());
    pqxx::work tx(c);
    EXPECT_EQ(json["features"].size(), tx.exec1("SELECT count(*) FROM qc_issue")[0].as<std::size_t>());
    bool low = false;
    for (const auto& f : json["features"]) {
        EXPECT_EQ(f["geometry"]["type"], "Point");
        if (f["properties"]["code"] == "unreviewed_low_confidence") low = true;
    }
    EXPECT_TRUE(low);
    // Bad selections are refused clearly.
    EXPECT_NE(run_tessera({"qc", "--database-url", m_db->url(), "--bbox", "1,2,3"}, &out), 0);
    EXPECT_NE(out.find("--bbox"), std::string::npos) << out;
    EXPECT_NE(run_tessera({"qc", "--database-url", m_db->url(), "--prediction-set", "nope"}, &out), 0);
    EXPECT_NE(out.find("nope"), std::string::npos) << out;
}

TEST_F(QcE2e, ABadRulesFileStopsTheStartWithFileLineAndReason) {
    const auto rules = m_dir / "rules.conf";
    std::ofstream(rules) << "# thresholds\nsliver.width_m = 5\nsliver.widht_m = 4\n";
    std::string out;
    EXPECT_NE(run_tessera({"serve", "--database-url", m_db->url(), "--port", "0", "--qc-rules", rules.string()}, &out), 0);
    EXPECT_NE(out.find("rules.conf:3"), std::string::npos) << out;
    EXPECT_NE(out.find("widht"), std::string::npos) << out;
    std::ofstream(rules, std::ios::trunc) << "confidence.threshold = 1.5\n";
    EXPECT_NE(run_tessera({"qc", "--database-url", m_db->url(), "--qc-rules", rules.string()}, &out), 0);
    EXPECT_NE(out.find("rules.conf:1"), std::string::npos) << out;
    const auto coherence = m_dir / "coherence.csv";
    std::ofstream(rules, std::ios::trunc) << "";
    std::ofstream(coherence) << "code_cs,code_us,verdict,reason\nCS9.9,US1.1,impossible,no such class\n";
    EXPECT_NE(run_tessera({"serve", "--database-url", m_db->url(), "--port", "0", "--qc-rules", rules.string(),
                           "--qc-coherence", coherence.string()},
                          &out),
              0);
    EXPECT_NE(out.find("coherence.csv:2"), std::string::npos) << out;
    EXPECT_NE(out.find("CS9.9"), std::string::npos) << out;
}
