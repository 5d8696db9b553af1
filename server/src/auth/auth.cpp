#include "auth/auth.hpp"

#include <cctype>
#include <stdexcept>

#include <sodium.h>

namespace tessera::auth {
namespace {

void ensure_sodium() {
    static const bool ready = sodium_init() >= 0;
    if (!ready) throw std::runtime_error("libsodium could not be initialised");
}

// A fixed hash to verify against when the user does not exist, so that the answer takes the
// same time whether or not the name is known.
const std::string& decoy_hash() {
    static const std::string hash = hash_password("not a password of anyone");
    return hash;
}

}  // namespace

std::optional<Role> parse_role(std::string_view text) {
    if (text == "contributor") return Role::contributor;
    if (text == "controller") return Role::controller;
    if (text == "lead") return Role::lead;
    if (text == "admin") return Role::admin;
    return std::nullopt;
}

std::string_view role_name(Role role) {
    switch (role) {
    case Role::contributor: return "contributor";
    case Role::controller: return "controller";
    case Role::lead: return "lead";
    case Role::admin: return "admin";
    }
    return "contributor";
}

std::string hash_password(std::string_view password) {
    ensure_sodium();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        throw std::runtime_error("password hashing ran out of memory");
    }
    return out;
}

bool verify_password(std::string_view encoded_hash, std::string_view password) {
    ensure_sodium();
    const std::string hash(encoded_hash);
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string new_token() {
    ensure_sodium();
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    char out[sodium_base64_ENCODED_LEN(sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(out, sizeof out, bytes, sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

std::string token_hash_hex(std::string_view token) {
    ensure_sodium();
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(token.data()), token.size());
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

std::optional<AuthService::Login> AuthService::login(std::string_view username, std::string_view password,
                                                      std::string_view user_agent) {
    if (username.size() > 64 || password.size() > 1024) return std::nullopt;
    auto user = m_accounts.find_user(std::string(username));
    if (!user) {
        verify_password(decoy_hash(), password);
        return std::nullopt;
    }
    if (!verify_password(user->password_hash, password) || user->disabled) return std::nullopt;
    Login result;
    result.token = new_token();
    auto session = m_accounts.create_session(user->id, token_hash_hex(result.token), m_session_hours,
                                             std::string(user_agent));
    result.principal = Principal{user->id, user->username, user->display_name,
                                 parse_role(user->role).value_or(Role::contributor), session.id,
                                 session.expires_at_ms};
    return result;
}

std::optional<Principal> AuthService::authenticate(std::string_view token) {
    // Our tokens are 43 URL-safe characters; anything else cannot be one.
    if (token.size() != 43) return std::nullopt;
    for (char c : token)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return std::nullopt;
    auto s = m_accounts.find_session(token_hash_hex(token));
    if (!s) return std::nullopt;
    return Principal{s->user.id, s->user.username, s->user.display_name,
                     parse_role(s->user.role).value_or(Role::contributor), s->id, s->expires_at_ms};
}

bool AuthService::logout(std::string_view token) {
    if (token.empty() || token.size() > 100) return false;
    return m_accounts.revoke_session(token_hash_hex(token));
}

namespace {

void check_password(std::string_view password) {
    if (password.size() < 8) throw std::invalid_argument("password must have at least 8 characters");
    if (password.size() > 1024) throw std::invalid_argument("password must have at most 1024 characters");
}

}  // namespace

bool AuthService::set_password(const std::string& username, std::string_view password, std::optional<int> actor_id) {
    check_password(password);
    return m_accounts.set_password(username, hash_password(password), actor_id);
}

store::UserRecord AuthService::add_user(const std::string& username, const std::string& display_name,
                                        std::string_view role, std::string_view password, bool replace) {
    if (username.size() < 2 || username.size() > 63) {
        throw std::invalid_argument("username must have 2 to 63 characters");
    }
    for (char c : username) {
        if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
              c == '.' || c == '_' || c == '-')) {
            throw std::invalid_argument("username '" + username +
                                        "': use lower-case letters, digits, '.', '_' and '-' only");
        }
    }
    if (!parse_role(role)) {
        throw std::invalid_argument("unknown role '" + std::string(role) +
                                    "': expected contributor, controller, lead or admin");
    }
    check_password(password);
    return m_accounts.add_user(username, display_name.empty() ? username : display_name, std::string(role),
                               hash_password(password), replace);
}

}  // namespace tessera::auth
