// inspect and other programs' formats: ZIPC and SimpleIPC objects are found by their layout and
// decoded (ring occupancy and slot size; each slot's state), marked with their format, never
// removed as stale; random, truncated and look-alike files never crash or mislead it.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "channel/simpleipc/simpleipc_layout.hpp"
#include "ipc/inspect.hpp"
#include "ipc/shm.hpp"
#include "ipc/simpleipc.hpp"
#include "ipc/zipc.hpp"
#include "support/names.hpp"

namespace {

using namespace std::chrono_literals;
using ipc::inspect::channel_kind;
using ipc::inspect::segment_kind;
namespace si = ipc::detail::simpleipc;

struct object_name {
    std::string bare = ipc::test::unique_name("fi").substr(0, 30);
    std::string name = "/" + bare;
    ~object_name() { (void)ipc::shm::unlink(name); }
};

template <class T>
const T* find(const std::vector<T>& list, const std::string& segment) {
    const auto it =
        std::find_if(list.begin(), list.end(), [&](const T& x) { return x.segment == segment; });
    return it == list.end() ? nullptr : &*it;
}

const ipc::inspect::segment_entry* entry(const std::vector<ipc::inspect::segment_entry>& all,
                                         const std::string& name) {
    const auto it =
        std::find_if(all.begin(), all.end(), [&](const auto& e) { return e.name == name; });
    return it == all.end() ? nullptr : &*it;
}

// A sender of Q slots of M bytes, uncounted (a sender that counts would also list an endpoint).
ipc::result<ipc::zipc_sender> zipc_sender(const std::string& name, std::uint32_t slots,
                                          std::uint32_t size) {
    ipc::zipc_options o;
    o.slots = slots;
    o.message_size = size;
    o.telemetry = false;
    return ipc::zipc_sender::open(name, o);
}

TEST(ForeignInspect, AZipcRingIsDecodedAsARingOfKindZipc) {
    object_name n;
    auto sender = zipc_sender(n.name, 64, 256);
    ASSERT_TRUE(sender);
    for (std::size_t length : {10u, 20u, 30u}) {
        ASSERT_TRUE(sender->try_send(std::vector<std::byte>(length)));
    }
    const auto s = ipc::inspect::take_snapshot(ipc::inspect::default_shm_dir(), false);
    const auto* r = find(s.rings, n.bare);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->kind, channel_kind::zipc);
    EXPECT_EQ(r->max_message, 256u);
    EXPECT_EQ(r->capacity, 63u * 256);
    EXPECT_EQ(r->occupancy_messages, 3u);
    EXPECT_EQ(r->occupancy_bytes, 60u);
    EXPECT_FALSE(r->stale) << "this process maps it";
    const auto* c = find(s.channels, n.bare);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->kind, channel_kind::zipc);
    const auto* e = entry(s.segments, n.bare);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->kind, segment_kind::zipc);
    EXPECT_TRUE(e->error.empty()) << e->error;
    EXPECT_NE(ipc::inspect::to_json(s).find("\"kind\":\"zipc\""), std::string::npos);
}

// Three slots of 100 bytes: no power-of-two pair makes that size, and a fresh ring is consistent
// with every pair that does, so inspect says it cannot tell rather than guess.
TEST(ForeignInspect, AZipcRingWhoseGeometryItsSizeDoesNotTellIsListedWithAnError) {
    object_name n;
    auto sender = zipc_sender(n.name, 3, 100);
    ASSERT_TRUE(sender);
    const auto s = ipc::inspect::take_snapshot(ipc::inspect::default_shm_dir(), false);
    EXPECT_EQ(find(s.rings, n.bare), nullptr);
    const auto* e = entry(s.segments, n.bare);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->kind, segment_kind::zipc);
    EXPECT_NE(e->error.find("several fit"), std::string::npos) << e->error;
}

