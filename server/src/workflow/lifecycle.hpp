#pragma once

// The tile lifecycle (SPEC §3) as a state machine the server enforces: submit, claim for review
// (an exclusive review lease), release the review, approve, reject with structured reasons and
// comments pinned on the map, reopen. Four-eyes: nobody reviews a tile they edited. Each step
// runs in a TileTransaction (the tile's writer lock, across instances), so two steps on one
// tile never interleave: of two controllers approving at once, one succeeds and the other is
// told the tile is no longer in review. Refusals for role, four-eyes, lease or state are
// recorded as events, for audit.

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth.hpp"
#include "store/qc_store.hpp"
#include "workflow/tile_checks.hpp"

namespace tessera::workflow {

enum class Action { submit, claim_review, release_review, approve, reject, reopen };
std::string_view to_string(Action action);

// The fixed list of rejection reasons.
inline constexpr std::array<std::string_view, 5> reject_reasons = {"wrong_class", "wrong_boundary", "missed_change",
                                                                   "incomplete", "other"};
bool is_reject_reason(std::string_view reason);

struct Request {
    Action action = Action::submit;
    std::vector<std::string> reasons;         // reject
    std::string comment;                      // approve, reject, reopen (free text)
    std::vector<store::CommentRow> comments;  // reject: pinned at features or points
};

struct Outcome {
    enum class Status { done, wrong_state, forbidden, invalid, blocked_by_qc, not_found };
    Status status = Status::done;
    std::string message;  // for a person, when not done
    std::string field;    // the offending part of the request ("reasons[1]", "comments[0].text"), if any
    std::string from, to;
    std::optional<TileCheck> check;  // the whole-tile check a submission or an approval ran
};

inline constexpr std::size_t max_comment_chars = 2000;
inline constexpr std::size_t max_comments = 200;

// Applies `request` by this user to the tile of `tx` (which the caller commits in every case:
// refusals are recorded, checks stored).
Outcome apply(const Checker& checker, store::TileTransaction& tx, const tiles::Box& tile, const auth::Principal& user,
              const Request& request, unsigned review_lease_seconds);

}  // namespace tessera::workflow
