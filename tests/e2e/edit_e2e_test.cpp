// Collaborative editing end to end: real server processes, real clients, the real database.

#include <chrono>
#include <thread>

#include "api/codec.hpp"
#include "e2e/editor.hpp"
#include "e2e/fixture.hpp"
#include "geo/geos.hpp"
#include "geo/wkb.hpp"

using namespace tessera;
using namespace tessera::test;

namespace {

// The field's part in tile 0880_6840 is the box 880700..881000 × 6840700..6841000; growing it
// 50 m west takes a strip of the forest.
const std::string grown_field = "POLYGON((880650 6840700, 881000 6840700, 881000 6841000, 880650 6841000, 880650 6840700))";

class EditE2e : public ServerE2e {};

}  // namespace

TEST_F(EditE2e, SameAspectGivesOneAckAndOneConflict) {
    Editor a(port(), token()), b(port(), token());
    auto sa = a.open();
    auto sb = b.open();
    const auto field = find(sa, "CS2.2.1", "US1.1");
    auto first = a.send("a-1", {set_class(field, "CS2.2.1", "US6.3")});
    ASSERT_TRUE(first.has_ack()) << first.DebugString();
    EXPECT_EQ(first.ack().seq(), 2u);
    ASSERT_EQ(first.ack().features_size(), 1);
    EXPECT_EQ(first.ack().features(0).version(), 2u);
    EXPECT_EQ(first.ack().features(0).code_us(), "US6.3");
    EXPECT_EQ(first.ack().features(0).author(), "lea");
    auto second = b.send("b-1", {set_class(find(sb, "CS2.2.1", "US1.1"), "CS2.1.2", "US1.1")});
    ASSERT_TRUE(second.has_conflict()) << second.DebugString();
    ASSERT_EQ(second.conflict().current_size(), 1);
    EXPECT_EQ(second.conflict().current(0).code_us(), "US6.3");
    EXPECT_EQ(second.conflict().current(0).version(), 2u);
    pqxx::connection c(m_db->url());
    pqxx::work tx(c);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM conflict")[0].as<int>(), 1);
    // Leads see it; contributors may not.
    EXPECT_EQ(http_request(port(), "GET", "/api/v1/conflicts?tile=0880_6840", "", bearer(token())).status, 403);
    std::string out;
    ASSERT_EQ(run_tessera({"user", "add", "sophie", "--role", "lead", "--password", "long enough", "--database-url",
                           m_db->url()},
                          &out),
              0);
    auto seen = http_request(port(), "GET", "/api/v1/conflicts?tile=0880_6840", "",
                             bearer(login_token(port(), "sophie", "long enough")));
    ASSERT_EQ(seen.status, 200) << seen.body;
    EXPECT_NE(seen.body.find("\"change_set\":\"b-1\""), std::string::npos) << seen.body;
    EXPECT_EQ(tx.exec_params1("SELECT code_cs FROM feature WHERE id = $1", field.id())[0].as<std::string>(), "CS2.2.1");
}

TEST_F(EditE2e, DifferentAspectsAreBothApplied) {
    Editor a(port(), token()), b(port(), token());
    auto sa = a.open();
    auto sb = b.open();
    auto classes = a.send("a-1", {set_class(find(sa, "CS2.2.1", "US1.1"), "CS2.2.1", "US6.3")});
    ASSERT_TRUE(classes.has_ack()) << classes.DebugString();
    auto geometry = b.send("b-1", {reshape(find(sb, "CS2.2.1", "US1.1"), grown_field)});
    ASSERT_TRUE(geometry.has_ack()) << geometry.DebugString();
    EXPECT_TRUE(geometry.ack().merged());
    const auto field_id = find(sb, "CS2.2.1", "US1.1").id();
    bool seen = false;
    for (const auto& f : geometry.ack().features()) {
        if (f.id() != field_id) continue;
        seen = true;
        EXPECT_EQ(f.version(), 3u);
        EXPECT_EQ(f.code_us(), "US6.3");  // a's classes kept
    }
    EXPECT_TRUE(seen);
    pqxx::connection c(m_db->url());
    pqxx::work tx(c);
    auto row = tx.exec_params1("SELECT code_us, ST_Area(geom), version FROM feature WHERE id = $1", field_id);
    EXPECT_EQ(row[0].as<std::string>(), "US6.3");
    EXPECT_NEAR(row[1].as<double>(), 350.0 * 300.0, 1e-6);
    EXPECT_EQ(row[2].as<int>(), 3);
    // The tile is still a partition of its square.
    auto sums = tx.exec1("SELECT sum(ST_Area(geom)), ST_Area(ST_Union(geom)) FROM feature WHERE tile_key = '0880_6840'");
    EXPECT_NEAR(sums[0].as<double>(), 1e6, 1e-4);
    EXPECT_NEAR(sums[1].as<double>(), 1e6, 1e-4);
}