TEST(ForeignInspect, SimpleIpcSlotsAreDecodedWithTheirStates) {
    object_name n;
    ipc::simpleipc_options o;
    o.slots = 3;
    o.slot_size = 512;
    o.telemetry = false;
    auto host = ipc::simpleipc_host::open(n.name, o);
    ASSERT_TRUE(host);
    std::vector<std::byte> response(256);
    // No guest: the call times out and its request stays posted in its slot.
    EXPECT_EQ(host->call_on(1, std::vector<std::byte>(77), response, 1ms).code(),
              ipc::errc::timeout);
    const auto s = ipc::inspect::take_snapshot(ipc::inspect::default_shm_dir(), false);
    const auto* g = find(s.slots, n.bare);
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(g->kind, channel_kind::simpleipc);
    EXPECT_EQ(g->slot_count, 3u);
    EXPECT_EQ(g->request_capacity, 256u);
    ASSERT_EQ(g->slots.size(), 3u);
    EXPECT_EQ(g->slots[0].state, ipc::inspect::slot_state::free);
    EXPECT_EQ(g->slots[1].state, ipc::inspect::slot_state::request_ready);
    EXPECT_EQ(g->slots[1].request_length, 77u);
    const auto* c = find(s.channels, n.bare);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->kind, channel_kind::simpleipc);
    EXPECT_EQ(c->used, 1u);
    host->close();
}

std::vector<std::byte> zipc_bytes(std::uint32_t slots, std::uint32_t size, std::uint32_t head,
                                  std::uint32_t tail, std::uint64_t length) {
    std::vector<std::byte> b(128 + std::size_t{slots} * (8 + size) + 4 + 128);
    std::memcpy(b.data(), &head, 4);
    std::memcpy(b.data() + 64, &tail, 4);
    for (std::uint32_t i = 0; i < slots; ++i) {
        std::memcpy(b.data() + 128 + 8 * i, &length, 8);
    }
    const std::int32_t magic = 0x5a495043;
    std::memcpy(b.data() + b.size() - 132, &magic, 4);
    return b;
}

// Another program's objects are never libipc's to remove, stale or not, and one listed with an
// error is not reported as a broken segment left in place either.
TEST(ForeignInspect, RemoveStaleLeavesForeignObjectsAlone) {
    object_name broken;
    {
        auto fd = ipc::shm::create(broken.name, 0, 0600);
        ASSERT_TRUE(fd);
        const auto bytes = zipc_bytes(8, 64, 2, 900, 10);  // an index past its slots
        ASSERT_EQ(::pwrite(fd->get(), bytes.data(), bytes.size(), 0),
                  static_cast<ssize_t>(bytes.size()));
    }
    const auto listed = ipc::inspect::discover();
    const auto* bad = entry(listed, broken.bare);
    ASSERT_NE(bad, nullptr);
    EXPECT_FALSE(bad->error.empty());
    EXPECT_TRUE(ipc::inspect::remove_stale(ipc::inspect::default_shm_dir(),
                                           std::vector<std::string>{broken.bare})
                    .empty())
        << "not reported as kept";
    EXPECT_TRUE(ipc::inspect::remove_stale(ipc::inspect::default_shm_dir(),
                                           ipc::inspect::snapshot_filter{.name = broken.bare})
                    .empty());

    object_name n;
    { ASSERT_TRUE(zipc_sender(n.name, 64, 1024)); }  // nobody maps it now
    const auto s = ipc::inspect::take_snapshot(ipc::inspect::default_shm_dir(), false);
    const auto* e = entry(s.segments, n.bare);
    ASSERT_NE(e, nullptr);
    EXPECT_FALSE(e->stale) << "never removable";
    const auto* c = find(s.channels, n.bare);
    ASSERT_NE(c, nullptr);
    EXPECT_TRUE(c->stale) << "nobody maps it";
    EXPECT_EQ(c->health.state, ipc::inspect::health_state::stale);
    EXPECT_TRUE(ipc::inspect::remove_stale(ipc::inspect::default_shm_dir(),
                                           std::vector<std::string>{n.bare})
                    .empty())
        << "neither removed nor reported as kept";
    struct stat st {};
    EXPECT_EQ(::stat((ipc::shm::directory() + n.name).c_str(), &st), 0);
}

