// Corrupt and hostile slots segments and peers: an error each time, never a crash or an
// out-of-bounds access (this suite also runs under ASan+UBSan).

#include <gtest/gtest.h>
#include <unistd.h>

#include <random>
#include <thread>
#include <vector>

#include "ipc/detail/atomic.hpp"
#include "ipc/inspect.hpp"
#include "ipc/layout/slots_layout.hpp"
#include "ipc/slots.hpp"
#include "support/child_process.hpp"
#include "support/echo.hpp"
#include "support/names.hpp"
#include "support/tamper.hpp"

namespace {

using ipc::errc;
using ipc::layout::slot_header;
using ipc::layout::slot_state;
using ipc::layout::slots_geometry;
using ipc::layout::slots_segment;
using ipc::test::tamper;
using namespace std::chrono_literals;

constexpr slots_geometry geometry{2, 128, 128};

ipc::slots_options options() {
    ipc::slots_options o;
    o.slots = geometry.slot_count;
    o.request_capacity = geometry.request_capacity;
    o.response_capacity = geometry.response_capacity;
    o.ready_timeout = 20ms;
    return o;
}

slot_header& slot(tamper& t, std::uint32_t i) {
    return *reinterpret_cast<slot_header*>(t.map.data() + geometry.slots_offset() +
                                           i * geometry.slot_stride());
}

std::uint32_t state_of(slot_header& h) {
    return ipc::detail::load(h.exchange.state, std::memory_order_acquire);
}

class HostileSlots : public ::testing::Test {
  protected:
    void SetUp() override {
        name = ipc::test::unique_name("hostile-slots");
        object = ipc::shm::object_name("slots", name);
        auto h = ipc::slots_host::open(name, options());
        ASSERT_TRUE(h);
        host = std::move(*h);
    }
    void expect_rejected_everywhere(errc code) {
        ipc::guest_options o;
        o.ready_timeout = 20ms;
        EXPECT_EQ(ipc::slots_guest::open(name, o).code(), code);
        EXPECT_EQ(ipc::inspect::read_slots(object).code(), code);
        (void)ipc::inspect::take_snapshot();  // must not crash
    }
    // Plays a guest by hand: waits for the host's request on slot 0, answers with `answer`.
    template <class Answer>
    ipc::result<std::size_t> call_answered_by(Answer&& answer) {
        ipc::guest_options one;
        one.max_slots = 1;
        auto holder = ipc::slots_guest::open(name, one);  // attached, never serving
        EXPECT_TRUE(holder);
        tamper t(object);
        std::vector<std::byte> request(8), response(256);
        auto ticket = host.submit_on(0, request);
        EXPECT_TRUE(ticket);
        auto& x = slot(t, 0).exchange;
        EXPECT_EQ(state_of(slot(t, 0)), static_cast<std::uint32_t>(slot_state::request_ready));
        x.response_id = x.request_id;
        x.response_status = 0;
        x.response_length = 8;
        answer(slot(t, 0));
        ipc::detail::store(x.state, static_cast<std::uint32_t>(slot_state::response_ready),
                           std::memory_order_release);
        return host.wait(*ticket, response, 10s);
    }
    std::string name;
    std::string object;
    ipc::slots_host host;
};

TEST_F(HostileSlots, GeometryOutOfRangeOrInconsistent) {
    tamper t(object);
    auto& c = t.as<slots_segment>().control;
    c.slot_count = 0;
    expect_rejected_everywhere(errc::corrupt);
    c.slot_count = 100000;
    expect_rejected_everywhere(errc::corrupt);
    c.slot_count = geometry.slot_count;
    c.request_capacity = 0xffffffffu;
    expect_rejected_everywhere(errc::corrupt);
    c.request_capacity = geometry.request_capacity;
    c.slot_stride += 64;
    expect_rejected_everywhere(errc::corrupt);
    c.slot_stride -= 64;
    c.stats_offset = 1u << 30;
    expect_rejected_everywhere(errc::corrupt);
    c.stats_offset = geometry.stats_offset();
    c.response_capacity = 64;  // consistent fields, but the segment is larger than they say
    c.slot_stride = static_cast<std::uint32_t>(slots_geometry{2, 128, 64}.slot_stride());
    c.stats_offset = slots_geometry{2, 128, 64}.stats_offset();
    expect_rejected_everywhere(errc::corrupt);
}

TEST_F(HostileSlots, TruncatedSegment) {
    ASSERT_EQ(::ftruncate(tamper(object).fd.get(), 300), 0);
    expect_rejected_everywhere(errc::corrupt);
    ASSERT_EQ(::ftruncate(tamper(object).fd.get(), 10), 0);
    ipc::guest_options o;
    o.ready_timeout = 20ms;
    EXPECT_FALSE(ipc::slots_guest::open(name, o));
    EXPECT_FALSE(ipc::inspect::read_slots(object));
}

TEST_F(HostileSlots, ResponseLongerThanTheResponseArea) {
    auto r = call_answered_by([](slot_header& h) { h.exchange.response_length = 1u << 30; });
    EXPECT_EQ(r.code(), errc::corrupt);
}

TEST_F(HostileSlots, ResponseToAnotherCall) {
    auto r = call_answered_by([](slot_header& h) { h.exchange.response_id += 1; });
    EXPECT_EQ(r.code(), errc::corrupt);
}

TEST_F(HostileSlots, UnknownResponseStatusOrHandlerError) {
    auto r = call_answered_by([](slot_header& h) { h.exchange.response_status = 99; });
    EXPECT_EQ(r.code(), errc::corrupt);
    r = call_answered_by([](slot_header& h) {
        h.exchange.response_status = 1;  // handler_failed
        h.exchange.handler_error = 0xffffffffu;
    });
    EXPECT_EQ(r.code(), errc::handler_failed);
}

TEST_F(HostileSlots, BellSlotOutOfRangeStillWakesTheWorker) {
    ipc::guest_options o;
    o.wait = ipc::wait_strategy::blocking;
    auto guest = ipc::slots_guest::open(name, o);
    ASSERT_TRUE(guest);
    tamper t(object);
    for (std::uint32_t i = 0; i < geometry.slot_count; ++i) {
        slot(t, i).guest.guest_bell_slot = 0xffffffffu;  // read as the slot's own bell
    }
    std::thread serving([&] { EXPECT_TRUE(guest->serve(ipc::test::echo)); });
    std::vector<std::byte> request(8), response(64);
    for (int i = 0; i < 20; ++i) {
        auto n = host.call(request, response, 10s);
        ASSERT_TRUE(n) << n.error_value().message();
    }
    guest->stop();
    serving.join();
}

TEST_F(HostileSlots, HostileHostRequestLengthIsRefusedByTheGuest) {
    ipc::guest_options one;
    one.max_slots = 1;
    auto guest = ipc::slots_guest::open(name, one);
    ASSERT_TRUE(guest);
    std::thread serving([&] { EXPECT_TRUE(guest->serve(ipc::test::echo)); });
    tamper t(object);
    auto& x = slot(t, 0).exchange;
    x.request_length = 1u << 30;
    x.request_id = 42;
    ipc::detail::store(x.state, static_cast<std::uint32_t>(slot_state::request_ready),
                       std::memory_order_release);
    EXPECT_TRUE(ipc::test::eventually(
        [&] {
            return state_of(slot(t, 0)) == static_cast<std::uint32_t>(slot_state::response_ready);
        },
        10s));
    EXPECT_EQ(x.response_status,
              static_cast<std::uint32_t>(ipc::layout::response_status::bad_request));
    EXPECT_EQ(x.response_id, 42u);
    guest->stop();
    serving.join();
}

TEST_F(HostileSlots, UnknownSlotStateIsNeverClaimedAndShowsAsInvalid) {
    ipc::guest_options one;
    one.max_slots = 1;
    auto guest = ipc::slots_guest::open(name, one);
    ASSERT_TRUE(guest);
    tamper t(object);
    slot(t, 0).exchange.state = 77;
    std::vector<std::byte> response(64);
    EXPECT_EQ(host.call_on(0, {}, response, 10s).code(), errc::busy);
    auto info = ipc::inspect::read_slots(object);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->slots[0].state, "invalid");
}

