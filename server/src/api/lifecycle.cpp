#include "api/lifecycle.hpp"

#include <chrono>

#include "api/codec.hpp"
#include "api/errors.hpp"
#include "api/snapshot.hpp"
#include "api/ws_api.hpp"
#include "workflow/lifecycle.hpp"

namespace tessera::api {
namespace {

std::string reason_name(v1::RejectReason r) {
    switch (r) {
    case v1::REJECT_REASON_WRONG_CLASS: return "wrong_class";
    case v1::REJECT_REASON_WRONG_BOUNDARY: return "wrong_boundary";
    case v1::REJECT_REASON_MISSED_CHANGE: return "missed_change";
    case v1::REJECT_REASON_INCOMPLETE: return "incomplete";
    case v1::REJECT_REASON_OTHER: return "other";
    default: return "unspecified (" + std::to_string(static_cast<int>(r)) + ")";
    }
}

v1::RejectReason reason_value(const std::string& name) {
    if (name == "wrong_class") return v1::REJECT_REASON_WRONG_CLASS;
    if (name == "wrong_boundary") return v1::REJECT_REASON_WRONG_BOUNDARY;
    if (name == "missed_change") return v1::REJECT_REASON_MISSED_CHANGE;
    if (name == "incomplete") return v1::REJECT_REASON_INCOMPLETE;
    if (name == "other") return v1::REJECT_REASON_OTHER;
    return v1::REJECT_REASON_UNSPECIFIED;
}

store::CommentRow comment_from(const v1::ReviewComment& c) {
    store::CommentRow row;
    row.feature_id = c.feature_id();
    row.x_cm = c.x_cm();
    row.y_cm = c.y_cm();
    row.reason = reason_name(c.reason());
    row.text = c.text();
    return row;
}

}  // namespace

const std::string& lifecycle_tile(const v1::ClientMessage& m, std::string* field) {
    static const std::string none;
    switch (m.body_case()) {
    case v1::ClientMessage::kSubmitTile: *field = "submit_tile"; return m.submit_tile().tile_key();
    case v1::ClientMessage::kClaimReview: *field = "claim_review"; return m.claim_review().tile_key();
    case v1::ClientMessage::kReleaseReview: *field = "release_review"; return m.release_review().tile_key();
    case v1::ClientMessage::kApproveTile: *field = "approve_tile"; return m.approve_tile().tile_key();
    case v1::ClientMessage::kRejectTile: *field = "reject_tile"; return m.reject_tile().tile_key();
    case v1::ClientMessage::kReopenTile: *field = "reopen_tile"; return m.reopen_tile().tile_key();
    default: field->clear(); return none;
    }
}

QcRequestOutcome lifecycle(Services& s, const auth::Principal& user, const v1::ClientMessage& m) {
    QcRequestOutcome out;
    const auto id = m.request_id();
    std::string name;
    const auto& key_text = lifecycle_tile(m, &name);
    std::string why;
    const auto key = tiles::parse_key(key_text, &why);
    if (!key || !s.grid.aligned(*key)) {
        out.frames.push_back(encode_error(id, ErrorKind::invalid_argument, why, name + ".tile_key"));
        return out;
    }
    workflow::Request request;
    switch (m.body_case()) {
    case v1::ClientMessage::kSubmitTile: request.action = workflow::Action::submit; break;
    case v1::ClientMessage::kClaimReview: request.action = workflow::Action::claim_review; break;
    case v1::ClientMessage::kReleaseReview: request.action = workflow::Action::release_review; break;
    case v1::ClientMessage::kApproveTile:
        request.action = workflow::Action::approve;
        request.comment = m.approve_tile().comment();
        break;
    case v1::ClientMessage::kRejectTile:
        request.action = workflow::Action::reject;
        request.comment = m.reject_tile().comment();
        for (auto r : m.reject_tile().reasons()) request.reasons.push_back(reason_name(static_cast<v1::RejectReason>(r)));
        for (const auto& c : m.reject_tile().comments()) request.comments.push_back(comment_from(c));
        break;
    case v1::ClientMessage::kReopenTile:
        request.action = workflow::Action::reopen;
        request.comment = m.reopen_tile().reason();
        break;
    default: return out;
    }
    const auto box = s.grid.bounds(*key);
    store::TileTransaction tx(s.db, s.project, key->str());
    const workflow::Checker checker{s.qc_rules, s.nomenclature, s.grid};
    const auto result = workflow::apply(checker, tx, box, user, request, s.lease_seconds);
    tx.commit();  // refusals are recorded, checks stored

    using Status = workflow::Outcome::Status;
    const std::string tile = key->str();
    out.tile = tile;
    switch (result.status) {
    case Status::not_found:
        out.frames.push_back(encode_error(id, ErrorKind::not_found, "tile " + tile + " does not exist", name + ".tile_key"));
        return out;
    case Status::invalid:
        out.frames.push_back(encode_error(id, ErrorKind::invalid_argument, result.message, name + "." + result.field));
        return out;
    case Status::forbidden:
        out.frames.push_back(encode_error(id, ErrorKind::forbidden, result.message, name + ".tile_key"));
        return out;
    case Status::wrong_state:
        out.frames.push_back(encode_error(id, ErrorKind::invalid_operation, result.message, name + ".tile_key"));
        return out;
    case Status::blocked_by_qc:
        out.frames.push_back(encode_error(id, ErrorKind::invalid_operation, result.message, name + ".tile_key"));
        out.frames.push_back(encode_message(report_message(tile, *result.check, id)));
        out.broadcast = encode_message(report_message(tile, *result.check, 0));
        return out;
    case Status::done: break;
    }
    v1::ServerMessage changed;
    changed.set_request_id(id);
    auto* st = changed.mutable_tile_state();
    st->set_tile_key(tile);
    st->set_seq(static_cast<std::uint64_t>(tx.tile()->seq));
    st->set_state(tile_state_from(result.to));
    st->set_from(tile_state_from(result.from));
    st->set_by(user.username);
    st->set_comment(request.comment);
    if (request.action == workflow::Action::reject) {
        const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        for (const auto& r : request.reasons) st->add_reasons(reason_value(r));
        for (const auto& c : m.reject_tile().comments()) {
            auto* pinned = st->add_comments();
            *pinned = c;
            pinned->set_author(user.username);
            pinned->set_at_ms(now);
        }
    }
    if (result.check) out.frames.push_back(encode_message(report_message(tile, *result.check, id)));
    out.frames.push_back(encode_message(changed));
    changed.set_request_id(0);
    out.broadcast = encode_message(changed);
    return out;
}

}  // namespace tessera::api
