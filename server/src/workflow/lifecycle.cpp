#include "workflow/lifecycle.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace tessera::workflow {
namespace {

using Status = Outcome::Status;

const std::vector<std::string> open_states = {"todo", "in_progress", "rejected"};

bool in(const std::vector<std::string>& states, const std::string& s) {
    return std::find(states.begin(), states.end(), s) != states.end();
}

bool may_review(auth::Role r) { return r == auth::Role::controller || r == auth::Role::lead; }

class Step {
public:
    Step(const Checker& c, store::TileTransaction& tx, const tiles::Box& tile, const auth::Principal& user,
         const Request& request, unsigned lease_seconds)
        : m_checker(c), m_tx(tx), m_tile(tile), m_user(user), m_request(request), m_lease_seconds(lease_seconds) {
        m_out.from = tx.tile()->state;
    }

    Outcome run() {
        switch (m_request.action) {
        case Action::submit: submit(); break;
        case Action::claim_review: claim(); break;
        case Action::release_review: release(); break;
        case Action::approve: approve(); break;
        case Action::reject: reject(); break;
        case Action::reopen: reopen(); break;
        }
        return m_out;
    }

private:
    const std::string& state() const { return m_tx.tile()->state; }

    // A refusal, recorded for audit unless the request itself was malformed.
    void refuse(Status status, const std::string& message, const std::string& field = {}) {
        m_out.status = status;
        m_out.message = message;
        m_out.field = field;
        if (status != Status::invalid) {
            const nlohmann::json payload = {{"action", to_string(m_request.action)}, {"reason", message},
                                            {"state", state()}};
            m_tx.record("transition_refused", m_user.user_id, payload.dump());
        }
    }

    bool move(const std::vector<std::string>& from, const std::string& to, const std::string& kind,
              nlohmann::json payload) {
        if (!m_tx.transition(from, to, kind, m_user.user_id, payload.dump())) {
            refuse(Status::wrong_state, "tile " + m_tx.tile()->key + " is " + state());
            return false;
        }
        m_out.to = to;
        return true;
    }

    // The review lease must be this user's (leads may act on any review).
    bool holds_review() {
        auto lease = m_tx.lease();
        if (state() != "in_review") {
            refuse(Status::wrong_state, "tile " + m_tx.tile()->key + " is " + state() + ", not in review");
            return false;
        }
        if (!lease || lease->kind != "review" || lease->user_id != m_user.user_id) {
            refuse(Status::forbidden, lease && lease->kind == "review"
                                          ? "tile " + m_tx.tile()->key + " is being reviewed by " + lease->username
                                          : "claim the review of tile " + m_tx.tile()->key + " first (its review lease lapsed)");
            return false;
        }
        return true;
    }

    bool four_eyes() {
        if (!m_tx.edited_by(m_user.user_id)) return true;
        refuse(Status::forbidden, "you edited tile " + m_tx.tile()->key + ": someone else must review it (four-eyes)");
        return false;
    }

    void submit() {
        if (m_user.role == auth::Role::admin) {
            refuse(Status::forbidden, "administrators manage accounts; tiles are submitted by their editors");
            return;
        }
        if (!in(open_states, state())) {
            refuse(Status::wrong_state, "tile " + m_tx.tile()->key + " is " + state() +
                                            "; only a tile open for editing (todo, in_progress, rejected) can be submitted");
            return;
        }
        if (auto lease = m_tx.lease(); lease && lease->user_id != m_user.user_id) {
            refuse(Status::forbidden, "tile " + m_tx.tile()->key + " is held by " + lease->username);
            return;
        }
        auto check = check_whole_tile(m_checker, m_tx);
        m_out.check = check;
        if (check.counts.blocking > 0) {
            refuse(Status::blocked_by_qc, "tile " + m_tx.tile()->key + " has " + std::to_string(check.counts.blocking) +
                                              " blocking quality issue(s); fix them before submitting");
            return;
        }
        if (move(open_states, "submitted", "submitted", {{"warnings", check.counts.warnings}})) m_tx.drop_lease();
    }

    void claim() {
        if (!may_review(m_user.role)) {
            refuse(Status::forbidden, "reviews are for controllers and leads");
            return;
        }
        if (state() != "submitted") {
            refuse(Status::wrong_state, "tile " + m_tx.tile()->key + " is " + state() + "; only a submitted tile can be claimed for review");
            return;
        }
        if (!four_eyes()) return;
        const auto review = m_tx.start_review(m_user.user_id);
        if (move({"submitted"}, "in_review", "review_claimed", {{"review", review}}))
            m_tx.take_review_lease(m_user.user_id, m_lease_seconds);
    }

    void release() {
        if (!holds_review()) return;
        if (auto r = m_tx.open_review()) m_tx.end_review(r->first, "released", {}, m_request.comment);
        if (move({"in_review"}, "submitted", "review_released", {})) m_tx.drop_lease();
    }

    void approve() {
        if (!may_review(m_user.role)) {
            refuse(Status::forbidden, "approvals are for controllers and leads");
            return;
        }
        if (!holds_review() || !four_eyes()) return;
        auto check = check_whole_tile(m_checker, m_tx);
        m_out.check = check;
        if (check.counts.blocking > 0) {
            refuse(Status::blocked_by_qc, "tile " + m_tx.tile()->key + " has " + std::to_string(check.counts.blocking) +
                                              " blocking quality issue(s): reject it or have them fixed");
            return;
        }
        const auto review = m_tx.open_review();
        if (!move({"in_review"}, "approved", "approved",
                  {{"review", review ? review->first : 0}, {"comment", m_request.comment}}))
            return;
        if (review) m_tx.end_review(review->first, "approved", {}, m_request.comment);
        m_tx.drop_lease();
    }

