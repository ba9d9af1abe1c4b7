// slots in one process: the host on the test thread, the guest serving on threads of its own.

#include "ipc/slots.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ipc/inspect.hpp"
#include "support/child_process.hpp"
#include "support/echo.hpp"
#include "support/names.hpp"

namespace {

using ipc::errc;
using namespace std::chrono_literals;

std::vector<std::byte> bytes_of(std::string_view text) {
    std::vector<std::byte> v(text.size());
    std::memcpy(v.data(), text.data(), text.size());
    return v;
}

ipc::slots_options small_slots(std::uint32_t slots = 2) {
    ipc::slots_options o;
    o.slots = slots;
    o.request_capacity = 256;
    o.response_capacity = 256 + ipc::test::echo_overhead;
    return o;
}

// A guest serving `handler` on its own threads until the host closes or stop().
class running_guest {
  public:
    running_guest(const std::string& name, ipc::slots_handler handler,
                  const ipc::guest_options& o = {})
        : guest_(open(name, o)), handler_(std::move(handler)) {
        thread_ = std::thread([this] { outcome_ = guest_.serve(handler_); });
    }
    ~running_guest() { (void)stop(); }

    // Stops serving; the outcome of serve().
    ipc::result<void> stop() {
        if (thread_.joinable()) {
            guest_.stop();
            thread_.join();
        }
        return outcome_;
    }
    // Waits for serve() to return by itself (host shutdown or death).
    ipc::result<void> join() {
        thread_.join();
        return outcome_;
    }
    ipc::slots_guest& guest() { return guest_; }

  private:
    static ipc::slots_guest open(const std::string& name, const ipc::guest_options& o) {
        auto g = ipc::slots_guest::open(name, o);
        EXPECT_TRUE(g) << g.error_value().message();
        return g ? std::move(*g) : ipc::slots_guest{};
    }

    ipc::slots_guest guest_;
    ipc::slots_handler handler_;
    ipc::result<void> outcome_;
    std::thread thread_;
};

// Holds the handler until released: a call that is being served, for as long as a test needs.
class gate {
  public:
    void wait_open() {
        entered_.store(true);
        entered_.notify_all();
        open_.wait(false);
    }
    void wait_entered() { entered_.wait(false); }
    void open() {
        open_.store(true);
        open_.notify_all();
    }

  private:
    std::atomic<bool> entered_{false};
    std::atomic<bool> open_{false};
};

// An echo that holds requests of `held_size` bytes at the gate.
ipc::slots_handler gated_echo(gate& g, std::size_t held_size) {
    return [&g, held_size](auto request, auto response) {
        if (request.size() == held_size) {
            g.wait_open();
        }
        return ipc::test::echo(request, response);
    };
}

ipc::inspect::slots_info slots_of(const std::string& name) {
    auto info = ipc::inspect::read_slots("libipc-slots-" + name);
    EXPECT_TRUE(info) << info.error_value().message();
    return info ? *info : ipc::inspect::slots_info{};
}

struct echo_call {
    std::vector<std::byte> request;
    std::vector<std::byte> response = std::vector<std::byte>(512);
};

TEST(SlotsOpen, RejectsBadNamesAndGeometry) {
    EXPECT_EQ(ipc::slots_host::open("bad/name").code(), errc::bad_name);
    auto o = small_slots();
    o.slots = 0;
    EXPECT_EQ(ipc::slots_host::open(ipc::test::unique_name("s0"), o).code(),
              errc::invalid_argument);
    o.slots = 257;
    EXPECT_EQ(ipc::slots_host::open(ipc::test::unique_name("s257"), o).code(),
              errc::invalid_argument);
    o = small_slots();
    o.request_capacity = 0;
    EXPECT_EQ(ipc::slots_host::open(ipc::test::unique_name("r0"), o).code(),
              errc::invalid_argument);
    o.request_capacity = (64u << 20) + 1;
    EXPECT_EQ(ipc::slots_host::open(ipc::test::unique_name("rbig"), o).code(),
              errc::invalid_argument);
}

TEST(SlotsOpen, GuestNeedsAHostAndASecondHostIsBusy) {
    const auto name = ipc::test::unique_name("busy");
    EXPECT_EQ(ipc::slots_guest::open(name).code(), errc::not_found);
    auto host = ipc::slots_host::open(name, small_slots());
    ASSERT_TRUE(host) << host.error_value().message();
    EXPECT_EQ(ipc::slots_host::open(name, small_slots()).code(), errc::busy);
}

TEST(SlotsOpen, GuestsShareSlotsAndAFullSegmentIsBusy) {
    const auto name = ipc::test::unique_name("share");
    auto host = ipc::slots_host::open(name, small_slots(3));
    ASSERT_TRUE(host);
    ipc::guest_options two;
    two.max_slots = 2;
    auto first = ipc::slots_guest::open(name, two);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->slots(), (std::vector<std::uint32_t>{0, 1}));
    auto second = ipc::slots_guest::open(name);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->slots(), (std::vector<std::uint32_t>{2}));
    EXPECT_EQ(ipc::slots_guest::open(name).code(), errc::busy);
    EXPECT_EQ(host->guests_serving(), 3u);
    second->close();
    EXPECT_EQ(host->guests_serving(), 2u);
}

