// A hostile local user and a careless operator (issue 8): FIFOs and sparse files under libipc
// names, locks held by strangers, squatting and spoofing by another uid, names with terminal
// escapes, impossible counters, and the lifetimes in which messages used to be lost.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "channel/ring/ring_layout.hpp"
#include "ipc/inspect.hpp"
#include "ipc/layout/telemetry_layout.hpp"
#include "ipc/process.hpp"
#include "ipc/ring.hpp"
#include "ipc/shm.hpp"
#include "ipc/slots.hpp"
#include "ipc/telemetry.hpp"
#include "support/dead_peer.hpp"
#include "support/deadline_child.hpp"
#include "support/names.hpp"
#include "support/other_user.hpp"
#include "support/scale.hpp"
#include "support/tamper.hpp"

namespace {

using ipc::errc;
using namespace std::chrono_literals;

std::string path_of(const std::string& object) {
    return ipc::shm::directory() + object;
}

// What a forked child returns: its telemetry segment removed first (_exit skips atexit).
int child_exit(bool ok) {
    ipc::telemetry::remove_segment();
    return ok ? 0 : 1;
}

const ipc::inspect::segment_entry* find_segment(const ipc::inspect::snapshot& s,
                                                const std::string& object) {
    for (const auto& seg : s.segments) {
        if ("/" + seg.raw_name == object) {
            return &seg;
        }
    }
    return nullptr;
}

// ---- 1: FIFOs and other non-files under libipc names ----

TEST(TrustFiles, AFifoUnderALibipcNameHangsNothing) {
    const auto name = ipc::test::unique_name("fifo");
    const auto ring = ipc::shm::object_name("ring", name);
    const auto tel = ipc::telemetry::segment_object_name(ipc::test::dead_pid());
    ASSERT_EQ(ipc::test::as_hostile_user([&] {
                  return ::mkfifo(path_of(ring).c_str(), 0666) == 0 &&
                                 ::mkfifo(path_of(tel).c_str(), 0666) == 0
                             ? 0
                             : 1;
              }),
              0);
    const auto code = ipc::test::exit_code_within(10s, [&] {
        const bool refused = ipc::ring_reader::open(name).code() == errc::wrong_kind &&
                             ipc::inspect::read_telemetry(tel).code() == errc::wrong_kind;
        const auto snap = ipc::inspect::take_snapshot();
        const auto* seg = find_segment(snap, ring);
        const bool listed = seg != nullptr && !seg->error.empty() && !seg->stale;
        const auto outcome =
            ipc::inspect::remove_stale(ipc::inspect::default_shm_dir(), {.name = name});
        const bool reported = std::any_of(outcome.begin(), outcome.end(),
                                          [](const auto& e) { return !e.error.empty(); });
        return child_exit(refused && listed && reported);
    });
    EXPECT_EQ(code, 0) << (code ? "a check failed" : "hung on the FIFO");
    ::unlink(path_of(ring).c_str());
    ::unlink(path_of(tel).c_str());
}

TEST(TrustFiles, ASymbolicLinkUnderALibipcNameIsNotFollowed) {
    const auto name = ipc::test::unique_name("symlink");
    const auto ring = ipc::shm::object_name("ring", name);
    ASSERT_EQ(ipc::test::as_hostile_user(
                  [&] { return ::symlink("/etc/passwd", path_of(ring).c_str()) == 0 ? 0 : 1; }),
              0);
    EXPECT_EQ(ipc::ring_writer::open(name).code(), errc::wrong_kind);
    EXPECT_EQ(ipc::inspect::read_ring(ring).code(), errc::wrong_kind);
    ::unlink(path_of(ring).c_str());
}

// ---- 2: sparse files and files that shrink under an observer ----

void write_telemetry_header(int fd, std::uint64_t capacity, std::uint64_t total_size,
                            std::int32_t pid) {
    ipc::layout::telemetry_header h{};
    h.header.magic = ipc::layout::segment_magic;
    h.header.layout_version = ipc::layout::telemetry_layout_version;
    h.header.kind = static_cast<std::uint16_t>(ipc::layout::segment_kind::telemetry);
    h.header.header_size = sizeof h;
    h.header.ready = ipc::layout::ready_value;
    h.header.total_size = total_size;
    h.header.creator_pid = pid;
    h.header.creator_start_time = ipc::process_start_time(pid);
    h.endpoint_capacity = static_cast<std::uint32_t>(capacity);
    h.endpoint_size = sizeof(ipc::layout::endpoint_record);
    h.endpoints_offset = sizeof h;
    std::memcpy(h.program, "sshd", 5);
    ASSERT_EQ(::pwrite(fd, &h, sizeof h, 0), static_cast<ssize_t>(sizeof h));
}

TEST(TrustFiles, ASparseTelemetryFileClaimingMillionsOfRecordsIsCorrupt) {
    const auto object = ipc::telemetry::segment_object_name(ipc::test::dead_pid());
    constexpr std::uint64_t claimed = 1'600'000;
    const std::uint64_t size =
        sizeof(ipc::layout::telemetry_header) + claimed * sizeof(ipc::layout::endpoint_record);
    const pid_t dead = ipc::test::dead_pid();
    ASSERT_EQ(ipc::test::as_hostile_user([&] {
                  auto fd = ipc::shm::create(object, size, 0644);  // sparse: no page allocated
                  if (fd) {
                      write_telemetry_header(fd->get(), claimed, size, dead);
                  }
                  return fd ? 0 : 1;
              }),
              0);
    EXPECT_EQ(ipc::inspect::read_telemetry(object).code(), errc::corrupt);
    const auto snap = ipc::inspect::take_snapshot();
    const auto* seg = find_segment(snap, object);
    ASSERT_NE(seg, nullptr);
    EXPECT_NE(seg->error.find("fixed limits"), std::string::npos) << seg->error;
    EXPECT_TRUE(ipc::shm::unlink(object));
}

TEST(TrustFiles, AnObserverSurvivesASegmentShrinkingUnderIt) {
    const auto object = ipc::telemetry::segment_object_name(ipc::test::dead_pid());
    constexpr std::uint64_t size =
        sizeof(ipc::layout::telemetry_header) +
        ipc::layout::telemetry_endpoint_capacity * sizeof(ipc::layout::endpoint_record);
    auto fd = ipc::shm::create(object, size, 0600);
    ASSERT_TRUE(fd);
    write_telemetry_header(fd->get(), ipc::layout::telemetry_endpoint_capacity, size, 1);
    // The owner truncates and restores the file as fast as it can while an observer reads it:
    // an observer that mapped it would die of SIGBUS.
    std::optional<int> code;
    {
        const ipc::test::looping_process owner([&] {
            (void)::ftruncate(fd->get(), 4096);
            (void)::ftruncate(fd->get(), static_cast<off_t>(size));
        });
        code = ipc::test::exit_code_within(60s, [&] {
            for (std::uint64_t i = 0; i < 2000 / ipc::test::stream_divisor; ++i) {
                (void)ipc::inspect::read_telemetry(object);
            }
            return 0;
        });
    }
    EXPECT_EQ(code, 0) << "the observer died (128 + signal) or hung";
    EXPECT_TRUE(ipc::shm::unlink(object));
}

TEST(TrustFiles, AnObserverSurvivesANameSwitchedBetweenFilesOfOtherKinds) {
    // The owner of a name points it at a small ring header and a full telemetry segment in
    // turn (rename over it). An observer that took the kind from one file and the bytes from
    // the other read far past its copy.
    const auto name = ipc::test::unique_name("switch");
    const auto object = ipc::shm::object_name("ring", name);
    const auto ring = ipc::shm::object_name("ring", name + "-a");
    const auto tel = ipc::shm::object_name("ring", name + "-b");
    constexpr std::uint64_t tel_size =
        sizeof(ipc::layout::telemetry_header) +
        ipc::layout::telemetry_endpoint_capacity * sizeof(ipc::layout::endpoint_record);
    std::optional<int> code;
    int i = 0;
    {
        const ipc::test::looping_process owner([&] {
            const bool as_ring = i++ % 2 == 0;
            const auto& from = as_ring ? ring : tel;
            auto fd = ipc::shm::create(from, as_ring ? 320 : tel_size, 0600);
            if (fd) {
                write_telemetry_header(fd->get(), ipc::layout::telemetry_endpoint_capacity,
                                       tel_size, 1);
                if (as_ring) {
                    const std::uint16_t kind = 2;
                    (void)::pwrite(fd->get(), &kind, sizeof kind, 6);
                }
            }
            (void)::rename(path_of(from).c_str(), path_of(object).c_str());
        });
        code = ipc::test::exit_code_within(60s, [&] {
            // Far fewer under sanitizers, where a snapshot is many times slower.
            for (std::uint64_t n = 0; n < 500 / ipc::test::stream_divisor; ++n) {
                (void)ipc::inspect::take_snapshot();
            }
            return 0;
        });
    }
    EXPECT_EQ(code, 0) << "the observer died (128 + signal) or hung";
    for (const auto* o : {&object, &ring, &tel}) {
        (void)ipc::shm::unlink(*o);
    }
}

// ---- 3: locks a stranger can hold ----

TEST(TrustLocks, ALockOnTheShmDirectoryBlocksNothing) {
    const auto name = ipc::test::unique_name("dirlock");
    (void)ipc::test::leave_ring_of_dead_writer(name);  // abandoned and empty: to be replaced
    ipc::test::hostile_holder locker([] {
        const int dir = ::open(ipc::shm::directory().c_str(), O_RDONLY | O_DIRECTORY);
        return dir >= 0 && ::flock(dir, LOCK_EX) == 0;  // held until the holder goes
    });
    ASSERT_TRUE(locker.holding());
    const auto code = ipc::test::exit_code_within(10s, [&] {
        auto r = ipc::ring_reader::open(name);
        const bool opened = r.has_value();
        r = ipc::result<ipc::ring_reader>(ipc::error{});
        (void)ipc::inspect::remove_stale(ipc::inspect::default_shm_dir(), {.name = name});
        return child_exit(opened);
    });
    EXPECT_EQ(code, 0) << (code ? "the open failed" : "hung on the directory lock");
}

TEST(TrustLocks, ASegmentLockHeldForeverMakesRemovalBusyNotStuck) {
    const auto name = ipc::test::unique_name("seglock");
    (void)ipc::test::leave_ring_of_dead_writer(name);
    const auto object = ipc::shm::object_name("ring", name);
    auto held = ipc::shm::open(object, ipc::access::read_only);
    ASSERT_TRUE(held);
    ASSERT_EQ(::flock(held->get(), LOCK_EX), 0);
    const auto outcome =
        ipc::inspect::remove_stale(ipc::inspect::default_shm_dir(), {.name = name});
    ASSERT_EQ(outcome.size(), 1u);
    EXPECT_NE(outcome[0].error.find("removal lock"), std::string::npos) << outcome[0].error;
    ::flock(held->get(), LOCK_UN);
    EXPECT_TRUE(ipc::inspect::remove_stale(ipc::inspect::default_shm_dir(), {.name = name})
                    .at(0)
                    .error.empty());
}

// ---- 4: names that would drive a terminal or forge rows ----

TEST(TrustOutput, PrintableEscapesControlsAndInvalidUtf8) {
    using ipc::inspect::printable;
    EXPECT_EQ(printable("plain-name_1.x"), "plain-name_1.x");
    EXPECT_EQ(printable("a\x1b[31mb"), "a\\x1b[31mb");
    EXPECT_EQ(printable("row\nforged\tcell"), "row\\x0aforged\\x09cell");
    EXPECT_EQ(printable("back\\slash\x7f"), "back\\x5cslash\\x7f");
    EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 is kept
    EXPECT_EQ(printable("\xff\xc3"), "\\xff\\xc3");      // not UTF-8
    EXPECT_EQ(printable("\xc2\x9b"
                        "2J"),
              "\\xc2\\x9b2J");                                // C1 CSI
    EXPECT_EQ(printable("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");  // overlong
}

TEST(TrustOutput, EscapesInSegmentNamesReachNoOutput) {
    const std::string evil =
        "libipc-ring-" + ipc::test::unique_name("evil") + "\x1b]0;owned\x07\nFORGED\xff";
    ASSERT_EQ(
        ipc::test::as_hostile_user([&] { return ipc::shm::create("/" + evil, 100, 0644) ? 0 : 1; }),
        0);
    const auto snap = ipc::inspect::take_snapshot();
    const auto* seg = find_segment(snap, "/" + evil);
    ASSERT_NE(seg, nullptr);
    const std::string outputs[] = {ipc::inspect::to_json(snap), ipc::inspect::to_csv(snap),
                                   ipc::inspect::to_prometheus(snap), seg->name};
    for (const auto& out : outputs) {
        EXPECT_EQ(out.find('\x1b'), std::string::npos);
        EXPECT_EQ(out.find('\x07'), std::string::npos);
        EXPECT_EQ(out.find("\nFORGED"), std::string::npos);
        EXPECT_EQ(out.find('\xff'), std::string::npos);
    }
    EXPECT_TRUE(nlohmann::json::accept(ipc::inspect::to_json(snap)));
    // The raw name still reaches the object: remove-stale removes it (it is an unfinished
    // leftover).
    const auto removed = ipc::inspect::remove_stale(ipc::inspect::default_shm_dir(),
                                                    std::vector<std::string>{seg->name});
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_TRUE(removed[0].error.empty()) << removed[0].error;
}

// ---- 5: counters that wrap ----

TEST(TrustCounters, HugeHistogramCountsSaturateAndMarkTheEndpointCorrupt) {
    const auto name = ipc::test::unique_name("wrap");
    auto w = ipc::ring_writer::open(name);
    ASSERT_TRUE(w);
    ipc::test::tamper t(ipc::telemetry::segment_object_name(::getpid()));
    auto* records = reinterpret_cast<ipc::layout::endpoint_record*>(
        t.map.data() + sizeof(ipc::layout::telemetry_header));
    ipc::layout::endpoint_record* mine = nullptr;
    for (std::uint32_t i = 0; i < ipc::layout::telemetry_endpoint_capacity; ++i) {
        if (std::string(records[i].name) == name) {
            mine = &records[i];
        }
    }
    ASSERT_NE(mine, nullptr);
    mine->latency_buckets[20] = UINT64_MAX - 5;
    mine->latency_buckets[40] = 100;
    mine->counters.latency_max_ns = 1'000'000;
    const auto snap = ipc::inspect::take_snapshot();
    const ipc::inspect::endpoint_info* e = nullptr;
    for (const auto& p : snap.processes) {
        for (const auto& candidate : p.endpoints) {
            if (candidate.name == name) {
                e = &candidate;
            }
        }
    }
    ASSERT_NE(e, nullptr);
    EXPECT_NE(e->error.find("corrupt"), std::string::npos);
    EXPECT_EQ(e->latency.count, UINT64_MAX);
    EXPECT_NE(e->latency.p50_ns, 0u);
    // Prometheus buckets of this channel stay cumulative.
    std::istringstream prom(ipc::inspect::to_prometheus(snap));
    std::string line;
    unsigned long long previous = 0;
    int buckets = 0;
    while (std::getline(prom, line)) {
        if (line.find("_bucket{") == std::string::npos ||
            line.find("channel=\"" + name + "\"") == std::string::npos) {
            continue;
        }
        const unsigned long long value = std::stoull(line.substr(line.rfind(' ') + 1));
        EXPECT_GE(value, previous) << line;
        previous = value;
        ++buckets;
    }
    EXPECT_GT(buckets, 0);
}

// ---- 6: squatting by another user ----

TEST(TrustOwners, ARingPreCreatedByAnotherUserIsRefused) {
    if (!ipc::test::can_act_as_other_user()) {
        GTEST_SKIP() << ipc::test::other_user_skip_reason;
    }
    const auto name = ipc::test::unique_name("squat");
    ASSERT_EQ(ipc::test::as_other_user([&] {
                  ipc::ring_options squat;
                  squat.permissions = 0666;
                  squat.keep_segment = true;
                  squat.telemetry = false;
                  auto w = ipc::ring_writer::open(name, squat);
                  if (w) {
                      (void)w->try_send(std::as_bytes(std::span("hello", 5)));
                      w->close();
                  }
                  return w ? 0 : 1;
              }),
              0);
    for (int writer = 0; writer < 2; ++writer) {
        auto opened =
            writer ? ipc::ring_writer::open(name).code() : ipc::ring_reader::open(name).code();
        EXPECT_EQ(opened, errc::permission_denied);
    }
    auto refused = ipc::ring_writer::open(name);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error_value().subject(), ipc::test::other_uid);
    EXPECT_NE(refused.error_value().message().find("owner uid 54321"), std::string::npos);
    ipc::ring_options trusting;
    trusting.trusted_owners = {ipc::test::other_uid};
    EXPECT_TRUE(ipc::ring_reader::open(name, trusting));
    (void)ipc::shm::unlink(ipc::shm::object_name("ring", name));
}

TEST(TrustOwners, ASlotsSegmentPreCreatedByAnotherUserIsRefused) {
    if (!ipc::test::can_act_as_other_user()) {
        GTEST_SKIP() << ipc::test::other_user_skip_reason;
    }
    const auto name = ipc::test::unique_name("squatslots");
    ASSERT_EQ(ipc::test::as_other_user([&] {
                  ipc::slots_options squat;
                  squat.permissions = 0666;
                  squat.keep_segment = true;
                  squat.telemetry = false;
                  return ipc::slots_host::open(name, squat) ? 0 : 1;
              }),
              0);
    EXPECT_EQ(ipc::slots_host::open(name).code(), errc::permission_denied);
    ipc::guest_options guest;
    guest.host_timeout = 0ms;
    EXPECT_EQ(ipc::slots_guest::open(name, guest).code(), errc::permission_denied);
    (void)ipc::shm::unlink(ipc::shm::object_name("slots", name));
}

// ---- 7: telemetry pre-empted or spoofed by another user ----

// A process that waits for `go`, opens a ring with telemetry, reports whether it got its
// record, then waits for `done` (so an observer sees it alive).
struct telemetry_child {
    int go[2]{};
    int report[2]{};
    int done[2]{};
    pid_t pid = 0;
    explicit telemetry_child(const std::string& channel) {
        EXPECT_EQ(::pipe(go), 0);
        EXPECT_EQ(::pipe(report), 0);
        EXPECT_EQ(::pipe(done), 0);
        pid = ::fork();
        if (pid == 0) {
            char c = 0;
            (void)::read(go[0], &c, 1);
            auto w = ipc::ring_writer::open(channel);
            c = w && w->telemetry_error().code() == errc::ok ? 'y' : 'n';
            (void)::write(report[1], &c, 1);
            (void)::read(done[0], &c, 1);
            ::_exit(child_exit(true));
        }
    }
    bool start() {
        char c = 1;
        (void)::write(go[1], &c, 1);
        return ::read(report[0], &c, 1) == 1 && c == 'y';
    }
    ~telemetry_child() {
        char c = 1;
        (void)::write(done[1], &c, 1);
        int status = 0;
        ::waitpid(pid, &status, 0);
        for (int fd : {go[0], go[1], report[0], report[1], done[0], done[1]}) {
            ::close(fd);
        }
    }
};

TEST(TrustTelemetry, APreCreatedTelemetryNameNeitherHidesNorImpersonatesAProcess) {
    if (!ipc::test::can_act_as_other_user()) {
        GTEST_SKIP() << ipc::test::other_user_skip_reason;
    }
    const auto channel = ipc::test::unique_name("spoofed");
    telemetry_child child(channel);
    const auto predictable = ipc::telemetry::segment_object_name(child.pid);
    // The stranger pre-creates the child's telemetry name, posing as "sshd".
    ASSERT_EQ(ipc::test::as_other_user([&] {
                  constexpr std::uint64_t size = sizeof(ipc::layout::telemetry_header) +
                                                 ipc::layout::telemetry_endpoint_capacity *
                                                     sizeof(ipc::layout::endpoint_record);
                  auto fd = ipc::shm::create(predictable, size, 0644);
                  if (!fd) {
                      return 1;
                  }
                  write_telemetry_header(fd->get(), ipc::layout::telemetry_endpoint_capacity, size,
                                         child.pid);
                  return 0;
              }),
              0);
    EXPECT_TRUE(child.start()) << "the child ran without telemetry";
    const auto snap = ipc::inspect::take_snapshot();
    int real = 0;
    int spoofed = 0;
    for (const auto& p : snap.processes) {
        if (p.pid != child.pid) {
            continue;
        }
        if (p.spoofed) {
            ++spoofed;
            EXPECT_FALSE(p.alive);
            EXPECT_EQ(p.owner_uid, ipc::test::other_uid);
        } else {
            ++real;
            EXPECT_TRUE(p.alive);
            EXPECT_NE("/" + p.segment, predictable);
            EXPECT_TRUE(std::any_of(p.endpoints.begin(), p.endpoints.end(),
                                    [&](const auto& e) { return e.name == channel; }));
        }
    }
    EXPECT_EQ(real, 1);
    EXPECT_EQ(spoofed, 1);
    (void)ipc::shm::unlink(predictable);
}

TEST(TrustTelemetry, AProcessThatDroppedRootIsNotMarkedSpoofed) {
    if (!ipc::test::can_act_as_other_user()) {
        GTEST_SKIP() << ipc::test::other_user_skip_reason;
    }
    const auto channel = ipc::test::unique_name("dropped-root");
    int ready[2];
    int done[2];
    ASSERT_EQ(::pipe(ready), 0);
    ASSERT_EQ(::pipe(done), 0);
    const pid_t child = ::fork();
    if (child == 0) {
        auto w = ipc::ring_writer::open(channel);  // telemetry made as root
        ipc::test::become_other_user();
        const char c = w ? 'y' : 'n';
        (void)::write(ready[1], &c, 1);
        char wait = 0;
        ::close(done[1]);  // or the read would never see end-of-file
        (void)::read(done[0], &wait, 1);
        ::_exit(0);
    }
    char c = 0;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
    ASSERT_EQ(c, 'y');
    bool seen = false;
    for (const auto& p : ipc::inspect::take_snapshot().processes) {
        if (p.pid == child) {
            seen = true;
            EXPECT_FALSE(p.spoofed);
            EXPECT_TRUE(p.alive);
        }
    }
    EXPECT_TRUE(seen);
    ::close(done[1]);
    ::waitpid(child, nullptr, 0);
    (void)ipc::shm::unlink(ipc::telemetry::segment_object_name(child));
    for (int fd : {ready[0], ready[1], done[0]}) {
        ::close(fd);
    }
}

// ---- 8, 9: committed messages survive their writer ----

TEST(TrustLifetime, AReaderReceivesWhatADeadWriterCommittedBeforeItAttached) {
    const auto name = ipc::test::unique_name("deadwriter");
    const auto code = ipc::test::exit_code_within(10s, [&] {
        auto w = ipc::ring_writer::open(name);
        bool ok = w.has_value();
        for (int i = 0; ok && i < 3; ++i) {
            ok = static_cast<bool>(w->try_send(std::as_bytes(std::span("msg", 3))));
        }
        ipc::telemetry::remove_segment();
        ::_exit(ok ? 0 : 1);  // dies without closing, before any reader came
        return 1;
    });
    ASSERT_EQ(code, 0);
    auto r = ipc::ring_reader::open(name);
    ASSERT_TRUE(r) << r.error_value().message();
    std::vector<std::byte> buf(8);
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(r->try_receive(buf)) << "message " << i;
    }
    EXPECT_EQ(r->receive(buf, 5s).code(), errc::peer_gone);
}