    bool valid_rejection() {
        if (m_request.reasons.empty()) {
            refuse(Status::invalid, "a rejection needs at least one reason (wrong_class, wrong_boundary, missed_change, "
                                    "incomplete, other)",
                   "reasons");
            return false;
        }
        for (std::size_t i = 0; i < m_request.reasons.size(); ++i)
            if (!is_reject_reason(m_request.reasons[i])) {
                refuse(Status::invalid, "unknown rejection reason '" + m_request.reasons[i].substr(0, 40) + "'",
                       "reasons[" + std::to_string(i) + "]");
                return false;
            }
        if (m_request.comment.size() > max_comment_chars) {
            refuse(Status::invalid, "the comment is longer than 2,000 characters", "comment");
            return false;
        }
        if (m_request.comments.size() > max_comments) {
            refuse(Status::invalid, "at most 200 pinned comments", "comments");
            return false;
        }
        const auto x0 = static_cast<std::int64_t>(m_tile.min_x * 100), y0 = static_cast<std::int64_t>(m_tile.min_y * 100);
        const auto x1 = static_cast<std::int64_t>(m_tile.max_x * 100), y1 = static_cast<std::int64_t>(m_tile.max_y * 100);
        for (std::size_t i = 0; i < m_request.comments.size(); ++i) {
            const auto& c = m_request.comments[i];
            const std::string field = "comments[" + std::to_string(i) + "]";
            if (!is_reject_reason(c.reason)) {
                refuse(Status::invalid, "a pinned comment needs a reason from the list", field + ".reason");
                return false;
            }
            if (c.text.empty() || c.text.size() > max_comment_chars) {
                refuse(Status::invalid, "a pinned comment needs a text of 1 to 2,000 characters", field + ".text");
                return false;
            }
            if (c.x_cm < x0 || c.x_cm > x1 || c.y_cm < y0 || c.y_cm > y1) {
                refuse(Status::invalid, "a pinned comment must lie in the tile", field);
                return false;
            }
            if (c.feature_id != 0 && !m_tx.holds_feature(c.feature_id)) {
                refuse(Status::invalid, "no feature " + std::to_string(c.feature_id) + " in tile " + m_tx.tile()->key,
                       field + ".feature_id");
                return false;
            }
        }
        return true;
    }

    void reject() {
        if (!may_review(m_user.role)) {
            refuse(Status::forbidden, "rejections are for controllers and leads");
            return;
        }
        if (!valid_rejection() || !holds_review() || !four_eyes()) return;
        const auto review = m_tx.open_review();
        if (!move({"in_review"}, "rejected", "rejected",
                  {{"review", review ? review->first : 0},
                   {"reasons", m_request.reasons},
                   {"comment", m_request.comment},
                   {"comments", m_request.comments.size()}}))
            return;
        if (review) {
            m_tx.end_review(review->first, "rejected", m_request.reasons, m_request.comment);
            for (const auto& c : m_request.comments) m_tx.add_comment(review->first, m_user.user_id, c);
        }
        m_tx.drop_lease();
    }

    void reopen() {
        if (m_user.role != auth::Role::lead) {
            refuse(Status::forbidden, "only leads reopen tiles");
            return;
        }
        if (m_request.comment.size() > max_comment_chars) {
            refuse(Status::invalid, "the reason is longer than 2,000 characters", "reason");
            return;
        }
        static const std::vector<std::string> closed = {"submitted", "in_review", "approved", "rejected", "published"};
        if (!in(closed, state())) {
            refuse(Status::wrong_state, "tile " + m_tx.tile()->key + " is " + state() + ": already open for editing");
            return;
        }
        const auto review = m_tx.open_review();
        if (!move(closed, "in_progress", "reopened", {{"reason", m_request.comment}})) return;
        if (review) m_tx.end_review(review->first, "released", {}, "reopened: " + m_request.comment);
        if (auto lease = m_tx.lease(); lease && lease->kind == "review") m_tx.drop_lease();
    }

    const Checker& m_checker;
    store::TileTransaction& m_tx;
    tiles::Box m_tile;
    const auth::Principal& m_user;
    const Request& m_request;
    unsigned m_lease_seconds;
    Outcome m_out;
};

}  // namespace

std::string_view to_string(Action action) {
    switch (action) {
    case Action::submit: return "submit";
    case Action::claim_review: return "claim_review";
    case Action::release_review: return "release_review";
    case Action::approve: return "approve";
    case Action::reject: return "reject";
    case Action::reopen: return "reopen";
    }
    return "unknown";
}

bool is_reject_reason(std::string_view reason) {
    return std::find(reject_reasons.begin(), reject_reasons.end(), reason) != reject_reasons.end();
}

Outcome apply(const Checker& checker, store::TileTransaction& tx, const tiles::Box& tile, const auth::Principal& user,
              const Request& request, unsigned review_lease_seconds) {
    if (!tx.tile()) {
        Outcome out;
        out.status = Outcome::Status::not_found;
        out.message = "no such tile";
        return out;
    }
    return Step(checker, tx, tile, user, request, review_lease_seconds).run();
}

}  // namespace tessera::workflow
