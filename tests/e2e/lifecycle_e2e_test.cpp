// The tile lifecycle end to end (SPEC §3): submit, claim for review, reject with reasons and a
// pinned comment, rework, resubmit, approve by someone else, reopen; four-eyes; roles; races
// between two controllers; the review lease lapsing. Real server, real clients, real database.

#include <thread>

#include <nlohmann/json.hpp>

#include "e2e/editor.hpp"
#include "e2e/fixture.hpp"

using namespace tessera;
using namespace tessera::test;

namespace {

v1::ClientMessage reject(const std::vector<v1::RejectReason>& reasons, std::int64_t feature, std::int64_t x,
                         std::int64_t y) {
    v1::ClientMessage m;
    auto* r = m.mutable_reject_tile();
    r->set_tile_key(tile);
    for (auto reason : reasons) r->add_reasons(reason);
    r->set_comment("the field is a meadow");
    auto* c = r->add_comments();
    c->set_feature_id(feature);
    c->set_x_cm(x);
    c->set_y_cm(y);
    c->set_reason(v1::REJECT_REASON_WRONG_CLASS);
    c->set_text("meadow, not arable land: see the 2021 imagery");
    return m;
}

std::string state_of(const std::string& url) {
    pqxx::connection c(url);
    pqxx::work tx(c);
    return tx.exec1("SELECT state::text FROM tile WHERE key = '0880_6840'")[0].as<std::string>();
}

class LifecycleE2e : public ServerE2e {
protected:
    void SetUp() override {
        ServerE2e::SetUp();
        for (const auto& [name, role] : {std::pair{"marc", "controller"}, {"chloe", "controller"}, {"sophie", "lead"}}) {
            std::string out;
            ASSERT_EQ(run_tessera({"user", "add", name, "--role", role, "--password", password, "--database-url",
                                   m_db->url()},
                                  &out),
                      0)
                << out;
        }
    }
    std::string as(const std::string& user) { return login_token(port(), user, password); }
};

}  // namespace

