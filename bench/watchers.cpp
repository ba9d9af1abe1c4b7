#include "watchers.hpp"

#include <signal.h>
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

}  // namespace

ipc::child spawn_program(const std::vector<std::string>& args,
                         const std::vector<std::string>& extra_env, int stdout_fd) {
    ipc::spawn_options options;
    options.environment = extra_env;
    for (char** e = environ; *e != nullptr; ++e) {
        options.environment.emplace_back(*e);
    }
    if (stdout_fd >= 0) {
        options.fds.push_back({stdout_fd, STDOUT_FILENO});
    }
    auto started = ipc::child::spawn(args[0], args, options);
    if (!started) {
        throw std::runtime_error("cannot start " + args[0] + ": " +
                                 started.error_value().message());
    }
    return std::move(*started);
}

void require_running(ipc::child& program) {
    if (program.wait(std::chrono::nanoseconds(0))) {
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

void stop_program(ipc::child& program) {
    (void)program.kill(SIGTERM);
    (void)program.wait();
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
            // The peer stops however the measurement ends: left running, it would skew every
            // case after this one.
            struct stop_peer {
                live_flags* flags;
                ~stop_peer() { flags->stop.store(1); }
            } stopping{flags};
            return measure(first);
        });
}

}  // namespace bench
