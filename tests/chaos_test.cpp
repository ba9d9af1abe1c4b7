// kill -9 chaos (issue 8): one end of a channel is killed at a random moment, its open included,
// 200 times per channel and role, always under the same name. The survivor must return within
// 1 s (peer_gone, not a hang), no committed message may be lost or duplicated, the name must
// work again at once, and after remove-stale nothing of the run is left in the shm directory.
//
// The random delay before each kill only picks the moment; nothing waits on it for ordering.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "ipc/inspect.hpp"
#include "ipc/ring.hpp"
#include "ipc/shm.hpp"
#include "ipc/slots.hpp"
#include "ipc/telemetry.hpp"
#include "support/child_process.hpp"
#include "support/echo.hpp"
#include "support/names.hpp"
#include "support/scale.hpp"

namespace {

using ipc::errc;
using namespace std::chrono_literals;

constexpr int iterations = 200;
// What "within 1 s" allows (stretched under sanitizers, support/scale.hpp).
constexpr auto survivor_deadline = std::chrono::milliseconds(1000 * ipc::test::deadline_factor);

// A forked end that runs `body` until killed (or until it returns).
template <class Body>
pid_t start_end(Body&& body) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        body();
        ::_exit(0);
    }
    return pid;
}

void kill_at_random(pid_t pid, std::mt19937& rng) {
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
}

ipc::ring_options ring_options() {
    ipc::ring_options o;
    o.max_message = 64;
    o.capacity = 64 * 1024;
    return o;
}

void write_sequence_forever(const std::string& name) {
    auto w = ipc::ring_writer::open(name, ring_options());
    for (std::uint64_t seq = 0; w; ++seq) {
        if (!w->send(std::as_bytes(std::span(&seq, 1)), 1s)) {
            return;
        }
    }
}

// Drains everything the dead writer committed: consecutive numbers from 0 (none lost, none
// twice), then peer_gone within 1 s once the writer had attached.
void expect_complete_sequence(ipc::ring_reader& r, const std::string& name) {
    const auto ring = ipc::inspect::read_ring(ipc::shm::object_name("ring", name));
    const bool writer_attached = ring && ring->writer.pid != 0;
    std::uint64_t expected = 0;
    for (;;) {
        // A writer killed before it attached leaves nothing to wait for (a later one may come).
        auto view = r.read(writer_attached ? survivor_deadline : 0s);
        if (!view) {
            if (writer_attached) {
                EXPECT_EQ(view.code(), errc::peer_gone) << view.error_value().message();
            } else {
                EXPECT_TRUE(view.code() == errc::peer_gone || view.code() == errc::empty)
                    << view.error_value().message();
            }
            break;
        }
        std::uint64_t seq = 0;
        ASSERT_EQ(view->payload.size(), sizeof seq);
        std::memcpy(&seq, view->payload.data(), sizeof seq);
        ASSERT_EQ(seq, expected) << "a message was lost or duplicated";
        ++expected;
        r.release();
    }
    if (ring) {
        EXPECT_GE(expected, ring->write_count) << "committed messages were not delivered";
    }
}

// Nothing of the run is left once remove-stale has run: not the channel, not the telemetry of
// the killed ends.
void expect_nothing_left(const std::string& name, const std::vector<pid_t>& killed) {
    const auto dir = ipc::inspect::default_shm_dir();
    for (const auto& failure : ipc::inspect::remove_stale(dir, {.name = name})) {
        EXPECT_TRUE(failure.error.empty()) << failure.name << ": " << failure.error;
    }
    std::vector<std::string> telemetry;
    for (pid_t pid : killed) {
        telemetry.push_back(ipc::telemetry::segment_object_name(pid).substr(1));
    }
    (void)ipc::inspect::remove_stale(dir, telemetry);
    for (const auto& seg : ipc::inspect::discover(dir)) {
        EXPECT_EQ(seg.name.find(name), std::string::npos) << seg.name << " is left";
        EXPECT_EQ(std::find(telemetry.begin(), telemetry.end(), seg.name), telemetry.end())
            << seg.name << " is left";
    }
}

TEST(Chaos, RingWriterKilledAtRandom) {
    const auto name = ipc::test::unique_name("chaos-writer");
    std::mt19937 rng(1);
    std::vector<pid_t> killed;
    for (int i = 0; i < iterations; ++i) {
        const bool reader_first = rng() % 2 == 0;
        std::optional<ipc::ring_reader> reader;
        if (reader_first) {
            auto r = ipc::ring_reader::open(name, ring_options());
            ASSERT_TRUE(r) << "iteration " << i << ": " << r.error_value().message();
            reader = std::move(*r);
        }
        const pid_t writer = start_end([&] { write_sequence_forever(name); });
        kill_at_random(writer, rng);
        killed.push_back(writer);
        if (!reader_first) {
            auto r = ipc::ring_reader::open(name, ring_options());
            ASSERT_TRUE(r) << "iteration " << i << ": " << r.error_value().message();
            reader = std::move(*r);
        }
        expect_complete_sequence(*reader, name);
        if (HasFatalFailure()) {
            return;
        }
    }
    expect_nothing_left(name, killed);
}

