// broker: a server and clients that are not its children, through real processes: many clients
// at once that come and go, a client or the server killed, users not allowed, fake servers that
// send what a broker never would, and clients that say nothing or garbage.

#include "ipc/broker.hpp"
#include "ipc/broker_poller.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "ipc/inspect.hpp"
#include "ipc/shm.hpp"
#include "ipc/telemetry.hpp"
#include "support/child_process.hpp"
#include "support/raw_socket.hpp"
#include "support/scale.hpp"

namespace {

using namespace std::chrono_literals;
using ipc::errc;

const auto answer_within = std::chrono::seconds(10 * ipc::test::deadline_factor);

// A private directory of its own for each test's socket, removed with it.
struct socket_dir {
    std::string path;
    socket_dir() {
        char templ[] = "/tmp/libipc-broker-test-XXXXXX";
        path = ::mkdtemp(templ) != nullptr ? templ : "";
    }
    ~socket_dir() { ::rmdir(path.c_str()); }
    ipc::broker_options options() const {
        ipc::broker_options o;
        o.dir = path;
        o.control = false;  // one per process, in the control test's directory
        // A handshake is a deadline against silent peers, not a speed test: on a loaded CI
        // machine the default 2 s once ran out between a client and its server in this process.
        o.handshake_timeout = answer_within;
        return o;
    }
};

std::string text_of(std::span<const std::byte> b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

int open_fds() {
    int n = 0;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        while (const dirent* e = ::readdir(d)) {
            n += e->d_name[0] != '.';
        }
        ::closedir(d);
    }
    return n;
}

TEST(Broker, AClientAndTheServerTalkBothWaysAndCloseCleanly) {
    socket_dir dir;
    auto server = ipc::broker_server::listen("talk", dir.options());
    ASSERT_TRUE(server) << server.error_value().message();
    ipc::broker_connection client;
    std::thread connecting([&] {
        auto c = ipc::broker_client::connect("talk", dir.options());
        ASSERT_TRUE(c) << c.error_value().message();
        client = std::move(*c);
    });
    auto accepted = server->accept(answer_within);
    connecting.join();
    ASSERT_TRUE(accepted) << accepted.error_value().message();
    EXPECT_EQ(accepted->peer().pid, ::getpid());
    EXPECT_EQ(accepted->peer().uid, ::geteuid());
    const std::string ping = "ping";
    ASSERT_TRUE(client.to_peer().send(std::as_bytes(std::span(ping))));
    auto got = accepted->from_peer().read(answer_within);
    ASSERT_TRUE(got);
    EXPECT_EQ(text_of(got->payload), "ping");
    accepted->from_peer().release();
    const std::string pong = "pong";
    ASSERT_TRUE(accepted->to_peer().send(std::as_bytes(std::span(pong))));
    auto back = client.from_peer().read(answer_within);
    ASSERT_TRUE(back);
    EXPECT_EQ(text_of(back->payload), "pong");
    client.from_peer().release();
    client.close();
    EXPECT_EQ(accepted->from_peer().read(answer_within).code(), errc::peer_closed);
}

// One server thread echoes for every client through one epoll set (broker_poller): the
// listening socket, and each connection's wait_fd and socket (its hang-up).
struct echo_server {
    ipc::broker_server server;
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> connections{0};
    std::atomic<std::uint64_t> failures{0};

    void run() {
        auto poller = ipc::broker_poller::open(server);
        ASSERT_TRUE(poller);
        std::vector<std::byte> buf(64 * 1024);
        while (!stop.load()) {
            auto ready = poller->wait(100ms);  // 100 ms: only to see `stop`
            ASSERT_TRUE(ready);
            for (ipc::broker_connection* c : *ready) {
                if (!serve(*c, buf) || poller->hung_up(*c)) {
                    poller->drop(*c);
                }
            }
            connections = poller->accepted();
        }
    }

