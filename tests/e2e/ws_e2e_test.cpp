#include <future>
#include <limits>
#include <set>

#include "store/migrations.hpp"

#include "api/codec.hpp"
#include "e2e/fixture.hpp"
#include "geo/wkb.hpp"

using namespace tessera;
using namespace tessera::test;

namespace {

std::string upgrade_refusal(unsigned short port, const std::map<std::string, std::string>& headers) {
    try {
        WsClient c(port, headers);
        return "";
    } catch (const std::runtime_error& e) {
        return e.what();
    }
}

}  // namespace

TEST_F(ServerE2e, UpgradeNeedsAValidSessionAndAnAllowedOrigin) {
    EXPECT_NE(upgrade_refusal(port(), {}).find("401"), std::string::npos);
    EXPECT_NE(upgrade_refusal(port(), bearer("forged-token-forged-token-forged-token-forg")).find("401"), std::string::npos);
    EXPECT_NE(upgrade_refusal(port(), bearer("short")).find("401"), std::string::npos);
    const auto t = token();
    auto with_origin = bearer(t);
    with_origin["Origin"] = "http://evil.example";
    EXPECT_NE(upgrade_refusal(port(), with_origin).find("403"), std::string::npos);
    // A browser on the server's own origin, authenticated by its cookie.
    const std::string host = "127.0.0.1:" + std::to_string(port());
    EXPECT_EQ(upgrade_refusal(port(), {{"Cookie", "tessera_session=" + t}, {"Origin", "http://" + host}}), "");
    // A cookie without Origin is not a browser we can check.
    EXPECT_NE(upgrade_refusal(port(), {{"Cookie", "tessera_session=" + t}}).find("403"), std::string::npos);
    EXPECT_EQ(upgrade_refusal(port(), bearer(t)), "");

    // An expired session is refused.
    {
        pqxx::connection c(m_db->url());
        pqxx::work tx(c);
        tx.exec("UPDATE session SET expires_at = now() - interval '1 second'");
        tx.commit();
    }
    EXPECT_NE(upgrade_refusal(port(), bearer(t)).find("401"), std::string::npos);
}

TEST_F(ServerE2e, AuthenticateSubscribeAndTheSnapshotEqualsTheDatabase) {
    const auto t = token();
    WsClient ws(port(), bearer(t));
    ws.ignore_presence(true);
    v1::ClientMessage auth;
    auth.set_request_id(1);
    auth.mutable_authenticate();
    ws.send(auth);
    auto a = ws.receive();
    ASSERT_TRUE(a && a->has_authenticated());
    EXPECT_EQ(a->request_id(), 1u);
    EXPECT_EQ(a->authenticated().username(), "lea");
    EXPECT_EQ(a->authenticated().role(), v1::ROLE_CONTRIBUTOR);
    EXPECT_EQ(a->authenticated().srid(), 2154u);

    ws.send(subscribe_keys(7, {"0880_6840", "0881_6841"}));
    auto ack = ws.receive();
    ASSERT_TRUE(ack && ack->has_subscribed()) << (ack ? ack->DebugString() : "nothing");
    EXPECT_EQ(ack->request_id(), 7u);
    ASSERT_EQ(ack->subscribed().tile_keys_size(), 2);

    pqxx::connection c(m_db->url());
    pqxx::work tx(c);
    for (int i = 0; i < 2; ++i) {
        auto snap = ws.receive();
        ASSERT_TRUE(snap && snap->has_snapshot());
        EXPECT_EQ(snap->request_id(), 7u);
        const auto& s = snap->snapshot();
        EXPECT_EQ(s.tile_key(), ack->subscribed().tile_keys(i));
        EXPECT_EQ(s.state(), v1::TILE_STATE_TODO);
        EXPECT_EQ(s.seq(), 1u);
        auto rows = tx.exec_params("SELECT id, version, code_cs, code_us, ST_AsBinary(geom), pred_confidence FROM feature "
                                   "WHERE tile_key = $1 ORDER BY id",
                                   s.tile_key());
        ASSERT_EQ(static_cast<int>(rows.size()), s.features_size());
        for (int k = 0; k < s.features_size(); ++k) {
            const auto& f = s.features(k);
            EXPECT_EQ(f.id(), rows[k][0].as<long long>());
            EXPECT_EQ(f.version(), rows[k][1].as<unsigned>());
            EXPECT_EQ(f.code_cs(), rows[k][2].as<std::string>());
            EXPECT_EQ(f.code_us(), rows[k][3].as<std::string>());
            EXPECT_NEAR(f.prediction().confidence(), rows[k][5].as<double>(), 1e-6);
            auto stored = geo::polygon_from_wkb(pqxx::binarystring(rows[k][4]).str());
            auto wire = api::decode_polygon(f.geometry(), s.origin_x_cm(), s.origin_y_cm(), 1'000'000);
            ASSERT_TRUE(stored && wire);
            EXPECT_EQ(*stored, *wire) << "feature " << f.id();
        }
        // Its quality report follows, with the same request id.
        auto report = ws.receive();
        ASSERT_TRUE(report && report->has_qc_report()) << (report ? report->DebugString() : "nothing");
        EXPECT_EQ(report->request_id(), 7u);
        EXPECT_EQ(report->qc_report().tile_key(), s.tile_key());
        EXPECT_EQ(report->qc_report().seq(), s.seq());
    }
    v1::ClientMessage unsub;
    unsub.set_request_id(9);
    unsub.mutable_unsubscribe()->add_tile_keys("0880_6840");
    ws.send(unsub);
    auto u = ws.receive();
    ASSERT_TRUE(u && u->has_unsubscribed());
    EXPECT_EQ(u->unsubscribed().tile_keys(0), "0880_6840");
}