TEST(SlotsCall, EchoesThroughAnySlotAndPinnedSlots) {
    const auto name = ipc::test::unique_name("echo");
    auto host = ipc::slots_host::open(name, small_slots(2));
    ASSERT_TRUE(host);
    running_guest guest(name, ipc::test::echo);
    ASSERT_TRUE(host->wait_for_guests(2, 10s));
    for (int i = 0; i < 100; ++i) {
        echo_call c{bytes_of("request " + std::to_string(i))};
        auto n = i % 2 == 0 ? host->call(c.request, c.response, 10s)
                            : host->call_on(static_cast<std::uint32_t>(i / 2 % 2), c.request,
                                            c.response, 10s);
        ASSERT_TRUE(n) << n.error_value().message();
        EXPECT_TRUE(ipc::test::is_echo_of({c.response.data(), *n}, c.request));
    }
    echo_call empty;
    auto n = host->call(empty.request, empty.response, 10s);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, ipc::test::echo_overhead);
}

TEST(SlotsCall, OneWorkerServesEverySlotOfAPool) {
    const auto name = ipc::test::unique_name("pool");
    auto host = ipc::slots_host::open(name, small_slots(4));
    ASSERT_TRUE(host);
    ipc::guest_options one;
    one.workers = 1;
    running_guest guest(name, ipc::test::echo, one);
    EXPECT_EQ(guest.guest().workers(), 1u);
    ASSERT_TRUE(host->wait_for_guests(4, 10s));
    std::vector<echo_call> calls;
    std::vector<ipc::call_ticket> tickets;
    for (int i = 0; i < 4; ++i) {
        calls.push_back({bytes_of("pooled " + std::to_string(i))});
        auto t = host->submit(calls.back().request);
        ASSERT_TRUE(t) << t.error_value().message();
        tickets.push_back(*t);
    }
    for (int i = 0; i < 4; ++i) {
        auto n = host->wait(tickets[i], calls[i].response, 10s);
        ASSERT_TRUE(n) << n.error_value().message();
        EXPECT_TRUE(ipc::test::is_echo_of({calls[i].response.data(), *n}, calls[i].request));
        EXPECT_FALSE(tickets[i].pending());
    }
}

TEST(SlotsCall, SubmitPollAndWait) {
    const auto name = ipc::test::unique_name("async");
    auto host = ipc::slots_host::open(name, small_slots(2));
    ASSERT_TRUE(host);
    gate g;
    running_guest guest(name, gated_echo(g, 4));
    ASSERT_TRUE(host->wait_for_guests(2, 10s));
    echo_call held{bytes_of("hold")};
    auto t = host->submit_on(0, held.request);
    ASSERT_TRUE(t);
    g.wait_entered();
    EXPECT_EQ(host->poll(*t, held.response).code(), errc::empty);
    EXPECT_EQ(host->wait(*t, held.response, 1ms).code(), errc::timeout);
    EXPECT_TRUE(t->pending());
    EXPECT_EQ(host->submit_on(0, held.request).code(), errc::busy);
    // call_on waits for its slot (up to its timeout) instead of failing at once.
    EXPECT_EQ(host->call_on(0, held.request, held.response, 1ms).code(), errc::timeout);
    echo_call other{bytes_of("other")};
    auto n = host->call(other.request, other.response, 10s);  // the only free slot is 1
    ASSERT_TRUE(n);
    auto t1 = host->submit(other.request);  // slot 1 is free again
    ASSERT_TRUE(t1);
    EXPECT_EQ(t1->slot, 1u);
    EXPECT_EQ(host->submit(other.request).code(), errc::busy);
    n = host->wait(*t1, other.response, 10s);
    ASSERT_TRUE(n);
    EXPECT_TRUE(ipc::test::is_echo_of({other.response.data(), *n}, other.request));
    g.open();
    n = host->wait(*t, held.response, 10s);
    ASSERT_TRUE(n);
    EXPECT_TRUE(ipc::test::is_echo_of({held.response.data(), *n}, held.request));
    EXPECT_EQ(host->wait(*t, held.response, 10s).code(), errc::invalid_argument);
}

