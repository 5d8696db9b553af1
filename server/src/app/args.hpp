#pragma once

// A small command-line parser: "--name value", "--name=value", "--flag" and positionals,
// checked against the options a subcommand declares.

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tessera::app {

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct OptionSpec {
    std::string name;  // without "--"
    bool takes_value;
    std::string help;
};

class Args {
public:
    // Throws UsageError for an unknown option or a missing value.
    Args(const std::vector<std::string>& argv, const std::vector<OptionSpec>& specs);

    bool has(const std::string& name) const { return m_values.contains(name); }
    std::optional<std::string> get(const std::string& name) const;
    std::string get_or(const std::string& name, const std::string& fallback) const;
    // Every value given for an option that may repeat.
    std::vector<std::string> all(const std::string& name) const;
    const std::vector<std::string>& positionals() const { return m_positionals; }
    bool help() const { return m_help; }

private:
    std::multimap<std::string, std::string> m_values;
    std::vector<std::string> m_positionals;
    bool m_help = false;
};

std::string format_help(const std::string& usage, const std::string& description, const std::vector<OptionSpec>& specs);

}  // namespace tessera::app
