#pragma once

// The correspondence from a model's classes (integers) to OCS GE codes (CS, US). A file gives
// it as CSV lines `class,code_cs,code_us[,label]` (a header line and `#` comments allowed);
// without one, the default for the 19 FLAIR-1 classes applies. That default is Tessera's own
// semantic reading of the FLAIR labels, not an official table: adjust it to the model at hand
// (server/data/ingest/flair-classes.csv is the same table as a file to start from).

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "core/nomenclature.hpp"

namespace tessera::ingest {

struct ClassCodes {
    std::string code_cs, code_us, label;
};

class ClassMapping {
public:
    // The FLAIR-1 default.
    static ClassMapping flair();
    // Reads a mapping file; every code must be a leaf of the nomenclature. Throws
    // std::runtime_error naming the file, the line and what is wrong.
    static ClassMapping load(const std::filesystem::path& file, const core::Nomenclature& nomenclature);

    const ClassCodes* find(std::int64_t model_class) const;
    const std::map<std::int64_t, ClassCodes>& entries() const { return m_entries; }
    const std::string& origin() const { return m_origin; }  // "FLAIR-1 default" or the file
    std::string to_csv() const;

private:
    std::map<std::int64_t, ClassCodes> m_entries;
    std::string m_origin;
};

}  // namespace tessera::ingest