TEST(TrustLifetime, AWriterThatClosesBeforeItsReaderCameLeavesTheMessagesForIt) {
    const auto name = ipc::test::unique_name("early-close");
    {
        auto w = ipc::ring_writer::open(name);
        ASSERT_TRUE(w);
        ASSERT_TRUE(w->try_send(std::as_bytes(std::span("one", 3))));
        ASSERT_TRUE(w->try_send(std::as_bytes(std::span("two", 3))));
    }
    auto r = ipc::ring_reader::open(name);
    ASSERT_TRUE(r);
    std::vector<std::byte> buf(8);
    EXPECT_TRUE(r->try_receive(buf));
    EXPECT_TRUE(r->try_receive(buf));
    EXPECT_EQ(r->receive(buf, 5s).code(), errc::peer_closed);
    r->close();  // the last one out removes the name
    EXPECT_FALSE(ipc::shm::open(ipc::shm::object_name("ring", name), ipc::access::read_only));
}

TEST(TrustLifetime, MessagesADeadReaderLeftAreCountedAsDroppedAtClose) {
    const auto name = ipc::test::unique_name("dead-reader");
    auto w = ipc::ring_writer::open(name);
    ASSERT_TRUE(w);
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(w->try_send(std::as_bytes(std::span("msg", 3))));
    }
    const auto code = ipc::test::exit_code_within(10s, [&] {
        auto r = ipc::ring_reader::open(name);
        std::vector<std::byte> buf(8);
        const bool took_two = r && r->try_receive(buf) && r->try_receive(buf);
        ipc::telemetry::remove_segment();
        ::_exit(took_two ? 0 : 1);  // dies attached, three messages unread
        return 1;
    });
    ASSERT_EQ(code, 0);
    EXPECT_EQ(w->close(), 3u);
    EXPECT_FALSE(ipc::shm::open(ipc::shm::object_name("ring", name), ipc::access::read_only));
}