TEST_F(LifecycleE2e, RejectReworkResubmitApproveByAnotherController) {
    Editor lea(port(), token()), marc(port(), as("marc")), chloe(port(), as("chloe"));
    const auto snap = lea.open();
    marc.open();
    chloe.open();
    const auto& field = find(snap, "CS2.2.1", "US1.1");
    auto edited = lea.send("l-1", {set_class(field, "CS2.2.1", "US6.3")});
    ASSERT_TRUE(edited.has_ack()) << edited.DebugString();

    // A contributor cannot claim a review; the controller can.
    auto refused = lea.request(tile_message(v1::ClientMessage::kClaimReview));
    ASSERT_TRUE(refused.has_error());
    EXPECT_EQ(refused.error().code(), v1::ERROR_CODE_FORBIDDEN);
    auto too_early = marc.request(tile_message(v1::ClientMessage::kClaimReview));
    ASSERT_TRUE(too_early.has_error());
    EXPECT_EQ(too_early.error().code(), v1::ERROR_CODE_INVALID_OPERATION) << "not submitted yet";

    auto submitted = lea.request(tile_message(v1::ClientMessage::kSubmitTile));
    ASSERT_TRUE(submitted.has_qc_report()) << submitted.DebugString();
    auto state = lea.answer(submitted.request_id());
    ASSERT_TRUE(state.has_tile_state()) << state.DebugString();
    EXPECT_EQ(state.tile_state().state(), v1::TILE_STATE_SUBMITTED);
    // Submitted: no more edits.
    auto late_edit = lea.send("l-2", {set_class(field, "CS2.2.1", "US1.1", edited.ack().features(0).version())});
    ASSERT_TRUE(late_edit.has_error()) << late_edit.DebugString();
    EXPECT_EQ(late_edit.error().code(), v1::ERROR_CODE_INVALID_OPERATION);
    EXPECT_NE(late_edit.error().message().find("submitted"), std::string::npos);

    auto claimed = marc.request(tile_message(v1::ClientMessage::kClaimReview));
    ASSERT_TRUE(claimed.has_tile_state()) << claimed.DebugString();
    EXPECT_EQ(claimed.tile_state().state(), v1::TILE_STATE_IN_REVIEW);
    // The review lease is exclusive.
    auto second = chloe.request(tile_message(v1::ClientMessage::kApproveTile));
    ASSERT_TRUE(second.has_error());
    EXPECT_EQ(second.error().code(), v1::ERROR_CODE_FORBIDDEN);
    EXPECT_NE(second.error().message().find("marc"), std::string::npos) << second.error().message();

    const std::int64_t x = 88080000, y = 684080000;  // inside the field
    auto rejected = marc.request(reject({v1::REJECT_REASON_WRONG_CLASS}, field.id(), x, y));
    ASSERT_TRUE(rejected.has_tile_state()) << rejected.DebugString();
    EXPECT_EQ(rejected.tile_state().state(), v1::TILE_STATE_REJECTED);
    // The contributor sees why, with the comment pinned at the feature.
    auto told = lea.push(v1::ServerMessage::kTileState);
    while (told && told->tile_state().state() != v1::TILE_STATE_REJECTED) told = lea.push(v1::ServerMessage::kTileState);
    ASSERT_TRUE(told) << "the rejection was not pushed";
    ASSERT_EQ(told->tile_state().reasons_size(), 1);
    EXPECT_EQ(told->tile_state().reasons(0), v1::REJECT_REASON_WRONG_CLASS);
    ASSERT_EQ(told->tile_state().comments_size(), 1);
    EXPECT_EQ(told->tile_state().comments(0).feature_id(), field.id());
    EXPECT_EQ(told->tile_state().comments(0).author(), "marc");

    // Rework and resubmit; marc may review again (he did not edit), chloe approves instead.
    auto fix = lea.send("l-3", {set_class(field, "CS2.2.1", "US1.1", edited.ack().features(0).version())});
    ASSERT_TRUE(fix.has_ack()) << fix.DebugString();
    auto again = lea.request(tile_message(v1::ClientMessage::kSubmitTile));
    ASSERT_TRUE(again.has_qc_report()) << again.DebugString();
    auto claimed2 = chloe.request(tile_message(v1::ClientMessage::kClaimReview));
    ASSERT_TRUE(claimed2.has_tile_state()) << claimed2.DebugString();
    auto approved = chloe.request(tile_message(v1::ClientMessage::kApproveTile));
    ASSERT_TRUE(approved.has_qc_report()) << approved.DebugString();
    auto approved_state = chloe.answer(approved.request_id());
    ASSERT_TRUE(approved_state.has_tile_state()) << approved_state.DebugString();
    EXPECT_EQ(approved_state.tile_state().state(), v1::TILE_STATE_APPROVED);
    EXPECT_EQ(state_of(m_db->url()), "approved");

    // Only a lead reopens.
    auto no = marc.request(tile_message(v1::ClientMessage::kReopenTile));
    ASSERT_TRUE(no.has_error());
    EXPECT_EQ(no.error().code(), v1::ERROR_CODE_FORBIDDEN);
    Editor sophie(port(), as("sophie"));
    sophie.open();
    auto reopened = sophie.request(tile_message(v1::ClientMessage::kReopenTile));
    ASSERT_TRUE(reopened.has_tile_state()) << reopened.DebugString();
    EXPECT_EQ(reopened.tile_state().state(), v1::TILE_STATE_IN_PROGRESS);
    EXPECT_EQ(reopened.tile_state().from(), v1::TILE_STATE_APPROVED);

    // The log tells the story, refusals included.
    pqxx::connection c(m_db->url());
    pqxx::work tx(c);
    auto kinds = tx.exec("SELECT kind FROM event WHERE tile_key = '0880_6840' AND kind IN ('submitted', "
                         "'review_claimed', 'rejected', 'approved', 'reopened') ORDER BY id");
    std::vector<std::string> story;
    for (const auto& row : kinds) story.push_back(row[0].as<std::string>());
    EXPECT_EQ(story, (std::vector<std::string>{"submitted", "review_claimed", "rejected", "submitted", "review_claimed",
                                               "approved", "reopened"}));
    EXPECT_GE(tx.exec1("SELECT count(*) FROM event WHERE kind = 'transition_refused'")[0].as<int>(), 4);
    auto reviews = tx.exec("SELECT outcome, reasons::text FROM review ORDER BY id");
    ASSERT_EQ(reviews.size(), 2u);
    EXPECT_EQ(reviews[0][0].as<std::string>(), "rejected");
    EXPECT_EQ(reviews[0][1].as<std::string>(), "{wrong_class}");
    EXPECT_EQ(reviews[1][0].as<std::string>(), "approved");
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM review_comment")[0].as<int>(), 1);
}

