#pragma once

// The WebSocket side of the API: one binary frame in (a ClientMessage), zero or more encoded
// ServerMessages out. Protocol-level state of a connection lives in WsConnection; the net
// module owns the socket. Thread-safety: one WsConnection is used by one thread at a time
// (the net module handles a connection's frames one after the other).

#include <chrono>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/errors.hpp"
#include "api/services.hpp"

namespace tessera::api {

// The connection as the hub sees it. Frames of a tile being subscribed to are held back until
// the net module has queued the tile's snapshot (release), so that a client never receives a
// change before the snapshot it applies to.
class Viewer : public hub::Subscriber {
public:
    virtual void hold(const std::string& tile) = 0;
    virtual std::vector<std::string> held() const = 0;
};

struct WsConnection {
    auth::Principal principal;
    std::shared_ptr<Viewer> viewer;  // null in tests that need no live updates
    std::set<std::string> tiles;  // subscribed tile keys
    // Rate limiting: a token bucket refilled at max_messages_per_second.
    double tokens = -1;  // -1: not started
    std::chrono::steady_clock::time_point refilled{};
    unsigned refused_in_a_row = 0;
};

struct WsOutcome {
    std::vector<std::string> frames;  // encoded ServerMessages, to send in order
    bool close = false;               // close the connection after sending
    std::string close_reason;
    std::string request;              // what was asked ("subscribe", ...), for the log
    // Tiles whose held frames may now follow, with the snapshot's sequence number.
    std::vector<std::pair<std::string, std::uint64_t>> released;
    // A committed change to publish to every viewer once the frames above are queued.
    std::string publish_tile;
    std::uint64_t publish_seq = 0;
    std::string publish_frame;
};

// Handles one binary frame.
WsOutcome handle_frame(Services& services, WsConnection& connection, std::string_view frame);

// An encoded error message (for conditions the net module detects: text frames, size).
std::string encode_error(std::uint64_t request_id, ErrorKind kind, const std::string& message,
                         const std::string& field = {});

}  // namespace tessera::api
