#pragma once

// What the API handlers work with: the configuration, the stores, authentication, metrics
// and the project being served. Built once by the composition root; the members it refers to
// outlive it. Thread-safe as its members are.

#include "api/presence.hpp"
#include "auth/auth.hpp"
#include "core/config.hpp"
#include "core/metrics.hpp"
#include "core/nomenclature.hpp"
#include "store/accounts.hpp"
#include "hub/hub.hpp"
#include "qc/rules.hpp"
#include "store/database.hpp"
#include "store/edit_store.hpp"
#include "store/projects.hpp"
#include "store/qc_store.hpp"
#include "store/workflow_store.hpp"
#include "store/zone_store.hpp"
#include "tiles/grid.hpp"

namespace tessera::api {

struct Services {
    const core::Config& config;
    store::Database& db;
    store::ProjectStore& projects;
    store::AccountStore& accounts;
    auth::AuthService& auth;
    core::Metrics& metrics;
    const core::Nomenclature& nomenclature;
    store::ProjectRecord project;
    tiles::Grid grid;
    store::EditStore& edits;
    hub::Hub& hub;
    LeaseCache& leases;
    const qc::Rules& qc_rules;
    store::QcStore& qc;
    store::WorkflowStore& workflow;
    store::ZoneStore& zones;
    unsigned lease_seconds = 1800;
};

// Zones scope what contributors and controllers see and touch (SPEC §2): of `keys`, those this
// user may use (every key for leads, administrators and users without zones).
inline std::vector<std::string> visible_tiles(Services& s, const auth::Principal& who,
                                              const std::vector<std::string>& keys) {
    if (who.role == auth::Role::lead || who.role == auth::Role::admin || keys.empty()) return keys;
    return s.zones.allowed(s.project, who.user_id, keys);
}

}  // namespace tessera::api
