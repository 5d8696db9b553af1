#include "api/ws_api.hpp"

#include <algorithm>
#include <chrono>

#include "api/codec.hpp"
#include "api/editing.hpp"
#include "api/lifecycle.hpp"
#include "api/presence.hpp"
#include "api/quality.hpp"
#include "api/snapshot.hpp"
#include "core/log.hpp"

namespace tessera::api {
namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

v1::Role role_of(auth::Role r) {
    switch (r) {
    case auth::Role::contributor: return v1::ROLE_CONTRIBUTOR;
    case auth::Role::controller: return v1::ROLE_CONTROLLER;
    case auth::Role::lead: return v1::ROLE_LEAD;
    case auth::Role::admin: return v1::ROLE_ADMIN;
    }
    return v1::ROLE_UNSPECIFIED;
}

// True when the connection may send one more message now.
bool take_token(const Services& s, WsConnection& c) {
    const auto now = std::chrono::steady_clock::now();
    const double rate = static_cast<double>(s.config.limits.max_messages_per_second);
    const double burst = rate * 2;
    if (c.tokens < 0) {
        c.tokens = burst;
    } else {
        const double elapsed = std::chrono::duration<double>(now - c.refilled).count();
        c.tokens = std::min(burst, c.tokens + elapsed * rate);
    }
    c.refilled = now;
    if (c.tokens < 1) return false;
    c.tokens -= 1;
    return true;
}

void authenticate(Services& s, WsConnection& c, const v1::ClientMessage& in, WsOutcome& out) {
    const auto& a = in.authenticate();
    if (!a.token().empty()) {
        auto p = s.auth.authenticate(a.token());
        if (!p || p->session_id != c.principal.session_id) {
            out.frames.push_back(encode_error(in.request_id(), ErrorKind::unauthenticated,
                                              "this token does not belong to the connection's session",
                                              "authenticate.token"));
            return;
        }
    }
    v1::ServerMessage m;
    m.set_request_id(in.request_id());
    auto* r = m.mutable_authenticated();
    r->set_user_id(c.principal.user_id);
    r->set_username(c.principal.username);
    r->set_role(role_of(c.principal.role));
    r->set_project(s.project.name);
    r->set_srid(static_cast<std::uint32_t>(s.project.srid));
    r->set_tile_size_m(static_cast<std::uint32_t>(s.project.tile_size_m));
    r->set_protocol_version(1);
    out.frames.push_back(encode_message(m));
}

void subscribe(Services& s, WsConnection& c, const v1::ClientMessage& in, WsOutcome& out) {
    const auto& sub = in.subscribe();
    const auto id = in.request_id();
    const auto limit = s.config.limits.max_tiles_per_subscribe;
    std::vector<tiles::TileKey> keys;
    if (sub.has_bbox() == (sub.tile_keys_size() > 0)) {
        out.frames.push_back(encode_error(id, ErrorKind::invalid_argument,
                                          "give either tile_keys or bbox, not both and not neither", "subscribe"));
        return;
    }
    if (sub.has_bbox()) {
        const auto& b = sub.bbox();
        const tiles::Box box{b.min_x(), b.min_y(), b.max_x(), b.max_y()};
        if (!box.valid()) {
            out.frames.push_back(encode_error(id, ErrorKind::invalid_argument,
                                              "bbox must be finite with min_x < max_x and min_y < max_y",
                                              "subscribe.bbox"));
            return;
        }
        auto found = s.grid.keys_in(box, limit);
        if (!found) {
            out.frames.push_back(encode_error(id, ErrorKind::limit_exceeded,
                                              "bbox covers " + std::to_string(s.grid.count_in(box)) +
                                                  " tiles; at most " + std::to_string(limit) + " per subscription",
                                              "subscribe.bbox"));
            return;
        }
        // Only the tiles the project has.
        for (const auto& t : s.projects.tiles_in(s.project, box, limit)) keys.push_back({t.x_km, t.y_km});
    } else {
        if (static_cast<std::size_t>(sub.tile_keys_size()) > limit) {
            out.frames.push_back(encode_error(id, ErrorKind::limit_exceeded,
                                              std::to_string(sub.tile_keys_size()) + " tiles asked; at most " +
                                                  std::to_string(limit) + " per subscription",
                                              "subscribe.tile_keys"));
            return;
        }
        for (int i = 0; i < sub.tile_keys_size(); ++i) {
            std::string why;
            auto key = tiles::parse_key(sub.tile_keys(i), &why);
            const std::string field = "subscribe.tile_keys[" + std::to_string(i) + "]";
            if (!key || !s.grid.aligned(*key)) {
                out.frames.push_back(encode_error(id, ErrorKind::invalid_argument,
                                                  key ? "tile key " + key->str() + " is not on the project's grid" : why,
                                                  field));
                return;
            }
            keys.push_back(*key);
        }
    }
    // Zones: a bounding box keeps the tiles the user may see; a key outside them is refused.
    {
        std::vector<std::string> asked;
        for (const auto& k : keys) asked.push_back(k.str());
        const auto ok = visible_tiles(s, c.principal, asked);
        if (ok.size() != asked.size()) {
            if (sub.has_bbox()) {
                std::vector<tiles::TileKey> kept;
                for (const auto& k : keys)
                    if (std::find(ok.begin(), ok.end(), k.str()) != ok.end()) kept.push_back(k);
                keys = std::move(kept);
            } else {
                for (std::size_t i = 0; i < asked.size(); ++i) {
                    if (std::find(ok.begin(), ok.end(), asked[i]) != ok.end()) continue;
                    out.frames.push_back(encode_error(id, ErrorKind::forbidden,
                                                      "tile " + asked[i] + " is outside your zones",
                                                      "subscribe.tile_keys[" + std::to_string(i) + "]"));
                    return;
                }
            }
        }
    }
    // Snapshots first, so that an unknown key refuses the whole request before anything is sent.
    std::vector<v1::ServerMessage> snapshots;
    std::size_t after = c.tiles.size();
    for (const auto& k : keys) after += c.tiles.contains(k.str()) ? 0 : 1;
    if (after > s.config.limits.max_subscribed_tiles) {
        out.frames.push_back(encode_error(id, ErrorKind::limit_exceeded,
                                          "this connection would hold " + std::to_string(after) +
                                              " tiles; at most " + std::to_string(s.config.limits.max_subscribed_tiles) +
                                              ": unsubscribe from some first",
                                          "subscribe"));
        return;
    }
    // Live changes are registered before the snapshot is read, and held until it is queued:
    // nothing committed in between is lost or sent ahead of it.
    std::vector<std::string> registered;
    auto unregister = [&] {
        if (!c.viewer) return;
        for (const auto& k : registered) {
            if (!c.tiles.contains(k)) s.hub.unsubscribe(k, c.viewer.get());
            out.released.emplace_back(k, 0);
        }
    };
    for (const auto& k : keys) {
        if (!c.viewer) break;
        const auto key = k.str();
        c.viewer->hold(key);
        if (!s.leases.get(key)) s.leases.set(key, s.edits.lease(s.project, key));
        s.hub.subscribe(key, c.viewer);
        registered.push_back(key);
    }
    for (std::size_t i = 0; i < keys.size(); ++i) {
        auto record = s.projects.snapshot(s.project, keys[i].str());
        if (!record) {
            unregister();
            out.frames.push_back(encode_error(id, ErrorKind::not_found,
                                              "tile " + keys[i].str() + " does not exist in project " + s.project.name,
                                              sub.has_bbox() ? "subscribe.bbox" : "subscribe.tile_keys[" + std::to_string(i) + "]"));
            return;
        }
        v1::ServerMessage m;
        m.set_request_id(id);
        build_snapshot(*record, s.grid, *m.mutable_snapshot());
        snapshots.push_back(std::move(m));
    }
    v1::ServerMessage ack;
    ack.set_request_id(id);
    for (const auto& k : keys) {
        c.tiles.insert(k.str());
        ack.mutable_subscribed()->add_tile_keys(k.str());
    }
    out.frames.push_back(encode_message(ack));
    for (const auto& m : snapshots) {
        out.frames.push_back(encode_message(m));
        // The tile's issues follow its features (read after them: a change in between is also
        // in the changes that follow, whose deltas apply again harmlessly).
        out.frames.push_back(encode_stored_report(s, m.snapshot().tile_key(), id));
        if (c.viewer) {
            s.hub.seen(m.snapshot().tile_key(), c.viewer.get(), m.snapshot().seq());
            out.released.emplace_back(m.snapshot().tile_key(), m.snapshot().seq());
        }
    }
}

void unsubscribe(Services& s, WsConnection& c, const v1::ClientMessage& in, WsOutcome& out) {
    v1::ServerMessage m;
    m.set_request_id(in.request_id());
    auto* r = m.mutable_unsubscribed();
    std::vector<std::string> dropped;
    if (in.unsubscribe().tile_keys_size() == 0) {
        dropped.assign(c.tiles.begin(), c.tiles.end());
        c.tiles.clear();
    } else {
        for (const auto& k : in.unsubscribe().tile_keys())
            if (c.tiles.erase(k)) dropped.push_back(k);
    }
    for (const auto& k : dropped) {
        r->add_tile_keys(k);
        if (c.viewer) s.hub.unsubscribe(k, c.viewer.get());
    }
    out.frames.push_back(encode_message(m));
}

bool watching(const WsConnection& c, const std::string& tile, std::uint64_t id, const char* field, WsOutcome& out) {
    if (c.tiles.contains(tile)) return true;
    out.frames.push_back(encode_error(id, ErrorKind::invalid_argument,
                                      "subscribe to tile " + tile.substr(0, 20) + " first", field));
    return false;
}

void change_set(Services& s, WsConnection& c, const v1::ClientMessage& in, WsOutcome& out) {
    auto result = apply_change_set(s, c.principal, in.request_id(), in.change_set());
    out.frames = std::move(result.frames);
    if (!result.change.empty()) {
        out.publish_tile = result.tile;
        out.publish_seq = result.seq;
        out.publish_frame = std::move(result.change);
    }
}

void lease(Services& s, WsConnection& c, const v1::ClientMessage& in, WsOutcome& out, bool claim) {
    const auto& tile = claim ? in.claim_lease().tile_key() : in.release_lease().tile_key();
    const char* field = claim ? "claim_lease.tile_key" : "release_lease.tile_key";
    if (!watching(c, tile, in.request_id(), field, out)) return;
    if (claim) {
        auto state = s.edits.claim_lease(s.project, tile, c.principal.user_id, s.lease_seconds);
        s.leases.set(tile, state);
        if (state.user_id != c.principal.user_id) {
            out.frames.push_back(encode_error(in.request_id(), ErrorKind::forbidden,
                                              "tile " + tile + " is held by " + state.username, field));
            return;
        }
    } else {
        s.edits.release_lease(s.project, tile, c.principal.user_id);
        s.leases.set(tile, s.edits.lease(s.project, tile));
    }
    out.frames.push_back(*encode_presence(s.leases, tile, {}, in.request_id()));
    s.hub.refresh_presence(tile);
}

}  // namespace