TEST(SlotsCall, TimeoutThenLateResponseIsDiscardedAndCounted) {
    const auto name = ipc::test::unique_name("late");
    auto host = ipc::slots_host::open(name, small_slots(1));
    ASSERT_TRUE(host);
    gate g;
    running_guest guest(name, gated_echo(g, 4));
    ASSERT_TRUE(host->wait_for_guests(1, 10s));
    echo_call slow{bytes_of("slow")};
    std::thread release([&] {
        g.wait_entered();
        EXPECT_TRUE(ipc::test::eventually([&] { return slots_of(name).slots[0].abandoned; }, 10s));
        g.open();
    });
    EXPECT_EQ(host->call(slow.request, slow.response, 50ms).code(), errc::timeout);
    release.join();
    // The only slot holds the late response: the next call discards it and gets its own answer.
    echo_call next{bytes_of("next call")};
    auto n = host->call(next.request, next.response, 10s);
    ASSERT_TRUE(n) << n.error_value().message();
    EXPECT_TRUE(ipc::test::is_echo_of({next.response.data(), *n}, next.request));
    const auto slot = slots_of(name).slots[0];
    EXPECT_EQ(slot.counters.timeouts, 1u);
    EXPECT_EQ(slot.counters.late_responses, 1u);
    EXPECT_EQ(slot.counters.completed, 1u);
    EXPECT_FALSE(slot.abandoned);
}

TEST(SlotsCall, CancelDiscardsTheResponseWhenItComes) {
    const auto name = ipc::test::unique_name("cancel");
    auto host = ipc::slots_host::open(name, small_slots(1));
    ASSERT_TRUE(host);
    gate g;
    echo_call c{bytes_of("cancelled")};
    running_guest guest(name, gated_echo(g, c.request.size()));
    ASSERT_TRUE(host->wait_for_guests(1, 10s));
    auto t = host->submit(c.request);
    ASSERT_TRUE(t);
    g.wait_entered();
    host->cancel(*t);
    EXPECT_FALSE(t->pending());
    g.open();
    auto n = host->call(c.request, c.response, 10s);
    ASSERT_TRUE(n);
    EXPECT_TRUE(ipc::test::is_echo_of({c.response.data(), *n}, c.request));
    EXPECT_EQ(slots_of(name).slots[0].counters.late_responses, 1u);
}

TEST(SlotsCall, OversizedRequestAndResponseAreErrors) {
    const auto name = ipc::test::unique_name("size");
    auto host = ipc::slots_host::open(name, small_slots(1));
    ASSERT_TRUE(host);
    running_guest guest(name, [](auto request, auto response) -> ipc::result<std::size_t> {
        return request.size() == 1 ? response.size() + 1 : 0;  // claims too much
    });
    ASSERT_TRUE(host->wait_for_guests(1, 10s));
    std::vector<std::byte> response(1024);
    std::vector<std::byte> big(257);
    EXPECT_EQ(host->call(big, response, 10s).code(), errc::message_too_large);
    EXPECT_EQ(host->submit(big).code(), errc::message_too_large);
    std::vector<std::byte> one(1);
    auto r = host->call(one, response, 10s);
    EXPECT_EQ(r.code(), errc::message_too_large);
    EXPECT_STREQ(r.error_value().detail(), "the guest's response exceeded the response area");
    const auto info = slots_of(name);
    EXPECT_EQ(info.calls_refused, 2u);
    EXPECT_EQ(info.slots[0].counters.failed, 1u);
}

