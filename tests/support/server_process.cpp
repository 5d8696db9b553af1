#include "support/server_process.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace tessera::test {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// A new path at each call, from any thread: two servers started at once must not share their
// output files (one would find the other's port, or lose its file when the other removes it).
std::string temp_path(const char* what) {
    static std::atomic<int> n{0};
    return std::string(TESSERA_BUILD_DIR) + "/test-" + what + "-" + std::to_string(::getpid()) + "-" +
           std::to_string(n++) + ".log";
}

pid_t spawn(const std::vector<std::string>& args, const std::string& out_path, const std::string& err_path,
            const std::string& in_path) {
    std::vector<char*> argv;
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        const int in = in_path.empty() ? ::open("/dev/null", O_RDONLY) : ::open(in_path.c_str(), O_RDONLY);
        const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(in, 0);
        ::dup2(out, 1);
        ::dup2(err, 2);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    return pid;
}

}  // namespace

ServerProcess::ServerProcess(const std::string& database_url, const std::vector<std::string>& extra_args) {
    const auto out_path = temp_path("server-out");
    m_log_path = temp_path("server-err");
    std::vector<std::string> args{TESSERA_BINARY, "serve", "--database-url", database_url, "--port", "0",
                                  "--listen-address", "127.0.0.1"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    m_pid = spawn(args, out_path, m_log_path, "");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        const auto out = read_file(out_path);
        const auto at = out.find("listening on 127.0.0.1:");
        if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
            m_port = static_cast<unsigned short>(std::stoi(out.substr(at + 23)));
            std::remove(out_path.c_str());
            return;
        }
        int status = 0;
        if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
            m_pid = -1;
            throw std::runtime_error("tessera serve exited at start-up: " + read_file(m_log_path));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill_now();
    throw std::runtime_error("tessera serve did not listen within 30 s: " + read_file(m_log_path));
}

ServerProcess::~ServerProcess() {
    if (m_pid > 0) {
        ::kill(m_pid, SIGTERM);
        for (int i = 0; i < 100; ++i) {
            int status = 0;
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_pid = -1;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        kill_now();
    }
    std::remove(m_log_path.c_str());
}

bool ServerProcess::running() const {
    if (m_pid <= 0) return false;
    int status = 0;
    return ::waitpid(m_pid, &status, WNOHANG) == 0;
}

std::string ServerProcess::log() const { return read_file(m_log_path); }

void ServerProcess::kill_now() {
    if (m_pid > 0) {
        ::kill(m_pid, SIGKILL);
        int status = 0;
        ::waitpid(m_pid, &status, 0);
        m_pid = -1;
    }
}

int run_tessera(const std::vector<std::string>& args, std::string* output, const std::string& stdin_text) {
    const auto out_path = temp_path("cli-out");
    std::string in_path;
    if (!stdin_text.empty()) {
        in_path = temp_path("cli-in");
        std::ofstream(in_path) << stdin_text;
    }
    std::vector<std::string> full{TESSERA_BINARY};
    full.insert(full.end(), args.begin(), args.end());
    const pid_t pid = spawn(full, out_path, out_path + ".err", in_path);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (output) *output = read_file(out_path) + read_file(out_path + ".err");
    std::remove(out_path.c_str());
    std::remove((out_path + ".err").c_str());
    if (!in_path.empty()) std::remove(in_path.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

pid_t start_tessera(const std::vector<std::string>& args, const std::string& output_path) {
    std::vector<std::string> full{TESSERA_BINARY};
    full.insert(full.end(), args.begin(), args.end());
    return spawn(full, output_path, output_path, "");
}

namespace {

// Seconds all cores have been busy since boot (user, nice, system, irq, softirq, steal: not
// idle or waiting for the disk), from the first line of /proc/stat; NaN when it cannot be read.
double machine_busy_seconds() {
    std::ifstream in("/proc/stat");
    std::string cpu;
    unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    if (!(in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) || cpu != "cpu") {
        return std::numeric_limits<double>::quiet_NaN();
    }
    return static_cast<double>(user + nice + system + irq + softirq + steal) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double seconds_of(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

}  // namespace

Measured run_measured(const std::vector<std::string>& argv) {
    const auto out_path = temp_path("measured-out");
    const double busy0 = machine_busy_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = spawn(argv, out_path, out_path + ".err", "");
    int status = 0;
    struct rusage usage {};
    ::wait4(pid, &status, 0, &usage);
    Measured m;
    m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    m.machine_cpu_seconds = machine_busy_seconds() - busy0;
    m.max_rss_kb = usage.ru_maxrss;
    m.cpu_seconds = seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime);
    m.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    m.output = read_file(out_path) + read_file(out_path + ".err");
    std::remove(out_path.c_str());
    std::remove((out_path + ".err").c_str());
    return m;
}

}  // namespace tessera::test
