#pragma once

// A WebSocket client editing one tile in end-to-end tests: subscribes, sends change sets and
// requests, keeps the pushes it meets on the way. And small helpers to build operations.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "api/codec.hpp"
#include "e2e/fixture.hpp"
#include "geo/geos.hpp"
#include "geo/wkb.hpp"

namespace tessera::test {

inline constexpr std::int64_t ox = 88000000, oy = 684000000;  // tile 0880_6840, centimetres
inline const std::string tile = "0880_6840";

// A workflow request on a tile (submit, claim, release, approve, reopen with a reason).
inline v1::ClientMessage tile_message(v1::ClientMessage::BodyCase kind, const std::string& key = tile) {
    v1::ClientMessage m;
    switch (kind) {
    case v1::ClientMessage::kSubmitTile: m.mutable_submit_tile()->set_tile_key(key); break;
    case v1::ClientMessage::kClaimReview: m.mutable_claim_review()->set_tile_key(key); break;
    case v1::ClientMessage::kReleaseReview: m.mutable_release_review()->set_tile_key(key); break;
    case v1::ClientMessage::kApproveTile: m.mutable_approve_tile()->set_tile_key(key); break;
    case v1::ClientMessage::kReopenTile:
        m.mutable_reopen_tile()->set_tile_key(key);
        m.mutable_reopen_tile()->set_reason("the road was rebuilt");
        break;
    default: break;
    }
    return m;
}

inline geo::RingsCm rings_of(const std::string& wkt) {
    geo::Context ctx;
    auto g = ctx.from_wkt(wkt);
    return *geo::polygon_from_wkb(ctx.to_wkb(g.get()));
}

// A client on one tile: subscribes, keeps the pushes it sees, answers requests by id.
class Editor {
public:
    Editor(unsigned short port, const std::string& token) : m_ws(port, {{"Authorization", "Bearer " + token}}) {}

    v1::TileSnapshot open(const std::string& key = tile) {
        m_ws.send(subscribe_keys(++m_id, {key}));
        auto ack = answer(m_id);
        EXPECT_TRUE(ack.has_subscribed()) << ack.DebugString();
        auto snap = answer(m_id);
        EXPECT_TRUE(snap.has_snapshot()) << snap.DebugString();
        auto report = answer(m_id);
        EXPECT_TRUE(report.has_qc_report()) << report.DebugString();
        m_report = report.qc_report();
        return snap.snapshot();
    }

    // The quality report that followed the last snapshot.
    const v1::QcReport& report() const { return m_report; }

    // Sends a change set and returns its answer (ack, conflict or error).
    v1::ServerMessage send(const std::string& id, std::vector<v1::Op> ops, const std::string& key = tile) {
        v1::ClientMessage m;
        m.set_request_id(++m_id);
        m.mutable_change_set()->set_id(id);
        m.mutable_change_set()->set_tile_key(key);
        for (auto& op : ops) *m.mutable_change_set()->add_ops() = std::move(op);
        m_ws.send(m);
        return answer(m_id);
    }

    v1::ServerMessage request(v1::ClientMessage m) {
        m.set_request_id(++m_id);
        m_ws.send(m);
        return answer(m_id);
    }

    // The next message with this request id; pushes met on the way are kept.
    v1::ServerMessage answer(std::uint64_t id, int timeout_ms = 10000) {
        for (auto it = m_early.begin(); it != m_early.end(); ++it)
            if (it->request_id() == id) {
                auto m = *it;
                m_early.erase(it);
                return m;
            }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (std::chrono::steady_clock::now() < deadline) {
            auto m = m_ws.receive(timeout_ms);
            if (!m) break;
            if (m->request_id() == id) return *m;
            if (m->request_id() == 0) {
                m_pushes.push_back(*m);
            } else {
                m_early.push_back(*m);
            }
        }
        ADD_FAILURE() << "no answer to request " << id;
        return {};
    }

    // The next push (request id 0) of a kind, within the time.
    std::optional<v1::ServerMessage> push(v1::ServerMessage::BodyCase kind, int timeout_ms = 5000) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        for (;;) {
            for (auto it = m_pushes.begin(); it != m_pushes.end(); ++it)
                if (it->body_case() == kind) {
                    auto m = *it;
                    m_pushes.erase(it);
                    return m;
                }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return std::nullopt;
            auto m = m_ws.receive(static_cast<int>(left.count()));
            if (!m) return std::nullopt;
            (m->request_id() == 0 ? m_pushes : m_early).push_back(*m);
        }
    }

    WsClient& ws() { return m_ws; }

private:
    WsClient m_ws;
    std::uint64_t m_id = 100;
    std::vector<v1::ServerMessage> m_pushes, m_early;
    v1::QcReport m_report;
};

inline const v1::Feature& find(const v1::TileSnapshot& s, const std::string& cs, const std::string& us) {
    for (const auto& f : s.features())
        if (f.code_cs() == cs && f.code_us() == us) return f;
    ADD_FAILURE() << "no " << cs << "/" << us << " feature in " << s.tile_key();
    static v1::Feature none;
    return none;
}

inline v1::Op set_class(const v1::Feature& f, const std::string& cs, const std::string& us, std::uint32_t version = 0) {
    v1::Op op;
    op.mutable_set_class()->mutable_feature()->set_id(f.id());
    op.mutable_set_class()->mutable_feature()->set_version(version ? version : f.version());
    op.mutable_set_class()->set_code_cs(cs);
    op.mutable_set_class()->set_code_us(us);
    return op;
}

inline v1::Op reshape(const v1::Feature& f, const std::string& wkt, std::uint32_t version = 0) {
    v1::Op op;
    op.mutable_reshape()->mutable_feature()->set_id(f.id());
    op.mutable_reshape()->mutable_feature()->set_version(version ? version : f.version());
    api::encode_polygon(rings_of(wkt), ox, oy, *op.mutable_reshape()->mutable_geometry());
    return op;
}

}  // namespace tessera::test
