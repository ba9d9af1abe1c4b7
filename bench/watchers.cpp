#include "watchers.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "harness.hpp"
#include "ipc/ring.hpp"
#include "must.hpp"

extern char** environ;

namespace bench {

namespace {

struct live_flags {
    std::atomic<std::uint32_t> ready{0};
    std::atomic<std::uint32_t> stop{0};
};

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) {
        out.push_back(s.data());
    }
    out.push_back(nullptr);
    return out;
}

}  // namespace

pid_t spawn_program(const std::vector<std::string>& args, const std::vector<std::string>& extra_env,
                    int stdout_fd) {
    std::vector<std::string> argv = args;
    std::vector<std::string> env = extra_env;
    for (char** e = environ; *e != nullptr; ++e) {
        env.emplace_back(*e);
    }
    auto argp = pointers(argv);
    auto envp = pointers(env);
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    if (stdout_fd >= 0) {
        ::posix_spawn_file_actions_adddup2(&actions, stdout_fd, STDOUT_FILENO);
    }
    pid_t pid = -1;
    const int failed =
        ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, argp.data(), envp.data());
    ::posix_spawn_file_actions_destroy(&actions);
    if (failed != 0) {
        throw std::runtime_error("cannot start " + argv[0]);
    }
    return pid;
}

void require_running(pid_t pid) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) != 0) {
        throw std::runtime_error("the watching program exited during the measurement");
    }
}

std::uint64_t cpu_ns(pid_t pid) {
    clockid_t clock{};
    timespec ts{};
    if (::clock_getcpuclockid(pid, &clock) != 0 || ::clock_gettime(clock, &ts) != 0) {
        throw std::runtime_error("cannot read the watching program's CPU clock");
    }
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

void stop_program(pid_t pid) {
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
}

double with_live_pairs(int pairs, bool traffic,
                       const std::function<double(const std::string& first)>& measure) {
    shared_block block(sizeof(live_flags));
    auto* flags = new (block.as<void>()) live_flags;
    const auto first = unique_channel("watched");
    return with_peer(
        [&] {
            std::vector<ipc::ring_writer> writers;
            std::vector<ipc::ring_reader> readers;
            for (int i = 0; i < pairs; ++i) {
                const auto name = i == 0 ? first : unique_channel("watched");
                writers.push_back(must(ipc::ring_writer::open(name)));
                readers.push_back(must(ipc::ring_reader::open(name)));
            }
            flags->ready.store(1);
            const std::vector<std::byte> message(256);
            while (flags->stop.load() == 0) {
                for (int i = 0; traffic && i < pairs; ++i) {
                    (void)writers[i].try_send(message);
                    if (readers[i].try_read()) {
                        readers[i].release();
                    }
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(traffic ? 1 : 10));
            }
        },
        [&] {
            while (flags->ready.load() == 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            const double result = measure(first);
            flags->stop.store(1);
            return result;
        });
}

}  // namespace bench
