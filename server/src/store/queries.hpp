#pragma once

// Every SQL statement of the store, by name. Prepared when a connection opens.

#include <array>
#include <utility>

namespace tessera::store::q {

inline constexpr const char* project_by_name = "project_by_name";
inline constexpr const char* tiles_in_box = "tiles_in_box";
inline constexpr const char* tile_by_key = "tile_by_key";
inline constexpr const char* tile_features = "tile_features";
inline constexpr const char* user_by_name = "user_by_name";
inline constexpr const char* session_by_token = "session_by_token";
inline constexpr const char* session_touch = "session_touch";
inline constexpr const char* session_create = "session_create";
inline constexpr const char* session_revoke = "session_revoke";
inline constexpr const char* event_append = "event_append";
inline constexpr const char* edit_begin = "edit_begin";
inline constexpr const char* tile_writer_lock = "tile_writer_lock";
inline constexpr const char* edit_apply_classes_grouped = "edit_apply_classes_grouped";
inline constexpr const char* edit_replay = "edit_replay";
inline constexpr const char* edit_write = "edit_write";
inline constexpr const char* edit_finish = "edit_finish";
inline constexpr const char* qc_read = "qc_read";
inline constexpr const char* qc_tile_features = "qc_tile_features";
inline constexpr const char* qc_features_near = "qc_features_near";
inline constexpr const char* qc_tile_issues = "qc_tile_issues";
inline constexpr const char* qc_tile_status = "qc_tile_status";
inline constexpr const char* qc_write_grouped = "qc_write_grouped";
inline constexpr const char* qc_delete_except = "qc_delete_except";
inline constexpr const char* qc_count = "qc_count";
inline constexpr const char* qc_tile_has_issues = "qc_tile_has_issues";

// The columns of a feature as the editing path reads it (with its last author's name).
#define TESSERA_FEATURE_COLUMNS                                                                              \
    "f.id, f.version, f.code_cs, f.code_us, ST_AsBinary(f.geom), f.reviewed, coalesce(f.pred_cs, ''), "     \
    "coalesce(f.pred_us, ''), f.pred_confidence, (extract(epoch FROM f.updated_at) * 1000)::bigint, "         \
    "coalesce(u.username, '') FROM feature f LEFT JOIN app_user u ON u.id = f.author_id "

// The columns of a feature as the quality controls read it.
#define TESSERA_QC_COLUMNS                                                                                  \
    "f.id, f.code_cs, f.code_us, ST_AsBinary(f.geom), f.reviewed, "                                         \
    "(f.pred_cs IS NOT NULL AND f.code_cs = f.pred_cs AND f.code_us = coalesce(f.pred_us, f.code_us)), "    \
    "f.pred_confidence "

// The columns of a stored issue.
#define TESSERA_ISSUE_COLUMNS \
    "key, code, blocking, array_to_string(features, ','), x_cm, y_cm, message, area_m2 FROM qc_issue "

inline constexpr std::array<std::pair<const char*, const char*>, 25> statements{{
    {project_by_name, "SELECT id, name, srid, tile_size_m, imagery::text FROM project WHERE name = $1"},
    {tiles_in_box,
     "SELECT key, x_km, y_km, state::text, seq, feature_count, mean_confidence, qc_blocking, qc_warnings FROM tile "
     "WHERE project_id = $1 AND x_km * 1000 < $4 AND (x_km * 1000 + $6) > $2 "
     "AND y_km * 1000 < $5 AND (y_km * 1000 + $6) > $3 ORDER BY y_km, x_km LIMIT $7"},
    {tile_by_key,
     "SELECT key, x_km, y_km, state::text, seq, feature_count, mean_confidence, qc_blocking, qc_warnings FROM tile "
     "WHERE project_id = $1 AND key = $2"},
    {tile_features,
     "SELECT id, version, code_cs, code_us, ST_AsBinary(geom), coalesce(pred_cs, ''), coalesce(pred_us, ''), "
     "pred_confidence, reviewed, (extract(epoch FROM updated_at) * 1000)::bigint "
     "FROM feature WHERE project_id = $1 AND tile_key = $2 ORDER BY id"},
    {user_by_name,
     "SELECT id, username, display_name, role::text, password_hash, disabled FROM app_user WHERE username = $1"},
    {session_by_token,
     "SELECT s.id, u.id, u.username, u.display_name, u.role::text, u.password_hash, u.disabled, "
     "(extract(epoch FROM s.expires_at) * 1000)::bigint, s.last_seen_at < now() - interval '1 minute' "
     "FROM session s JOIN app_user u ON u.id = s.user_id "
     "WHERE s.token_hash = decode($1, 'hex') AND s.revoked_at IS NULL AND s.expires_at > now() AND NOT u.disabled"},
    {session_touch, "UPDATE session SET last_seen_at = now() WHERE id = $1"},
    {session_create,
     "INSERT INTO session (user_id, token_hash, expires_at, user_agent) "
     "VALUES ($1, decode($2, 'hex'), now() + make_interval(hours => $3), $4) "
     "RETURNING id, (extract(epoch FROM expires_at) * 1000)::bigint"},
    {session_revoke,
     "UPDATE session SET revoked_at = now() WHERE token_hash = decode($1, 'hex') AND revoked_at IS NULL RETURNING id"},
    {event_append,
     "INSERT INTO event (project_id, tile_key, tile_seq, kind, actor_id, payload) "
     "VALUES ($1, $2, $3, $4, $5, $6::jsonb) RETURNING id"},
    // One writer per tile at a time, across every instance: a transaction-scoped advisory lock
    // (no row is written to take it). Taken in its own statement so that what the transaction
    // reads next is read after the lock is held.
    {tile_writer_lock, "SELECT pg_advisory_xact_lock($1, hashtext($2))"},
    // The tile's writer lock, then the tile and the change set's first outcome, then what it
    // starts from: its features and their context (migration 0012).
    {edit_begin, "SELECT * FROM tessera_edit_begin($1, $2, $3, $4::bigint[], $5, $6, $7, $8, $9, $10)"},
    // Class change sets of several tiles, applied together (see migration 0008).
    {edit_apply_classes_grouped,
     "SELECT o_k, o_fallback, o_seq, o_state, o_id, o_version, o_cs, o_us, o_wkb, o_reviewed, "
     "coalesce(o_pred_cs, ''), coalesce(o_pred_us, ''), o_pred_confidence, "
     "(extract(epoch FROM now()) * 1000)::bigint, ''::text "
     "FROM tessera_apply_classes_grouped($1, $2, $3::text[], $4::integer[], $5::text[], $6::integer[], "
     "$7::bigint[], $8::integer[], $9::text[], $10::text[])"},
    // The features a change set wrote, as it left them (to answer it again).
    {edit_replay,
     "SELECT h.feature_id, h.version, h.code_cs, h.code_us, ST_AsBinary(h.geom), h.reviewed, "
     "coalesce(f.pred_cs, ''), coalesce(f.pred_us, ''), f.pred_confidence, "
     "(extract(epoch FROM h.changed_at) * 1000)::bigint, coalesce(u.username, ''), h.prev_version IS NULL "
     "FROM feature_history h LEFT JOIN feature f ON f.id = h.feature_id LEFT JOIN app_user u ON u.id = h.author_id "
     "WHERE h.project_id = $1 AND h.change_set = $2 ORDER BY h.feature_id"},
    // The change set's writes, then the quality controls' read of what it wrote (migration 0012).
    {edit_write,
     "SELECT * FROM tessera_edit_write($1, $2, $3, $4, $5, $6::bigint[], $7::text[], $8::text[], $9::boolean[], "
     "$10::text[], $11::bigint[], $12::bigint[], $13, $14, $15)"},
    // The change set's record with its answer, and its quality controls' writes (as
    // qc_write_grouped, $1 to $19).
    {edit_finish,
     "WITH o AS (INSERT INTO change_set (project_id, id, tile_key, user_id, tile_seq, ops, outcome) "
     "VALUES ($1, $20, $21, $22, $23, $24, $25)) "
     "SELECT tessera_qc_write_grouped($1, $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], "
     "$8::boolean[], $9::text[], $10::bigint[], $11::bigint[], $12::text[], $13::double precision[], $14::text[], "
     "$15::integer[], $16::integer[], $17::text[], $18::bigint[], $19::text[])"},
    // The quality controls' read of one or more change sets (migration 0011).
    {qc_read, "SELECT * FROM tessera_qc_read($1, $2::text[], $3::bigint[], $4::integer[], $5::bigint[], "
              "$6::integer[], $7)"},
    {qc_tile_features, "SELECT " TESSERA_QC_COLUMNS "FROM feature f WHERE f.project_id = $1 AND f.tile_key = $2 ORDER BY f.id"},
    {qc_features_near,
     "SELECT " TESSERA_QC_COLUMNS "FROM feature f WHERE f.geom && ST_MakeEnvelope($3, $4, $5, $6, $7) "
     "AND f.project_id = $1 AND f.tile_key = $2 ORDER BY f.id"},
    {qc_tile_issues, "SELECT " TESSERA_ISSUE_COLUMNS "WHERE project_id = $1 AND tile_key = $2 ORDER BY blocking DESC, code, key"},
    {qc_tile_status, "SELECT seq, qc_whole_seq, qc_blocking, qc_warnings FROM tile WHERE project_id = $1 AND key = $2"},
    // Removes issues by key and inserts or replaces others, set-based; an issue found before
    // keeps its first sequence number.
    {qc_write_grouped,
     "SELECT tessera_qc_write_grouped($1, $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], "
     "$8::boolean[], $9::text[], $10::bigint[], $11::bigint[], $12::text[], $13::double precision[], $14::text[], "
     "$15::integer[], $16::integer[], $17::text[], $18::bigint[], $19::text[])"},
    {qc_delete_except, "DELETE FROM qc_issue WHERE project_id = $1 AND tile_key = $2 AND NOT (key = ANY($3::text[]))"},
    {qc_tile_has_issues, "SELECT EXISTS (SELECT 1 FROM qc_issue WHERE project_id = $1 AND tile_key = $2)"},
    // The tile's counts after a write; $3: the sequence number at which the whole tile was
    // checked, or null to keep the last one.
    {qc_count,
     "UPDATE tile t SET qc_blocking = c.blocking, qc_warnings = c.warnings, qc_whole_seq = coalesce($3, t.qc_whole_seq) "
     "FROM (SELECT count(*) FILTER (WHERE blocking) AS blocking, count(*) FILTER (WHERE NOT blocking) AS warnings "
     "FROM qc_issue WHERE project_id = $1 AND tile_key = $2) c WHERE t.project_id = $1 AND t.key = $2 "
     "RETURNING t.qc_blocking, t.qc_warnings"},
}};

}  // namespace tessera::store::q