TEST(Chaos, RingReaderKilledAtRandom) {
    const auto name = ipc::test::unique_name("chaos-reader");
    std::mt19937 rng(2);
    std::vector<pid_t> killed;
    for (int i = 0; i < iterations; ++i) {
        auto w = ipc::ring_writer::open(name, ring_options());
        ASSERT_TRUE(w) << "iteration " << i << ": " << w.error_value().message();
        const pid_t reader = start_end([&] {
            auto r = ipc::ring_reader::open(name, ring_options());
            while (r && r->read(1s)) {
                r->release();
            }
        });
        for (std::uint64_t seq = 0; seq < 64; ++seq) {
            (void)w->try_send(std::as_bytes(std::span(&seq, 1)));
        }
        kill_at_random(reader, rng);
        killed.push_back(reader);
        const auto ring = ipc::inspect::read_ring(ipc::shm::object_name("ring", name));
        if (ring && ring->reader.pid != 0) {
            // The reader had attached: the writer learns of its death within 1 s, room or not.
            std::uint64_t seq = 0;
            ipc::result<void> sent;
            EXPECT_TRUE(ipc::test::eventually(
                [&] { return !(sent = w->send(std::as_bytes(std::span(&seq, 1)), 1s)); },
                survivor_deadline));
            EXPECT_EQ(sent.code(), errc::peer_gone) << "iteration " << i;
        }
    }
    expect_nothing_left(name, killed);
}

ipc::slots_options slots_options() {
    ipc::slots_options o;
    o.slots = 2;
    o.request_capacity = 64;
    o.response_capacity = 64 + ipc::test::echo_overhead;
    return o;
}

TEST(Chaos, SlotsGuestKilledAtRandom) {
    const auto name = ipc::test::unique_name("chaos-guest");
    std::mt19937 rng(3);
    std::vector<pid_t> killed;
    for (int i = 0; i < iterations; ++i) {
        auto host = ipc::slots_host::open(name, slots_options());
        ASSERT_TRUE(host) << "iteration " << i << ": " << host.error_value().message();
        const pid_t guest = start_end([&] {
            auto g = ipc::slots_guest::open(name);
            if (g) {
                (void)g->serve(ipc::test::echo);
            }
        });
        std::thread killer([&] { kill_at_random(guest, rng); });
        std::vector<std::byte> request(32, std::byte{7});
        std::vector<std::byte> response(64 + ipc::test::echo_overhead);
        for (;;) {
            auto n = host->call(request, response, survivor_deadline);
            if (!n) {
                // A guest that never attached gives peer_gone at once; one that died mid-call
                // within 1 s. Never a timeout: the survivor returns.
                EXPECT_EQ(n.code(), errc::peer_gone)
                    << "iteration " << i << ": " << n.error_value().message();
                if (::waitpid(guest, nullptr, WNOHANG) == 0 && n.code() == errc::peer_gone) {
                    continue;  // not attached yet: call again until it attaches or is killed
                }
                break;
            }
            ASSERT_TRUE(ipc::test::is_echo_of(std::span(response.data(), *n), request));
        }
        killer.join();
        killed.push_back(guest);
    }
    expect_nothing_left(name, killed);
}

TEST(Chaos, SlotsHostKilledAtRandom) {
    const auto name = ipc::test::unique_name("chaos-host");
    std::mt19937 rng(4);
    std::vector<pid_t> killed;
    for (int i = 0; i < iterations; ++i) {
        const pid_t host = start_end([&] {
            auto h = ipc::slots_host::open(name, slots_options());
            std::vector<std::byte> request(32), response(64 + ipc::test::echo_overhead);
            while (h && h->call(request, response, 1s).code() != errc::invalid_argument) {
            }
        });
        // The guest exits 0 when serve() ends with peer_gone, 1 when it never found a live host.
        const pid_t guest = start_end([&] {
            ipc::guest_options o;
            o.host_timeout = 50ms;
            auto g = ipc::slots_guest::open(name, o);
            const int code = !g ? 1 : g->serve(ipc::test::echo).code() == errc::peer_gone ? 0 : 2;
            ipc::telemetry::remove_segment();
            ::_exit(code);
        });
        kill_at_random(host, rng);
        killed.push_back(host);
        // The guest returns within 1 s of its host's death (or of its own host_timeout).
        int status = 0;
        const bool returned = ipc::test::eventually(
            [&] { return ::waitpid(guest, &status, WNOHANG) == guest; }, survivor_deadline + 50ms);
        if (!returned) {
            ::kill(guest, SIGKILL);
            ::waitpid(guest, &status, 0);
        }
        EXPECT_TRUE(returned) << "iteration " << i << ": the guest did not return";
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) <= 1) << "iteration " << i;
        // The name works again at once.
        auto next = ipc::slots_host::open(name, slots_options());
        ASSERT_TRUE(next) << "iteration " << i << ": " << next.error_value().message();
    }
    expect_nothing_left(name, killed);
}

}  // namespace
