#include "hub/hub.hpp"

namespace tessera::hub {

Hub::Hub(Fetch fetch, EncodePresence encode_presence)
    : m_fetch(std::move(fetch)), m_encode_presence(std::move(encode_presence)) {}

void Hub::subscribe(const std::string& tile, const std::shared_ptr<Subscriber>& subscriber) {
    std::lock_guard lock(m_mutex);
    auto& t = m_tiles[tile];
    auto& e = t.entries[subscriber.get()];
    e.subscriber = subscriber;
    send_presence_locked(tile, t);
}

void Hub::seen(const std::string& tile, const Subscriber* subscriber, std::uint64_t seq) {
    std::lock_guard lock(m_mutex);
    auto it = m_tiles.find(tile);
    if (it == m_tiles.end()) return;
    auto& t = it->second;
    if (auto e = t.entries.find(subscriber); e != t.entries.end()) e->second.seen = std::max(e->second.seen, seq);
    if (!t.known || t.last < seq) {
        t.last = seq;
        t.known = true;
        t.waiting.erase(t.waiting.begin(), t.waiting.upper_bound(seq));
    }
}

void Hub::unsubscribe(const std::string& tile, const Subscriber* subscriber) {
    std::lock_guard lock(m_mutex);
    auto it = m_tiles.find(tile);
    if (it == m_tiles.end()) return;
    it->second.entries.erase(subscriber);
    if (it->second.entries.empty()) {
        m_tiles.erase(it);
    } else {
        send_presence_locked(tile, it->second);
    }
}

void Hub::unsubscribe_all(const Subscriber* subscriber) {
    std::lock_guard lock(m_mutex);
    for (auto it = m_tiles.begin(); it != m_tiles.end();) {
        if (it->second.entries.erase(subscriber) && it->second.entries.empty()) {
            it = m_tiles.erase(it);
            continue;
        }
        send_presence_locked(it->first, it->second);
        ++it;
    }
}

void Hub::select(const std::string& tile, const Subscriber* subscriber, std::vector<std::int64_t> feature_ids) {
    std::lock_guard lock(m_mutex);
    auto it = m_tiles.find(tile);
    if (it == m_tiles.end()) return;
    auto e = it->second.entries.find(subscriber);
    if (e == it->second.entries.end()) return;
    e->second.selected = std::move(feature_ids);
    send_presence_locked(tile, it->second);
}

void Hub::publish(const std::string& tile, std::uint64_t seq, const Frame& frame) {
    bool gap = false;
    std::uint64_t after = 0;
    {
        std::lock_guard lock(m_mutex);
        if (auto local = m_local.find(tile); local != m_local.end()) {
            local->second.erase(seq);
            if (local->second.empty()) m_local.erase(local);
        }
        auto it = m_tiles.find(tile);
        if (it == m_tiles.end()) return;  // nobody watches this tile here
        auto& t = it->second;
        if (t.known && seq <= t.last) return;  // delivered already
        if (!t.known || seq == t.last + 1) {
            deliver_locked(tile, t, seq, frame);
            // Changes that arrived early can follow now.
            while (!t.waiting.empty() && t.waiting.begin()->first == t.last + 1) {
                auto next = t.waiting.begin();
                deliver_locked(tile, t, next->first, next->second);
                t.waiting.erase(next);
            }
            return;
        }
        // A change is missing before this one: hold it, and fetch what is missing.
        gap = t.waiting.empty() || t.waiting.begin()->first > seq;
        t.waiting.emplace(seq, frame);
        after = t.last;
    }
    if (gap) m_fetch(tile, after);
}

void Hub::expect(const std::string& tile, std::uint64_t seq) {
    std::lock_guard lock(m_mutex);
    m_local[tile].insert(seq);
}

void Hub::forget(const std::string& tile, std::uint64_t seq) {
    std::lock_guard lock(m_mutex);
    if (auto it = m_local.find(tile); it != m_local.end()) {
        it->second.erase(seq);
        if (it->second.empty()) m_local.erase(it);
    }
}

void Hub::notified(const std::string& tile, std::uint64_t seq) {
    std::uint64_t after = 0;
    {
        std::lock_guard lock(m_mutex);
        if (auto local = m_local.find(tile); local != m_local.end() && local->second.contains(seq)) return;
        auto it = m_tiles.find(tile);
        if (it == m_tiles.end() || !it->second.known || seq <= it->second.last) return;
        after = it->second.last;
    }
    m_fetch(tile, after);
}

void Hub::broadcast(const std::string& tile, const Frame& frame) {
    std::lock_guard lock(m_mutex);
    auto it = m_tiles.find(tile);
    if (it == m_tiles.end()) return;
    for (auto& [key, e] : it->second.entries)
        if (auto s = e.subscriber.lock()) s->deliver(tile, 0, frame);
}

void Hub::send_to_user(const std::string& tile, int user_id, const Frame& frame) {
    std::lock_guard lock(m_mutex);
    auto it = m_tiles.find(tile);
    if (it == m_tiles.end()) return;
    for (auto& [key, e] : it->second.entries)
        if (auto s = e.subscriber.lock(); s && s->user_id() == user_id) s->deliver(tile, 0, frame);
}

void Hub::refresh_presence(const std::string& tile) {
    std::lock_guard lock(m_mutex);
    auto it = m_tiles.find(tile);
    if (it != m_tiles.end()) send_presence_locked(tile, it->second);
}

std::size_t Hub::viewers(const std::string& tile) const {
    std::lock_guard lock(m_mutex);
    auto it = m_tiles.find(tile);
    return it == m_tiles.end() ? 0 : it->second.entries.size();
}

std::vector<std::string> Hub::tiles() const {
    std::lock_guard lock(m_mutex);
    std::vector<std::string> out;
    for (const auto& [key, t] : m_tiles) out.push_back(key);
    return out;
}

void Hub::deliver_locked(const std::string& key, Tile& tile, std::uint64_t seq, const Frame& frame) {
    tile.last = seq;
    tile.known = true;
    for (auto it = tile.entries.begin(); it != tile.entries.end();) {
        auto s = it->second.subscriber.lock();
        if (!s) {
            it = tile.entries.erase(it);
            continue;
        }
        if (seq > it->second.seen) s->deliver(key, seq, frame);
        ++it;
    }
}

Frame Hub::presence_locked(const std::string& key, const Tile& tile) {
    std::vector<ViewerState> viewers;
    for (const auto& [ptr, e] : tile.entries) {
        if (auto s = e.subscriber.lock()) viewers.push_back({s->user_id(), s->username(), e.selected});
    }
    return m_encode_presence(key, viewers);
}

void Hub::send_presence_locked(const std::string&, Tile& tile) { tile.presence_dirty = true; }

void Hub::flush_presence() {
    if (!m_encode_presence) return;
    std::lock_guard lock(m_mutex);
    for (auto& [key, tile] : m_tiles) {
        if (!tile.presence_dirty) continue;
        tile.presence_dirty = false;
        const auto frame = presence_locked(key, tile);
        if (!frame) continue;
        for (auto& [ptr, e] : tile.entries)
            if (auto s = e.subscriber.lock()) s->deliver(key, 0, frame);
    }
}

}  // namespace tessera::hub
