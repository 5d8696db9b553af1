#include "ingest/class_mapping.hpp"

#include <charconv>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace tessera::ingest {
namespace {

std::string trim(std::string s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> out;
    std::size_t from = 0;
    while (true) {
        const auto comma = line.find(',', from);
        out.push_back(trim(line.substr(from, comma == std::string::npos ? std::string::npos : comma - from)));
        if (comma == std::string::npos) return out;
        from = comma + 1;
    }
}

}  // namespace

ClassMapping ClassMapping::flair() {
    // FLAIR-1 values (IGNF/FLAIR-1, configs/flair-1-config.yaml). Usage cannot be read off
    // land cover: US is set only where the class implies it, otherwise US6.6 (unknown).
    ClassMapping m;
    m.m_origin = "FLAIR-1 default";
    m.m_entries = {
        {1, {"CS1.1.1.1", "US6.6", "building"}},
        {2, {"CS1.1.2.1", "US6.6", "pervious surface"}},
        {3, {"CS1.1.1.2", "US6.6", "impervious surface"}},
        {4, {"CS1.2.1", "US6.6", "bare soil"}},
        {5, {"CS1.2.2", "US6.3", "water"}},
        {6, {"CS2.1.1.2", "US1.2", "coniferous"}},
        {7, {"CS2.1.1.1", "US1.2", "deciduous"}},
        {8, {"CS2.1.2", "US6.6", "brushwood"}},
        {9, {"CS2.1.3", "US1.1", "vineyard"}},
        {10, {"CS2.2.1", "US6.6", "herbaceous vegetation"}},
        {11, {"CS2.2.1", "US1.1", "agricultural land"}},
        {12, {"CS2.2.1", "US1.1", "plowed land"}},
        {13, {"CS1.1.1.2", "US235", "swimming pool"}},
        {14, {"CS1.2.3", "US6.3", "snow"}},
        {15, {"CS2.2.1", "US1.2", "clear cut"}},
        {16, {"CS2.1.1.3", "US1.2", "mixed"}},
        {17, {"CS2.1.3", "US6.6", "ligneous"}},
        {18, {"CS1.1.1.1", "US1.1", "greenhouse"}},
        {19, {"CS1.2.1", "US6.6", "other"}},
    };
    return m;
}

ClassMapping ClassMapping::load(const std::filesystem::path& file, const core::Nomenclature& nomenclature) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error(file.string() + ": cannot read the class mapping");
    ClassMapping m;
    m.m_origin = file.string();
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        const auto here = file.string() + ", line " + std::to_string(number) + ": ";
        line = trim(line.substr(0, line.find('#')));
        if (line.empty()) continue;
        const auto fields = split(line);
        if (fields.size() < 3 || fields.size() > 4)
            throw std::runtime_error(here + "expected class,code_cs,code_us[,label], got " +
                                     std::to_string(fields.size()) + " fields");
        std::int64_t cls = 0;
        const auto& t = fields[0];
        const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), cls);
        if (ec != std::errc() || end != t.data() + t.size()) {
            if (m.m_entries.empty() && t == "class") continue;  // the header
            throw std::runtime_error(here + "'" + t + "' is not a whole number (the model class)");
        }
        if (!nomenclature.is_leaf_cs(fields[1]))
            throw std::runtime_error(here + "'" + fields[1] + "' is not a leaf land-cover code (CS1.1.1.1 ... CS2.2.2)");
        if (!nomenclature.is_leaf_us(fields[2]))
            throw std::runtime_error(here + "'" + fields[2] + "' is not a leaf land-use code (US1.1 ... US6.6)");
        if (!m.m_entries.emplace(cls, ClassCodes{fields[1], fields[2], fields.size() > 3 ? fields[3] : ""}).second)
            throw std::runtime_error(here + "class " + t + " is mapped twice");
    }
    if (m.m_entries.empty()) throw std::runtime_error(file.string() + ": the class mapping maps no class");
    return m;
}

const ClassCodes* ClassMapping::find(std::int64_t model_class) const {
    auto it = m_entries.find(model_class);
    return it == m_entries.end() ? nullptr : &it->second;
}

std::string ClassMapping::to_csv() const {
    std::string out = "class,code_cs,code_us,label\n";
    for (const auto& [cls, codes] : m_entries)
        out += std::to_string(cls) + "," + codes.code_cs + "," + codes.code_us + "," + codes.label + "\n";
    return out;
}

}  // namespace tessera::ingest
