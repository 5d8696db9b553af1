#pragma once

// Subscriptions and fan-out. The hub sees bytes, not protobuf: a committed change reaches it
// once, encoded, with its tile sequence number, and every viewer of the tile gets the same
// shared bytes, in sequence order (a change that arrives ahead of a missing one waits for it,
// and the missing ones are fetched). Presence (who views a tile, what they selected) is kept
// here too and encoded by a callback. Thread-safe: one mutex; deliveries only queue bytes.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace tessera::hub {

using Frame = std::shared_ptr<const std::string>;

// A viewer: a connection that receives the frames of the tiles it subscribed to.
class Subscriber {
public:
    virtual ~Subscriber() = default;
    // Queues a frame of `tile`; `seq` is its tile sequence number (0: not sequenced, presence).
    // Must not block.
    virtual void deliver(const std::string& tile, std::uint64_t seq, const Frame& frame) = 0;
    virtual int user_id() const = 0;
    virtual const std::string& username() const = 0;
};

struct ViewerState {
    int user_id = 0;
    std::string username;
    std::vector<std::int64_t> selected;
};

class Hub {
public:
    // `fetch(tile, after_seq)`: called (outside the lock) when changes after `after_seq` are
    // missing; it must publish() them, from any thread. `encode_presence(tile, viewers)`: the
    // presence frame of a tile.
    using Fetch = std::function<void(const std::string& tile, std::uint64_t after_seq)>;
    using EncodePresence = std::function<Frame(const std::string& tile, const std::vector<ViewerState>& viewers)>;

    Hub(Fetch fetch, EncodePresence encode_presence);

    void subscribe(const std::string& tile, const std::shared_ptr<Subscriber>& subscriber);
    // The subscriber received a snapshot at `seq`: changes up to it are not sent to it again.
    void seen(const std::string& tile, const Subscriber* subscriber, std::uint64_t seq);
    void unsubscribe(const std::string& tile, const Subscriber* subscriber);
    void unsubscribe_all(const Subscriber* subscriber);
    void select(const std::string& tile, const Subscriber* subscriber, std::vector<std::int64_t> feature_ids);

    // A committed change of `tile` with sequence number `seq`, encoded once.
    void publish(const std::string& tile, std::uint64_t seq, const Frame& frame);
    // Another instance committed `seq` on `tile`: fetch what this instance has not delivered.
    void notified(const std::string& tile, std::uint64_t seq);
    // This instance is committing `seq` on `tile` and will publish it itself (after the
    // author's acknowledgement): the NOTIFY of it is not to be fetched. forget() undoes it when
    // the commit fails.
    void expect(const std::string& tile, std::uint64_t seq);
    void forget(const std::string& tile, std::uint64_t seq);
    // A frame for every viewer of the tile, outside the sequence (lease notices, presence).
    void broadcast(const std::string& tile, const Frame& frame);
    // A frame for the viewers of the tile who are this user.
    void send_to_user(const std::string& tile, int user_id, const Frame& frame);
    // Re-sends the tile's presence (e.g. after its lease changed).
    void refresh_presence(const std::string& tile);
    // Presence changes are coalesced: this sends the presence of every tile whose viewers,
    // selections or lease changed since the last call (call it a few times a second).
    void flush_presence();

    std::size_t viewers(const std::string& tile) const;
    std::vector<std::string> tiles() const;

private:
    struct Entry {
        std::weak_ptr<Subscriber> subscriber;
        std::uint64_t seen = 0;  // deliver only changes after this
        std::vector<std::int64_t> selected;
    };
    struct Tile {
        std::map<const Subscriber*, Entry> entries;
        std::uint64_t last = 0;        // highest sequence number delivered here
        bool known = false;            // `last` is meaningful
        std::map<std::uint64_t, Frame> waiting;  // arrived ahead of a missing change
        bool presence_dirty = false;
    };
    void deliver_locked(const std::string& key, Tile& tile, std::uint64_t seq, const Frame& frame);
    Frame presence_locked(const std::string& key, const Tile& tile);
    void send_presence_locked(const std::string& key, Tile& tile);

    std::map<std::string, std::set<std::uint64_t>> m_local;  // committed here, published soon
    Fetch m_fetch;
    EncodePresence m_encode_presence;
    mutable std::mutex m_mutex;
    std::map<std::string, Tile> m_tiles;
};

}  // namespace tessera::hub