TEST_F(ServerE2e, SubscribeByBoundingBox) {
    WsClient ws(port(), bearer(token()));
    ws.ignore_presence(true);
    v1::ClientMessage m;
    m.set_request_id(3);
    auto* b = m.mutable_subscribe()->mutable_bbox();
    b->set_min_x(880500);
    b->set_min_y(6840500);
    b->set_max_x(881500);
    b->set_max_y(6840900);
    ws.send(m);
    auto ack = ws.receive();
    ASSERT_TRUE(ack && ack->has_subscribed());
    std::set<std::string> keys(ack->subscribed().tile_keys().begin(), ack->subscribed().tile_keys().end());
    EXPECT_EQ(keys, (std::set<std::string>{"0880_6840", "0881_6840"}));
    for (int i = 0; i < 2; ++i) {
        auto s = ws.receive();
        ASSERT_TRUE(s && s->has_snapshot());
        auto r = ws.receive();
        ASSERT_TRUE(r && r->has_qc_report());
    }
}

TEST_F(ServerE2e, BadFramesGetTypedErrorsAndTheConnectionSurvives) {
    WsClient ws(port(), bearer(token()));
    WsClient bystander(port(), bearer(token()));
    ws.ignore_presence(true);
    bystander.ignore_presence(true);
    auto expect_error = [&](v1::ErrorCode code, const std::string& needle) {
        auto e = ws.receive();
        ASSERT_TRUE(e && e->has_error()) << (e ? e->DebugString() : "nothing received");
        EXPECT_EQ(e->error().code(), code) << e->error().message();
        EXPECT_NE(e->error().message().find(needle), std::string::npos) << e->error().message();
        // Still alive: a ping is answered.
        ws.send(ping(99));
        auto p = ws.receive();
        ASSERT_TRUE(p && p->has_pong());
        EXPECT_EQ(p->request_id(), 99u);
    };
    ws.send_raw(std::string("\xff\xff\xff\xff garbage", 12));
    expect_error(v1::ERROR_CODE_MALFORMED_FRAME, "not a tessera.v1.ClientMessage");
    ws.send_raw("hello", false);
    expect_error(v1::ERROR_CODE_MALFORMED_FRAME, "text frames");
    v1::ClientMessage empty;
    empty.set_request_id(5);
    ws.send(empty);
    expect_error(v1::ERROR_CODE_UNKNOWN_MESSAGE, "no body");
    // A message with an unknown field number only (a newer client): unknown message.
    ws.send_raw(std::string("\x08\x06\xa2\x06\x00", 5));
    expect_error(v1::ERROR_CODE_UNKNOWN_MESSAGE, "no body");
    ws.send_raw(std::string((1u << 20) + 10, '\x0a'));
    expect_error(v1::ERROR_CODE_FRAME_TOO_LARGE, "larger than the limit");
    ws.send(subscribe_keys(6, {"0999_0999"}));
    expect_error(v1::ERROR_CODE_NOT_FOUND, "0999_0999");
    ws.send(subscribe_keys(6, {"0880_6840", "not-a-key"}));
    expect_error(v1::ERROR_CODE_INVALID_ARGUMENT, "tile key");
    v1::ClientMessage absurd;
    absurd.set_request_id(8);
    auto* b = absurd.mutable_subscribe()->mutable_bbox();
    b->set_min_x(-1e15);
    b->set_min_y(-1e15);
    b->set_max_x(1e15);
    b->set_max_y(1e15);
    ws.send(absurd);
    expect_error(v1::ERROR_CODE_LIMIT_EXCEEDED, "bbox covers");
    b->set_max_x(std::numeric_limits<double>::quiet_NaN());
    ws.send(absurd);
    expect_error(v1::ERROR_CODE_INVALID_ARGUMENT, "finite");
    v1::ClientMessage both = subscribe_keys(10, {"0880_6840"});
    both.mutable_subscribe()->mutable_bbox()->set_max_x(1);
    ws.send(both);
    expect_error(v1::ERROR_CODE_INVALID_ARGUMENT, "either");
    v1::ClientMessage foreign;
    foreign.set_request_id(11);
    foreign.mutable_authenticate()->set_token("forged-token-forged-token-forged-token-forg");
    ws.send(foreign);
    expect_error(v1::ERROR_CODE_UNAUTHENTICATED, "token");

    // Everyone else kept being served.
    bystander.send(subscribe_keys(1, {"0880_6840"}));
    auto ack = bystander.receive();
    ASSERT_TRUE(ack && ack->has_subscribed());
    auto snap = bystander.receive();
    ASSERT_TRUE(snap && snap->has_snapshot());
    EXPECT_GT(snap->snapshot().features_size(), 0);
}

