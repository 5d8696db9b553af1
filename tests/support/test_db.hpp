#pragma once

// A throwaway database on the test cluster: created empty (with a unique name, so test
// processes can run in parallel), dropped when the object goes away. The cluster is the
// private one deploy/tessera starts; its admin connection string is TESSERA_TEST_DATABASE_URL.

#include <string>

namespace tessera::test {

class TestDatabase {
public:
    // Creates the database; with `migrated`, applies the migrations too.
    explicit TestDatabase(bool migrated = true);
    TestDatabase(const TestDatabase&) = delete;
    TestDatabase& operator=(const TestDatabase&) = delete;
    ~TestDatabase();

    const std::string& url() const { return m_url; }
    const std::string& name() const { return m_name; }

private:
    std::string m_admin_url;
    std::string m_name;
    std::string m_url;
};

// The admin URL, or a test failure explaining how to get one.
std::string admin_url();
// `url` with its dbname replaced.
std::string with_dbname(const std::string& url, const std::string& dbname);

}  // namespace tessera::test