TEST_F(LifecycleE2e, FourEyesNobodyReviewsATileTheyEdited) {
    Editor marc(port(), as("marc"));
    const auto snap = marc.open();
    auto edited = marc.send("m-1", {set_class(find(snap, "CS2.2.1", "US1.1"), "CS2.2.1", "US6.3")});
    ASSERT_TRUE(edited.has_ack()) << edited.DebugString();
    auto submitted = marc.request(tile_message(v1::ClientMessage::kSubmitTile));
    ASSERT_TRUE(submitted.has_qc_report()) << submitted.DebugString();
    auto own = marc.request(tile_message(v1::ClientMessage::kClaimReview));
    ASSERT_TRUE(own.has_error()) << own.DebugString();
    EXPECT_EQ(own.error().code(), v1::ERROR_CODE_FORBIDDEN);
    EXPECT_NE(own.error().message().find("four-eyes"), std::string::npos) << own.error().message();
    EXPECT_EQ(state_of(m_db->url()), "submitted");
}

TEST_F(LifecycleE2e, TwoControllersAtOnceExactlyOneWins) {
    Editor lea(port(), token());
    lea.open();
    auto submitted = lea.request(tile_message(v1::ClientMessage::kSubmitTile));
    ASSERT_TRUE(submitted.has_qc_report()) << submitted.DebugString();
    for (int round = 0; round < 3; ++round) {
        Editor marc(port(), as("marc")), chloe(port(), as("chloe"));
        marc.open();
        chloe.open();
        // Both claims leave before either is answered.
        auto m1 = tile_message(v1::ClientMessage::kClaimReview);
        auto m2 = tile_message(v1::ClientMessage::kClaimReview);
        m1.set_request_id(9001);
        m2.set_request_id(9002);
        marc.ws().send(m1);
        chloe.ws().send(m2);
        auto a = marc.answer(9001), b = chloe.answer(9002);
        const int won = static_cast<int>(a.has_tile_state()) + static_cast<int>(b.has_tile_state());
        ASSERT_EQ(won, 1) << a.DebugString() << b.DebugString();
        const auto& loser = a.has_tile_state() ? b : a;
        ASSERT_TRUE(loser.has_error());
        EXPECT_NE(loser.error().message().find("in_review"), std::string::npos) << loser.error().message();
        // The winner approves twice at once from two connections: one approval.
        Editor& winner = a.has_tile_state() ? marc : chloe;
        const std::string who = a.has_tile_state() ? "marc" : "chloe";
        Editor twin(port(), as(who));
        twin.open();
        if (round < 2) {
            auto r1 = tile_message(v1::ClientMessage::kReleaseReview);
            r1.set_request_id(9101);
            winner.ws().send(r1);
            auto released = winner.answer(9101);
            ASSERT_TRUE(released.has_tile_state()) << released.DebugString();
            EXPECT_EQ(released.tile_state().state(), v1::TILE_STATE_SUBMITTED);
            continue;
        }
        auto p1 = tile_message(v1::ClientMessage::kApproveTile);
        auto p2 = tile_message(v1::ClientMessage::kApproveTile);
        p1.set_request_id(9201);
        p2.set_request_id(9202);
        winner.ws().send(p1);
        twin.ws().send(p2);
        auto x = winner.answer(9201), y = twin.answer(9202);
        // Each approval answers a QcReport first, then the state (or an error).
        if (x.has_qc_report()) x = winner.answer(9201);
        if (y.has_qc_report()) y = twin.answer(9202);
        EXPECT_EQ(static_cast<int>(x.has_tile_state()) + static_cast<int>(y.has_tile_state()), 1)
            << x.DebugString() << y.DebugString();
    }
    pqxx::connection c(m_db->url());
    pqxx::work tx(c);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM event WHERE kind = 'approved'")[0].as<int>(), 1);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM review WHERE outcome = 'approved'")[0].as<int>(), 1);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM review WHERE ended_at IS NULL")[0].as<int>(), 0);
    EXPECT_EQ(state_of(m_db->url()), "approved");
}

