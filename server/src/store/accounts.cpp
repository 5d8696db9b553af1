#include "store/accounts.hpp"

#include <stdexcept>

#include "store/connection.hpp"
#include "store/queries.hpp"

namespace tessera::store {
namespace {

UserRecord user_from(const pqxx::row& r, int first = 0) {
    UserRecord u;
    u.id = r[first].as<int>();
    u.username = r[first + 1].as<std::string>();
    u.display_name = r[first + 2].as<std::string>();
    u.role = r[first + 3].as<std::string>();
    u.password_hash = r[first + 4].as<std::string>();
    u.disabled = r[first + 5].as<bool>();
    return u;
}

}  // namespace

UserRecord AccountStore::add_user(const std::string& username, const std::string& display_name,
                                  const std::string& role, const std::string& password_hash, bool replace) {
    auto conn = m_db.acquire();
    pqxx::work tx(conn->pq());
    auto existing = tx.exec_prepared(q::user_by_name, username);
    if (!existing.empty() && !replace) {
        throw std::runtime_error("user '" + username + "' exists already (use --replace to change it)");
    }
    if (existing.empty()) {
        tx.exec_params(
            "INSERT INTO app_user (username, display_name, role, password_hash) VALUES ($1, $2, $3::user_role, $4)",
            username, display_name, role, password_hash);
    } else {
        tx.exec_params(
            "UPDATE app_user SET display_name = $2, role = $3::user_role, password_hash = $4, disabled = false "
            "WHERE username = $1",
            username, display_name, role, password_hash);
    }
    auto r = tx.exec_prepared(q::user_by_name, username);
    auto user = user_from(r[0]);
    tx.exec_prepared(q::event_append, nullptr, nullptr, nullptr, existing.empty() ? "user_added" : "user_changed",
                     nullptr, "{\"user\": " + std::to_string(user.id) + ", \"role\": \"" + role + "\"}");
    tx.commit();
    return user;
}

std::optional<UserRecord> AccountStore::find_user(const std::string& username) {
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    auto r = tx.exec_prepared(q::user_by_name, username);
    if (r.empty()) return std::nullopt;
    return user_from(r[0]);
}

AccountStore::NewSession AccountStore::create_session(int user_id, const std::string& token_hash_hex, unsigned hours,
                                                      const std::string& user_agent) {
    auto conn = m_db.acquire();
    pqxx::work tx(conn->pq());
    auto r = tx.exec_prepared1(q::session_create, user_id, token_hash_hex, static_cast<int>(hours),
                               user_agent.substr(0, 200));
    tx.exec_prepared(q::event_append, nullptr, nullptr, nullptr, "login", user_id,
                     "{\"session\": " + r[0].as<std::string>() + "}");
    tx.commit();
    return NewSession{r[0].as<std::int64_t>(), r[1].as<std::int64_t>()};
}

std::optional<SessionRecord> AccountStore::find_session(const std::string& token_hash_hex) {
    auto conn = m_db.acquire();
    pqxx::work tx(conn->pq());
    auto r = tx.exec_prepared(q::session_by_token, token_hash_hex);
    if (r.empty()) return std::nullopt;
    SessionRecord s;
    s.id = r[0][0].as<std::int64_t>();
    s.user = user_from(r[0], 1);
    s.expires_at_ms = r[0][7].as<std::int64_t>();
    // last_seen_at is a hint for leads ("who is around"), refreshed at most once a minute.
    if (r[0][8].as<bool>()) tx.exec_prepared(q::session_touch, s.id);
    tx.commit();
    return s;
}

bool AccountStore::revoke_session(const std::string& token_hash_hex) {
    auto conn = m_db.acquire();
    pqxx::work tx(conn->pq());
    auto r = tx.exec_prepared(q::session_revoke, token_hash_hex);
    if (!r.empty()) {
        tx.exec_prepared(q::event_append, nullptr, nullptr, nullptr, "logout", nullptr,
                         "{\"session\": " + r[0][0].as<std::string>() + "}");
        // Every instance closes the sockets opened with this session.
        tx.exec_params("SELECT pg_notify('tessera_tile', $1)", "revoked session " + r[0][0].as<std::string>());
    }
    tx.commit();
    return !r.empty();
}

namespace {

// Applies `sql` ($1 = username, $2 = value) to one account, revokes its sessions, records the
// event and announces the revocation.
bool change_account(Database& db, const std::string& sql, const std::string& username, const std::string& value,
                    const std::string& kind, const std::string& detail, std::optional<int> actor_id) {
    auto conn = db.acquire();
    pqxx::work tx(conn->pq());
    auto r = tx.exec_params(sql, username, value);
    if (r.empty()) return false;
    const auto id = r[0][0].as<int>();
    tx.exec_params("UPDATE session SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL", id);
    const std::string payload = "{\"user\": " + std::to_string(id) + (detail.empty() ? "" : ", " + detail) + "}";
    if (actor_id) {
        tx.exec_prepared(q::event_append, nullptr, nullptr, nullptr, kind, *actor_id, payload);
    } else {
        tx.exec_prepared(q::event_append, nullptr, nullptr, nullptr, kind, nullptr, payload);
    }
    tx.exec_params("SELECT pg_notify('tessera_tile', $1)", "revoked user " + std::to_string(id));
    tx.commit();
    return true;
}

}  // namespace

bool AccountStore::set_disabled(const std::string& username, bool disabled, std::optional<int> actor_id) {
    return change_account(m_db, "UPDATE app_user SET disabled = $2::boolean WHERE username = $1 RETURNING id", username,
                          disabled ? "true" : "false", disabled ? "user_disabled" : "user_enabled", "", actor_id);
}

bool AccountStore::set_role(const std::string& username, const std::string& role, std::optional<int> actor_id) {
    return change_account(m_db, "UPDATE app_user SET role = $2::user_role WHERE username = $1 RETURNING id", username,
                          role, "user_role_changed", "\"role\": \"" + role + "\"", actor_id);
}

bool AccountStore::set_password(const std::string& username, const std::string& password_hash,
                                std::optional<int> actor_id) {
    return change_account(m_db, "UPDATE app_user SET password_hash = $2 WHERE username = $1 RETURNING id", username,
                          password_hash, "user_password_changed", "", actor_id);
}

std::vector<UserRecord> AccountStore::users() {
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    std::vector<UserRecord> out;
    for (const auto& row : tx.exec("SELECT id, username, display_name, role::text, '', disabled FROM app_user ORDER BY username"))
        out.push_back(user_from(row));
    return out;
}

void AccountStore::append_event(const std::string& kind, std::optional<int> actor_id, const std::string& payload_json) {
    auto conn = m_db.acquire();
    pqxx::work tx(conn->pq());
    if (actor_id) {
        tx.exec_prepared(q::event_append, nullptr, nullptr, nullptr, kind, *actor_id, payload_json);
    } else {
        tx.exec_prepared(q::event_append, nullptr, nullptr, nullptr, kind, nullptr, payload_json);
    }
    tx.commit();
}

}  // namespace tessera::store