TEST(SlotsCall, ResponseBufferTooSmallIsAnError) {
    const auto name = ipc::test::unique_name("small");
    auto host = ipc::slots_host::open(name, small_slots(1));
    ASSERT_TRUE(host);
    running_guest guest(name, ipc::test::echo);
    ASSERT_TRUE(host->wait_for_guests(1, 10s));
    auto request = bytes_of("twelve bytes");
    std::vector<std::byte> response(4);
    EXPECT_EQ(host->call(request, response, 10s).code(), errc::invalid_argument);
    response.resize(64);
    EXPECT_TRUE(host->call(request, response, 10s));  // the slot was freed
}

TEST(SlotsCall, HandlerErrorReachesTheCaller) {
    const auto name = ipc::test::unique_name("fail");
    auto host = ipc::slots_host::open(name, small_slots(1));
    ASSERT_TRUE(host);
    running_guest guest(name, [](auto, auto) -> ipc::result<std::size_t> {
        return ipc::error{errc::not_found, "no such record"};
    });
    ASSERT_TRUE(host->wait_for_guests(1, 10s));
    std::vector<std::byte> response(16);
    auto r = host->call({}, response, 10s);
    EXPECT_EQ(r.code(), errc::handler_failed);
    EXPECT_STREQ(r.error_value().detail(), "the guest's handler failed: not_found");
}

TEST(SlotsCall, NoGuestIsPeerGoneAtOnce) {
    const auto name = ipc::test::unique_name("noguest");
    auto host = ipc::slots_host::open(name, small_slots(2));
    ASSERT_TRUE(host);
    std::vector<std::byte> response(16);
    EXPECT_EQ(host->call({}, response, ipc::forever).code(), errc::peer_gone);
    EXPECT_EQ(host->call_on(1, {}, response, ipc::forever).code(), errc::peer_gone);
    EXPECT_EQ(host->call_on(2, {}, response, ipc::forever).code(), errc::invalid_argument);
    EXPECT_EQ(host->wait_for_guests(1, 1ms).code(), errc::timeout);
    EXPECT_EQ(host->wait_for_guests(3, 1ms).code(), errc::invalid_argument);
}

TEST(SlotsCall, GuestThatLeftMakesCallsPeerGone) {
    const auto name = ipc::test::unique_name("left");
    auto host = ipc::slots_host::open(name, small_slots(1));
    ASSERT_TRUE(host);
    {
        running_guest guest(name, ipc::test::echo);
        ASSERT_TRUE(host->wait_for_guests(1, 10s));
        EXPECT_TRUE(guest.stop());
    }
    std::vector<std::byte> response(16);
    EXPECT_EQ(host->call({}, response, ipc::forever).code(), errc::peer_gone);
}

TEST(SlotsCall, ACallGivenUpBeforeAWorkerTookItIsNeverRun) {
    const auto name = ipc::test::unique_name("notrun");
    auto host = ipc::slots_host::open(name, small_slots(2));
    ASSERT_TRUE(host);
    gate g;
    std::atomic<int> runs_of_cancelled{0};
    ipc::guest_options one_worker;
    one_worker.workers = 1;  // busy with slot 0, it cannot take slot 1's call
    running_guest guest(
        name,
        [&](auto request, auto response) {
            if (request.size() == 4) {
                g.wait_open();
            }
            if (request.size() == 9) {
                runs_of_cancelled.fetch_add(1);
            }
            return ipc::test::echo(request, response);
        },
        one_worker);
    ASSERT_TRUE(host->wait_for_guests(2, 10s));
    echo_call held{bytes_of("hold")}, cancelled{bytes_of("cancelled")};
    auto t0 = host->submit_on(0, held.request);
    ASSERT_TRUE(t0);
    g.wait_entered();
    auto t1 = host->submit_on(1, cancelled.request);
    ASSERT_TRUE(t1);
    host->cancel(*t1);
    g.open();
    ASSERT_TRUE(host->wait(*t0, held.response, 10s));
    // Slot 1 is reusable once the worker answered the cancelled call (without running it).
    auto n = host->call_on(1, held.request, held.response, 10s);
    ASSERT_TRUE(n) << n.error_value().message();
    EXPECT_EQ(runs_of_cancelled.load(), 0);
    const auto slot = slots_of(name).slots[1];
    EXPECT_EQ(slot.counters.timeouts, 1u);
    EXPECT_EQ(slot.counters.late_responses, 1u);
}

