#pragma once

// Internal to the store module: bulk writes by COPY, a row at a time as lines of COPY's text
// format built here. libpqxx's stream_to escapes every field character by character through
// intermediate strings: writing a loaded tile's issues with it cost the import's client as much
// time as COPY saved the database.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>
#include <pqxx/tablewriter>

namespace tessera::store::detail {

class CopyRows {
public:
    CopyRows(pqxx::work& tx, const std::string& table, const std::vector<std::string>& columns);
    ~CopyRows();
    CopyRows(const CopyRows&) = delete;
    CopyRows& operator=(const CopyRows&) = delete;

    CopyRows& text(std::string_view value);  // any text: escaped
    CopyRows& number(std::int64_t value);
    CopyRows& number(double value);  // shortest form that reads back the same; not finite: NULL
    CopyRows& number(float value);
    CopyRows& number(const std::optional<float>& value);  // none: NULL
    CopyRows& boolean(bool value);
    CopyRows& null();
    // A value with nothing to escape (an array of numbers), written as it is.
    CopyRows& plain(std::string_view value);
    // Bytes as hexadecimal text: what a geometry column reads as (E)WKB.
    CopyRows& hex(std::string_view bytes);
    // Ends the row and sends it.
    void end_row();
    // Ends the COPY; the rows are in the table once this returns.
    void complete();

private:
    void separate();
    template <typename Number>
    CopyRows& formatted(Number value);  // std::to_chars's shortest form

    std::unique_ptr<pqxx::tablewriter> m_writer;
    std::string m_line;
    bool m_first = true;
};

}  // namespace tessera::store::detail