TEST_F(LifecycleE2e, BadReviewRequestsAreRefusedAndNothingChanges) {
    Editor lea(port(), token()), marc(port(), as("marc"));
    const auto snap = lea.open();
    marc.open();
    auto submitted = lea.request(tile_message(v1::ClientMessage::kSubmitTile));
    ASSERT_TRUE(submitted.has_qc_report()) << submitted.DebugString();
    // Approving what one has not claimed.
    auto unclaimed = marc.request(tile_message(v1::ClientMessage::kApproveTile));
    ASSERT_TRUE(unclaimed.has_error());
    EXPECT_EQ(unclaimed.error().code(), v1::ERROR_CODE_INVALID_OPERATION);
    ASSERT_TRUE(marc.request(tile_message(v1::ClientMessage::kClaimReview)).has_tile_state());
    const auto& field = find(snap, "CS2.2.1", "US1.1");
    // No reason, an unknown reason, a comment outside the tile, a feature of another tile.
    auto none = marc.request(reject({}, field.id(), 88080000, 684080000));
    ASSERT_TRUE(none.has_error());
    EXPECT_EQ(none.error().field(), "reject_tile.reasons");
    auto unknown = marc.request(reject({static_cast<v1::RejectReason>(99)}, field.id(), 88080000, 684080000));
    ASSERT_TRUE(unknown.has_error());
    EXPECT_EQ(unknown.error().code(), v1::ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_EQ(unknown.error().field(), "reject_tile.reasons[0]");
    auto outside = marc.request(reject({v1::REJECT_REASON_OTHER}, 0, 99000000, 684080000));
    ASSERT_TRUE(outside.has_error());
    EXPECT_EQ(outside.error().field(), "reject_tile.comments[0]");
    auto foreign = marc.request(reject({v1::REJECT_REASON_OTHER}, 1'000'000, 88080000, 684080000));
    ASSERT_TRUE(foreign.has_error());
    EXPECT_EQ(foreign.error().field(), "reject_tile.comments[0].feature_id");
    EXPECT_EQ(state_of(m_db->url()), "in_review");
    pqxx::connection c(m_db->url());
    pqxx::work tx(c);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM review_comment")[0].as<int>(), 0);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM review WHERE ended_at IS NULL")[0].as<int>(), 1);
}

class LapsingReviewE2e : public LifecycleE2e {
    std::vector<std::string> extra_args() override { return {"--lease-idle-s", "2"}; }
};

TEST_F(LapsingReviewE2e, ALapsedReviewGoesBackToTheQueueWithANotice) {
    Editor lea(port(), token()), marc(port(), as("marc"));
    lea.open();
    marc.open();
    ASSERT_TRUE(lea.request(tile_message(v1::ClientMessage::kSubmitTile)).has_qc_report());
    ASSERT_TRUE(marc.request(tile_message(v1::ClientMessage::kClaimReview)).has_tile_state());
    auto notice = marc.push(v1::ServerMessage::kLeaseNotice, 10000);
    ASSERT_TRUE(notice) << "no notice of the lapse";
    EXPECT_EQ(notice->lease_notice().reason(), "lapsed");
    EXPECT_EQ(state_of(m_db->url()), "submitted");
    pqxx::connection c(m_db->url());
    pqxx::work tx(c);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM event WHERE kind = 'review_lapsed'")[0].as<int>(), 1);
    EXPECT_EQ(tx.exec1("SELECT outcome FROM review")[0].as<std::string>(), "lapsed");
}

