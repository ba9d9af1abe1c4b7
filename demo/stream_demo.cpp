#include "stream_demo.hpp"

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <vector>

#include "child_control.hpp"
#include "ipc/clock.hpp"
#include "ipc/stream.hpp"
#include "pacer.hpp"

namespace demo {

namespace {

using namespace std::chrono_literals;

// A message: its writer, its number, then a pattern from both, so the reader checks each byte.
void fill(std::vector<std::byte>& m, std::uint32_t writer, std::uint64_t seq) {
    for (std::size_t k = 12; k < m.size(); ++k) {
        m[k] = static_cast<std::byte>((seq * 131 + writer * 17 + k) & 0xff);
    }
    std::memcpy(m.data(), &writer, 4);
    std::memcpy(m.data() + 4, &seq, 8);
}

// What the reader checks: per writer, numbers that only go up, and every byte.
struct checker {
    std::vector<std::uint64_t> next;  // per writer: the least number still to come
    std::uint64_t received = 0;
    std::uint64_t bad = 0;

    ipc::result<void> operator()(std::span<const std::byte> m, const ipc::stream_peer&) {
        std::uint32_t writer = 0;
        std::uint64_t seq = 0;
        if (m.size() >= 12) {
            std::memcpy(&writer, m.data(), 4);
            std::memcpy(&seq, m.data() + 4, 8);
        }
        bool ok = m.size() >= 12 && writer < next.size() && seq >= next[writer];
        for (std::size_t k = 12; ok && k < m.size(); ++k) {
            ok = m[k] == static_cast<std::byte>((seq * 131 + writer * 17 + k) & 0xff);
        }
        ++received;
        if (!ok) {
            ++bad;
            return ipc::error{ipc::errc::corrupt, "a message is damaged or out of order"};
        }
        next[writer] = seq + 1;
        return {};
    }
};

std::uint64_t deadline_of(double seconds) {
    return seconds > 0 ? ipc::monotonic_ns() + static_cast<std::uint64_t>(seconds * 1e9) : 0;
}

}  // namespace

std::string stream_demo_path(const std::string& name) {
    return fmt::format("/tmp/libipc-demo-{}/{}.sock", ::geteuid(), name);
}

int run_stream_reader(const traffic_options& o, const stream_demo_options& s,
                      const char* self_exe) {
    stop_on_signals();
    const std::string path = s.path.empty() ? stream_demo_path(o.name) : s.path;
    ipc::stream_reader_options ro;
    ro.name = o.name;
    auto reader = ipc::stream_reader::listen(path, ro);
    if (!reader) {
        fmt::print(stderr, "ipc-demo: cannot listen: {}\n", reader.error_value().message());
        return 1;
    }
    fmt::print("ipc-demo: stream '{}' reader pid {} on {}, {} writers, {} B\n", o.name, ::getpid(),
               reader->path(), s.writers, o.size);
    std::fflush(stdout);
    std::vector<ipc::supervised_child> writers;
    for (unsigned i = 0; i < s.writers; ++i) {
        auto c = spawn_self(
            self_exe, {"stream-writer", "--name", o.name, "--size", std::to_string(o.size),
                       "--rate", std::to_string(o.rate), "--duration", std::to_string(o.duration),
                       "--path", reader->path(), "--writer", std::to_string(i)});
        if (c) {
            writers.emplace_back(std::move(*c), 5s);
        }
    }
    checker check{std::vector<std::uint64_t>(s.writers), 0, 0};
    const ipc::stream_handler handler = std::ref(check);
    const auto restart_every = static_cast<std::uint64_t>(s.restart_reader_every * 1e9);
    std::uint64_t next_restart = restart_every > 0 ? ipc::monotonic_ns() + restart_every : 0;
    unsigned restarts = 0;
    const auto writers_done = [&] {
        return std::all_of(writers.begin(), writers.end(),
                           [](ipc::supervised_child& c) { return c.wait(0ns).has_value(); });
    };
    while (!stop_requested() && !writers_done()) {
        if (auto n = reader->poll(100ms, handler); !n) {
            fmt::print(stderr, "ipc-demo: the reader stopped: {}\n", n.error_value().message());
            break;
        }
        if (next_restart != 0 && ipc::monotonic_ns() >= next_restart) {
            reader->stop(handler);  // the writers reconnect to the next one
            auto again = ipc::stream_reader::listen(path, ro);
            if (!again) {
                fmt::print(stderr, "ipc-demo: cannot listen again: {}\n",
                           again.error_value().message());
                return 1;
            }
            *reader = std::move(*again);
            ++restarts;
            next_restart = ipc::monotonic_ns() + restart_every;
        }
    }
    reader->stop(handler);
    bool all_ok = check.bad == 0 && writers.size() == s.writers;
    for (auto& c : writers) {
        (void)c.kill(SIGTERM);  // a writer then stops and reports what became of its messages
        auto status = c.wait(10s);
        all_ok = status && status->exited && status->code == 0 && all_ok;
    }
    fmt::print(
        "ipc-demo: {} messages received, {} damaged or out of order, {} reader restarts: {}\n",
        check.received, check.bad, restarts,
        all_ok ? "every message accounted for" : "a writer or a message failed");
    return all_ok ? 0 : 1;
}

int run_stream_writer(const traffic_options& o, const std::string& path, unsigned writer) {
    stop_on_signals();   // SIGTERM: the reader is done
    ignore_interrupt();  // Ctrl-C is for the reader, which then stops the writers
    const pid_t reader = ::getppid();
    ipc::stream_writer_options wo;
    wo.name = o.name;
    wo.max_message = std::max<std::uint32_t>(o.size, 12);
    wo.backoff_initial = 100ms;  // a demo's restarts are watched by a person: not seconds
    wo.backoff_max = 1s;
    auto w = ipc::stream_writer::open(path, wo);
    if (!w) {
        fmt::print(stderr, "ipc-demo writer: {}\n", w.error_value().message());
        return 1;
    }
    std::vector<std::byte> msg(std::max<std::uint32_t>(o.size, 12));
    pacer pace(o.rate);
    const std::uint64_t end_ns = deadline_of(o.duration);
    std::uint64_t seq = 0;
    // A reader killed outright cannot say so: its writers end when it is no longer their parent.
    for (; !stop_requested() && (end_ns == 0 || ipc::monotonic_ns() < end_ns) &&
           ::getppid() == reader;
         ++seq) {
        pace.wait_turn(seq);
        fill(msg, writer, seq);
        (void)w->try_send(msg);  // a refusal is counted dropped, and reported below
    }
    const auto unsent = w->stop(5s);
    const auto st = w->stats();
    fmt::print(
        "ipc-demo writer {}: offered {}, sent {}, dropped {}, failed {} ({} B unsent), "
        "retried {}, reconnects {}\n",
        writer, seq, st.sent, st.dropped, st.failed, unsent.unsent_bytes, st.retried,
        st.reconnects);
    return seq == st.sent + st.dropped + st.failed ? 0 : 1;
}

}  // namespace demo
