#include "store/detail_copy.hpp"

#include <charconv>
#include <cmath>

#include "core/hex.hpp"

namespace tessera::store::detail {

// libpqxx 6.4 writes lines of COPY text only through tablewriter: stream_to keeps its own line
// writer private. Its constructors are marked deprecated in favour of stream_to.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
CopyRows::CopyRows(pqxx::work& tx, const std::string& table, const std::vector<std::string>& columns)
    : m_writer(std::make_unique<pqxx::tablewriter>(tx, table, columns.begin(), columns.end())) {}
#pragma GCC diagnostic pop

CopyRows::~CopyRows() = default;

void CopyRows::separate() {
    if (!m_first) m_line += '\t';
    m_first = false;
}

CopyRows& CopyRows::text(std::string_view value) {
    separate();
    // Runs without a character COPY treats specially go in whole.
    std::size_t from = 0;
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        const char* escaped = c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : nullptr;
        if (!escaped) continue;
        m_line.append(value.substr(from, i - from));
        m_line += escaped;
        from = i + 1;
    }
    m_line.append(value.substr(from));
    return *this;
}

template <typename Number>
CopyRows& CopyRows::formatted(Number value) {
    separate();
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, value);
    m_line.append(buf, r.ptr);
    return *this;
}

CopyRows& CopyRows::number(std::int64_t value) { return formatted(value); }

CopyRows& CopyRows::number(double value) { return std::isfinite(value) ? formatted(value) : null(); }

CopyRows& CopyRows::number(float value) { return std::isfinite(value) ? formatted(value) : null(); }

CopyRows& CopyRows::number(const std::optional<float>& value) { return value ? number(*value) : null(); }

CopyRows& CopyRows::boolean(bool value) { return plain(value ? "t" : "f"); }

CopyRows& CopyRows::null() { return plain("\\N"); }

CopyRows& CopyRows::plain(std::string_view value) {
    separate();
    m_line.append(value);
    return *this;
}

CopyRows& CopyRows::hex(std::string_view bytes) {
    separate();
    core::append_hex(m_line, bytes);
    return *this;
}

void CopyRows::end_row() {
    m_writer->write_raw_line(m_line);
    m_line.clear();
    m_first = true;
}

void CopyRows::complete() { m_writer->complete(); }

}  // namespace tessera::store::detail
