#pragma once

// Presence on a tile (who views it, what they select, who holds its lease). Leases live in the
// database; this cache holds the current holder of each watched tile so that presence can be
// encoded without a query. Thread-safe.

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hub/hub.hpp"
#include "store/edit_store.hpp"

namespace tessera::api {

class LeaseCache {
public:
    void set(const std::string& tile, std::optional<store::EditStore::LeaseState> lease);
    std::optional<store::EditStore::LeaseState> get(const std::string& tile) const;

private:
    mutable std::mutex m_mutex;
    std::map<std::string, store::EditStore::LeaseState> m_leases;
};

// A LeaseNotice for the holder of a lease that ended without it asking.
hub::Frame encode_lease_notice(const std::string& tile, const std::string& reason);

// The Presence message of a tile, encoded.
hub::Frame encode_presence(const LeaseCache& leases, const std::string& tile,
                           const std::vector<hub::ViewerState>& viewers, std::uint64_t request_id = 0);

}  // namespace tessera::api