TEST_F(EditE2e, AResentChangeSetIsAppliedOnce) {
    Editor a(port(), token());
    auto s = a.open();
    const auto field = find(s, "CS2.2.1", "US1.1");
    auto first = a.send("same-id", {set_class(field, "CS2.1.2", "")});
    ASSERT_TRUE(first.has_ack());
    EXPECT_FALSE(first.ack().duplicate());
    auto again = a.send("same-id", {set_class(field, "CS2.1.2", "")});
    ASSERT_TRUE(again.has_ack()) << again.DebugString();
    EXPECT_TRUE(again.ack().duplicate());
    EXPECT_EQ(again.ack().seq(), first.ack().seq());
    pqxx::connection c(m_db->url());
    pqxx::work tx(c);
    EXPECT_EQ(tx.exec_params1("SELECT version FROM feature WHERE id = $1", field.id())[0].as<int>(), 2);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM change_set")[0].as<int>(), 1);
}

TEST_F(EditE2e, ViewersSeeChangesLiveInOrderAndCanResync) {
    Editor a(port(), token()), viewer(port(), token());
    auto s = a.open();
    viewer.open();
    auto field = find(s, "CS2.2.1", "US1.1");
    const char* uses[] = {"US6.3", "US1.1", "US6.3", "US1.1"};
    for (int i = 0; i < 4; ++i) {
        auto r = a.send("live-" + std::to_string(i), {set_class(field, "", uses[i], field.version() + i)});
        ASSERT_TRUE(r.has_ack()) << r.DebugString();
    }
    for (std::uint64_t seq = 2; seq <= 5; ++seq) {
        auto change = viewer.push(v1::ServerMessage::kChange);
        ASSERT_TRUE(change) << "change " << seq;
        EXPECT_EQ(change->change().seq(), seq);
        EXPECT_EQ(change->change().author(), "lea");
        EXPECT_EQ(change->change().state(), v1::TILE_STATE_IN_PROGRESS);
    }
    v1::ClientMessage resync;
    resync.mutable_resync()->set_tile_key(tile);
    resync.mutable_resync()->set_after_seq(3);
    auto first = viewer.request(resync);
    ASSERT_TRUE(first.has_change()) << first.DebugString();
    EXPECT_EQ(first.change().seq(), 4u);
}

TEST(EditInstancesE2e, AViewerOnAnotherInstanceReceivesChangesInOrder) {
    TestDatabase db;
    std::string out;
    ASSERT_EQ(run_tessera({"project", "create", "demo", "--database-url", db.url()}, &out), 0) << out;
    const auto file = std::filesystem::path(testing::TempDir()) / ("inst_" + db.name() + ".gpkg");
    write_vector(file.string(), "GPKG", 2154, straddling_partition(880000, 6840000));
    ASSERT_EQ(run_tessera({"ingest", "vector", file.string(), "--database-url", db.url()}, &out), 0) << out;
    std::filesystem::remove(file);
    ASSERT_EQ(run_tessera({"user", "add", "lea", "--role", "contributor", "--password", "long enough", "--database-url",
                           db.url()},
                          &out),
              0);
    ServerProcess a(db.url()), b(db.url());
    Editor writer(a.port(), login_token(a.port(), "lea", "long enough"));
    Editor viewer(b.port(), login_token(b.port(), "lea", "long enough"));
    auto s = writer.open();
    viewer.open();
    auto field = find(s, "CS2.2.1", "US1.1");
    for (int i = 0; i < 6; ++i) {
        auto r = writer.send("x-" + std::to_string(i), {set_class(field, "", i % 2 ? "US1.1" : "US6.3", field.version() + i)});
        ASSERT_TRUE(r.has_ack()) << r.DebugString();
    }
    for (std::uint64_t seq = 2; seq <= 7; ++seq) {
        auto change = viewer.push(v1::ServerMessage::kChange, 10000);
        ASSERT_TRUE(change) << "change " << seq << " did not reach instance B";
        EXPECT_EQ(change->change().seq(), seq);
    }
}

