#pragma once

#include <string>
#include <vector>

#include "app/args.hpp"
#include "core/config.hpp"
#include "qc/rules.hpp"

namespace tessera::app {

// A subcommand: its arguments (after the command name), the process exit status.
using Command = int (*)(const std::vector<std::string>& args);

int cmd_serve(const std::vector<std::string>& args);
int cmd_migrate(const std::vector<std::string>& args);
int cmd_user(const std::vector<std::string>& args);
int cmd_project(const std::vector<std::string>& args);
int cmd_ingest(const std::vector<std::string>& args);
int cmd_demo(const std::vector<std::string>& args);
int cmd_qc(const std::vector<std::string>& args);
int cmd_territory(const std::vector<std::string>& args);
int cmd_zone(const std::vector<std::string>& args);
int cmd_generate(const std::vector<std::string>& args);

// --config and every configuration setting as an option.
std::vector<OptionSpec> config_options();
core::Config load_config(const Args& args);
// The quality-control rules of the configuration (the defaults when no file is given); a bad
// file stops the command with its name, line and reason.
qc::Rules load_qc_rules(const core::Config& config);

}  // namespace tessera::app
