#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "core/config.hpp"

using namespace tessera::core;

TEST(ConfigUnit, FileThenEnvironmentThenExplicitSettings) {
    const std::string path = testing::TempDir() + "tessera_config_test.conf";
    std::ofstream(path) << "# a comment\nport = 9000\nlimits.max_frame_bytes = 2048  # inline\nallowed_origins = http://a, http://b\n";
    Config c;
    load_file(c, path);
    EXPECT_EQ(c.port, 9000);
    EXPECT_EQ(c.limits.max_frame_bytes, 2048u);
    ASSERT_EQ(c.allowed_origins.size(), 2u);
    EXPECT_EQ(c.allowed_origins[1], "http://b");
    std::string var = "TESSERA_PORT=9100";
    std::string other = "HOME=/root";
    char* env[] = {var.data(), other.data(), nullptr};
    load_environment(c, env);
    EXPECT_EQ(c.port, 9100);
    set_option(c, "port", "9200", "--port");
    EXPECT_EQ(c.port, 9200);
    std::remove(path.c_str());
}

TEST(ConfigUnit, BadSettingsNameTheirPlace) {
    const std::string path = testing::TempDir() + "tessera_config_bad.conf";
    std::ofstream(path) << "port = 80\n\nno_such_thing = 1\n";
    Config c;
    try {
        load_file(c, path);
        FAIL() << "an unknown setting must be refused";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find(":3: unknown setting 'no_such_thing'"), std::string::npos) << e.what();
    }
    EXPECT_THROW(set_option(c, "port", "70000", "x"), ConfigError);
    EXPECT_THROW(set_option(c, "port", "-1", "x"), ConfigError);
    EXPECT_THROW(set_option(c, "limits.max_frame_bytes", "0", "x"), ConfigError);
    EXPECT_THROW(set_option(c, "secure_cookies", "maybe", "x"), ConfigError);
    std::ofstream(path) << "port 80\n";
    EXPECT_THROW(load_file(c, path), ConfigError);
    EXPECT_THROW(load_file(c, path + ".missing"), ConfigError);
    std::remove(path.c_str());
}
