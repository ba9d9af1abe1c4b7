// Latency under load: a writer sends 64-byte messages at a fixed rate (1 k, 10 k, 100 k msgs/s)
// and the reader, waiting with each strategy, records every message's one-way latency and its
// own CPU use. One table to choose a wait strategy from: what each costs in CPU at a given rate,
// and what it gives in p50, p99, p99.9 and max.

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <vector>

#include "cases.hpp"
#include "ipc/detail/atomic.hpp"
#include "ipc/ring.hpp"
#include "must.hpp"

namespace bench {

namespace {

constexpr std::size_t message_size = 64;
// Below this much time to the next send the writer spins instead of sleeping: a sleep overshoots
// by tens of microseconds here.
constexpr std::uint64_t spin_below_ns = 100'000;
constexpr std::size_t max_samples = 100'000;
constexpr std::uint64_t reader_deadline_ns = 10'000'000'000;

struct load_figures {
    double p50_ns, p99_ns, p999_ns, max_ns, reader_cpu_percent;
};

struct shared_figures {
    std::uint64_t count;
    std::uint64_t latencies[max_samples];
    std::uint64_t cpu_ns;
    std::uint64_t wall_ns;
};

std::uint64_t cpu_time_ns() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    const auto ns = [](const timeval& t) {
        return static_cast<std::uint64_t>(t.tv_sec) * 1'000'000'000u +
               static_cast<std::uint64_t>(t.tv_usec) * 1000u;
    };
    return ns(u.ru_utime) + ns(u.ru_stime);
}

void wait_until(std::uint64_t when) {
    for (std::uint64_t now = now_ns(); now < when; now = now_ns()) {
        if (when - now > spin_below_ns) {
            const std::uint64_t until = when - spin_below_ns / 2;
            const timespec ts{static_cast<time_t>(until / 1'000'000'000u),
                              static_cast<long>(until % 1'000'000'000u)};
            ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
        }
    }
}

double percentile(const std::vector<std::uint64_t>& sorted, double p) {
    if (sorted.empty()) {
        return 0;
    }
    const auto rank = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
    return static_cast<double>(sorted[std::min(rank, sorted.size() - 1)]);
}

load_figures run_load(ipc::wait_strategy wait, std::uint64_t rate) {
    const std::uint64_t count =
        std::min<std::uint64_t>(max_samples, std::max<std::uint64_t>(rate / 2, 1000));
    const std::uint64_t period_ns = 1'000'000'000u / rate;
    ipc::ring_options o;
    o.max_message = message_size;
    o.wait = wait;
    const auto name = unique_channel("load");
    shared_block block(sizeof(shared_figures));
    auto* out = new (block.as<void>()) shared_figures{};
    auto writer = must(ipc::ring_writer::open(name, o));
    with_peer(
        [&] {
            auto reader = must(ipc::ring_reader::open(name, o));
            const std::uint64_t cpu0 = cpu_time_ns();
            const std::uint64_t wall0 = now_ns();
            for (std::uint64_t i = 0; i < count; ++i) {
                auto m = must(reader.read());
                out->latencies[i] = m.sent.age_ns();
                reader.release();
            }
            out->cpu_ns = cpu_time_ns() - cpu0;
            out->wall_ns = now_ns() - wall0;
            out->count = count;
        },
        [&] {
            // The schedule starts once the reader is attached, so no message waits for it.
            const std::uint64_t give_up = now_ns() + reader_deadline_ns;
            while (!writer.reader_alive()) {
                if (now_ns() > give_up) {
                    throw std::runtime_error("the load reader never attached");
                }
                ipc::detail::cpu_relax();
            }
            const std::byte msg[message_size] = {};
            const std::uint64_t start = now_ns();
            for (std::uint64_t i = 0; i < count; ++i) {
                wait_until(start + i * period_ns);
                check(writer.send(msg));
            }
            return 0.0;
        });
    std::vector<std::uint64_t> sorted(out->latencies, out->latencies + out->count);
    std::sort(sorted.begin(), sorted.end());
    return {percentile(sorted, 0.50), percentile(sorted, 0.99), percentile(sorted, 0.999),
            sorted.empty() ? 0.0 : static_cast<double>(sorted.back()),
            out->wall_ns == 0
                ? 0.0
                : 100.0 * static_cast<double>(out->cpu_ns) / static_cast<double>(out->wall_ns)};
}

// One experiment per (strategy, rate) and round, whichever of its figures is asked first.
const load_figures& figures(ipc::wait_strategy wait, std::uint64_t rate) {
    struct cached {
        int round = -1;
        load_figures f{};
    };
    static std::map<std::pair<int, std::uint64_t>, cached> cache;
    auto& c = cache[{static_cast<int>(wait), rate}];
    if (c.round != current_settings().round) {
        c.f = run_load(wait, rate);
        c.round = current_settings().round;
    }
    return c.f;
}

}  // namespace

void add_load_cases(std::vector<bench_case>& cases) {
    const std::pair<ipc::wait_strategy, const char*> strategies[] = {
        {ipc::wait_strategy::busy_spin, "spin"},
        {ipc::wait_strategy::adaptive, "adaptive"},
        {ipc::wait_strategy::blocking, "blocking"}};
    for (const auto& [wait, label] : strategies) {
        for (const std::uint64_t rate : {1'000u, 10'000u, 100'000u}) {
            const std::string stem =
                std::string("load_") + label + "_" + std::to_string(rate / 1000) + "k_per_s_";
            const auto w = wait;
            cases.push_back(
                measured(stem + "p50", "ns", "", [w, rate] { return figures(w, rate).p50_ns; }));
            cases.push_back(measured(stem + "p99", "ns", stem + "p50",
                                     [w, rate] { return figures(w, rate).p99_ns; }));
            cases.push_back(measured(stem + "p99.9", "ns", stem + "p50",
                                     [w, rate] { return figures(w, rate).p999_ns; }));
            cases.push_back(measured(stem + "max", "ns", stem + "p50",
                                     [w, rate] { return figures(w, rate).max_ns; }));
            cases.push_back(measured(stem + "reader_cpu", "%", "",
                                     [w, rate] { return figures(w, rate).reader_cpu_percent; }));
        }
    }
}

}  // namespace bench
