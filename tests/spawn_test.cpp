// ipc::child::spawn: descriptors land at the numbers asked for, nothing else leaks into the
// child, and exit codes, signals and exec failures are reported.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "ipc/spawn.hpp"

namespace {

using ipc::errc;
using namespace std::chrono_literals;

// The child's standard output, through a pipe placed at fd 1.
struct captured_stdout {
    int pipe_fds[2]{-1, -1};
    captured_stdout() { EXPECT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0); }
    ~captured_stdout() {
        ::close(pipe_fds[0]);
        ::close(pipe_fds[1]);
    }
    ipc::fd_at at_stdout() const { return {pipe_fds[1], 1}; }
    std::string read_all() {
        ::close(pipe_fds[1]);
        pipe_fds[1] = -1;
        std::string out;
        char buf[256];
        ssize_t n;
        while ((n = ::read(pipe_fds[0], buf, sizeof buf)) > 0) {
            out.append(buf, static_cast<std::size_t>(n));
        }
        return out;
    }
};

int memfd_with(const char* text) {
    const int fd = ::memfd_create("spawn-test", MFD_CLOEXEC);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::write(fd, text, std::strlen(text)), static_cast<ssize_t>(std::strlen(text)));
    return fd;
}

TEST(Spawn, DescriptorsLandWhereAskedAndNothingElseLeaks) {
    captured_stdout out;
    const int first = memfd_with("first");
    const int second = memfd_with("second");
    const int stays = ::open("/dev/null", O_RDONLY);  // not close-on-exec: must not leak anyway
    ASSERT_GE(stays, 0);
    // Swapped on purpose: `second` goes where `first` is and the other way round, and a third
    // stays at its own number.
    const int own = memfd_with("own");
    auto c = ipc::child::spawn(
        IPC_TEST_FD_PROBE,
        {"fd_probe", std::to_string(first), std::to_string(second), std::to_string(own)},
        {.fds = {out.at_stdout(), {second, first}, {first, second}, {own, own}}});
    ASSERT_TRUE(c) << c.error_value().message();
    const std::string text = out.read_all();
    auto status = c->wait(10s);
    ASSERT_TRUE(status);
    EXPECT_TRUE(status->exited);
    EXPECT_EQ(status->code, 0);
    std::string expected_open = "open: 0 1 2";
    for (int fd : {std::min(first, second), std::max(first, second), own}) {
        expected_open += " " + std::to_string(fd);
    }
    EXPECT_NE(text.find(expected_open + "\n"), std::string::npos) << text;
    EXPECT_NE(text.find(std::to_string(first) + ": second\n"), std::string::npos) << text;
    EXPECT_NE(text.find(std::to_string(second) + ": first\n"), std::string::npos) << text;
    EXPECT_NE(text.find(std::to_string(own) + ": own\n"), std::string::npos) << text;
    for (int fd : {first, second, stays, own}) {
        ::close(fd);
    }
}

TEST(Spawn, ExitCodesSignalsAndTimeoutsAreReported) {
    auto exits = ipc::child::spawn("/bin/sh", {"sh", "-c", "exit 7"});
    ASSERT_TRUE(exits);
    auto status = exits->wait(10s);
    ASSERT_TRUE(status);
    EXPECT_TRUE(status->exited);
    EXPECT_EQ(status->code, 7);
    EXPECT_EQ(exits->wait(0s).code(), errc::closed);

    auto runs = ipc::child::spawn("/bin/sh", {"sh", "-c", "exec sleep 60"});
    ASSERT_TRUE(runs);
    EXPECT_EQ(runs->wait(0s).code(), errc::timeout);
    ASSERT_TRUE(runs->kill(SIGKILL));
    status = runs->wait(10s);
    ASSERT_TRUE(status);
    EXPECT_FALSE(status->exited);
    EXPECT_EQ(status->signal, SIGKILL);
}

TEST(Spawn, ExecFailuresAndBadMappingsAreErrors) {
    EXPECT_EQ(ipc::child::spawn("/no/such/program", {"x"}).code(), errc::not_found);
    EXPECT_EQ(ipc::child::spawn("/bin/sh", {"sh"}, {.fds = {{0, 5}, {1, 5}}}).code(),
              errc::invalid_argument);
    EXPECT_EQ(ipc::child::spawn("/bin/sh", {"sh"}, {.fds = {{0, -1}}}).code(),
              errc::invalid_argument);
}

// The status pipe that reports an exec failure must not land on a number the caller asked for
// (pipe2 takes the lowest free numbers, and a gap below the targets is common).
TEST(Spawn, AnExecFailureIsReportedWhenTargetsLeaveAGapBelow) {
    const int first_gap = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const int second_gap = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const int source = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(first_gap, 0);
    ASSERT_LT(first_gap, second_gap);
    ASSERT_LT(second_gap, source);
    // A pipe made now takes both gaps, its write end the second: the number asked for here.
    ::close(first_gap);
    ::close(second_gap);
    EXPECT_EQ(ipc::child::spawn("/no/such/program", {"x"}, {.fds = {{source, second_gap}}}).code(),
              errc::not_found);
    ::close(source);
}

TEST(Spawn, TheEnvironmentCanBeReplaced) {
    captured_stdout out;
    auto c = ipc::child::spawn("/bin/sh", {"sh", "-c", "echo \"$ONLY_THIS\""},
                               {.fds = {out.at_stdout()}, .environment = {"ONLY_THIS=yes"}});
    ASSERT_TRUE(c);
    EXPECT_EQ(out.read_all(), "yes\n");
    ASSERT_TRUE(c->wait(10s));
}

}  // namespace