TEST(HostileSlotsRandom, RandomBytesAtASlotsName) {
    std::mt19937_64 rng(11);
    for (int round = 0; round < 200; ++round) {
        const auto name = ipc::test::unique_name("random-slots");
        const auto object = ipc::shm::object_name("slots", name);
        const std::size_t size = 64 + rng() % 16384;
        auto fd = ipc::shm::create(object, size, 0600);
        ASSERT_TRUE(fd);
        auto map = ipc::mapping::map(fd->get(), size, ipc::access::read_write);
        ASSERT_TRUE(map);
        for (std::size_t i = 0; i < size; ++i) {
            map->data()[i] = static_cast<std::byte>(rng());
        }
        if (round % 2 == 0) {  // a valid-looking header, so that deeper checks run
            auto& h = *reinterpret_cast<ipc::layout::segment_header*>(map->data());
            h.magic = ipc::layout::segment_magic;
            h.kind = static_cast<std::uint16_t>(ipc::layout::segment_kind::slots);
            h.layout_version = ipc::layout::slots_layout_version;
            h.header_size = sizeof(slots_segment);
            h.total_size = size;
            h.ready = ipc::layout::ready_value;
        }
        ipc::guest_options o;
        o.ready_timeout = 1ms;
        (void)ipc::slots_guest::open(name, o);
        (void)ipc::inspect::read_slots(object);
        (void)ipc::inspect::discover();
        (void)ipc::shm::unlink(object);
    }
}

}  // namespace