    // Echoes what is waiting; false once the client has gone.
    bool serve(ipc::broker_connection& c, std::vector<std::byte>& buf) {
        for (;;) {
            auto n = c.from_peer().try_receive(buf);
            if (n.code() == errc::empty) {
                return true;
            }
            if (!n) {
                if (n.code() != errc::peer_closed) {
                    ++failures;
                }
                return false;
            }
            if (!c.to_peer().send(std::span(buf).first(*n), answer_within)) {
                ++failures;
                return false;
            }
        }
    }
};

// The poller lists a new connection at once (its first receive arms its wait_fd), then one with
// messages or a hang-up, each once though its ring and its socket both fired; hung_up() says
// which client left; dropping entries while walking the list is safe.
TEST(Broker, PollerListsEachReadyConnectionOnceAndDropsMidList) {
    socket_dir dir;
    auto server = ipc::broker_server::listen("polled", dir.options());
    ASSERT_TRUE(server);
    auto poller = ipc::broker_poller::open(*server);
    ASSERT_TRUE(poller);
    std::vector<ipc::broker_connection> clients(2);
    std::thread connecting([&] {
        for (auto& c : clients) {
            auto made = ipc::broker_client::connect("polled", dir.options());
            EXPECT_TRUE(made);
            c = made ? std::move(*made) : ipc::broker_connection{};
        }
    });
    std::vector<ipc::broker_connection*> seen;
    for (int rounds = 0; rounds < 100 && poller->accepted() < 2; ++rounds) {
        auto ready = poller->wait(answer_within);
        ASSERT_TRUE(ready);
        seen.insert(seen.end(), ready->begin(), ready->end());
    }
    connecting.join();
    ASSERT_EQ(seen.size(), 2u) << "each new connection listed";
    std::vector<std::byte> buf(64);
    for (auto* c : seen) {
        EXPECT_EQ(c->from_peer().try_receive(buf).code(), errc::empty);  // arms its wait_fd
    }
    // Both events of each are pending before the wait: close() rang the ring's bell and then
    // closed the socket.
    ASSERT_TRUE(clients[0].to_peer().try_send(buf));
    ASSERT_TRUE(clients[0].to_peer().try_send(buf));
    clients[1].close();
    auto ready = poller->wait(answer_within);
    ASSERT_TRUE(ready);
    ASSERT_EQ(ready->size(), 2u) << "the one with messages and the one that hung up, once each";
    int gone = 0;
    for (auto* c : *ready) {
        gone += poller->hung_up(*c) ? 1 : 0;
        poller->drop(*c);  // closes it; the list still holds it until the next wait
        EXPECT_EQ(c->from_peer().try_receive(buf).code(), errc::closed);
    }
    EXPECT_EQ(gone, 1);
    EXPECT_EQ(poller->size(), 0u);
    EXPECT_EQ(clients[0].from_peer().read(answer_within).code(), errc::peer_closed)
        << "a dropped connection is closed for its client too";
    poller->close();
    EXPECT_EQ(poller->wait(0ns).code(), errc::closed);
}

TEST(Broker, SixteenClientsThatComeAndGoAgainstOneServerThread) {
    socket_dir dir;
    auto server = ipc::broker_server::listen("many", dir.options());
    ASSERT_TRUE(server) << server.error_value().message();
    echo_server echo{std::move(*server)};
    std::thread serving([&] { echo.run(); });
    const std::uint64_t count = 100'000 / ipc::test::stream_divisor;
    const std::uint64_t reconnect = count / 5;  // each client connects five times
    std::vector<ipc::test::child_process> clients;
    for (int i = 0; i < 16; ++i) {
        clients.emplace_back(std::vector<std::string>{
            IPC_TEST_BROKER_PEER, "echo", dir.path, "many", std::to_string(count),
            std::to_string(100 + i), "512", std::to_string(reconnect)});
    }
    for (auto& c : clients) {
        auto status = c.wait(std::chrono::seconds(120 * ipc::test::deadline_factor));
        ASSERT_TRUE(status) << "a client hung";
        EXPECT_EQ(ipc::test::exit_code(*status), 0) << "3 connect, 4 send/receive, 5 mismatch";
    }
    echo.stop = true;
    serving.join();
    EXPECT_EQ(echo.connections.load(), 16u * 5u);
    EXPECT_EQ(echo.failures.load(), 0u);
}

// Accepts one `broker_peer hold` client and takes its "ready".
ipc::broker_connection accept_holder(ipc::broker_server& server) {
    auto c = server.accept(answer_within);
    EXPECT_TRUE(c) << c.error_value().message();
    if (!c) {
        return {};
    }
    auto ready = c->from_peer().read(answer_within);
    EXPECT_TRUE(ready);
    c->from_peer().release();
    return std::move(*c);
}

// Observers see each connection as its two rings, kind broker, their ends the server and the
// client; and the server's listening record. Once both ends left, the connection is gone,
// though the server lives on with the closed records (kept for their final counts) that once
// located its memfds.
TEST(Broker, InspectShowsEachConnectionAsServerAndClientUntilItCloses) {
    socket_dir dir;
    const std::string name = "inspected-" + std::to_string(::getpid());
    auto server = ipc::broker_server::listen(name, dir.options());
    ASSERT_TRUE(server);
    ipc::test::child_process client({IPC_TEST_BROKER_PEER, "hold", dir.path, name});
    auto c = accept_holder(*server);
    ASSERT_TRUE(c.is_open());
    const auto snap = ipc::inspect::filtered(ipc::inspect::take_snapshot(), {.name = name});
    using role = ipc::inspect::endpoint_role;
    ASSERT_EQ(snap.channels.size(), 2u);
    int to_server = 0;
    for (const auto& ch : snap.channels) {
        EXPECT_EQ(ch.kind, ipc::inspect::channel_kind::broker);
        ASSERT_EQ(ch.ends.size(), 2u);
        const bool upstream = ch.ends[0].role == role::client;
        to_server += upstream;
        EXPECT_EQ(ch.ends[0].end.pid, upstream ? client.pid() : ::getpid());
        EXPECT_EQ(ch.ends[1].role, upstream ? role::server : role::client);
        EXPECT_EQ(ch.ends[1].end.pid, upstream ? ::getpid() : client.pid());
    }
    EXPECT_EQ(to_server, 1);
    bool listening = false;
    for (const auto& p : snap.processes) {
        for (const auto& e : p.endpoints) {
            listening |=
                p.pid == ::getpid() && e.role == role::server && e.region == server->path();
        }
    }
    EXPECT_TRUE(listening) << "the listening socket's record";
    c.close();
    ASSERT_TRUE(client.wait(answer_within)) << "the client sees the close and ends";
    const auto closed = ipc::inspect::filtered(ipc::inspect::take_snapshot(), {.name = name});
    EXPECT_EQ(closed.channels.size(), 0u);
    EXPECT_EQ(closed.rings.size(), 0u);
}

TEST(Broker, AKilledClientIsPeerGoneAtOnceAndLeavesNoDescriptorBehind) {
    socket_dir dir;
    auto server = ipc::broker_server::listen("killed-client", dir.options());
    ASSERT_TRUE(server);
    const int before = open_fds();
    {
        ipc::test::child_process client({IPC_TEST_BROKER_PEER, "hold", dir.path, "killed-client"});
        auto c = accept_holder(*server);
        ASSERT_TRUE(c.is_open());
        client.kill(SIGKILL);
        ASSERT_TRUE(client.wait(answer_within));
        // Blocked with no deadline: only the socket's hang-up (or the 1 s look) can end it.
        EXPECT_EQ(c.from_peer().read().code(), errc::peer_gone);
    }
    EXPECT_EQ(open_fds(), before) << "the connection's sockets, eventfds and memfds are all closed";
}

TEST(Broker, AKilledServerIsPeerGoneAndANewServerTakesTheName) {
    socket_dir dir;
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    const pid_t server = ::fork();
    ASSERT_GE(server, 0);
    if (server == 0) {
        auto s = ipc::broker_server::listen("restart", dir.options());
        const char listening = s ? 1 : 0;
        (void)!::write(ready[1], &listening, 1);
        auto c = s ? s->accept(answer_within) : s.error_value();
        const char accepted = c ? 1 : 0;
        (void)!::write(ready[1], &accepted, 1);
        for (;;) {
            ::pause();  // killed here, with its socket and connection open
        }
    }
    struct reaper {  // the server child never outlives the test, whatever fails
        pid_t pid;
        void reap() {
            if (pid > 0) {
                ::kill(pid, SIGKILL);
                (void)::waitpid(pid, nullptr, 0);
                (void)ipc::shm::unlink(ipc::telemetry::segment_object_name(pid));
                pid = 0;
            }
        }
        ~reaper() { reap(); }
    } killer{server};
    char ok = 0;
    ASSERT_EQ(::read(ready[0], &ok, 1), 1);
    ASSERT_EQ(ok, 1) << "the server listens";
    auto c = ipc::broker_client::connect("restart", dir.options(), answer_within);
    ASSERT_TRUE(c) << c.error_value().message();
    ASSERT_EQ(::read(ready[0], &ok, 1), 1);
    ASSERT_EQ(ok, 1) << "the server accepted";
    ASSERT_EQ(::kill(server, SIGKILL), 0);
    EXPECT_EQ(c->from_peer().read().code(), errc::peer_gone);
    // The connection's hang-up can reach the client before the dying server's listener is
    // released (the kernel closes a dead process's files in no promised order), so the name is
    // free once the server is reaped, as a supervisor restarting it would have done.
    killer.reap();
    auto again = ipc::broker_server::listen("restart", dir.options());
    EXPECT_TRUE(again) << "the dead server's socket is replaced: " << again.error_value().message();
    auto busy = ipc::broker_server::listen("restart", dir.options());
    EXPECT_EQ(busy.code(), errc::busy) << "a live server's name is not taken";
    ::close(ready[0]);
    ::close(ready[1]);
}

// A client that outlives its server: connect_retrying waits out a stale socket (its server
// dead) and connects once a new server listens; with none, it gives up at its deadline.
TEST(Broker, ConnectRetryingFindsTheNextServerOrTimesOut) {
    socket_dir dir;
    auto path = ipc::broker_socket_path("retry", dir.path);
    ASSERT_TRUE(path);
    {
        auto stale = ipc::unix_socket::listen(*path, ipc::unix_socket::kind::seqpacket);
        ASSERT_TRUE(stale);  // closed at once: its file stays, and nobody listens
    }
    EXPECT_EQ(ipc::broker_client::connect_retrying("retry", dir.options(), 100ms).code(),
              errc::timeout);
    ipc::broker_connection client;
    std::thread connecting([&] {
        auto c = ipc::broker_client::connect_retrying("retry", dir.options(), ipc::forever);
        EXPECT_TRUE(c) << c.error_value().message();
        client = c ? std::move(*c) : ipc::broker_connection{};
    });
    auto server = ipc::broker_server::listen("retry", dir.options());
    ASSERT_TRUE(server) << server.error_value().message();
    auto accepted = server->accept(answer_within);
    EXPECT_TRUE(accepted) << accepted.error_value().message();
    connecting.join();
    EXPECT_TRUE(client.is_open());
}

// max_clients: one more is refused with busy, and taken once a place is free again.
TEST(Broker, AFullServerRefusesWithBusy) {
    socket_dir dir;
    auto o = dir.options();
    o.max_clients = 1;
    auto server = ipc::broker_server::listen("full", o);
    ASSERT_TRUE(server);
    ipc::broker_connection first;
    std::thread one([&] {
        auto c = ipc::broker_client::connect("full", o, answer_within);
        EXPECT_TRUE(c);
        first = c ? std::move(*c) : ipc::broker_connection{};
    });
    auto accepted = server->accept(answer_within);
    one.join();
    ASSERT_TRUE(accepted);
    std::thread two([&] {
        EXPECT_EQ(ipc::broker_client::connect("full", o, answer_within).code(), errc::busy);
    });
    EXPECT_EQ(server->accept(answer_within).code(), errc::busy);
    two.join();
    accepted->close();
    std::thread three([&] { EXPECT_TRUE(ipc::broker_client::connect("full", o, answer_within)); });
    EXPECT_TRUE(server->accept(answer_within)) << "a place is free again";
    three.join();
}

// Bytes a peer writes on the connection's socket are not its end: the ring goes on.
TEST(Broker, BytesOnTheSocketAreNotAHangUp) {
    socket_dir dir;
    auto server = ipc::broker_server::listen("chatty", dir.options());
    ASSERT_TRUE(server);
    ipc::broker_connection client;
    std::thread connecting([&] {
        auto c = ipc::broker_client::connect("chatty", dir.options(), answer_within);
        EXPECT_TRUE(c);
        client = c ? std::move(*c) : ipc::broker_connection{};
    });
    auto accepted = server->accept(answer_within);
    connecting.join();
    ASSERT_TRUE(accepted);
    ASSERT_EQ(::send(client.socket_fd(), "x", 1, MSG_NOSIGNAL), 1);
    EXPECT_EQ(accepted->from_peer().read(100ms).code(), errc::timeout)
        << "not peer_gone: the client lives and has not closed";
    const std::string ping = "ping";
    ASSERT_TRUE(client.to_peer().send(std::as_bytes(std::span(ping))));
    EXPECT_TRUE(accepted->from_peer().read(answer_within));
}

TEST(Broker, AUserThatIsNotAllowedIsRefused) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root, to run a client as another user";
    }
    socket_dir dir;
    ASSERT_EQ(::chmod(dir.path.c_str(), 0711), 0);
    auto o = dir.options();
    o.allowed_uids = {12345};  // others may reach the socket; 65534 is still not allowed
    auto server = ipc::broker_server::listen("users", o);
    ASSERT_TRUE(server) << server.error_value().message();
    const pid_t client = ::fork();
    if (client == 0) {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) {
            ::_exit(2);
        }
        auto trusting = dir.options();
        trusting.allowed_uids = {0};  // the server runs as root
        auto c = ipc::broker_client::connect("users", trusting, answer_within);
        ::_exit(c ? 0 : c.code() == errc::permission_denied ? 1 : 3);
    }
    auto refused = server->accept(answer_within);
    EXPECT_EQ(refused.code(), errc::permission_denied);
    int status = 0;
    ASSERT_EQ(::waitpid(client, &status, 0), client);
    EXPECT_EQ(ipc::test::exit_code(status), 1) << "1: the client was told permission_denied";
}

