#pragma once

// A benchmark client that corrects one tile: keeps the tile's features from the snapshot and
// the acknowledgements, and makes a realistic mix of change sets (70 % set_class/confirm,
// 30 % reshape/split).

#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <string>

#include "geo/wkb.hpp"
#include "support/client.hpp"

namespace tessera::test {

class BenchEditor {
public:
    BenchEditor(unsigned short port, const std::string& token, std::string tile, std::uint64_t seed);

    enum class Outcome { ack, conflict, error, timeout };
    // Sends one change set of the mix and waits for its answer.
    Outcome edit();

    std::size_t features() const { return m_features.size(); }

private:
    struct Local {
        std::uint32_t version;
        std::string cs, us;
        geo::RingsCm rings;
    };
    v1::ServerMessage answer(std::uint64_t id);
    void apply(const v1::ChangeAck& ack);

    WsClient m_ws;
    std::string m_tile;
    std::int64_t m_ox = 0, m_oy = 0;
    std::map<std::int64_t, Local> m_features;
    std::mt19937_64 m_rng;
    std::uint64_t m_request = 0, m_change = 0;
};

}  // namespace tessera::test
