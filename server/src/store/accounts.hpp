#pragma once

// Users and login sessions. Tokens never reach this module: only their hashes (hex).
// Thread-safe (each call takes a pooled connection).

#include <optional>
#include <vector>
#include <string>

#include "store/database.hpp"
#include "store/records.hpp"

namespace tessera::store {

class AccountStore {
public:
    explicit AccountStore(Database& db) : m_db(db) {}

    // Creates a user, or with `replace` updates the role, name and password of an existing one.
    // Throws std::runtime_error when the user exists and `replace` is false.
    UserRecord add_user(const std::string& username, const std::string& display_name, const std::string& role,
                        const std::string& password_hash, bool replace);
    std::optional<UserRecord> find_user(const std::string& username);

    struct NewSession {
        std::int64_t id;
        std::int64_t expires_at_ms;
    };
    NewSession create_session(int user_id, const std::string& token_hash_hex, unsigned hours,
                              const std::string& user_agent);
    // The live session with this token hash (not revoked, not expired, user not disabled).
    std::optional<SessionRecord> find_session(const std::string& token_hash_hex);
    // True when a live session was revoked.
    bool revoke_session(const std::string& token_hash_hex);

    void append_event(const std::string& kind, std::optional<int> actor_id, const std::string& payload_json);

    // Account changes by `actor_id` (null: the command line), each recorded as an event.
    // Disabling an account, changing its role or its password revokes its sessions and announces
    // it ("revoked user <id>" on the tile channel) so that every instance closes its sockets.
    // False when there is no such user.
    bool set_disabled(const std::string& username, bool disabled, std::optional<int> actor_id);
    bool set_role(const std::string& username, const std::string& role, std::optional<int> actor_id);
    bool set_password(const std::string& username, const std::string& password_hash, std::optional<int> actor_id);
    std::vector<UserRecord> users();

private:
    Database& m_db;
};

}  // namespace tessera::store