TEST_F(EditE2e, AnAcknowledgedChangeSurvivesKillNine) {
    std::int64_t id = 0;
    {
        Editor a(port(), token());
        auto s = a.open();
        const auto field = find(s, "CS2.2.1", "US1.1");
        id = field.id();
        auto r = a.send("durable", {set_class(field, "CS2.1.2", "US6.3")});
        ASSERT_TRUE(r.has_ack());
        m_server->kill_now();  // right after the ack
    }
    m_server = std::make_unique<ServerProcess>(m_db->url());
    Editor b(port(), token());
    auto s = b.open();
    bool found = false;
    for (const auto& f : s.features())
        if (f.id() == id) {
            found = true;
            EXPECT_EQ(f.code_cs(), "CS2.1.2");
            EXPECT_EQ(f.version(), 2u);
        }
    EXPECT_TRUE(found);
}

TEST_F(EditE2e, BadEditsGetClearErrorsAndApplyNothing) {
    Editor a(port(), token());
    auto s = a.open();
    a.open("0881_6841");
    const auto field = find(s, "CS2.2.1", "US1.1");
    auto expect = [&](const v1::ServerMessage& m, v1::ErrorCode code, const std::string& needle) {
        ASSERT_TRUE(m.has_error()) << m.DebugString();
        EXPECT_EQ(m.error().code(), code) << m.error().message();
        EXPECT_NE(m.error().message().find(needle), std::string::npos) << m.error().message();
    };
    // A feature of another tile.
    expect(a.send("e1", {set_class(field, "CS2.1.2", "")}, "0881_6841"), v1::ERROR_CODE_INVALID_ARGUMENT,
           "belongs to tile 0880_6840");
    // Unknown id, and a version from the future.
    v1::Feature ghost;
    ghost.set_id(999999);
    ghost.set_version(1);
    expect(a.send("e2", {set_class(ghost, "CS2.1.2", "")}), v1::ERROR_CODE_INVALID_ARGUMENT, "no feature 999999");
    expect(a.send("e3", {set_class(field, "CS2.1.2", "", 7)}), v1::ERROR_CODE_INVALID_ARGUMENT, "no version 7");
    expect(a.send("e4", {set_class(field, "CS9", "")}), v1::ERROR_CODE_INVALID_ARGUMENT, "not a leaf land-cover code");
    // A self-intersecting reshape, one leaving the tile.
    auto bow = a.send("e5", {reshape(field, "POLYGON((880700 6840700, 881000 6841000, 881000 6840700, 880700 6841000, 880700 6840700))")});
    expect(bow, v1::ERROR_CODE_INVALID_OPERATION, "elf-intersection");
    EXPECT_EQ(bow.error().field(), "change_set.ops[0].reshape.geometry");
    expect(a.send("e6", {reshape(field, "POLYGON((880700 6840700, 881200 6840700, 881200 6841000, 880700 6841000, 880700 6840700))")}),
           v1::ERROR_CODE_INVALID_OPERATION, "tile");
    // Too many vertices, too many operations, no operation.
    std::string many = "POLYGON((880700 6840700";
    for (int i = 1; i < 120000; ++i) many += ", " + std::to_string(880700 + i * 0.0025) + " 6840700";
    many += ", 881000 6841000, 880700 6841000, 880700 6840700))";
    expect(a.send("e7", {reshape(field, many)}), v1::ERROR_CODE_INVALID_ARGUMENT, "limit");
    std::vector<v1::Op> ops(501, set_class(field, "CS2.1.2", ""));
    expect(a.send("e8", ops), v1::ERROR_CODE_LIMIT_EXCEEDED, "at most 500");
    expect(a.send("e9", {}), v1::ERROR_CODE_INVALID_ARGUMENT, "no operation");
    expect(a.send("", {set_class(field, "CS2.1.2", "")}), v1::ERROR_CODE_INVALID_ARGUMENT, "id");
    // An op failing after a good one: nothing of the change set is applied.
    expect(a.send("e10", {set_class(field, "CS2.1.2", ""), reshape(field, "POLYGON((880700 6840700, 881000 6841000, 881000 6840700, 880700 6841000, 880700 6840700))")}),
           v1::ERROR_CODE_INVALID_OPERATION, "elf-intersection");
    pqxx::connection c(m_db->url());
    pqxx::work tx(c);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM feature WHERE version > 1")[0].as<int>(), 0);
    EXPECT_EQ(tx.exec1("SELECT max(seq) FROM tile")[0].as<int>(), 1);
    // And the same client still works.
    auto ok = a.send("e11", {set_class(field, "CS2.1.2", "")});
    EXPECT_TRUE(ok.has_ack()) << ok.DebugString();
}