TEST(TrustLifetime, AWriterThatClosesWithNothingUnreadRemovesTheName) {
    const auto name = ipc::test::unique_name("empty-close");
    {
        auto w = ipc::ring_writer::open(name);
        ASSERT_TRUE(w);
    }
    EXPECT_FALSE(ipc::shm::open(ipc::shm::object_name("ring", name), ipc::access::read_only));
}

// ---- 10: half-made segments ----

TEST(TrustLeftovers, AZeroSizeSegmentIsReclaimedByOpenAndRemoveStale) {
    const auto name = ipc::test::unique_name("zero");
    const auto object = ipc::shm::object_name("ring", name);
    ASSERT_TRUE(ipc::shm::create(object, 0, 0600));
    {
        auto w = ipc::ring_writer::open(name);
        EXPECT_TRUE(w) << w.error_value().message();
    }
    ASSERT_TRUE(ipc::shm::create(object, 0, 0600));
    const auto removed =
        ipc::inspect::remove_stale(ipc::inspect::default_shm_dir(), {.name = name});
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_TRUE(removed[0].error.empty()) << removed[0].error;
}

TEST(TrustLeftovers, AMarkLeftByARemoverThatDiedDoesNotKeepOpenersAway) {
    const auto name = ipc::test::unique_name("deadmark");
    auto w = ipc::ring_writer::open(name);
    ASSERT_TRUE(w);
    {
        ipc::test::tamper t(ipc::shm::object_name("ring", name));
        t.as<ipc::layout::segment_header>().removing =
            static_cast<std::uint32_t>(ipc::test::dead_pid());
    }
    auto r = ipc::ring_reader::open(name);
    EXPECT_TRUE(r) << r.error_value().message();
}