TEST(SlotsCall, AStaleTicketIsRefusedAndDisturbsNothing) {
    const auto name = ipc::test::unique_name("stale");
    auto host = ipc::slots_host::open(name, small_slots(1));
    ASSERT_TRUE(host);
    gate g;
    running_guest guest(name, gated_echo(g, 4));
    ASSERT_TRUE(host->wait_for_guests(1, 10s));
    echo_call first{bytes_of("first")}, held{bytes_of("hold")};
    auto t = host->submit(first.request);
    ASSERT_TRUE(t);
    const ipc::call_ticket copy = *t;
    ASSERT_TRUE(host->wait(*t, first.response, 10s));
    auto now = host->submit(held.request);  // the slot now holds another call
    ASSERT_TRUE(now);
    g.wait_entered();
    ipc::call_ticket stale = copy;
    EXPECT_EQ(host->wait(stale, first.response, 1ms).code(), errc::invalid_argument);
    host->cancel(stale);
    EXPECT_EQ(host->submit(first.request).code(), errc::busy) << "the slot is still held";
    g.open();
    auto n = host->wait(*now, held.response, 10s);
    ASSERT_TRUE(n);
    EXPECT_TRUE(ipc::test::is_echo_of({held.response.data(), *n}, held.request));
}

TEST(SlotsCall, NoTimeLeftPostsNothing) {
    const auto name = ipc::test::unique_name("notime");
    auto host = ipc::slots_host::open(name, small_slots(1));
    ASSERT_TRUE(host);
    running_guest guest(name, ipc::test::echo);
    ASSERT_TRUE(host->wait_for_guests(1, 10s));
    std::vector<std::byte> response(64);
    EXPECT_EQ(host->call({}, response, std::chrono::nanoseconds::zero()).code(), errc::timeout);
    EXPECT_EQ(host->call_on(0, {}, response, std::chrono::nanoseconds::zero()).code(),
              errc::timeout);
    EXPECT_EQ(slots_of(name).slots[0].counters.calls, 0u);
}

TEST(SlotsCall, AGuestThatStoppedServingMakesCallsPeerGone) {
    const auto name = ipc::test::unique_name("stopped");
    auto host = ipc::slots_host::open(name, small_slots(1));
    ASSERT_TRUE(host);
    running_guest guest(name, ipc::test::echo);
    ASSERT_TRUE(host->wait_for_guests(1, 10s));
    EXPECT_TRUE(guest.stop());  // the guest object stays open
    std::vector<std::byte> response(64);
    EXPECT_EQ(host->call({}, response, 10s).code(), errc::peer_gone);
    EXPECT_EQ(guest.guest().serve(ipc::test::echo).code(), errc::closed);
}

TEST(SlotsShutdown, ANewHostReplacesTheSegmentOfAHostThatClosed) {
    const auto name = ipc::test::unique_name("replace");
    auto o = small_slots(1);
    o.keep_segment = true;
    auto first = ipc::slots_host::open(name, o);
    ASSERT_TRUE(first);
    auto attached = ipc::slots_guest::open(name);  // still attached, but told to stop
    ASSERT_TRUE(attached);
    first->close();
    auto second = ipc::slots_host::open(name, small_slots(1));
    ASSERT_TRUE(second) << second.error_value().message();
    const auto info = slots_of(name);
    EXPECT_EQ(info.host_epoch, 1u) << "replaced, not taken over";
    EXPECT_FALSE(info.shutdown);
    EXPECT_EQ(second->guests_serving(), 0u);
}

TEST(SlotsShutdown, ClosingTheHostStopsTheGuests) {
    const auto name = ipc::test::unique_name("shutdown");
    auto host = ipc::slots_host::open(name, small_slots(2));
    ASSERT_TRUE(host);
    running_guest guest(name, ipc::test::echo);
    ASSERT_TRUE(host->wait_for_guests(2, 10s));
    host->close();
    EXPECT_TRUE(guest.join());
    EXPECT_EQ(ipc::slots_guest::open(name).code(), errc::not_found);
}

