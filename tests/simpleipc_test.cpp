// SimpleIPC format: libipc's host and guest each with a peer written in C from the spec alone
// (helpers/simpleipc_reference.c), 100,000 calls with every byte checked; a guest killed
// mid-call; what the reference truncates or leaks (oversized messages, stale semaphores); sizes
// and headers out of range.

#include "ipc/simpleipc.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "channel/simpleipc/simpleipc_layout.hpp"
#include "ipc/shm.hpp"
#include "support/child_process.hpp"
#include "support/names.hpp"
#include "support/reference_messages.hpp"
#include "support/scale.hpp"

namespace {

using namespace std::chrono_literals;
using ipc::errc;
using ipc::test::child_process;
namespace si = ipc::detail::simpleipc;

constexpr std::uint32_t slots = 4;
constexpr std::uint32_t slot_size = 1024;
constexpr std::uint32_t half = si::half_of(slot_size);

// The reference helper's requests (support/reference_messages.hpp); the answer to one is each
// byte plus one.
std::vector<std::byte> request(std::uint64_t n) {
    return ipc::test::reference_message(n, half);
}

bool answers(std::span<const std::byte> response, std::span<const std::byte> req) {
    if (response.size() != req.size()) {
        return false;
    }
    for (std::size_t i = 0; i < req.size(); ++i) {
        if (response[i] != static_cast<std::byte>(std::to_integer<unsigned>(req[i]) + 1)) {
            return false;
        }
    }
    return true;
}

// The reference guest's handler, for libipc's guest: checks the request, answers byte + 1.
ipc::result<std::size_t> plus_one(std::span<const std::byte> req, std::span<std::byte> response,
                                  std::atomic<std::uint64_t>& damaged) {
    std::uint64_t n = 0;
    if (req.size() < 8 ||
        (std::memcpy(&n, req.data(), 8), !ipc::test::is_reference_message(req, n, half))) {
        damaged.fetch_add(1);
    }
    for (std::size_t i = 0; i < req.size(); ++i) {
        response[i] = static_cast<std::byte>(std::to_integer<unsigned>(req[i]) + 1);
    }
    return req.size();
}

struct simpleipc_name {
    std::string bare = ipc::test::unique_name("sipc").substr(0, 40);
    std::string name = "/" + bare;
    ~simpleipc_name() {
        (void)ipc::shm::unlink(name);
        for (std::uint32_t i = 0; i < slots; ++i) {
            ::sem_unlink((name + "_slot_" + std::to_string(i)).c_str());
            ::sem_unlink((name + "_slot_" + std::to_string(i) + "_resp").c_str());
        }
    }
};

ipc::simpleipc_options options() {
    ipc::simpleipc_options o;
    o.slots = slots;
    o.slot_size = slot_size;
    o.peer_check_interval = 50ms;
    o.host_timeout = 10s;
    return o;
}

// The host's object mapped by the test, to change its slot 0 as a hostile process could.
struct mapped_object {
    mapped_object(const std::string& name, std::uint32_t slot_count)
        : shape(*si::geometry_of(slot_count, slot_size)) {
        if (auto fd = ipc::shm::open(name, ipc::access::read_write)) {
            void* at = ::mmap(nullptr, shape.object_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
                              fd->get(), 0);
            base = at == MAP_FAILED ? nullptr : static_cast<std::byte*>(at);
        }
    }
    mapped_object(const mapped_object&) = delete;
    mapped_object& operator=(const mapped_object&) = delete;
    ~mapped_object() {
        if (base != nullptr) {
            ::munmap(base, shape.object_bytes);
        }
    }
    std::uint32_t* word(std::size_t offset) const {
        return reinterpret_cast<std::uint32_t*>(base + shape.slot_offset(0) + offset);
    }
    bool state_is(std::uint32_t state) const {
        return __atomic_load_n(word(si::state_offset), __ATOMIC_SEQ_CST) == state;
    }
    void set_state(std::uint32_t state) const {
        __atomic_store_n(word(si::state_offset), state, __ATOMIC_SEQ_CST);
    }