namespace {
class LeaseE2e : public ServerE2e {
    std::vector<std::string> extra_args() override { return {"--lease-idle-s", "2"}; }
};
}  // namespace

TEST_F(LeaseE2e, PresenceLeasesAndLapseNotices) {
    Editor a(port(), token());
    a.open();
    Editor b(port(), token());
    b.open();
    // a sees b arrive.
    bool two = false;
    for (int i = 0; i < 5 && !two; ++i) {
        auto p = a.push(v1::ServerMessage::kPresence);
        ASSERT_TRUE(p);
        two = p->presence().viewers_size() == 2;
    }
    EXPECT_TRUE(two);
    v1::ClientMessage claim;
    claim.mutable_claim_lease()->set_tile_key(tile);
    auto mine = a.request(claim);
    ASSERT_TRUE(mine.has_presence()) << mine.DebugString();
    EXPECT_EQ(mine.presence().lease().username(), "lea");
    // Another user cannot take it while it is held.
    std::string out;
    ASSERT_EQ(run_tessera({"user", "add", "marc", "--role", "controller", "--password", "long enough", "--database-url",
                           m_db->url()},
                          &out),
              0);
    Editor m(port(), login_token(port(), "marc", "long enough"));
    m.open();
    auto refused = m.request(claim);
    ASSERT_TRUE(refused.has_error()) << refused.DebugString();
    EXPECT_EQ(refused.error().code(), v1::ERROR_CODE_FORBIDDEN);
    EXPECT_NE(refused.error().message().find("held by lea"), std::string::npos);
    // Idle for longer than the lease: the holder is told, and the event recorded.
    auto notice = a.push(v1::ServerMessage::kLeaseNotice, 8000);
    ASSERT_TRUE(notice) << "no lease notice";
    EXPECT_EQ(notice->lease_notice().reason(), "lapsed");
    pqxx::connection c(m_db->url());
    pqxx::work tx(c);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM event WHERE kind = 'lease_lapsed'")[0].as<int>(), 1);
    EXPECT_TRUE(m.request(claim).has_presence());
}

namespace {
class LaggingE2e : public ServerE2e {
    std::vector<std::string> extra_args() override {
        return {"--limits.max-queued-bytes", "1000000", "--limits.max-messages-per-second", "100000"};
    }
};
}  // namespace