// Hostile files in a private directory: look-alikes of both formats with impossible values are
// listed with an error; random and truncated ones are left out; nothing crashes (the sanitizer
// builds run this too).
class ForeignLookAlikes : public ::testing::Test {
  protected:
    void SetUp() override {
        char templ[] = "/tmp/libipc-foreign-XXXXXX";
        ASSERT_NE(::mkdtemp(templ), nullptr);
        dir_ = templ;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    void write(const std::string& name, const std::vector<std::byte>& bytes) {
        const int fd = ::open((dir_ + "/" + name).c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
        ::close(fd);
    }
    std::string dir_;
};

std::vector<std::byte> simpleipc_bytes(std::uint32_t slots, std::uint32_t size,
                                       std::uint32_t state) {
    const auto shape = *si::geometry_of(slots, size);
    std::vector<std::byte> b(shape.object_bytes);
    const std::uint32_t header[4] = {slots, size, 0, shape.half};
    std::memcpy(b.data(), header, sizeof header);
    std::memcpy(b.data() + shape.slot_offset(slots - 1) + si::state_offset, &state, 4);
    return b;
}

TEST_F(ForeignLookAlikes, AreRejectedCleanly) {
    write("zipc-good", zipc_bytes(8, 64, 2, 5, 10));
    write("zipc-wild-index", zipc_bytes(8, 64, 2, 900, 10));
    write("zipc-long-length", zipc_bytes(8, 64, 2, 5, std::uint64_t{1} << 40));
    write("sipc-good", simpleipc_bytes(2, 256, si::resp_ready));
    write("sipc-wild-state", simpleipc_bytes(2, 256, 77));
    auto cut = simpleipc_bytes(2, 256, si::free);
    cut.resize(cut.size() - 1);
    write("sipc-cut", cut);
    auto wild = simpleipc_bytes(2, 256, si::free);
    const std::uint32_t slots = 0x7fffffff;
    std::memcpy(wild.data(), &slots, 4);
    write("sipc-wild-count", wild);
    std::mt19937_64 random(42);
    for (int i = 0; i < 50; ++i) {
        std::vector<std::byte> junk(64 + random() % 4096);
        for (auto& byte : junk) {
            byte = static_cast<std::byte>(random());
        }
        write("junk-" + std::to_string(i), junk);
    }
    ASSERT_EQ(::mkfifo((dir_ + "/zipc-fifo").c_str(), 0600), 0);
    ASSERT_EQ(::symlink("zipc-good", (dir_ + "/zipc-link").c_str()), 0);

    const auto s = ipc::inspect::take_snapshot(dir_, false);
    const auto* good = find(s.rings, "zipc-good");
    ASSERT_NE(good, nullptr);
    EXPECT_EQ(good->occupancy_messages, 3u);
    EXPECT_EQ(good->occupancy_bytes, 30u);
    EXPECT_EQ(good->max_message, 64u);
    for (const char* bad : {"zipc-wild-index", "zipc-long-length", "sipc-wild-state"}) {
        const auto* e = entry(s.segments, bad);
        ASSERT_NE(e, nullptr) << bad;
        EXPECT_FALSE(e->error.empty()) << bad;
    }
    const auto* slots_good = find(s.slots, "sipc-good");
    ASSERT_NE(slots_good, nullptr);
    EXPECT_EQ(slots_good->slots[1].state, ipc::inspect::slot_state::response_ready);
    for (const char* absent : {"sipc-cut", "sipc-wild-count", "zipc-fifo", "zipc-link"}) {
        EXPECT_EQ(entry(s.segments, absent), nullptr) << absent;
    }
    EXPECT_EQ(s.rings.size(), 1u) << "no junk taken for a ring";
    EXPECT_EQ(s.slots.size(), 1u) << "no junk taken for slots";
    (void)ipc::inspect::to_json(s);
    (void)ipc::inspect::to_prometheus(s);
    (void)ipc::inspect::to_csv(s);
}

}  // namespace
