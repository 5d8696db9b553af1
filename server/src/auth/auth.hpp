#pragma once

// Accounts and sessions: Argon2id password hashing (libsodium), random session tokens of 256
// bits handed out once and stored only as SHA-256 hashes. Thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/accounts.hpp"

namespace tessera::auth {

enum class Role { contributor, controller, lead, admin };

std::optional<Role> parse_role(std::string_view text);
std::string_view role_name(Role role);

struct Principal {
    int user_id = 0;
    std::string username;
    std::string display_name;
    Role role = Role::contributor;
    std::int64_t session_id = 0;
    std::int64_t expires_at_ms = 0;
};

// Argon2id with libsodium's interactive limits (about 64 MiB and 0.1 s per hash).
std::string hash_password(std::string_view password);
bool verify_password(std::string_view encoded_hash, std::string_view password);
// A new random token: 32 bytes as URL-safe base64 without padding (43 characters).
std::string new_token();
std::string token_hash_hex(std::string_view token);

class AuthService {
public:
    AuthService(store::AccountStore& accounts, unsigned session_hours)
        : m_accounts(accounts), m_session_hours(session_hours) {}

    struct Login {
        Principal principal;
        std::string token;
    };
    // nullopt for an unknown user, a wrong password or a disabled account (the caller cannot
    // tell which: no user enumeration).
    std::optional<Login> login(std::string_view username, std::string_view password, std::string_view user_agent);
    std::optional<Principal> authenticate(std::string_view token);
    bool logout(std::string_view token);

    // Validates and stores a user (CLI `tessera user add`). Throws std::invalid_argument with
    // a clear message on a bad name, role or password.
    store::UserRecord add_user(const std::string& username, const std::string& display_name, std::string_view role,
                               std::string_view password, bool replace);
    // Checks the password's length as add_user does (std::invalid_argument), hashes it, stores
    // it and ends the account's sessions. False when there is no such user.
    bool set_password(const std::string& username, std::string_view password, std::optional<int> actor_id);

private:
    store::AccountStore& m_accounts;
    unsigned m_session_hours;
};

}  // namespace tessera::auth