class SlotsWait : public ::testing::TestWithParam<ipc::wait_strategy> {};

TEST_P(SlotsWait, ManyCallsFromTwoHostThreads) {
    const auto name = ipc::test::unique_name("wait");
    auto o = small_slots(2);
    o.wait = GetParam();
    auto host = ipc::slots_host::open(name, o);
    ASSERT_TRUE(host);
    ipc::guest_options go;
    go.wait = GetParam();
    running_guest guest(name, ipc::test::echo, go);
    ASSERT_TRUE(host->wait_for_guests(2, 10s));
    // Spinning workers and host threads outnumber the cores of a small machine: fewer calls.
    const int calls = GetParam() == ipc::wait_strategy::busy_spin ? 300 : 2000;
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < calls; ++i) {
                echo_call c{bytes_of(std::to_string(t) + ":" + std::to_string(i))};
                auto n = host->call(c.request, c.response, 10s);
                ASSERT_TRUE(n) << n.error_value().message();
                ASSERT_TRUE(ipc::test::is_echo_of({c.response.data(), *n}, c.request));
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    const auto info = slots_of(name);
    std::uint64_t completed = 0;
    for (const auto& s : info.slots) {
        completed += s.counters.completed;
        EXPECT_EQ(s.counters.calls, s.counters.completed);
        EXPECT_EQ(s.latency.count, s.counters.completed);
    }
    EXPECT_EQ(completed, 3u * calls);
}

INSTANTIATE_TEST_SUITE_P(EachStrategy, SlotsWait,
                         ::testing::Values(ipc::wait_strategy::busy_spin,
                                           ipc::wait_strategy::adaptive,
                                           ipc::wait_strategy::blocking),
                         [](const auto& info) { return std::string(ipc::to_string(info.param)); });

TEST(SlotsTelemetry, SnapshotFoldsSlotCountersIntoTheHostEndpoint) {
    const auto name = ipc::test::unique_name("tel");
    auto host = ipc::slots_host::open(name, small_slots(2));
    ASSERT_TRUE(host);
    running_guest guest(name, ipc::test::echo);
    ASSERT_TRUE(host->wait_for_guests(2, 10s));
    for (int i = 0; i < 10; ++i) {
        echo_call c{bytes_of("0123456789")};
        ASSERT_TRUE(host->call(c.request, c.response, 10s));
    }
    std::vector<std::byte> big(300), response(16);
    EXPECT_FALSE(host->call(big, response, 10s));
    ipc::inspect::snapshot snap;
    const ipc::inspect::endpoint_info* host_record = nullptr;
    std::uint64_t guest_received = 0, guest_sent_bytes = 0;
    const auto tally = [&] {
        snap = ipc::inspect::take_snapshot();
        host_record = nullptr;
        guest_received = guest_sent_bytes = 0;
        for (const auto& p : snap.processes) {
            for (const auto& e : p.endpoints) {
                if (p.pid != ::getpid() || e.name != name ||
                    e.state != ipc::inspect::endpoint_state::active) {
                    continue;
                }
                if (e.role == ipc::inspect::endpoint_role::host) {
                    host_record = &e;
                } else {
                    guest_received += e.counters.received;
                    guest_sent_bytes += e.counters.bytes_out;
                }
            }
        }
        return host_record != nullptr && guest_received == 10;
    };
    // A worker counts a call just after answering it: the last count may trail the answer.
    ASSERT_TRUE(ipc::test::eventually(tally, 10s));
    EXPECT_EQ(host_record->counters.sent, 10u);
    EXPECT_EQ(host_record->counters.received, 10u);
    EXPECT_EQ(host_record->counters.dropped, 1u);  // the refused oversized call
    EXPECT_EQ(host_record->counters.bytes_out, 100u);
    EXPECT_EQ(host_record->counters.bytes_in, 180u);
    EXPECT_EQ(host_record->latency.count, 10u);
    EXPECT_EQ(guest_received, 10u);
    EXPECT_EQ(guest_sent_bytes, 180u);
    bool listed = false;
    for (const auto& s : snap.slots) {
        listed = listed || s.name == name;
    }
    EXPECT_TRUE(listed);
}

}  // namespace
