#include "core/hex.hpp"

namespace tessera::core {

void append_hex(std::string& out, std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    const auto at = out.size();
    out.resize(at + 2 * bytes.size());
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        out[at + 2 * i] = digits[c >> 4];
        out[at + 2 * i + 1] = digits[c & 15];
    }
}

std::string hex(std::string_view bytes) {
    std::string out;
    append_hex(out, bytes);
    return out;
}

}  // namespace tessera::core