// A fake server written with raw syscalls: it answers the first client with `welcome` bytes and
// `fds`, whatever they are.
void fake_server(const std::string& path, std::vector<std::byte> welcome, std::vector<int> fds,
                 int listening) {
    (void)path;
    const int s = ::accept4(listening, nullptr, nullptr, SOCK_CLOEXEC);
    if (s < 0) {
        return;
    }
    char hello[64];
    (void)::recv(s, hello, sizeof hello, 0);
    msghdr msg{};
    iovec iov{welcome.data(), welcome.size()};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)] = {};
    if (!fds.empty()) {
        msg.msg_control = control;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    (void)::sendmsg(s, &msg, MSG_NOSIGNAL);
    char drain[1];
    (void)::recv(s, drain, 1, 0);  // until the client hangs up
    ::close(s);
}

// The welcome as the broker protocol lays it out (magic, version 1, refusal 0, sizes).
std::vector<std::byte> welcome_bytes(std::uint32_t max_message, std::uint64_t capacity) {
    std::vector<std::byte> w(32);
    std::memcpy(w.data(), "LIBIPCBR", 8);
    const std::uint32_t head[4] = {1, 0, max_message, 0};
    std::memcpy(w.data() + 8, head, sizeof head);
    std::memcpy(w.data() + 24, &capacity, 8);
    return w;
}

