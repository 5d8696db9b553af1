#pragma once

// Dashboards over HTTP (issue "Workflow" point 4): GET /api/v1/dashboard/<name>, JSON by default,
// CSV with ?format=csv (text/csv, a header row, one table). Every figure comes from the rollups
// of the one event log (store/dashboard_store.hpp), so the figures add up.
//
//   states        tiles and area per state: the whole project and every zone (?zone=NAME: one)
//   progress      burn-down: tiles per state at the end of each day (?zone=NAME, ?from, ?to)
//   throughput    per day: change sets, operations, submissions, approvals, rejections, reopens
//   contributors  per user: change sets, submissions, tiles submitted, verdicts on their
//                 submissions, approval rate, rework (?user=NAME, ?from, ?to)
//   controllers   per reviewer: reviews claimed and how they ended, median review time,
//                 rejection reasons (?user=NAME)
//   qc            current quality issues by code and severity, and the tiles having them
//   conflicts     refused change sets per day, tile and user (?from, ?to, ?limit=N tiles;
//                 ?by=day|tile|user picks one table, the one CSV gives; day by default)
//
// Days are UTC days, ?from=YYYY-MM-DD and ?to=YYYY-MM-DD included. Leads and admins see every
// dashboard; anyone else only their own line: contributors?user=<self> or controllers?user=<self>
// (403 otherwise).
// Thread-safe: called from several worker threads at once.

#include "api/http_types.hpp"
#include "api/services.hpp"

namespace tessera::api {

// Serves every /api/v1/dashboard/... path (GET).
HttpResponse dashboard(Services& services, const HttpRequest& request, const auth::Principal& who);

}  // namespace tessera::api