TEST_F(ServerE2e, AFloodingClientIsThrottledThenClosed) {
    WsClient flood(port(), bearer(token()));
    std::string bytes;
    ping(1).SerializeToString(&bytes);
    for (int i = 0; i < 1000; ++i) flood.send_raw(bytes);
    bool limited = false;
    for (int i = 0; i < 1000; ++i) {
        auto m = flood.receive(2000);
        if (!m) break;
        if (m->has_error() && m->error().code() == v1::ERROR_CODE_LIMIT_EXCEEDED) limited = true;
    }
    EXPECT_TRUE(limited);
    EXPECT_TRUE(flood.closed());
    WsClient other(port(), bearer(token()));
    other.send(ping(2));
    auto p = other.receive();
    ASSERT_TRUE(p && p->has_pong());
}

TEST(ServerStartE2e, TwoServersStartingAtOnceOnANewDatabase) {
    TestDatabase empty(false);
    // Two project creations race on an empty database: both migrate, one creates the project.
    std::string out_a, out_b;
    auto run = [&](std::string* out) {
        return run_tessera({"project", "create", "demo", "--database-url", empty.url()}, out);
    };
    auto a = std::async(std::launch::async, run, &out_a);
    auto b = std::async(std::launch::async, run, &out_b);
    EXPECT_EQ(a.get(), 0) << out_a;
    EXPECT_EQ(b.get(), 0) << out_b;
    // Two servers start at once on it and both serve.
    auto start = [&] { return std::make_unique<ServerProcess>(empty.url()); };
    auto s1 = std::async(std::launch::async, start);
    auto s2 = std::async(std::launch::async, start);
    auto first = s1.get();
    auto second = s2.get();
    EXPECT_EQ(http_request(first->port(), "GET", "/readyz").status, 200);
    EXPECT_EQ(http_request(second->port(), "GET", "/readyz").status, 200);
    pqxx::connection c(empty.url());
    pqxx::work tx(c);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM schema_migration")[0].as<std::size_t>(),
              tessera::store::embedded_migrations().size());
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM project")[0].as<int>(), 1);
}
