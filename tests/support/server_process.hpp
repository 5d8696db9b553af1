#pragma once

// A real `tessera serve` process on loopback for end-to-end tests: started on a free port,
// killed (SIGTERM, then SIGKILL) when the object goes away.

#include <string>
#include <vector>

#include <sys/types.h>

namespace tessera::test {

class ServerProcess {
public:
    // Starts the server against `database_url` with extra `--name value` arguments; waits until
    // it listens. Throws std::runtime_error with the server's output when it does not start.
    ServerProcess(const std::string& database_url, const std::vector<std::string>& extra_args = {});
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;
    ~ServerProcess();

    unsigned short port() const { return m_port; }
    pid_t pid() const { return m_pid; }
    bool running() const;
    // The server's stderr so far (its log).
    std::string log() const;
    void kill_now();

private:
    pid_t m_pid = -1;
    unsigned short m_port = 0;
    std::string m_log_path;
};

// Runs the tessera program with arguments; returns the exit status and fills `output` with
// stdout and stderr.
int run_tessera(const std::vector<std::string>& args, std::string* output = nullptr,
                const std::string& stdin_text = {});

// A program run to the end with what it cost, for benchmarks: wall time, the peak resident
// memory and processor time of the process (wait4's rusage), and the processor time the whole
// machine spent meanwhile (/proc/stat), which counts the database server's work for it too.
// stdout and stderr are captured together.
struct Measured {
    int status = -1;  // exit status, or 128 + signal
    double seconds = 0;
    long max_rss_kb = 0;
    double cpu_seconds = 0;          // user + system time of the program and its children
    double machine_cpu_seconds = 0;  // busy time of all cores during the run (NaN when unknown)
    std::string output;
};
Measured run_measured(const std::vector<std::string>& argv);

// Starts the tessera program in the background (stdout and stderr to `output_path`); the caller
// waits for or kills it.
pid_t start_tessera(const std::vector<std::string>& args, const std::string& output_path);

}  // namespace tessera::test
