// Corrupt and hostile slots segments and peers: an error each time, never a crash or an
// out-of-bounds access (this suite also runs under ASan+UBSan).

#include <gtest/gtest.h>
#include <unistd.h>

#include <random>
#include <thread>
#include <vector>

#include "channel/slots/slots_layout.hpp"
#include "ipc/detail/atomic.hpp"
#include "ipc/inspect.hpp"
#include "ipc/slots.hpp"
#include "support/child_process.hpp"
#include "support/echo.hpp"
#include "support/names.hpp"
#include "support/random_segment.hpp"
#include "support/tamper.hpp"

namespace {

using ipc::errc;
using ipc::layout::slot_control;
using ipc::layout::slot_request;
using ipc::layout::slot_response;
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
    return o;
}

std::byte* record(tamper& t, std::uint32_t i) {
    return t.map.data() + geometry.slots_offset() + i * geometry.slot_stride();
}
slot_request& request(tamper& t, std::uint32_t i) {
    return *reinterpret_cast<slot_request*>(record(t, i));
}
slot_response& response(tamper& t, std::uint32_t i) {
    return *reinterpret_cast<slot_response*>(record(t, i) + geometry.response_offset());
}
slot_control& control(tamper& t, std::uint32_t i) {
    return *reinterpret_cast<slot_control*>(record(t, i) + geometry.control_offset());
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
        o.host_timeout = 0ms;
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
        std::vector<std::byte> message(8), reply(256);
        auto ticket = host.submit_on(0, message);
        EXPECT_TRUE(ticket);
        auto& r = response(t, 0);
        r.response_status = 0;
        r.response_length = 8;
        std::uint64_t id = ticket->id;
        answer(r, id);
        ipc::detail::store(r.response_id, id, std::memory_order_release);
        return host.poll(*ticket, reply);
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
    c.response_capacity = 256;  // consistent fields, but the segment is smaller than they say
    c.slot_stride = static_cast<std::uint32_t>(slots_geometry{2, 128, 256}.slot_stride());
    c.stats_offset = slots_geometry{2, 128, 256}.stats_offset();
    expect_rejected_everywhere(errc::corrupt);
}

TEST_F(HostileSlots, TruncatedSegment) {
    ASSERT_EQ(::ftruncate(tamper(object).fd.get(), 300), 0);
    expect_rejected_everywhere(errc::corrupt);
    ASSERT_EQ(::ftruncate(tamper(object).fd.get(), 10), 0);
    ipc::guest_options o;
    o.host_timeout = 0ms;
    EXPECT_FALSE(ipc::slots_guest::open(name, o));
    EXPECT_FALSE(ipc::inspect::read_slots(object));
}

TEST_F(HostileSlots, ResponseLongerThanTheResponseArea) {
    auto r = call_answered_by([](slot_response& h, auto&) { h.response_length = 1u << 30; });
    EXPECT_EQ(r.code(), errc::corrupt);
}

TEST_F(HostileSlots, ResponseToAnotherCallIsNotTaken) {
    auto r = call_answered_by([](slot_response&, std::uint64_t& id) { id += 7; });
    EXPECT_EQ(r.code(), errc::empty);  // the call's own response has not come
}

TEST_F(HostileSlots, UnknownResponseStatusOrHandlerError) {
    auto r = call_answered_by([](slot_response& h, auto&) { h.response_status = 99; });
    EXPECT_EQ(r.code(), errc::corrupt);
    r = call_answered_by([](slot_response& h, auto&) {
        h.response_status = 1;  // handler_failed
        h.handler_error = 0xffffffffu;
    });
    EXPECT_EQ(r.code(), errc::handler_failed);
}

TEST_F(HostileSlots, BellSlotOutOfRangeIsReadAsTheSlotsOwn) {
    ipc::guest_options o;
    o.wait = ipc::wait_strategy::blocking;
    auto guest = ipc::slots_guest::open(name, o);
    ASSERT_TRUE(guest);
    tamper t(object);
    for (std::uint32_t i = 0; i < geometry.slot_count; ++i) {
        control(t, i).guest_bell_slot = 0xffffffffu;  // read as the slot's own bell
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
    request(t, 0).request_length = 1u << 30;
    ipc::detail::store(request(t, 0).request_id, std::uint64_t{42}, std::memory_order_release);
    auto& r = response(t, 0);
    EXPECT_TRUE(ipc::test::eventually(
        [&] { return ipc::detail::load(r.response_id, std::memory_order_acquire) == 42; }, 10s));
    EXPECT_EQ(r.response_status,
              static_cast<std::uint32_t>(ipc::layout::response_status::bad_request));
    guest->stop();
    serving.join();
}

TEST(HostileSlotsRandom, RandomBytesAtASlotsName) {
    std::mt19937_64 rng(11);
    for (int round = 0; round < 200; ++round) {
        const auto name = ipc::test::unique_name("random-slots");
        const auto object = ipc::shm::object_name("slots", name);
        ipc::test::write_random_segment(object, 64 + rng() % 16384, round % 2 == 0,
                                        {ipc::layout::segment_kind::slots,
                                         ipc::layout::slots_layout_version, sizeof(slots_segment)},
                                        rng);
        ipc::guest_options o;
        o.host_timeout = 0ms;
        (void)ipc::slots_guest::open(name, o);
        (void)ipc::inspect::read_slots(object);
        (void)ipc::inspect::discover();
        (void)ipc::shm::unlink(object);
    }
}

}  // namespace