TEST_F(LifecycleE2e, ContributorsSeeWhatBecameOfTheirWorkAndControllersTheirQueue) {
    Editor lea(port(), token()), marc(port(), as("marc"));
    const auto snap = lea.open();
    marc.open();
    const auto& field = find(snap, "CS2.2.1", "US1.1");
    ASSERT_TRUE(lea.send("w-1", {set_class(field, "CS2.2.1", "US6.3")}).has_ack());
    ASSERT_TRUE(lea.request(tile_message(v1::ClientMessage::kSubmitTile)).has_qc_report());
    const auto get = [&](const std::string& who, const std::string& path) {
        auto r = http_request(port(), "GET", path, "", bearer(who == "lea" ? token() : as(who)));
        return std::make_pair(r.status, r.status == 200 ? nlohmann::json::parse(r.body) : nlohmann::json());
    };
    // The controller's queue has the tile; the contributor has no queue.
    auto [qs, queue] = get("marc", "/api/v1/review-queue");
    ASSERT_EQ(qs, 200);
    ASSERT_EQ(queue["tiles"].size(), 1u) << queue.dump();
    EXPECT_EQ(queue["tiles"][0]["tile"], tile);
    EXPECT_EQ(queue["tiles"][0]["submitted_by"], "lea");
    EXPECT_EQ(get("lea", "/api/v1/review-queue").first, 403);

    ASSERT_TRUE(marc.request(tile_message(v1::ClientMessage::kClaimReview)).has_tile_state());
    ASSERT_TRUE(marc.request(reject({v1::REJECT_REASON_WRONG_CLASS, v1::REJECT_REASON_INCOMPLETE}, field.id(), 88080000,
                                    684080000))
                    .has_tile_state());
    auto [ws, work] = get("lea", "/api/v1/my-work");
    ASSERT_EQ(ws, 200);
    ASSERT_EQ(work["tiles"].size(), 1u) << work.dump();
    const auto& mine = work["tiles"][0];
    EXPECT_EQ(mine["tile"], tile);
    EXPECT_EQ(mine["state"], "rejected");
    EXPECT_EQ(mine["change_sets"], 1);
    EXPECT_EQ(mine["last_review"]["outcome"], "rejected");
    EXPECT_EQ(mine["last_review"]["reviewer"], "marc");
    EXPECT_EQ(mine["last_review"]["reasons"], (nlohmann::json{"wrong_class", "incomplete"}));
    ASSERT_EQ(mine["last_review"]["comments"].size(), 1u);
    EXPECT_EQ(mine["last_review"]["comments"][0]["feature"], field.id());
    EXPECT_DOUBLE_EQ(mine["last_review"]["comments"][0]["x"].get<double>(), 880800.0);
    auto [rs, reviews] = get("lea", "/api/v1/reviews?tile=0880_6840");
    ASSERT_EQ(rs, 200);
    EXPECT_EQ(reviews["reviews"].size(), 1u);
    EXPECT_EQ(get("lea", "/api/v1/reviews").first, 400);
    EXPECT_EQ(get("lea", "/api/v1/reviews?tile=0990_6990").first, 404);

    // The prediction as imported, the changed feature marked.
    auto [ps, prediction] = get("marc", "/api/v1/prediction?tile=0880_6840");
    ASSERT_EQ(ps, 200);
    ASSERT_EQ(prediction["features"].size(), static_cast<std::size_t>(snap.features_size()));
    int changed = 0;
    for (const auto& f : prediction["features"]) {
        if (f["changed"].get<bool>()) {
            ++changed;
            EXPECT_EQ(f["id"], field.id());
            EXPECT_EQ(f["code_us"], "US1.1");  // what the model said
        }
    }
    EXPECT_EQ(changed, 1);

    // Next tile: the tiles open for editing (the rejected one is open again), best score first.
    auto [ns, next] = get("lea", "/api/v1/next-tile?limit=10");
    ASSERT_EQ(ns, 200);
    ASSERT_EQ(next["tiles"].size(), 4u) << next.dump();
    double last = 1e9;
    for (const auto& t : next["tiles"]) {
        EXPECT_LE(t["score"].get<double>(), last);
        last = t["score"].get<double>();
    }
    EXPECT_EQ(get("lea", "/api/v1/next-tile?limit=x").first, 400);
}