TEST(TrustLeftovers, RemoveStaleKeepsABrokenRingThatALiveEndHolds) {
    const auto name = ipc::test::unique_name("broken-live");
    (void)ipc::test::leave_ring_of_dead_writer(name);  // its creator is dead
    auto r = ipc::ring_reader::open(name);
    ASSERT_TRUE(r);
    {
        ipc::test::tamper t(ipc::shm::object_name("ring", name));
        t.as<ipc::layout::ring_segment>().control.capacity = 3000;  // fails to decode
    }
    const auto outcome =
        ipc::inspect::remove_stale(ipc::inspect::default_shm_dir(), {.name = name});
    ASSERT_EQ(outcome.size(), 1u);
    EXPECT_NE(outcome[0].error.find("kept"), std::string::npos) << outcome[0].error;
    EXPECT_TRUE(ipc::shm::open(ipc::shm::object_name("ring", name), ipc::access::read_only));
}

TEST(TrustLeftovers, AHalfMadeTelemetrySegmentOfAnOldPidIsReclaimed) {
    const auto channel = ipc::test::unique_name("telzero");
    telemetry_child child(channel);
    const auto predictable = ipc::telemetry::segment_object_name(child.pid);
    ASSERT_TRUE(ipc::shm::create(predictable, 0, 0600));  // a crashed process held this pid
    EXPECT_TRUE(child.start());
    auto p = ipc::inspect::read_telemetry(predictable);
    ASSERT_TRUE(p) << p.error_value().message();
    EXPECT_EQ(p->pid, child.pid);
}