TEST(Broker, WhatAFakeServerSendsIsAClearErrorNeverACrash) {
    socket_dir dir;
    auto path = ipc::broker_socket_path("fake", dir.path);
    ASSERT_TRUE(path);
    const int eventfds[4] = {
        ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK),
        ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
    const int unsealed = ::memfd_create("fake-ring", MFD_CLOEXEC);
    ASSERT_EQ(::ftruncate(unsealed, 1 << 20), 0);
    const int tiny = ::memfd_create("fake-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    ASSERT_EQ(::ftruncate(tiny, 64), 0);
    ASSERT_EQ(::fcntl(tiny, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL), 0);
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const auto w = welcome_bytes(4096, 65536);
    struct fake {
        const char* what;
        std::vector<std::byte> welcome;
        std::vector<int> fds;
    };
    const std::vector<fake> fakes = {
        {"garbage bytes", std::vector<std::byte>(32, std::byte{0xab}), {}},
        {"no descriptors", w, {}},
        {"pipes",
         w,
         {pipe_fds[0], pipe_fds[1], pipe_fds[0], pipe_fds[1], pipe_fds[0], pipe_fds[1]}},
        {"unsealed memfds",
         w,
         {eventfds[0], eventfds[1], unsealed, eventfds[2], eventfds[3], unsealed}},
        {"memfds too small", w, {eventfds[0], eventfds[1], tiny, eventfds[2], eventfds[3], tiny}},
        {"a short welcome", std::vector<std::byte>(w.begin(), w.begin() + 20), {}},
    };
    const int before = open_fds();
    for (const auto& f : fakes) {
        const int listening = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path->c_str(), sizeof addr.sun_path - 1);
        ASSERT_EQ(::bind(listening, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        ASSERT_EQ(::listen(listening, 1), 0);
        std::thread server(fake_server, *path, f.welcome, f.fds, listening);
        auto c = ipc::broker_client::connect("fake", dir.options(), answer_within);
        EXPECT_FALSE(c) << f.what;
        EXPECT_NE(c.code(), errc::timeout) << f.what << ": refused at once, not waited out";
        server.join();
        ::close(listening);
        ::unlink(path->c_str());
    }
    EXPECT_EQ(open_fds(), before) << "every descriptor a fake sent was closed";
    for (int fd : {eventfds[0], eventfds[1], eventfds[2], eventfds[3], unsealed, tiny, pipe_fds[0],
                   pipe_fds[1]}) {
        ::close(fd);
    }
}

// A raw client: connects, sends `hello` (nothing when empty), and keeps the socket.
int raw_client(const std::string& path, const std::vector<std::byte>& hello) {
    return ipc::test::raw_connect(path, SOCK_SEQPACKET, hello.data(), hello.size());
}

TEST(Broker, SilentAndGarbageClientsAreRefusedAndTheServerGoesOn) {
    socket_dir dir;
    auto o = dir.options();
    o.handshake_timeout = 200ms;
    auto server = ipc::broker_server::listen("hostile", o);
    ASSERT_TRUE(server);
    const int silent = raw_client(server->path(), {});
    ASSERT_GE(silent, 0);
    EXPECT_EQ(server->accept(answer_within).code(), errc::timeout) << "held no longer than 200 ms";
    const int garbage = raw_client(server->path(), std::vector<std::byte>(24, std::byte{0x5a}));
    ASSERT_GE(garbage, 0);
    EXPECT_EQ(server->accept(answer_within).code(), errc::corrupt);
    char refusal[64];
    EXPECT_EQ(::recv(garbage, refusal, sizeof refusal, 0), 32) << "told why (bad_hello)";
    ipc::broker_connection good;
    std::thread connecting([&] {
        auto c = ipc::broker_client::connect("hostile", o, answer_within);
        EXPECT_TRUE(c) << c.error_value().message();
        good = c ? std::move(*c) : ipc::broker_connection{};
    });
    EXPECT_TRUE(server->accept(answer_within)) << "a good client after them is served";
    connecting.join();
    ::close(silent);
    ::close(garbage);
}

}  // namespace
