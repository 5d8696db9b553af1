#include "app/args.hpp"

#include <sstream>

namespace tessera::app {

Args::Args(const std::vector<std::string>& argv, const std::vector<OptionSpec>& specs) {
    auto find = [&](const std::string& name) -> const OptionSpec* {
        for (const auto& s : specs)
            if (s.name == name) return &s;
        return nullptr;
    };
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const auto& a = argv[i];
        if (a == "--help" || a == "-h") {
            m_help = true;
            continue;
        }
        if (a.rfind("--", 0) != 0 || a == "--") {
            m_positionals.push_back(a);
            continue;
        }
        auto name = a.substr(2);
        std::optional<std::string> value;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        const auto* spec = find(name);
        if (!spec) throw UsageError("unknown option --" + name + " (see --help)");
        if (spec->takes_value && !value) {
            if (i + 1 >= argv.size()) throw UsageError("option --" + name + " needs a value");
            value = argv[++i];
        }
        if (!spec->takes_value && value) throw UsageError("option --" + name + " takes no value");
        m_values.emplace(name, value.value_or(""));
    }
}

std::optional<std::string> Args::get(const std::string& name) const {
    auto range = m_values.equal_range(name);
    if (range.first == range.second) return std::nullopt;
    return std::prev(range.second)->second;  // the last one wins
}

std::string Args::get_or(const std::string& name, const std::string& fallback) const {
    return get(name).value_or(fallback);
}

std::vector<std::string> Args::all(const std::string& name) const {
    std::vector<std::string> out;
    auto range = m_values.equal_range(name);
    for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
    return out;
}

std::string format_help(const std::string& usage, const std::string& description, const std::vector<OptionSpec>& specs) {
    std::ostringstream out;
    out << "usage: " << usage << "\n\n" << description << "\n";
    if (!specs.empty()) out << "\noptions:\n";
    for (const auto& s : specs) {
        std::string left = "  --" + s.name + (s.takes_value ? " VALUE" : "");
        if (left.size() < 30) left.resize(30, ' ');
        else left += "\n" + std::string(30, ' ');
        out << left << s.help << "\n";
    }
    out << "  --help                      this text\n";
    return out.str();
}

}  // namespace tessera::app
