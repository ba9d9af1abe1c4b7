// ZIPC format: libipc's sender and receiver each with a peer written in C from the spec alone
// (helpers/zipc_reference.c), a million messages with every byte checked; what the reference
// would copy before refusing; corrupt lengths and indices; a peer that goes away.

#include "ipc/zipc.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "channel/zipc/zipc_layout.hpp"
#include "ipc/shm.hpp"
#include "support/child_process.hpp"
#include "support/names.hpp"
#include "support/reference_messages.hpp"
#include "support/scale.hpp"

namespace {

using namespace std::chrono_literals;
using ipc::errc;
using ipc::test::child_process;

constexpr std::uint32_t slots = 64;
constexpr std::uint32_t size = 256;

std::vector<std::byte> message(std::uint64_t n) {
    return ipc::test::reference_message(n, size);
}

bool intact(std::span<const std::byte> m, std::uint64_t n) {
    return ipc::test::is_reference_message(m, n, size);
}

struct zipc_name {
    std::string name = "/" + ipc::test::unique_name("zipc").substr(0, 30);
    ~zipc_name() { (void)ipc::shm::unlink(name); }
};

ipc::zipc_options options() {
    ipc::zipc_options o;
    o.slots = slots;
    o.message_size = size;
    o.peer_check_interval = 50ms;
    return o;
}

std::vector<std::string> reference(const char* role, const std::string& name, std::uint64_t n) {
    return {IPC_TEST_ZIPC_REFERENCE, role, name, std::to_string(slots), std::to_string(size),
            std::to_string(n)};
}

const std::uint64_t count = 1'000'000 / ipc::test::stream_divisor;

TEST(Zipc, ALibipcSenderToTheSpecsReceiver) {
    zipc_name n;
    auto sender = ipc::zipc_sender::open(n.name, options());
    ASSERT_TRUE(sender) << sender.error_value().message();
    child_process peer(reference("receive", n.name, count));
    for (std::uint64_t i = 0; i < count; ++i) {
        ASSERT_TRUE(sender->send(message(i), 30s)) << i;
    }
    auto status = peer.wait(std::chrono::seconds(60 * ipc::test::deadline_factor));
    ASSERT_TRUE(status) << "the reference receiver hung";
    EXPECT_EQ(ipc::test::exit_code(*status), 0) << "4: a message damaged, 5: stalled";
    EXPECT_EQ(sender->stats().sent, count);
}

TEST(Zipc, TheSpecsSenderToALibipcReceiver) {
    zipc_name n;
    auto receiver = ipc::zipc_receiver::open(n.name, options());  // first: it makes the object
    ASSERT_TRUE(receiver) << receiver.error_value().message();
    child_process peer(reference("send", n.name, count));
    std::uint64_t damaged = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
        auto m = receiver->receive(30s);
        ASSERT_TRUE(m) << i << ": " << m.error_value().message();
        damaged += intact(*m, i) ? 0 : 1;
    }
    EXPECT_EQ(damaged, 0u);
    auto status = peer.wait(30s);
    ASSERT_TRUE(status);
    EXPECT_EQ(ipc::test::exit_code(*status), 0);
    // The sender is gone and everything it sent was taken: the next wait says so.
    EXPECT_EQ(receiver->receive(60s).code(), errc::peer_gone);
}

// The reference receiver takes ten messages and is killed waiting for more: the sender, which
// saw it work (and found it mapping the object then), is told once it waits for room.
TEST(Zipc, ASenderWhoseReceiverWasKilledIsToldSo) {
    zipc_name n;
    auto sender = ipc::zipc_sender::open(n.name, options());
    ASSERT_TRUE(sender);
    child_process peer(reference("receive", n.name, 1000));
    for (std::uint64_t i = 0; i < 10; ++i) {
        ASSERT_TRUE(sender->send(message(i), 30s));
    }
    const auto* head = static_cast<const std::uint32_t*>(sender->base());
    ASSERT_TRUE(
        ipc::test::eventually([&] { return __atomic_load_n(head, __ATOMIC_ACQUIRE) == 10; }, 30s));
    ASSERT_TRUE(sender->send(message(10), 30s));  // sees the slots given back
    peer.kill(SIGKILL);
    ASSERT_TRUE(peer.wait(30s));
    ipc::result<void> r;
    for (std::uint64_t i = 11; r; ++i) {  // fills the ring, then waits for room in vain
        r = sender->send(message(i), 60s);
    }
    EXPECT_EQ(r.code(), errc::peer_gone);
}

// What the older reference copies before it looks: a full ring and a message longer than a
// slot are refused with nothing written, and counted dropped.
TEST(Zipc, FullAndOversizedAreRefusedBeforeAnythingIsWritten) {
    zipc_name n;
    auto o = options();
    o.slots = 4;
    auto sender = ipc::zipc_sender::open(n.name, o);
    ASSERT_TRUE(sender);
    EXPECT_EQ(sender->try_send(std::vector<std::byte>(size + 1)).code(), errc::message_too_large);
    for (std::uint64_t i = 0; i < 3; ++i) {
        ASSERT_TRUE(sender->try_send(message(i)));
    }
    const auto shape = *ipc::detail::zipc::geometry_of(4, size);
    auto* base = static_cast<unsigned char*>(sender->base());
    const std::vector<unsigned char> before(base, base + shape.mapped_bytes);
    EXPECT_EQ(sender->try_send(message(3)).code(), errc::queue_full) << "Q - 1 messages fit";
    EXPECT_EQ(sender->send(message(3), 5ms).code(), errc::timeout);
    EXPECT_TRUE(std::equal(before.begin(), before.end(), base)) << "nothing written";
    EXPECT_EQ(sender->stats().dropped, 3u);
    EXPECT_EQ(sender->stats().sent, 3u);
    auto receiver = ipc::zipc_receiver::open(n.name, o);
    ASSERT_TRUE(receiver);
    for (std::uint64_t i = 0; i < 3; ++i) {
        auto m = receiver->try_receive();
        ASSERT_TRUE(m);
        EXPECT_TRUE(intact(*m, i));
    }
    EXPECT_EQ(receiver->try_receive().code(), errc::empty);
}