std::string encode_error(std::uint64_t request_id, ErrorKind kind, const std::string& message,
                         const std::string& field) {
    v1::ServerMessage m;
    m.set_request_id(request_id);
    auto* e = m.mutable_error();
    e->set_code(wire(kind).ws_code);
    e->set_message(message);
    e->set_field(field);
    return encode_message(m);
}

WsOutcome handle_frame(Services& s, WsConnection& c, std::string_view frame) {
    WsOutcome out;
    if (!take_token(s, c)) {
        ++c.refused_in_a_row;
        out.frames.push_back(encode_error(0, ErrorKind::limit_exceeded,
                                          "too many messages: at most " +
                                              std::to_string(s.config.limits.max_messages_per_second) + " per second"));
        if (c.refused_in_a_row > s.config.limits.max_messages_per_second) {
            out.close = true;
            out.close_reason = "message flood";
        }
        return out;
    }
    c.refused_in_a_row = 0;
    v1::ClientMessage in;
    if (!in.ParseFromArray(frame.data(), static_cast<int>(frame.size()))) {
        out.frames.push_back(encode_error(0, ErrorKind::malformed, "the frame is not a tessera.v1.ClientMessage"));
        return out;
    }
    static const char* names[] = {"authenticate", "subscribe",     "unsubscribe", "ping",
                                  "change_set",   "resync",        "select",      "claim_lease",
                                  "release_lease", "check_tile",   "submit_tile", "claim_review",
                                  "release_review", "approve_tile", "reject_tile", "reopen_tile"};
    const int body = static_cast<int>(in.body_case());
    out.request = body >= v1::ClientMessage::kAuthenticate && body <= v1::ClientMessage::kReopenTile
                      ? names[body - v1::ClientMessage::kAuthenticate]
                      : "unknown";
    try {
        switch (in.body_case()) {
        case v1::ClientMessage::kAuthenticate: authenticate(s, c, in, out); break;
        case v1::ClientMessage::kSubscribe: subscribe(s, c, in, out); break;
        case v1::ClientMessage::kUnsubscribe: unsubscribe(s, c, in, out); break;
        case v1::ClientMessage::kChangeSet:
            if (watching(c, in.change_set().tile_key(), in.request_id(), "change_set.tile_key", out))
                change_set(s, c, in, out);
            break;
        case v1::ClientMessage::kResync:
            if (watching(c, in.resync().tile_key(), in.request_id(), "resync.tile_key", out))
                out.frames = resync(s, in.request_id(), in.resync());
            break;
        case v1::ClientMessage::kSelect:
            if (watching(c, in.select().tile_key(), in.request_id(), "select.tile_key", out) && c.viewer) {
                std::vector<std::int64_t> ids(in.select().feature_ids().begin(), in.select().feature_ids().end());
                if (ids.size() > 1000) ids.resize(1000);
                s.hub.select(in.select().tile_key(), c.viewer.get(), std::move(ids));
            }
            break;
        case v1::ClientMessage::kClaimLease: lease(s, c, in, out, true); break;
        case v1::ClientMessage::kReleaseLease: lease(s, c, in, out, false); break;
        case v1::ClientMessage::kCheckTile: {
            if (!watching(c, in.check_tile().tile_key(), in.request_id(), "check_tile.tile_key", out)) break;
            auto r = check_tile(s, c.principal, in.request_id(), in.check_tile());
            out.frames = std::move(r.frames);
            if (!r.broadcast.empty()) s.hub.broadcast(r.tile, std::make_shared<const std::string>(std::move(r.broadcast)));
            break;
        }
        case v1::ClientMessage::kSubmitTile:
        case v1::ClientMessage::kClaimReview:
        case v1::ClientMessage::kReleaseReview:
        case v1::ClientMessage::kApproveTile:
        case v1::ClientMessage::kRejectTile:
        case v1::ClientMessage::kReopenTile: {
            std::string name;
            const auto& tile = lifecycle_tile(in, &name);
            if (!watching(c, tile, in.request_id(), (name + ".tile_key").c_str(), out)) break;
            auto r = lifecycle(s, c.principal, in);
            out.frames = std::move(r.frames);
            if (!r.broadcast.empty()) s.hub.broadcast(r.tile, std::make_shared<const std::string>(std::move(r.broadcast)));
            break;
        }
        case v1::ClientMessage::kPing: {
            v1::ServerMessage m;
            m.set_request_id(in.request_id());
            m.mutable_pong()->set_client_time_ms(in.ping().client_time_ms());
            m.mutable_pong()->set_server_time_ms(now_ms());
            out.frames.push_back(encode_message(m));
            break;
        }
        default:
            out.frames.push_back(encode_error(in.request_id(), ErrorKind::unknown_message,
                                              "the message has no body this server knows (protocol v1)"));
        }
    } catch (const std::exception& e) {
        core::log_error("WebSocket request ", in.request_id(), " of ", c.principal.username, " failed: ", e.what());
        out.frames.clear();
        out.frames.push_back(encode_error(in.request_id(), ErrorKind::internal,
                                          "internal error; the server log has the details"));
        // Nothing stays held back by a subscription that failed half-way.
        if (c.viewer) {
            for (const auto& tile : c.viewer->held()) {
                if (!c.tiles.contains(tile)) s.hub.unsubscribe(tile, c.viewer.get());
                out.released.emplace_back(tile, 0);
            }
        }
        out.publish_frame.clear();
    }
    return out;
}

}  // namespace tessera::api
