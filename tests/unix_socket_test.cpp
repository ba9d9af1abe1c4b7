// ipc::unix_socket: connections with deadlines, descriptors passed with SCM_RIGHTS (and refused,
// with nothing leaked, when there are more than accepted), peer credentials.

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "ipc/unix_socket.hpp"
#include "support/names.hpp"

namespace {

using ipc::errc;
using namespace std::chrono_literals;
namespace us = ipc::unix_socket;

std::string socket_path(const std::string& stem) {
    return "/tmp/" + ipc::test::unique_name(stem) + ".sock";
}

int open_fd_count() {
    int n = 0;
    DIR* d = ::opendir("/proc/self/fd");
    while (const dirent* e = ::readdir(d)) {
        n += e->d_name[0] != '.' ? 1 : 0;
    }
    ::closedir(d);
    return n;
}

std::span<const std::byte> bytes_of(const char* text) {
    return std::as_bytes(std::span(text, std::strlen(text)));
}

struct connected_pair {
    ipc::unique_fd listener;
    ipc::unique_fd client;
    ipc::unique_fd server;
};

connected_pair connect_pair(const std::string& path, us::kind k = us::kind::stream) {
    connected_pair p;
    auto l = us::listen(path, k);
    EXPECT_TRUE(l) << l.error_value().message();
    p.listener = std::move(*l);
    auto c = us::connect(path, k);
    EXPECT_TRUE(c) << c.error_value().message();
    p.client = std::move(*c);
    auto s = us::accept(p.listener.get(), 5s);
    EXPECT_TRUE(s) << s.error_value().message();
    p.server = std::move(*s);
    return p;
}

TEST(UnixSocket, DescriptorsTravelWithTheirMessage) {
    const auto path = socket_path("fds");
    auto p = connect_pair(path);
    const int memfd = ::memfd_create("passed", MFD_CLOEXEC);
    ASSERT_EQ(::write(memfd, "payload", 7), 7);
    const int fds[] = {memfd, memfd};
    auto sent = us::send(p.client.get(), bytes_of("hello"), fds);
    ASSERT_TRUE(sent);
    EXPECT_EQ(*sent, 5u);
    std::byte buffer[16];
    auto got = us::receive(p.server.get(), buffer, 4, 5s);
    ASSERT_TRUE(got) << got.error_value().message();
    EXPECT_EQ(got->bytes, 5u);
    ASSERT_EQ(got->fds.size(), 2u);
    char text[8] = {};
    EXPECT_EQ(::pread(got->fds[0].get(), text, 7, 0), 7);
    EXPECT_STREQ(text, "payload");
    EXPECT_EQ(::fcntl(got->fds[1].get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    ::close(memfd);
    ::unlink(path.c_str());
}

TEST(UnixSocket, MoreDescriptorsThanAcceptedAreRefusedAndNoneLeaks) {
    const auto path = socket_path("toomany");
    auto p = connect_pair(path, us::kind::seqpacket);
    const int memfd = ::memfd_create("passed", MFD_CLOEXEC);
    const int five[] = {memfd, memfd, memfd, memfd, memfd};
    const int before = open_fd_count();
    ASSERT_TRUE(us::send(p.client.get(), bytes_of("x"), five));
    std::byte buffer[4];
    EXPECT_EQ(us::receive(p.server.get(), buffer, 2, 5s).code(), errc::corrupt);
    ASSERT_TRUE(us::send(p.client.get(), bytes_of("y"), five));
    EXPECT_EQ(us::receive(p.server.get(), buffer, 0, 5s).code(), errc::corrupt);
    EXPECT_EQ(open_fd_count(), before);
    // The connection still works for messages without descriptors.
    ASSERT_TRUE(us::send(p.client.get(), bytes_of("z")));
    auto plain = us::receive(p.server.get(), buffer, 0, 5s);
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->bytes, 1u);
    ::close(memfd);
    ::unlink(path.c_str());
}

TEST(UnixSocket, ForeignControlDataIsRefusedAndNoDescriptorLeaks) {
    const auto path = socket_path("foreign");
    auto p = connect_pair(path, us::kind::seqpacket);
    const int on = 1;
    ASSERT_EQ(::setsockopt(p.server.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on), 0);
    const int memfd = ::memfd_create("passed", MFD_CLOEXEC);
    const int one[] = {memfd};
    const int before = open_fd_count();
    // With SO_PASSCRED the kernel adds credentials to every message: not descriptors.
    ASSERT_TRUE(us::send(p.client.get(), bytes_of("x"), one));
    std::byte buffer[4];
    EXPECT_EQ(us::receive(p.server.get(), buffer, 4, 5s).code(), errc::corrupt);
    EXPECT_EQ(open_fd_count(), before);
    ::close(memfd);
    ::unlink(path.c_str());
}

TEST(UnixSocket, DeadlinesClosedPeersAndCredentials) {
    const auto path = socket_path("misc");
    auto p = connect_pair(path);
    auto creds = us::peer_credentials(p.server.get());
    ASSERT_TRUE(creds);
    EXPECT_EQ(creds->pid, ::getpid());
    EXPECT_EQ(creds->uid, ::geteuid());
    EXPECT_EQ(us::accept(p.listener.get(), 0s).code(), errc::timeout);
    std::byte buffer[4];
    EXPECT_EQ(us::receive(p.server.get(), buffer, 0, 0s).code(), errc::timeout);
    p.client.reset();
    auto eof = us::receive(p.server.get(), buffer, 0, 5s);
    ASSERT_TRUE(eof);
    EXPECT_EQ(eof->bytes, 0u);
    EXPECT_EQ(us::send(p.server.get(), bytes_of("late")).code(), errc::peer_closed);
    ::unlink(path.c_str());
}

TEST(UnixSocket, PathsAndLeftoverSocketFiles) {
    EXPECT_EQ(us::listen(std::string(200, 'x')).code(), errc::invalid_argument);
    EXPECT_EQ(us::connect("/tmp/no-such-libipc-socket").code(), errc::not_found);
    const auto path = socket_path("leftover");
    {
        auto first = us::listen(path);
        ASSERT_TRUE(first);
        EXPECT_EQ(us::listen(path).code(), errc::already_exists);  // a live listener keeps it
        EXPECT_TRUE(us::connect(path));
    }
    EXPECT_EQ(us::connect(path).code(), errc::peer_gone);
    EXPECT_TRUE(us::listen(path)) << "a dead listener's socket file is replaced";
    ::unlink(path.c_str());
    auto abstract = us::listen("@" + ipc::test::unique_name("abstract"));
    EXPECT_TRUE(abstract);
}

// A live listener whose backlog is full is still live: taking its path is refused at once (the
// probe used to be a blocking connect, which waits while the backlog is full: forever).
TEST(UnixSocket, AListenerWithAFullBacklogKeepsItsPath) {
    const auto path = socket_path("full-backlog");
    auto live = us::listen(path, us::kind::stream, 0);
    ASSERT_TRUE(live);
    std::vector<ipc::unique_fd> waiting;
    for (int i = 0; i < 64; ++i) {
        auto c = us::connect_now(path);
        if (!c) {
            ASSERT_EQ(c.code(), errc::busy) << c.error_value().message();
            break;
        }
        waiting.push_back(std::move(*c));
    }
    ASSERT_EQ(us::connect_now(path).code(), errc::busy) << "the backlog is full";
    EXPECT_EQ(us::listen(path).code(), errc::already_exists);
    ::unlink(path.c_str());
}

// What listen relies on for "never wider than asked, not even for a moment": bind makes the
// file with the socket's own mode less the umask, so a mode set on the socket before bind is
// the file's from its first instant (checked here with no chmod after).
TEST(UnixSocket, BindMakesTheFileWithTheSocketsMode) {
    const auto path = socket_path("born");
    const mode_t old = ::umask(0);
    const int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    const bool made =
        ::fchmod(s, 0600) == 0 && ::bind(s, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
    ::umask(old);
    struct stat st {};
    const bool stated = ::stat(path.c_str(), &st) == 0;
    ::close(s);
    ::unlink(path.c_str());
    ASSERT_TRUE(made && stated);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// The socket file has the mode asked for whatever the umask: narrowed under a umask of 0,
// widened past one of 077 when asked.
TEST(UnixSocket, TheSocketFileHasTheModeAskedFor) {
    struct umask_restored {
        mode_t old = ::umask(0);
        ~umask_restored() { ::umask(old); }
    } keep;
    for (const mode_t mode : {mode_t{0600}, mode_t{0666}}) {
        const auto path = socket_path("mode");
        auto l = us::listen(path, us::kind::stream, 4, mode);
        ASSERT_TRUE(l);
        struct stat st {};
        ASSERT_EQ(::stat(path.c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, mode);
        ::unlink(path.c_str());
    }
    ::umask(077);
    const auto path = socket_path("mode-umask");
    auto l = us::listen(path, us::kind::stream, 4, 0666);
    ASSERT_TRUE(l);
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0666u) << "widened past the umask when asked";
    ::unlink(path.c_str());
}

}  // namespace