// A received message stays put until the next receive: the ring's spare slot is the one just
// read, so a sender that fills every other slot finds the ring full before it reaches it.
TEST(Zipc, AReceivedMessageStaysPutUntilTheNextReceive) {
    zipc_name n;
    auto o = options();
    o.slots = 3;
    auto sender = ipc::zipc_sender::open(n.name, o);
    auto receiver = ipc::zipc_receiver::open(n.name, o);
    ASSERT_TRUE(sender && receiver);
    ASSERT_TRUE(sender->try_send(message(0)));
    auto m = receiver->try_receive();
    ASSERT_TRUE(m);
    EXPECT_TRUE(sender->try_send(message(1)));
    EXPECT_TRUE(sender->try_send(message(2)));
    EXPECT_EQ(sender->try_send(message(3)).code(), errc::queue_full);
    EXPECT_TRUE(intact(*m, 0)) << "the sender never reached the slot being read";
    for (std::uint64_t i = 1; i < 3; ++i) {
        auto next = receiver->try_receive();
        ASSERT_TRUE(next);
        EXPECT_TRUE(intact(*next, i));
    }
}

// Everything read from the object is checked: a length above the slot size skips that slot
// with an error, indices out of range are an error, never a read out of bounds.
TEST(Zipc, CorruptLengthsAndIndicesAreErrorsNotCrashes) {
    zipc_name n;
    auto sender = ipc::zipc_sender::open(n.name, options());
    auto receiver = ipc::zipc_receiver::open(n.name, options());
    ASSERT_TRUE(sender && receiver);
    ASSERT_TRUE(sender->try_send(message(0)));
    ASSERT_TRUE(sender->try_send(message(1)));
    auto* base = static_cast<unsigned char*>(sender->base());
    const std::uint64_t huge = std::uint64_t{1} << 40;
    std::memcpy(base + ipc::detail::zipc::lengths_offset, &huge, 8);  // slot 0's length
    EXPECT_EQ(receiver->try_receive().code(), errc::corrupt);
    auto m = receiver->try_receive();
    ASSERT_TRUE(m) << "the next message is still good";
    EXPECT_TRUE(intact(*m, 1));
    EXPECT_EQ(receiver->stats().corrupt, 1u);
    const std::uint32_t wild = 1000;
    std::memcpy(base + ipc::detail::zipc::tail_offset, &wild, 4);
    EXPECT_EQ(receiver->try_receive().code(), errc::corrupt);
    EXPECT_EQ(sender->try_send(message(2)).code(), errc::corrupt);
    std::memcpy(base + ipc::detail::zipc::head_offset, &wild, 4);
    EXPECT_EQ(receiver->receive(10ms).code(), errc::corrupt);
}

TEST(Zipc, BadNamesSizesAndObjectsAreRefused) {
    const std::vector<std::string> bad_names = {"", "/", "noslash", "/a/b",
                                                "/" + std::string(39, 'x')};
    for (const auto& bad : bad_names) {
        EXPECT_EQ(ipc::zipc_sender::open(bad, options()).code(), errc::invalid_argument) << bad;
    }
    zipc_name n;
    auto o = options();
    o.slots = 1;
    EXPECT_EQ(ipc::zipc_sender::open(n.name, o).code(), errc::invalid_argument);
    o = options();
    o.message_size = 0;
    EXPECT_EQ(ipc::zipc_receiver::open(n.name, o).code(), errc::invalid_argument);
    // An object sized for other slots is not this side's to resize.
    ASSERT_TRUE(ipc::zipc_sender::open(n.name, options()));
    for (const std::uint32_t other : {2 * slots, slots / 2}) {  // too small, too large
        o = options();
        o.slots = other;
        EXPECT_EQ(ipc::zipc_receiver::open(n.name, o).code(), errc::invalid_argument) << other;
    }
    // A FIFO where the object should be: refused, and the open does not block on it.
    zipc_name fifo;
    ASSERT_EQ(::mkfifo(("/dev/shm" + fifo.name).c_str(), 0600), 0);
    EXPECT_EQ(ipc::zipc_receiver::open(fifo.name, options()).code(), errc::wrong_kind);
}

// The init flag follows the slots wherever they end: 4-aligned only when M * Q is. An odd
// geometry works the same (the flag is read and written as bytes).
TEST(Zipc, AnOddGeometryPutsTheFlagOffAlignmentAndStillWorks) {
    zipc_name n;
    auto o = options();
    o.slots = 3;
    o.message_size = 13;
    ASSERT_NE(ipc::detail::zipc::geometry_of(3, 13)->flag_offset % 4, 0u);
    auto sender = ipc::zipc_sender::open(n.name, o);
    auto receiver = ipc::zipc_receiver::open(n.name, o);
    ASSERT_TRUE(sender && receiver);
    const std::vector<std::byte> m(13, std::byte{0x5a});
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(sender->try_send(m));
        auto got = receiver->try_receive();
        ASSERT_TRUE(got);
        EXPECT_TRUE(std::equal(got->begin(), got->end(), m.begin()));
    }
}

}  // namespace