TEST(TrustLeftovers, NewSegmentsAreNeverVisibleHalfMade) {
    // Every name a racing observer sees holds a finished segment: it is linked only when ready.
    std::atomic<bool> done{false};
    std::atomic<int> unfinished{0};
    const auto name = ipc::test::unique_name("visible");
    const auto object = ipc::shm::object_name("ring", name);
    std::thread observer([&] {
        while (!done.load()) {
            auto fd = ipc::shm::open(object, ipc::access::read_only);
            if (!fd) {
                continue;
            }
            ipc::layout::segment_header h{};
            if (::pread(fd->get(), &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h) ||
                h.ready != ipc::layout::ready_value) {
                unfinished.fetch_add(1);
            }
        }
    });
    for (int i = 0; i < 300; ++i) {
        auto w = ipc::ring_writer::open(name);
        ASSERT_TRUE(w);
    }
    done.store(true);
    observer.join();
    EXPECT_EQ(unfinished.load(), 0);
}

// ---- 11: a writer notices a dead reader while the ring has room ----

TEST(TrustLiveness, AWriterWithRoomSeesPeerGoneOnceTheReaderDied) {
    const auto name = ipc::test::unique_name("roomy");
    auto w = ipc::ring_writer::open(name);
    ASSERT_TRUE(w);
    const auto code = ipc::test::exit_code_within(10s, [&] {
        auto r = ipc::ring_reader::open(name);
        ipc::telemetry::remove_segment();
        ::_exit(r ? 0 : 1);  // dies attached
        return 1;
    });
    ASSERT_EQ(code, 0);
    ipc::result<void> sent;
    ASSERT_TRUE(ipc::test::eventually(
        [&] {
            sent = w->try_send(std::as_bytes(std::span("x", 1)));
            return sent.code() == errc::peer_gone;
        },
        5s))
        << sent.error_value().message();
}