TEST_F(LaggingE2e, AClientThatNeverReadsIsDroppedAndOthersKeepWorking) {
    Editor worker(port(), token());
    auto s = worker.open();
    // A small receive buffer, so that what the kernel holds does not depend on the machine.
    WsClient lagging(port(), bearer(token()), 16 * 1024);
    // Ask for snapshots again and again and never read them: the server's queue for this
    // client grows past the limit once the socket buffers are full.
    std::string bytes;
    subscribe_keys(1, {"0880_6840", "0881_6840", "0880_6841", "0881_6841"}).SerializeToString(&bytes);
    for (int i = 0; i < 6000; ++i) lagging.send_raw(bytes);
    const auto field = find(s, "CS2.2.1", "US1.1");
    auto ok = worker.send("still-working", {set_class(field, "CS2.1.2", "")});
    EXPECT_TRUE(ok.has_ack()) << ok.DebugString();
    bool dropped = false;
    for (int i = 0; i < 300 && !dropped; ++i) {
        auto metrics = http_request(port(), "GET", "/metrics");
        dropped = metrics.body.find("tessera_ws_closed_slow_total 0") == std::string::npos;
        if (!dropped) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(dropped) << "the lagging client was not dropped";
    EXPECT_NE(m_server->log().find("lags behind"), std::string::npos);
}

// The demo's predictions, loaded by the real ingest, are a partition whose polygons were clipped
// one by one: geometric edits must work on such tiles too, not only on tiles made by edits.
TEST(EditDemoE2e, GeometricEditsWorkOnIngestedPredictions) {
    TestDatabase db;
    const auto dir = std::filesystem::path(testing::TempDir()) / ("demo_" + db.name());
    std::string out;
    ASSERT_EQ(run_tessera({"demo", "generate", "--out", dir.string(), "--seed", "7"}, &out), 0) << out;
    ASSERT_EQ(run_tessera({"project", "create", "demo", "--database-url", db.url()}, &out), 0) << out;
    ASSERT_EQ(run_tessera({"ingest", "vector", (dir / "prediction.gpkg").string(), "--database-url", db.url()}, &out), 0)
        << out;
    std::filesystem::remove_all(dir);
    ASSERT_EQ(run_tessera({"user", "add", "lea", "--role", "contributor", "--password", "long enough", "--database-url",
                           db.url()},
                          &out),
              0);
    ServerProcess server(db.url());
    const std::string key = "0866_6829";
    Editor editor(server.port(), login_token(server.port(), "lea", "long enough"));
    auto snap = editor.open(key);
    ASSERT_GT(snap.features_size(), 50);
    int acks = 0, tried = 0;
    std::map<std::int64_t, std::uint32_t> versions;
    for (const auto& f : snap.features()) versions[f.id()] = f.version();
    for (int i = 0; i < snap.features_size() && tried < 25; i += 3, ++tried) {
        const auto& f = snap.features(i);
        if (!versions.contains(f.id())) continue;
        v1::Op op;
        op.mutable_reshape()->mutable_feature()->set_id(f.id());
        op.mutable_reshape()->mutable_feature()->set_version(versions[f.id()]);
        *op.mutable_reshape()->mutable_geometry() = f.geometry();  // its own boundary
        auto r = editor.send("same-" + std::to_string(f.id()), {op}, key);
        EXPECT_TRUE(r.has_ack()) << "feature " << f.id() << ": " << r.DebugString();
        if (!r.has_ack()) continue;
        ++acks;
        for (const auto& w : r.ack().features()) versions[w.id()] = w.version();
        for (auto d : r.ack().deleted()) versions.erase(d);
    }
    EXPECT_EQ(acks, tried);
    pqxx::connection c(db.url());
    pqxx::work tx(c);
    auto sums = tx.exec_params1("SELECT sum(ST_Area(geom)), ST_Area(ST_Union(geom)), bool_and(ST_IsValid(geom)) "
                                "FROM feature WHERE tile_key = $1",
                                key);
    EXPECT_NEAR(sums[0].as<double>(), 1e6, 1e-3);
    EXPECT_NEAR(sums[1].as<double>(), 1e6, 1e-3);
    EXPECT_TRUE(sums[2].as<bool>());
}