    si::geometry shape;
    std::byte* base = nullptr;
};

const std::uint64_t count = 100'000 / ipc::test::stream_divisor;

// Calls from one thread per slot, request n on thread n % slots, each checked.
std::uint64_t call_all(ipc::simpleipc_host& host, std::uint64_t first, std::uint64_t total) {
    std::atomic<std::uint64_t> bad{0};
    std::vector<std::thread> threads;
    for (std::uint32_t t = 0; t < slots; ++t) {
        threads.emplace_back([&, t] {
            std::vector<std::byte> response(half);
            for (std::uint64_t n = first + t; n < first + total; n += slots) {
                const auto req = request(n);
                auto r = host.call(req, response, 30s);
                bad += r && answers({response.data(), *r}, req) ? 0 : 1;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    return bad;
}

TEST(SimpleIpc, ALibipcHostToTheSpecsGuest) {
    simpleipc_name n;
    auto host = ipc::simpleipc_host::open(n.name, options());
    ASSERT_TRUE(host) << host.error_value().message();
    child_process guest({IPC_TEST_SIMPLEIPC_REFERENCE, "guest", n.bare});
    for (std::uint32_t i = 0; i < slots; ++i) {
        EXPECT_TRUE(host->heartbeat(i, 30s)) << i;
    }
    EXPECT_EQ(call_all(*host, 0, count), 0u);
    EXPECT_EQ(host->stats().calls, count + slots);
    host->close();  // SHUTDOWN on every slot: the guest's workers all end
    auto status = guest.wait(60s);
    ASSERT_TRUE(status) << "the reference guest did not stop";
    EXPECT_EQ(ipc::test::exit_code(*status), 0) << "4: a damaged request";
}

TEST(SimpleIpc, TheSpecsHostToALibipcGuest) {
    simpleipc_name n;
    child_process host({IPC_TEST_SIMPLEIPC_REFERENCE, "host", n.bare, std::to_string(slots),
                        std::to_string(slot_size), std::to_string(count)});
    auto guest = ipc::simpleipc_guest::open(n.name, options());
    ASSERT_TRUE(guest) << guest.error_value().message();
    EXPECT_EQ(guest->request_capacity(), half);
    std::atomic<std::uint64_t> damaged{0};
    auto served =
        guest->serve([&](auto req, auto response) { return plus_one(req, response, damaged); });
    EXPECT_TRUE(served) << served.error_value().message() << " (ends at SHUTDOWN on every slot)";
    EXPECT_EQ(damaged.load(), 0u);
    EXPECT_EQ(guest->stats().calls, count + slots) << "with one heartbeat per slot";
    auto status = host.wait(60s);
    ASSERT_TRUE(status);
    EXPECT_EQ(ipc::test::exit_code(*status), 0) << "4: a damaged response, 5: stalled";
}

// The reference guest answers ten calls, then takes the eleventh and never answers (it makes a
// marker file once it has): killed then, the host's call (no timeout) ends with peer_gone.
TEST(SimpleIpc, AGuestKilledMidCallEndsTheCall) {
    simpleipc_name n;
    auto host = ipc::simpleipc_host::open(n.name, options());
    ASSERT_TRUE(host);
    const std::string marker = "/tmp/" + n.bare + ".taken";
    child_process guest({IPC_TEST_SIMPLEIPC_REFERENCE, "guest", n.bare, "10", marker});
    std::vector<std::byte> response(half);
    for (std::uint64_t i = 0; i < 10; ++i) {
        ASSERT_TRUE(host->call(request(i), response, 30s)) << i;
    }
    auto stalled =
        std::async(std::launch::async, [&] { return host->call(request(10), response).code(); });
    struct stat st {};
    ASSERT_TRUE(ipc::test::eventually([&] { return ::stat(marker.c_str(), &st) == 0; }, 30s))
        << "the guest never took the call";
    ::unlink(marker.c_str());
    guest.kill(SIGKILL);
    ASSERT_TRUE(guest.wait(30s));
    ASSERT_EQ(stalled.wait_for(60s), std::future_status::ready) << "the call waits forever";
    EXPECT_EQ(stalled.get(), errc::peer_gone);
    EXPECT_EQ(host->stats().failed, 1u);
}

TEST(SimpleIpc, ACallWithoutAGuestTimesOutAndItsLateAnswerIsDiscarded) {
    simpleipc_name n;
    auto o = options();
    o.slots = 1;
    auto host = ipc::simpleipc_host::open(n.name, o);
    ASSERT_TRUE(host);
    std::vector<std::byte> response(half);
    EXPECT_EQ(host->call(request(0), response, 20ms).code(), errc::timeout);
    EXPECT_EQ(host->call(request(1), response, 0ms).code(), errc::busy)
        << "still awaits its answer";
    auto guest = ipc::simpleipc_guest::open(n.name, o);
    ASSERT_TRUE(guest);
    std::atomic<std::uint64_t> damaged{0};
    std::thread serving([&] {
        (void)guest->serve([&](auto req, auto resp) { return plus_one(req, resp, damaged); });
    });
    const auto req = request(2);
    auto r = host->call(req, response, 30s);
    ASSERT_TRUE(r) << r.error_value().message();
    EXPECT_TRUE(answers({response.data(), *r}, req)) << "request 0's answer never handed out";
    EXPECT_EQ(host->stats().late, 1u);
    EXPECT_EQ(host->stats().dropped, 1u);
    guest->stop();
    serving.join();
}

// A libipc host and guest in one process: concurrent calls, heartbeats, a handler's failure.
TEST(SimpleIpc, HandlerFailuresAndOversizedMessagesAreErrorsNotTruncation) {
    simpleipc_name n;
    auto host = ipc::simpleipc_host::open(n.name, options());
    auto guest = ipc::simpleipc_guest::open(n.name, options());
    ASSERT_TRUE(host && guest);
    std::thread serving([&] {
        (void)guest->serve([](auto req, auto resp) -> ipc::result<std::size_t> {
            if (req.size() == 3) {
                return ipc::error{errc::invalid_argument, "three bytes are not welcome"};
            }
            if (req.size() == 4) {
                return resp.size() + 1;  // claims more than fits
            }
            std::memcpy(resp.data(), req.data(), req.size());
            return req.size();
        });
    });
    std::vector<std::byte> response(half);
    EXPECT_EQ(host->call(std::vector<std::byte>(half + 1), response, 30s).code(),
              errc::message_too_large);
    EXPECT_EQ(host->call(std::vector<std::byte>(3), response, 30s).code(), errc::handler_failed);
    EXPECT_EQ(host->call(std::vector<std::byte>(4), response, 30s).code(), errc::handler_failed);
    std::vector<std::byte> small(10);
    EXPECT_EQ(host->call(std::vector<std::byte>(half), small, 30s).code(), errc::invalid_argument);
    EXPECT_EQ(host->call(std::vector<std::byte>(half), response, 30s).value(), half);
    EXPECT_TRUE(host->heartbeat(slots - 1, 30s));
    EXPECT_EQ(host->call_on(slots, {}, response, 30s).code(), errc::invalid_argument);
    const auto stats = host->stats();
    EXPECT_EQ(stats.dropped, 1u);
    EXPECT_EQ(stats.failed, 3u);
    EXPECT_EQ(stats.calls, 2u);
    EXPECT_EQ(guest->stats().failed, 2u);
    host->close();
    serving.join();
}

// The reference never unlinks its semaphores: an old count would wake a new run's waiter for a
// request that is not there. libipc's host makes them afresh, and removes them on close.
TEST(SimpleIpc, StaleSemaphoresAreResetAndEverythingIsRemovedOnClose) {
    simpleipc_name n;
    const std::string sem0 = n.name + "_slot_0";
    sem_t* stale = ::sem_open(sem0.c_str(), O_CREAT, 0600, 5U);
    ASSERT_NE(stale, SEM_FAILED);
    ::sem_close(stale);
    auto host = ipc::simpleipc_host::open(n.name, options());
    ASSERT_TRUE(host);
    sem_t* fresh = ::sem_open(sem0.c_str(), 0);
    ASSERT_NE(fresh, SEM_FAILED);
    int value = -1;
    ::sem_getvalue(fresh, &value);
    ::sem_close(fresh);
    EXPECT_EQ(value, 0);
    host->close();
    struct stat st {};
    EXPECT_NE(::stat(("/dev/shm/sem." + n.bare + "_slot_0").c_str(), &st), 0);
    EXPECT_NE(::stat(("/dev/shm/sem." + n.bare + "_slot_3_resp").c_str(), &st), 0);
    EXPECT_NE(::stat((ipc::shm::directory() + n.name).c_str(), &st), 0);
}

// What a guest reads from the object is checked: a request size beyond its half is answered as a
// failure (never a read out of bounds), a header out of range is refused.
TEST(SimpleIpc, SizesAndHeadersOutOfRangeAreRefused) {
    simpleipc_name n;
    auto host = ipc::simpleipc_host::open(n.name, options());
    auto guest = ipc::simpleipc_guest::open(n.name, options());
    ASSERT_TRUE(host && guest);
    std::thread serving(
        [&] { (void)guest->serve([](auto, auto) -> ipc::result<std::size_t> { return 0; }); });
    const mapped_object object(n.name, slots);
    ASSERT_NE(object.base, nullptr);
    object.set_state(si::busy);
    *reinterpret_cast<std::int32_t*>(object.word(si::req_size_offset)) = INT32_MIN;
    *object.word(si::msg_id_offset) = si::normal;
    object.set_state(si::req_ready);
    sem_t* wake = ::sem_open((n.name + "_slot_0").c_str(), 0);
    ::sem_post(wake);
    ::sem_close(wake);
    ASSERT_TRUE(ipc::test::eventually(
        [&] {
            return __atomic_load_n(object.word(si::state_offset), __ATOMIC_SEQ_CST) ==
                   si::resp_ready;
        },
        30s));
    EXPECT_EQ(*object.word(si::msg_id_offset), ipc::simpleipc_guest::handler_failed_id);
    EXPECT_EQ(guest->stats().corrupt, 1u);
    object.set_state(si::free);

    // A second guest, with the header's slot count wild: refused.
    const std::uint32_t wild = 1u << 30;
    std::memcpy(object.base + si::num_slots_offset, &wild, 4);
    auto o = options();
    o.host_timeout = 0ms;
    EXPECT_EQ(ipc::simpleipc_guest::open(n.name, o).code(), errc::corrupt);
    const std::uint32_t big = 1u << 20;  // in range, but the object is too small for it
    std::memcpy(object.base + si::num_slots_offset, &slots, 4);
    std::memcpy(object.base + si::slot_size_offset, &big, 4);
    EXPECT_EQ(ipc::simpleipc_guest::open(n.name, o).code(), errc::not_ready);
    guest->stop();
    serving.join();
}

// A slot's state changed under a call (here by the test, as a hostile process could) ends that
// call with corrupt, and leaves no mark that would let a later call take another's answer: the
// slot is free, the next call uses it, and while that call's answer waits for it, a third
// call finds the slot taken (before the fix, a stale "abandoned" mark let it take the answer).
TEST(SimpleIpc, AStateChangedUnderACallLetsNoOtherCallTakeAnAnswer) {
    simpleipc_name n;
    auto o = options();
    o.slots = 1;
    o.strategy = ipc::wait_strategy::blocking;
    o.telemetry = false;
    auto host = ipc::simpleipc_host::open(n.name, o);
    ASSERT_TRUE(host);
    const mapped_object object(n.name, 1);
    ASSERT_NE(object.base, nullptr);
    std::vector<std::byte> response(half);
    auto first = std::async(std::launch::async,
                            [&] { return host->call(request(0), response, 30s).code(); });
    ASSERT_TRUE(ipc::test::eventually([&] { return object.state_is(si::req_ready); }, 30s));
    object.set_state(si::free);
    EXPECT_EQ(first.get(), errc::corrupt);

    std::vector<std::byte> second_response(half);
    auto second = std::async(std::launch::async,
                             [&] { return host->call(request(1), second_response, 30s); });
    ASSERT_TRUE(ipc::test::eventually(
        [&] {
            return object.state_is(si::req_ready) &&
                   __atomic_load_n(object.word(si::host_state_offset), __ATOMIC_SEQ_CST) ==
                       si::waiting;
        },
        30s));
    *reinterpret_cast<std::int32_t*>(object.word(si::resp_size_offset)) = 0;
    object.set_state(si::resp_ready);
    std::vector<std::byte> third_response(half);
    EXPECT_EQ(host->call(request(2), third_response, 0ms).code(), errc::busy);
    EXPECT_EQ(host->stats().late, 0u);
    sem_t* wake = ::sem_open((n.name + "_slot_0_resp").c_str(), 0);
    ASSERT_NE(wake, SEM_FAILED);
    ::sem_post(wake);
    ::sem_close(wake);
    EXPECT_TRUE(second.get()) << "the second call keeps its own answer";
}

// A guest opens a slot's semaphore only as the checked file: one planted empty, or as a link,
// is refused, never mapped (an empty one would fault).
TEST(SimpleIpc, AGuestRefusesPlantedSemaphoreFiles) {
    simpleipc_name n;
    auto host = ipc::simpleipc_host::open(n.name, options());
    ASSERT_TRUE(host);
    const std::string file = "/dev/shm/sem." + n.bare + "_slot_1";
    ASSERT_EQ(::unlink(file.c_str()), 0);
    const int fd = ::open(file.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600);
    ASSERT_GE(fd, 0);
    ::close(fd);
    auto o = options();
    o.host_timeout = 0ms;
    EXPECT_EQ(ipc::simpleipc_guest::open(n.name, o).code(), errc::wrong_kind) << "an empty file";
    ASSERT_EQ(::unlink(file.c_str()), 0);
    ASSERT_EQ(::symlink(("/dev/shm/sem." + n.bare + "_slot_0").c_str(), file.c_str()), 0);
    EXPECT_EQ(ipc::simpleipc_guest::open(n.name, o).code(), errc::wrong_kind) << "a link";
}

// A response size beyond its half, from a guest, is corrupt: never a read out of bounds.
TEST(SimpleIpc, AResponseSizeBeyondItsHalfIsCorrupt) {
    simpleipc_name n;
    auto o = options();
    o.slots = 1;
    o.telemetry = false;
    auto host = ipc::simpleipc_host::open(n.name, o);
    ASSERT_TRUE(host);
    const mapped_object object(n.name, 1);
    ASSERT_NE(object.base, nullptr);
    std::vector<std::byte> response(half);
    auto call = std::async(std::launch::async,
                           [&] { return host->call(request(0), response, 30s).code(); });
    ASSERT_TRUE(ipc::test::eventually(
        [&] {
            return __atomic_load_n(object.word(si::state_offset), __ATOMIC_SEQ_CST) ==
                   si::req_ready;
        },
        30s));
    *reinterpret_cast<std::int32_t*>(object.word(si::resp_size_offset)) =
        -static_cast<int>(half) - 1;
    object.set_state(si::resp_ready);
    EXPECT_EQ(call.get(), errc::corrupt);
    EXPECT_EQ(host->stats().corrupt, 1u);
}

TEST(SimpleIpc, AHostRefusesAnObjectAnotherProcessMaps) {
    simpleipc_name n;
    auto first = ipc::simpleipc_host::open(n.name, options());
    ASSERT_TRUE(first);
    pid_t child = ::fork();
    if (child == 0) {
        auto second = ipc::simpleipc_host::open(n.name, options());
        ::_exit(second.code() == errc::busy ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_EQ(ipc::test::exit_code(status), 0) << "a live host's object is not replaced";
}

}  // namespace