TEST(TrustLiveness, AWriterThatOnlyTriesOnAFullRingSeesPeerGoneOnceTheReaderDied) {
    const auto name = ipc::test::unique_name("full-dead");
    ipc::ring_options small;
    small.max_message = 64;
    small.capacity = 1024;
    auto w = ipc::ring_writer::open(name, small);
    ASSERT_TRUE(w);
    const auto code = ipc::test::exit_code_within(10s, [&] {
        auto r = ipc::ring_reader::open(name, small);
        ipc::telemetry::remove_segment();
        ::_exit(r ? 0 : 1);  // dies attached
        return 1;
    });
    ASSERT_EQ(code, 0);
    ipc::result<void> sent;
    while ((sent = w->try_send(std::as_bytes(std::span("full", 4))))) {
    }
    ASSERT_TRUE(ipc::test::eventually(
        [&] {
            sent = w->try_send(std::as_bytes(std::span("full", 4)));
            return sent.code() != errc::queue_full;
        },
        5s));
    EXPECT_EQ(sent.code(), errc::peer_gone) << sent.error_value().message();
}

TEST(TrustLifetime, MessagesInARingRemovedBeforeItsReaderCameAreCountedAtClose) {
    const auto name = ipc::test::unique_name("orphaned");
    auto w = ipc::ring_writer::open(name);
    ASSERT_TRUE(w);
    ASSERT_TRUE(w->try_send(std::as_bytes(std::span("one", 3))));
    ASSERT_TRUE(w->try_send(std::as_bytes(std::span("two", 3))));
    ASSERT_TRUE(ipc::shm::unlink(ipc::shm::object_name("ring", name)));  // no reader can come
    EXPECT_EQ(w->close(), 2u);
}

