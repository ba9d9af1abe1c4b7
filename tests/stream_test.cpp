// stream: libipc's writer and reader together, each with an implementation of the uds-ipc spec
// written in the tests (support/uds_frames.hpp), a reader restarted under load with every
// message accounted for, hostile lengths and silent writers, and the socket's permissions.

#include "ipc/stream.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ipc/inspect.hpp"
#include "support/child_process.hpp"
#include "support/other_user.hpp"
#include "support/scale.hpp"
#include "support/uds_frames.hpp"

namespace {

using namespace std::chrono_literals;
using ipc::errc;

struct socket_dir {
    std::string path;
    socket_dir() {
        char templ[] = "/tmp/libipc-stream-test-XXXXXX";
        path = ::mkdtemp(templ) != nullptr ? templ : "";
    }
    ~socket_dir() { (void)std::system(("rm -rf " + path).c_str()); }
    std::string socket() const { return path + "/reader.sock"; }
};

ipc::stream_reader_options quiet_reader() {
    ipc::stream_reader_options o;
    o.control = false;
    o.notify_systemd = false;
    return o;
}

ipc::stream_writer_options fast_writer() {
    ipc::stream_writer_options o;
    o.backoff_initial = 1ms;
    o.backoff_max = 10ms;
    return o;
}

// A message: its sender, its number, then bytes that follow from both, so the reader checks
// every byte and the order per writer.
std::vector<std::byte> message(std::uint32_t writer, std::uint64_t seq, std::size_t size) {
    std::vector<std::byte> m(std::max<std::size_t>(size, 12));
    std::memcpy(m.data(), &writer, 4);
    std::memcpy(m.data() + 4, &seq, 8);
    for (std::size_t i = 12; i < m.size(); ++i) {
        m[i] = static_cast<std::byte>((seq * 31 + i) & 0xff);
    }
    return m;
}

// Checks a message made by message(); its writer and number.
bool intact(std::span<const std::byte> m, std::uint32_t& writer, std::uint64_t& seq) {
    if (m.size() < 12) {
        return false;
    }
    std::memcpy(&writer, m.data(), 4);
    std::memcpy(&seq, m.data() + 4, 8);
    for (std::size_t i = 12; i < m.size(); ++i) {
        if (m[i] != static_cast<std::byte>((seq * 31 + i) & 0xff)) {
            return false;
        }
    }
    return true;
}

TEST(Stream, WriterToReaderInOrderEveryByteChecked) {
    socket_dir dir;
    auto reader = ipc::stream_reader::listen(dir.socket(), quiet_reader());
    ASSERT_TRUE(reader) << reader.error_value().message();
    struct stat st {};
    ASSERT_EQ(::stat(dir.socket().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << "the socket is its user's alone";
    auto writer = ipc::stream_writer::open(dir.socket(), fast_writer());
    ASSERT_TRUE(writer);
    const std::uint64_t count = 20'000 / ipc::test::stream_divisor;
    std::mt19937 random(7);
    std::uint64_t next = 0;
    bool in_order = true;
    const ipc::stream_handler check = [&](std::span<const std::byte> m, const ipc::stream_peer&) {
        std::uint32_t w = 0;
        std::uint64_t seq = 0;
        in_order = in_order && intact(m, w, seq) && seq == next;
        ++next;
        return ipc::result<void>{};
    };
    // The reader on a thread of its own: a thread that both sends (waiting for room) and reads
    // would wait on itself whenever the queue filled.
    std::thread reading([&] {
        const ipc::deadline until(std::chrono::seconds(60 * ipc::test::deadline_factor));
        while (next < count && !until.passed(ipc::monotonic_ns())) {
            if (!reader->poll(100ms, check)) {
                return;
            }
        }
    });
    for (std::uint64_t i = 0; i < count; ++i) {
        // Every eighth message large: the caller writes those itself when nothing is queued.
        const std::size_t size = i % 8 == 7 ? 16 * 1024 + random() % 60'000 : random() % 2000;
        EXPECT_TRUE(writer->send(message(0, i, size), 10s)) << i;
    }
    reading.join();
    EXPECT_EQ(next, count);
    EXPECT_TRUE(in_order);
    EXPECT_EQ(writer->stats().reconnects, 0u)
        << "a caller writing itself never fails a slow reader";
    EXPECT_EQ(writer->stats().retried, 0u);
    const auto report = writer->stop(5s);
    EXPECT_EQ(report.unsent_messages, 0u);
    EXPECT_EQ(writer->stats().sent, count);
    EXPECT_EQ(reader->stats().received, count);
}

// libipc's writer to a reader written from the spec, and the spec's writer to libipc's reader:
// 100,000 messages of random sizes each way (fewer under sanitizers), checksums intact.
TEST(Stream, InteroperatesWithTheSpecBothWays) {
    socket_dir dir;
    const std::uint64_t count = 100'000 / ipc::test::stream_divisor;
    {  // libipc writer -> spec reader
        const int listener = ipc::test::uds::listen_at(dir.socket());
        ASSERT_GE(listener, 0);
        auto writer = ipc::stream_writer::open(dir.socket(), fast_writer());
        ASSERT_TRUE(writer);
        std::thread producing([&] {
            std::mt19937 random(1);
            for (std::uint64_t i = 0; i < count; ++i) {
                ASSERT_TRUE(writer->send(message(1, i, random() % 3000), 10s));
            }
        });
        pollfd waiting{listener, POLLIN, 0};
        ASSERT_EQ(::poll(&waiting, 1, 30'000), 1) << "the writer never connected";
        const int s = ::accept(listener, nullptr, nullptr);
        ASSERT_GE(s, 0);
        const timeval limit{30, 0};  // a reader that stops getting bytes fails, not hangs
        ASSERT_EQ(::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit), 0);
        bool ok = true;
        for (std::uint64_t i = 0; i < count && ok; ++i) {
            const auto frame = ipc::test::uds::read_frame(s);
            std::uint32_t w = 0;
            std::uint64_t seq = 0;
            ok = frame && intact(std::as_bytes(std::span(*frame)), w, seq) && w == 1 && seq == i;
        }
        EXPECT_TRUE(ok);
        producing.join();
        EXPECT_EQ(writer->stop(5s).unsent_messages, 0u);
        ::close(s);
        ::close(listener);
        ::unlink(dir.socket().c_str());
    }
    {  // spec writer -> libipc reader, zero-length frames included
        auto reader = ipc::stream_reader::listen(dir.socket(), quiet_reader());
        ASSERT_TRUE(reader);
        std::thread producing([&] {
            const int s = ipc::test::uds::connect_to(dir.socket());
            ASSERT_GE(s, 0);
            std::mt19937 random(2);
            for (std::uint64_t i = 0; i < count; ++i) {
                const auto m = message(2, i, random() % 3000);
                const auto* p = reinterpret_cast<const std::uint8_t*>(m.data());
                const auto f = ipc::test::uds::frame(std::vector<std::uint8_t>(p, p + m.size()));
                ASSERT_TRUE(ipc::test::uds::write_all(s, f.data(), f.size()));
                if (i % 1000 == 0) {
                    const auto empty = ipc::test::uds::frame({});
                    ASSERT_TRUE(ipc::test::uds::write_all(s, empty.data(), empty.size()));
                }
            }
            ::close(s);
        });
        std::uint64_t next = 0;
        std::uint64_t empties = 0;
        bool ok = true;
        const ipc::stream_handler check = [&](std::span<const std::byte> m,
                                              const ipc::stream_peer&) {
            if (m.empty()) {
                ++empties;  // handed over, not skipped as the reference does
                return ipc::result<void>{};
            }
            std::uint32_t w = 0;
            std::uint64_t seq = 0;
            ok = ok && intact(m, w, seq) && w == 2 && seq == next;
            ++next;
            return ipc::result<void>{};
        };
        const ipc::deadline until(std::chrono::seconds(120 * ipc::test::deadline_factor));
        while (next < count && !until.passed(ipc::monotonic_ns())) {
            ASSERT_TRUE(reader->poll(100ms, check));
        }
        producing.join();
        EXPECT_TRUE(ok);
        EXPECT_EQ(next, count);
        EXPECT_EQ(empties, (count + 999) / 1000);
    }
}

// Four writers send while the reader is stopped and started again and again: for each writer,
// what it offered is what the reader received plus what it reported dropped or failed, and
// each writer's messages arrive in order.
TEST(Stream, AReaderRestartedUnderLoadLosesNothingSilently) {
    socket_dir dir;
    const int restarts = 100 / static_cast<int>(ipc::test::stream_divisor);
    constexpr int writers = 4;
    std::atomic<bool> stop{false};
    std::vector<std::uint64_t> offered(writers);
    std::vector<ipc::stream_writer_stats> final_stats(writers);
    std::vector<std::thread> sending;
    for (int w = 0; w < writers; ++w) {
        sending.emplace_back([&, w] {
            auto o = fast_writer();
            o.max_queue_messages = 256;
            auto writer = ipc::stream_writer::open(dir.socket(), o);
            ASSERT_TRUE(writer);
            std::uint64_t seq = 0;
            while (!stop) {
                // The last writer's messages are large: written by the caller itself, and
                // left to the sender mid-frame when the socket is full or gone.
                const std::size_t size =
                    w == writers - 1 ? 16 * 1024 + seq % 30'000 : 64 + seq % 500;
                (void)writer->send(message(static_cast<std::uint32_t>(w), seq, size), 1ms);
                ++seq;  // offered: a refusal is counted dropped
            }
            offered[static_cast<std::size_t>(w)] = seq;
            (void)writer->stop(10s);
            final_stats[static_cast<std::size_t>(w)] = writer->stats();
        });
    }
    std::vector<std::uint64_t> received(writers);
    std::vector<std::int64_t> last(writers, -1);
    bool ordered = true;
    const ipc::stream_handler check = [&](std::span<const std::byte> m, const ipc::stream_peer&) {
        std::uint32_t w = 0;
        std::uint64_t seq = 0;
        if (!intact(m, w, seq) || w >= writers) {
            ordered = false;
            return ipc::result<void>{};
        }
        ordered = ordered && static_cast<std::int64_t>(seq) > last[w];
        last[w] = static_cast<std::int64_t>(seq);
        ++received[w];
        return ipc::result<void>{};
    };
    for (int r = 0; r < restarts; ++r) {
        auto reader = ipc::stream_reader::listen(dir.socket(), quiet_reader());
        ASSERT_TRUE(reader) << reader.error_value().message();
        // Each reader serves until a writer got through to it (so that every restart is one the
        // writers must reconnect across, however slow a sanitizer makes them), then a little.
        const std::uint64_t before = reader->stats().connections_total;
        const ipc::deadline until(30s);
        for (int i = 0; i < 20 || (reader->stats().connections_total == before &&
                                   !until.passed(ipc::monotonic_ns()));
             ++i) {
            ASSERT_TRUE(reader->poll(2ms, check));
        }
        reader->stop(check);
    }
    stop = true;
    {  // the last reader takes what the writers drain at their stop
        auto reader = ipc::stream_reader::listen(dir.socket(), quiet_reader());
        ASSERT_TRUE(reader);
        std::atomic<int> done{0};
        std::thread joining([&] {
            for (auto& t : sending) {
                t.join();
            }
            done = 1;
        });
        while (done == 0) {
            ASSERT_TRUE(reader->poll(10ms, check));
        }
        joining.join();
        reader->stop(check);
    }
    EXPECT_TRUE(ordered);
    std::uint64_t reconnects = 0;
    for (int w = 0; w < writers; ++w) {
        const auto& st = final_stats[static_cast<std::size_t>(w)];
        EXPECT_EQ(offered[w], received[w] + st.dropped + st.failed) << "writer " << w;
        EXPECT_EQ(st.sent, received[w]) << "writer " << w;
        reconnects += st.reconnects;
    }
    // Under a sanitizer (5 restarts, slow dials) a writer may connect only once; not all do.
    EXPECT_GT(reconnects, 0u) << "the writers reconnected across the restarts";
}

// A writer still in the listener's backlog has written (its connect succeeded, the kernel took
// its bytes, it counts them sent): a stop takes it from the backlog and hands its messages
// over, instead of closing the listener on them.
TEST(Stream, AStopDeliversWhatWritersInTheBacklogSent) {
    socket_dir dir;
    auto reader = ipc::stream_reader::listen(dir.socket(), quiet_reader());
    ASSERT_TRUE(reader);
    auto writer = ipc::stream_writer::open(dir.socket(), fast_writer());
    ASSERT_TRUE(writer);
    for (std::uint64_t i = 0; i < 5; ++i) {
        ASSERT_TRUE(writer->send(message(0, i, 100), 10s));
    }
    ASSERT_TRUE(writer->flush(10s)) << "sent while never accepted";
    std::uint64_t got = 0;
    reader->stop([&](std::span<const std::byte>, const ipc::stream_peer&) {
        ++got;
        return ipc::result<void>{};
    });
    EXPECT_EQ(got, 5u);
    EXPECT_EQ(writer->stats().sent, 5u);
}

// stop(0) against a reader that takes nothing: large messages written by their callers fill the
// socket, the rest fill the queue; the stop lets go a caller still waiting for room, gives up
// at once and reports what it could not send; what it counted sent is what the reader gets.
TEST(Stream, AStopAtOnceAgainstAStalledReaderReportsWhatWasLeft) {
    socket_dir dir;
    auto reader = ipc::stream_reader::listen(dir.socket(), quiet_reader());
    ASSERT_TRUE(reader);
    auto o = fast_writer();
    o.max_queue_bytes = 1 << 20;
    o.max_message = 64 * 1024 + 12;
    auto writer = ipc::stream_writer::open(dir.socket(), o);
    ASSERT_TRUE(writer);
    ASSERT_TRUE(ipc::test::eventually([&] { return writer->stats().connected; }, 30s));
    const auto big = message(0, 0, 64 * 1024);
    std::uint64_t accepted = 0;
    while (writer->try_send(big)) {
        ++accepted;  // the kernel's buffer, then the queue, until it is full
    }
    ASSERT_GT(accepted, 0u);
    std::thread caller([&] { (void)writer->send(big, ipc::forever); });
    const auto report = writer->stop(0ns);
    caller.join();  // a wait for room that only the stop could end
    const auto st = writer->stats();
    EXPECT_GT(report.unsent_messages, 0u) << "a reader that takes nothing leaves messages unsent";
    EXPECT_EQ(st.failed, report.unsent_messages);
    EXPECT_EQ(st.sent + st.failed + st.dropped, accepted + 1 + 1) << "nothing lost silently";
    std::uint64_t got = 0;
    reader->stop([&](std::span<const std::byte> m, const ipc::stream_peer&) {
        std::uint32_t w = 0;
        std::uint64_t seq = 0;
        got += intact(m, w, seq) ? 1 : 0;
        return ipc::result<void>{};
    });
    EXPECT_EQ(got, st.sent);
}

// send and flush with no deadline wait for the sender instead of spinning (a forever deadline
// used to overflow the wait into a negative one).
TEST(Stream, SendAndFlushWithoutADeadline) {
    socket_dir dir;
    auto reader = ipc::stream_reader::listen(dir.socket(), quiet_reader());
    ASSERT_TRUE(reader);
    auto o = fast_writer();
    o.max_queue_messages = 4;
    auto writer = ipc::stream_writer::open(dir.socket(), o);
    ASSERT_TRUE(writer);
    std::thread reading([&] {
        for (int rounds = 0; rounds < 1000 && reader->stats().received < 100; ++rounds) {
            (void)reader->poll(10ms, {});
        }
    });
    for (std::uint64_t i = 0; i < 100; ++i) {
        ASSERT_TRUE(writer->send(message(0, i, 1000), ipc::forever));
    }
    EXPECT_TRUE(writer->flush(ipc::forever));
    reading.join();
    EXPECT_EQ(reader->stats().received, 100u);
}

// A reader that closes connections with a length above `max_message` or idle for `idle`.
ipc::result<ipc::stream_reader> strict_reader(const socket_dir& dir, std::uint64_t max_message,
                                              std::chrono::milliseconds idle) {
    auto o = quiet_reader();
    o.max_message = max_message;
    o.idle_timeout = idle;
    return ipc::stream_reader::listen(dir.socket(), o);
}

TEST(Stream, BadLengthsAndSilentWritersAreClosedAndCounted) {
    socket_dir dir;
    auto reader = strict_reader(dir, 1000, 200ms);
    ASSERT_TRUE(reader);
    const ipc::stream_handler none;
    const int too_large = ipc::test::uds::connect_to(dir.socket());
    const auto big = ipc::test::uds::frame(std::vector<std::uint8_t>(1001));
    ASSERT_TRUE(ipc::test::uds::write_all(too_large, big.data(), 16));  // the length is enough
    const int malformed = ipc::test::uds::connect_to(dir.socket());
    const std::uint8_t eleven[11] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                     0x80, 0x80, 0x80, 0x80, 0x80};
    ASSERT_TRUE(ipc::test::uds::write_all(malformed, eleven, sizeof eleven));
    const int silent = ipc::test::uds::connect_to(dir.socket());
    for (int rounds = 0;
         rounds < 500 && (reader->stats().too_large == 0 || reader->stats().malformed == 0 ||
                          reader->stats().idle_closed == 0);
         ++rounds) {
        ASSERT_TRUE(reader->poll(50ms, none));
    }
    const auto st = reader->stats();
    EXPECT_EQ(st.too_large, 1u);
    EXPECT_EQ(st.malformed, 1u);
    EXPECT_EQ(st.idle_closed, 1u);
    EXPECT_EQ(st.connections, 0u);
    std::uint8_t byte = 0;
    pollfd closed{silent, POLLIN, 0};
    ASSERT_EQ(::poll(&closed, 1, 10'000), 1);
    EXPECT_EQ(::read(silent, &byte, 1), 0) << "the silent writer was closed";
    for (int fd : {too_large, malformed, silent}) {
        ::close(fd);
    }
    // And it goes on: a good writer after them is served.
    auto writer = ipc::stream_writer::open(dir.socket(), fast_writer());
    ASSERT_TRUE(writer && writer->try_send(message(0, 0, 20)));
    for (int rounds = 0; rounds < 100 && reader->stats().received == 0; ++rounds) {
        ASSERT_TRUE(reader->poll(50ms, none));
    }
    EXPECT_EQ(reader->stats().received, 1u);
}

// At max_connections the reader stops accepting: the writers past it wait in the backlog with
// what they sent (refused once per pause, counted), and get in as others leave.
TEST(Stream, AtMaxConnectionsWritersWaitTheirTurn) {
    socket_dir dir;
    auto o = quiet_reader();
    o.max_connections = 2;
    auto reader = ipc::stream_reader::listen(dir.socket(), o);
    ASSERT_TRUE(reader);
    constexpr int writers = 5;
    std::vector<ipc::stream_writer> w;
    for (int i = 0; i < writers; ++i) {
        auto opened = ipc::stream_writer::open(dir.socket(), fast_writer());
        ASSERT_TRUE(opened);
        w.push_back(std::move(*opened));
        ASSERT_TRUE(w.back().send(message(static_cast<std::uint32_t>(i), 0, 100), 10s));
    }
    std::uint64_t most = 0;
    std::vector<bool> arrived(writers, false);
    const ipc::stream_handler note = [&](std::span<const std::byte> m, const ipc::stream_peer&) {
        std::uint32_t from = 0;
        std::uint64_t seq = 0;
        if (intact(m, from, seq) && from < writers) {
            arrived[from] = true;
        }
        most = std::max(most, reader->stats().connections);
        return ipc::result<void>{};
    };
    // Each writer, once its message is in, leaves: room for the next.
    const ipc::deadline until(std::chrono::seconds(60 * ipc::test::deadline_factor));
    while (reader->stats().received < writers && !until.passed(ipc::monotonic_ns())) {
        ASSERT_TRUE(reader->poll(20ms, note));
        for (int i = 0; i < writers; ++i) {
            if (arrived[i]) {
                (void)w[i].stop(10s);  // once: later stops find it stopped
            }
        }
    }
    EXPECT_EQ(reader->stats().received, static_cast<std::uint64_t>(writers));
    EXPECT_LE(most, 2u) << "never more than max_connections at once";
    EXPECT_GT(reader->stats().refused, 0u) << "the pause is counted";
    EXPECT_EQ(reader->stats().connections_total, static_cast<std::uint64_t>(writers));
}

// Hundreds of connections that send garbage, half a length, or nothing, beside one honest
// writer: each bad one is closed and counted, the honest one's messages all arrive.
TEST(Stream, ManyHostileConnectionsCostOnlyThemselves) {
    socket_dir dir;
    auto reader = strict_reader(dir, 4096, 500ms);
    ASSERT_TRUE(reader);
    auto writer = ipc::stream_writer::open(dir.socket(), fast_writer());
    ASSERT_TRUE(writer);
    std::uint64_t next = 0;
    bool in_order = true;
    const ipc::stream_handler check = [&](std::span<const std::byte> m, const ipc::stream_peer&) {
        std::uint32_t w = 0;
        std::uint64_t seq = 0;
        if (m.size() == 200 && intact(m, w, seq) && w == 0) {  // the honest writer's
            in_order = in_order && seq == next++;
        }
        return ipc::result<void>{};
    };
    std::mt19937 random(11);
    std::vector<int> hostile;
    constexpr int count = 300;
    for (int i = 0; i < count; ++i) {
        const int s = ipc::test::uds::connect_to(dir.socket());
        ASSERT_GE(s, 0);
        std::vector<std::uint8_t> junk;
        switch (i % 3) {
            case 0:  // a length far above the maximum
                junk = {0xff, 0xff, 0xff, 0xff, 0x0f};
                break;
            case 1:  // noise: malformed, too large, or frames of random bytes
                junk.resize(1 + random() % 64);
                for (auto& b : junk) {
                    b = static_cast<std::uint8_t>(random());
                }
                break;
            default:  // half a length, then silence
                junk = {0x80};
                break;
        }
        ASSERT_TRUE(ipc::test::uds::write_all(s, junk.data(), junk.size()));
        hostile.push_back(s);
        ASSERT_TRUE(writer->try_send(message(0, static_cast<std::uint64_t>(i), 200)));
        ASSERT_TRUE(reader->poll(0ns, check));
    }
    const ipc::deadline until(std::chrono::seconds(60 * ipc::test::deadline_factor));
    while ((next < count || reader->stats().connections > 1) &&
           !until.passed(ipc::monotonic_ns())) {
        ASSERT_TRUE(reader->poll(50ms, check));
    }
    EXPECT_EQ(next, static_cast<std::uint64_t>(count));
    EXPECT_TRUE(in_order);
    const auto st = reader->stats();
    EXPECT_GE(st.too_large + st.malformed + st.idle_closed, static_cast<std::uint64_t>(count));
    int closed = 0;
    for (int s : hostile) {
        std::uint8_t byte = 0;
        pollfd p{s, POLLIN, 0};
        closed += ::poll(&p, 1, 0) == 1 && ::read(s, &byte, 1) == 0 ? 1 : 0;
        ::close(s);
    }
    EXPECT_EQ(closed, count) << "the reader closed every hostile connection";
}

// An abstract name ('@'): no file, no directory, and nothing removed at stop.
TEST(Stream, AnAbstractNameNeedsNoFile) {
    const std::string name = "@libipc-stream-test-" + std::to_string(::getpid());
    auto reader = ipc::stream_reader::listen(name, quiet_reader());
    ASSERT_TRUE(reader) << reader.error_value().message();
    auto writer = ipc::stream_writer::open(name, fast_writer());
    ASSERT_TRUE(writer && writer->send(message(0, 0, 10), 10s));
    for (int rounds = 0; rounds < 100 && reader->stats().received == 0; ++rounds) {
        ASSERT_TRUE(reader->poll(50ms, {}));
    }
    EXPECT_EQ(reader->stats().received, 1u);
    reader->stop();
    EXPECT_TRUE(ipc::stream_reader::listen(name, quiet_reader())) << "free again after stop";
    EXPECT_NE(::access(name.c_str(), F_OK), 0) << "no file by that name made or left";
}

TEST(Stream, RefusesALiveReadersPathAndADirectoryOfAnotherUser) {
    socket_dir dir;
    EXPECT_EQ(ipc::stream_reader::listen("", quiet_reader()).code(), errc::invalid_argument);
    auto first = ipc::stream_reader::listen(dir.socket(), quiet_reader());
    ASSERT_TRUE(first);
    EXPECT_EQ(ipc::stream_reader::listen(dir.socket(), quiet_reader()).code(), errc::busy);
    first->stop();
    EXPECT_TRUE(ipc::stream_reader::listen(dir.socket(), quiet_reader()))
        << "a stopped reader's path is free again";
    const std::string fresh = dir.path + "/made/deeper/reader.sock";
    ASSERT_TRUE(ipc::stream_reader::listen(fresh, quiet_reader()));
    for (const char* made : {"/made", "/made/deeper"}) {
        struct stat st {};
        ASSERT_EQ(::stat((dir.path + made).c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0750u) << "a missing directory is made 0750: " << made;
    }
    if (!ipc::test::can_act_as_other_user()) {
        GTEST_SKIP() << ipc::test::other_user_skip_reason;
    }
    const std::string theirs = dir.path + "/theirs";
    ASSERT_EQ(::mkdir(theirs.c_str(), 0755), 0);
    ASSERT_EQ(::chown(theirs.c_str(), ipc::test::other_uid, ipc::test::other_uid), 0);
    EXPECT_EQ(ipc::stream_reader::listen(theirs + "/reader.sock", quiet_reader()).code(),
              errc::permission_denied);
}

TEST(Stream, RefusalsAreReportedAndCountedDropped) {
    socket_dir dir;
    auto o = fast_writer();
    o.max_queue_messages = 2;
    o.max_message = 100;
    o.max_queue_bytes = 1000;
    auto writer = ipc::stream_writer::open(dir.socket(), o);  // nobody listens
    ASSERT_TRUE(writer);
    EXPECT_EQ(writer->try_send(std::vector<std::byte>(101)).code(), errc::message_too_large);
    EXPECT_TRUE(writer->try_send(std::vector<std::byte>(10)));
    EXPECT_TRUE(writer->try_send(std::vector<std::byte>(10)));
    EXPECT_EQ(writer->try_send(std::vector<std::byte>(10)).code(), errc::queue_full);
    EXPECT_EQ(writer->send(std::vector<std::byte>(10), 1ms).code(), errc::timeout);
    const auto report = writer->stop(10ms);
    EXPECT_EQ(report.unsent_messages, 2u) << "what could not be sent is reported";
    EXPECT_EQ(writer->try_send(std::vector<std::byte>(10)).code(), errc::closed);
    const auto st = writer->stats();
    EXPECT_EQ(st.dropped, 4u);
    EXPECT_EQ(st.failed, 2u);
    EXPECT_EQ(st.sent, 0u);
}

// A large message that finds the queue full waits for it to empty (to be written from the
// caller's buffer), but no longer than its own timeout, and is refused then if still no room.
TEST(Stream, ALargeMessageWithoutRoomWaitsOnlyItsTimeout) {
    socket_dir dir;
    auto o = fast_writer();
    o.max_queue_bytes = 1 << 20;
    o.max_message = 64 * 1024;
    auto writer = ipc::stream_writer::open(dir.socket(), o);  // nobody listens
    ASSERT_TRUE(writer);
    const std::vector<std::byte> big(64 * 1024);
    std::uint64_t queued = 0;
    while (writer->try_send(big)) {
        ++queued;
    }
    EXPECT_EQ(queued, (1u << 20) / (64 * 1024 + 3));
    EXPECT_EQ(writer->send(big, 20ms).code(), errc::timeout);
    EXPECT_EQ(writer->stats().dropped, 2u);
    EXPECT_EQ(writer->stop(0ns).unsent_messages, queued);
}

// Tools see a stream's connections through the control socket (which the reader opens): the
// reader's side and the writer's, each with the messages and bytes it counted itself.
TEST(Stream, ConnectionsAreVisibleWithTheirOwnCounts) {
    socket_dir dir;
    ipc::stream_reader_options o;
    o.notify_systemd = false;
    o.name = "visible";
    auto reader = ipc::stream_reader::listen(dir.socket(), o);
    ASSERT_TRUE(reader);
    auto wo = fast_writer();
    wo.name = "visible";
    auto writer = ipc::stream_writer::open(dir.socket(), wo);
    ASSERT_TRUE(writer);
    for (std::uint64_t i = 0; i < 10; ++i) {
        ASSERT_TRUE(writer->send(message(0, i, 100), 10s));
    }
    ASSERT_TRUE(writer->flush(10s));
    const ipc::stream_handler none;
    for (int rounds = 0; rounds < 100 && reader->stats().received < 10; ++rounds) {
        ASSERT_TRUE(reader->poll(50ms, none));
    }
    const auto s = ipc::inspect::filtered(ipc::inspect::take_snapshot(),
                                          {.name = "visible", .pid = ::getpid()});
    int sides = 0;
    for (const auto& c : s.connections) {
        EXPECT_EQ(c.kind, ipc::inspect::channel_kind::stream);
        EXPECT_EQ(c.peer_pid, ::getpid());
        if (c.role == "reader") {
            ++sides;
            EXPECT_TRUE(c.inbound.found);
            EXPECT_EQ(c.inbound.messages, 10u);
            EXPECT_EQ(c.inbound.bytes, 1000u);
        } else if (c.role == "writer") {
            ++sides;
            EXPECT_EQ(c.outbound.messages, 10u);
        }
    }
    EXPECT_EQ(sides, 2) << ipc::inspect::to_json(s);
    bool counted = false;
    for (const auto& p : s.processes) {
        for (const auto& e : p.endpoints) {
            // Open only: closed records of earlier writers of this name keep their final counts.
            if (e.role == ipc::inspect::endpoint_role::writer &&
                e.kind == ipc::inspect::channel_kind::stream &&
                e.state == ipc::inspect::endpoint_state::active) {
                counted = e.connection_counters.connections == 1 &&
                          e.connection_counters.connections_total == 1 && e.counters.sent == 10;
            }
        }
    }
    EXPECT_TRUE(counted) << "the writer's telemetry record counts its connection";
}

constexpr const char* socket_activate = "/usr/bin/systemd-socket-activate";

// Socket activation through Debian's systemd-socket-activate: it listens, and at the first
// connection starts the reader with the socket as fd 3 (LISTEN_FDS=1, LISTEN_PID): the reader
// takes it instead of making its own, and every message the writer sent arrives. With a second
// socket passed (LISTEN_FDS=2), the reader takes fd 3 and leaves fd 4 alone.
void run_activated_reader(bool with_second_socket) {
    socket_dir dir;
    std::vector<std::string> argv{socket_activate, "--listen=" + dir.socket()};
    if (with_second_socket) {
        argv.push_back("--listen=" + dir.path + "/other.sock");
    }
    for (const char* a : {IPC_TEST_STREAM_PEER, "reader"}) {
        argv.emplace_back(a);
    }
    for (const std::string& a : {dir.socket(), std::string("50"), std::string("activated")}) {
        argv.push_back(a);
    }
    ipc::test::child_process systemd(argv);
    auto writer = ipc::stream_writer::open(dir.socket(), fast_writer());
    ASSERT_TRUE(writer);  // dials until the socket is there, then starts the reader by it
    for (std::uint64_t i = 0; i < 50; ++i) {
        ASSERT_TRUE(writer->send(message(0, i, 100), 10s));
    }
    ASSERT_TRUE(writer->flush(30s));
    auto status = systemd.wait(std::chrono::seconds(30 * ipc::test::deadline_factor));
    ASSERT_TRUE(status) << "the activated reader hung";
    EXPECT_EQ(ipc::test::exit_code(*status), 0)
        << "3: could not listen, 4: messages missing, 5: not activated, 6: fd 4 closed";
    EXPECT_EQ(writer->stats().reconnects, 0u) << "one connection, handed to the reader";
}

TEST(StreamSystemd, ASocketActivatedReaderTakesSystemdsSocket) {
    if (::access(socket_activate, X_OK) != 0) {
        GTEST_SKIP() << "systemd-socket-activate is missing (Debian package systemd)";
    }
    run_activated_reader(false);
}

TEST(StreamSystemd, WithTwoSocketsPassedTheReaderTakesFd3AndLeavesTheOther) {
    if (::access(socket_activate, X_OK) != 0) {
        GTEST_SKIP() << "systemd-socket-activate is missing (Debian package systemd)";
    }
    run_activated_reader(true);
}

// RUNTIME_DIRECTORY (systemd's RuntimeDirectory=, a colon-separated list) places the socket in
// its first directory under the given path's base name, as the spec says.
TEST(StreamSystemd, RuntimeDirectoryPlacesTheSocket) {
    socket_dir dir;
    ::setenv("RUNTIME_DIRECTORY", (dir.path + ":/nonexistent").c_str(), 1);
    auto reader = ipc::stream_reader::listen("/nonexistent/elsewhere/r.sock", quiet_reader());
    ::unsetenv("RUNTIME_DIRECTORY");
    ASSERT_TRUE(reader) << reader.error_value().message();
    EXPECT_EQ(reader->path(), dir.path + "/r.sock");
    auto writer = ipc::stream_writer::open(dir.path + "/r.sock", fast_writer());
    ASSERT_TRUE(writer && writer->send(message(0, 0, 10), 10s));
    for (int rounds = 0; rounds < 100 && reader->stats().received == 0; ++rounds) {
        ASSERT_TRUE(reader->poll(50ms, {}));
    }
    EXPECT_EQ(reader->stats().received, 1u);
}

// With NOTIFY_SOCKET, the reader tells systemd READY=1 once it listens and STOPPING=1 when it
// stops (sd_notify): checked on a datagram socket the test listens on.
TEST(StreamSystemd, ReadinessAndStoppingAreNotified) {
    socket_dir dir;
    const std::string notify = dir.path + "/notify";
    const int s = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, notify.c_str(), sizeof a.sun_path - 1);
    ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ::setenv("NOTIFY_SOCKET", notify.c_str(), 1);
    ipc::stream_reader_options o;
    o.control = false;
    auto reader = ipc::stream_reader::listen(dir.socket(), o);
    ::unsetenv("NOTIFY_SOCKET");  // sd_notify reads it at each call: set for the reader's stop
    ASSERT_TRUE(reader);
    const auto next_datagram = [&] {
        char buf[256] = {};
        pollfd p{s, POLLIN, 0};
        if (::poll(&p, 1, 10'000) != 1) {
            return std::string();
        }
        const ssize_t n = ::recv(s, buf, sizeof buf - 1, 0);
        return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
    };
    EXPECT_EQ(next_datagram(), "READY=1");
    ::setenv("NOTIFY_SOCKET", notify.c_str(), 1);
    reader->stop();
    ::unsetenv("NOTIFY_SOCKET");
    EXPECT_EQ(next_datagram(), "STOPPING=1");
    ::close(s);
}

}  // namespace
