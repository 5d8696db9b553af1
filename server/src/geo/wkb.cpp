#include "geo/wkb.hpp"

#include <bit>
#include <cmath>
#include <cstring>

namespace tessera::geo {
namespace {

class Reader {
public:
    explicit Reader(std::string_view data) : m_data(data) {}
    bool u8(std::uint8_t& out) {
        if (m_pos + 1 > m_data.size()) return false;
        out = static_cast<std::uint8_t>(m_data[m_pos++]);
        return true;
    }
    bool u32(std::uint32_t& out, bool little) {
        if (m_pos + 4 > m_data.size()) return false;
        std::memcpy(&out, m_data.data() + m_pos, 4);
        m_pos += 4;
        if (little != (std::endian::native == std::endian::little)) out = __builtin_bswap32(out);
        return true;
    }
    bool f64(double& out, bool little) {
        if (m_pos + 8 > m_data.size()) return false;
        std::uint64_t bits;
        std::memcpy(&bits, m_data.data() + m_pos, 8);
        m_pos += 8;
        if (little != (std::endian::native == std::endian::little)) bits = __builtin_bswap64(bits);
        std::memcpy(&out, &bits, 8);
        return true;
    }
    std::size_t remaining() const { return m_data.size() - m_pos; }

private:
    std::string_view m_data;
    std::size_t m_pos = 0;
};

void put_u32(std::string& out, std::uint32_t v) {
    char b[4];
    std::memcpy(b, &v, 4);  // little endian host assumed by the static_assert below
    out.append(b, 4);
}

void put_f64(std::string& out, double v) {
    char b[8];
    std::memcpy(b, &v, 8);
    out.append(b, 8);
}

static_assert(std::endian::native == std::endian::little, "WKB writing assumes a little-endian host");

// One geometry header: byte order, then the type with EWKB flags (SRID skipped). The type is
// returned without flags; nullptr on success, else the reason.
const char* read_header(Reader& r, bool& little, std::uint32_t& type) {
    std::uint8_t order = 0;
    if (!r.u8(order) || order > 1) return "not WKB: bad byte-order mark";
    little = order == 1;
    if (!r.u32(type, little)) return "WKB truncated in the type";
    const bool has_srid = (type & 0x20000000u) != 0;
    if (type & 0xC0000000u) return "WKB with Z or M is not a 2D polygon";
    type &= 0x0FFFFFFFu;
    if (has_srid) {
        std::uint32_t srid;
        if (!r.u32(srid, little)) return "WKB truncated in the SRID";
    }
    return nullptr;
}

// The rings of a Polygon whose header has been read; `moved` is set when a coordinate was not
// already on the centimetre grid.
const char* read_polygon_body(Reader& r, bool little, RingsCm& rings, bool& moved) {
    std::uint32_t nrings = 0;
    if (!r.u32(nrings, little)) return "WKB truncated in the ring count";
    if (nrings > r.remaining() / 4) return "WKB ring count larger than the data";
    rings.assign(nrings, {});
    for (auto& ring : rings) {
        std::uint32_t npoints = 0;
        if (!r.u32(npoints, little)) return "WKB truncated in a point count";
        if (npoints > r.remaining() / 16) return "WKB point count larger than the data";
        ring.resize(npoints);
        for (auto& p : ring) {
            double x, y;
            if (!r.f64(x, little) || !r.f64(y, little)) return "WKB truncated in a coordinate";
            if (!std::isfinite(x) || !std::isfinite(y) || std::fabs(x) > 1e12 || std::fabs(y) > 1e12)
                return "WKB coordinate is not a finite number in range";
            p.x = std::llround(x * 100.0);
            p.y = std::llround(y * 100.0);
            if (std::fabs(x * 100.0 - static_cast<double>(p.x)) > 1e-6 ||
                std::fabs(y * 100.0 - static_cast<double>(p.y)) > 1e-6)
                moved = true;
        }
    }
    return nullptr;
}

}  // namespace

std::optional<RingsCm> polygon_from_wkb(std::string_view wkb, std::string* error) {
    auto fail = [&](const char* why) -> std::optional<RingsCm> {
        if (error) *error = why;
        return std::nullopt;
    };
    Reader r(wkb);
    std::uint8_t order = 0;
    if (!r.u8(order) || order > 1) return fail("not WKB: bad byte-order mark");
    const bool little = order == 1;
    std::uint32_t type = 0;
    if (!r.u32(type, little)) return fail("WKB truncated in the type");
    const bool has_srid = (type & 0x20000000u) != 0;
    if (type & 0xC0000000u) return fail("WKB with Z or M is not a 2D polygon");
    type &= 0x0FFFFFFFu;
    if (type != 3) return fail("WKB geometry is not a Polygon");
    if (has_srid) {
        std::uint32_t srid;
        if (!r.u32(srid, little)) return fail("WKB truncated in the SRID");
    }
    std::uint32_t nrings = 0;
    if (!r.u32(nrings, little)) return fail("WKB truncated in the ring count");
    if (nrings > r.remaining() / 4) return fail("WKB ring count larger than the data");
    RingsCm rings(nrings);
    for (auto& ring : rings) {
        std::uint32_t npoints = 0;
        if (!r.u32(npoints, little)) return fail("WKB truncated in a point count");
        if (npoints > r.remaining() / 16) return fail("WKB point count larger than the data");
        ring.resize(npoints);
        for (auto& p : ring) {
            double x, y;
            if (!r.f64(x, little) || !r.f64(y, little)) return fail("WKB truncated in a coordinate");
            if (!std::isfinite(x) || !std::isfinite(y) || std::fabs(x) > 1e12 || std::fabs(y) > 1e12)
                return fail("WKB coordinate is not a finite number in range");
            p.x = std::llround(x * 100.0);
            p.y = std::llround(y * 100.0);
        }
    }
    return rings;
}

std::optional<std::vector<RingsCm>> polygons_from_wkb(std::string_view wkb, std::string* error, bool* rounded) {
    auto fail = [&](const char* why) -> std::optional<std::vector<RingsCm>> {
        if (error) *error = why;
        return std::nullopt;
    };
    Reader r(wkb);
    bool little = true;
    std::uint32_t type = 0;
    if (const char* why = read_header(r, little, type)) return fail(why);
    bool moved = false;
    if (rounded) *rounded = false;
    std::vector<RingsCm> parts;
    if (type == 3) {
        parts.emplace_back();
        if (const char* why = read_polygon_body(r, little, parts.back(), moved)) return fail(why);
        if (rounded) *rounded = moved;
        return parts;
    }
    if (type != 6) return fail("WKB geometry is neither a Polygon nor a MultiPolygon");
    std::uint32_t n = 0;
    if (!r.u32(n, little)) return fail("WKB truncated in the polygon count");
    if (n > r.remaining() / 9) return fail("WKB polygon count larger than the data");
    parts.resize(n);
    for (auto& part : parts) {
        bool part_little = true;
        std::uint32_t part_type = 0;
        if (const char* why = read_header(r, part_little, part_type)) return fail(why);
        if (part_type != 3) return fail("WKB MultiPolygon member is not a Polygon");
        if (const char* why = read_polygon_body(r, part_little, part, moved)) return fail(why);
    }
    if (rounded) *rounded = moved;
    return parts;
}

std::string polygon_to_wkb(const RingsCm& rings, int srid) {
    std::string out;
    out += '\x01';
    put_u32(out, srid > 0 ? (3u | 0x20000000u) : 3u);
    if (srid > 0) put_u32(out, static_cast<std::uint32_t>(srid));
    put_u32(out, static_cast<std::uint32_t>(rings.size()));
    for (const auto& ring : rings) {
        put_u32(out, static_cast<std::uint32_t>(ring.size()));
        for (const auto& p : ring) {
            put_f64(out, static_cast<double>(p.x) / 100.0);
            put_f64(out, static_cast<double>(p.y) / 100.0);
        }
    }
    return out;
}

}  // namespace tessera::geo
