#include "api/presence.hpp"

#include <chrono>

#include "tessera/v1/tessera.pb.h"

namespace tessera::api {

void LeaseCache::set(const std::string& tile, std::optional<store::EditStore::LeaseState> lease) {
    std::lock_guard lock(m_mutex);
    if (lease) {
        m_leases[tile] = *lease;
    } else {
        m_leases.erase(tile);
    }
}

std::optional<store::EditStore::LeaseState> LeaseCache::get(const std::string& tile) const {
    std::lock_guard lock(m_mutex);
    auto it = m_leases.find(tile);
    if (it == m_leases.end()) return std::nullopt;
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    if (it->second.expires_at_ms < now) return std::nullopt;
    return it->second;
}

hub::Frame encode_lease_notice(const std::string& tile, const std::string& reason) {
    v1::ServerMessage m;
    m.mutable_lease_notice()->set_tile_key(tile);
    m.mutable_lease_notice()->set_reason(reason);
    auto out = std::make_shared<std::string>();
    m.SerializeToString(out.get());
    return out;
}

hub::Frame encode_presence(const LeaseCache& leases, const std::string& tile,
                           const std::vector<hub::ViewerState>& viewers, std::uint64_t request_id) {
    v1::ServerMessage m;
    m.set_request_id(request_id);
    auto* p = m.mutable_presence();
    p->set_tile_key(tile);
    p->set_viewer_count(static_cast<std::uint32_t>(viewers.size()));
    // A tile watched by a crowd: the viewers with a selection first, at most 100 listed.
    std::vector<const hub::ViewerState*> listed;
    for (const auto& v : viewers)
        if (!v.selected.empty()) listed.push_back(&v);
    for (const auto& v : viewers)
        if (v.selected.empty()) listed.push_back(&v);
    if (listed.size() > 100) listed.resize(100);
    for (const auto* vp : listed) {
        const auto& v = *vp;
        auto* w = p->add_viewers();
        w->set_user_id(v.user_id);
        w->set_username(v.username);
        for (auto id : v.selected) w->add_selected(id);
    }
    if (auto lease = leases.get(tile)) {
        p->mutable_lease()->set_user_id(lease->user_id);
        p->mutable_lease()->set_username(lease->username);
        p->mutable_lease()->set_expires_at_ms(lease->expires_at_ms);
    }
    auto out = std::make_shared<std::string>();
    m.SerializeToString(out.get());
    return out;
}

}  // namespace tessera::api