// ---- 13: forever notices a name removed under it ----

TEST(TrustLiveness, AReaderWaitingForeverForAWriterSeesItsRingRemoved) {
    const auto name = ipc::test::unique_name("removed");
    const auto code = ipc::test::exit_code_within(10s, [&] {
        auto r = ipc::ring_reader::open(name);
        if (!r || !ipc::shm::unlink(ipc::shm::object_name("ring", name))) {
            return child_exit(false);
        }
        std::vector<std::byte> buf(8);
        return child_exit(r->receive(buf, ipc::forever).code() == errc::peer_gone);
    });
    EXPECT_EQ(code, 0) << (code ? "wrong error" : "waited forever");
}

// ---- 15: a slots guest may start before its host ----

TEST(TrustSlots, AGuestStartedBeforeItsHostWaitsForIt) {
    const auto name = ipc::test::unique_name("guestfirst");
    std::atomic<bool> opening{false};
    ipc::result<ipc::slots_guest> guest = ipc::error{};
    std::thread starter([&] {
        ipc::guest_options o;
        o.host_timeout = 10s;
        opening.store(true);
        guest = ipc::slots_guest::open(name, o);
    });
    ASSERT_TRUE(ipc::test::eventually([&] { return opening.load(); }, 5s));
    auto host = ipc::slots_host::open(name);
    ASSERT_TRUE(host);
    starter.join();
    EXPECT_TRUE(guest) << guest.error_value().message();
    ipc::guest_options now;
    now.host_timeout = 0ms;
    EXPECT_EQ(ipc::slots_guest::open(ipc::test::unique_name("nohost"), now).code(),
              errc::not_found);
}

}  // namespace
