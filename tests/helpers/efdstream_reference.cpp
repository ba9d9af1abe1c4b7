// An efdstream peer written from ../shared/specs/efdstream.md alone, with raw syscalls and no
// libipc code: what the tests put on the other side of libipc's efdstream ends. Like the
// reference programs it has no timeouts; the tests bound it from outside.
//
//   efdstream_reference parent CHILD ROUNDS SIZE
//       makes the six descriptors, starts CHILD with the spec's exact command line, then does
//       ROUNDS round trips of 1 to SIZE bytes (both ends included), checking every echoed byte,
//       and kills the child (as the reference parents do). Exit 0 when every echo matched.
//       With EFD_REFERENCE_PID_FD=N it first writes the child's pid (a pid_t) to fd N; with
//       EFD_REFERENCE_MISBEHAVE=die it exits after its rounds, leaving the child running.
//   efdstream_reference -mode child -fd-p2c-send 3 -fd-p2c-ack 4 -fd-p2c-shm 5
//                       -fd-c2p-send 6 -fd-c2p-ack 7 -fd-c2p-shm 8 -shm-size S
//       echoes every message. With EFD_REFERENCE_MISBEHAVE in its environment it takes the first
//       message and then: bad-length (acks it, answers with a length of S + 1), never-ack
//       (never acks it), die (exits without acking it), answer-then-die (acks and answers it,
//       then exits without waiting for the answer's ack).
// Exit codes: 0 ok, 2 usage, 8 a length above S, 9 started with another command line,
// 10 an echo differed, 11 a system call failed.

#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

void must(bool ok, const char* what) {
    if (!ok) {
        std::perror(what);
        std::exit(11);
    }
}

std::uint64_t read_u64(int fd) {
    unsigned char bytes[8];
    must(::read(fd, bytes, 8) == 8, "read eventfd");
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) {
        v = (v << 8) | bytes[i];  // little-endian, as the spec says
    }
    return v;
}

void write_u64(int fd, std::uint64_t v) {
    unsigned char bytes[8];
    for (int i = 0; i < 8; ++i) {
        bytes[i] = static_cast<unsigned char>(v >> (8 * i));
    }
    must(::write(fd, bytes, 8) == 8, "write eventfd");
}

unsigned char* map_memfd(int fd, std::uint64_t size) {
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    must(p != MAP_FAILED, "mmap");
    return static_cast<unsigned char*>(p);
}

int run_child(int argc, char** argv) {
    const char* expected[] = {"-mode",       "child", "-fd-p2c-send", "3", "-fd-p2c-ack", "4",
                              "-fd-p2c-shm", "5",     "-fd-c2p-send", "6", "-fd-c2p-ack", "7",
                              "-fd-c2p-shm", "8",     "-shm-size"};
    const int flags = static_cast<int>(sizeof expected / sizeof expected[0]);
    if (argc != flags + 2) {
        return 9;
    }
    for (int i = 0; i < flags; ++i) {
        if (std::strcmp(argv[i + 1], expected[i]) != 0) {
            return 9;
        }
    }
    const std::uint64_t size = std::strtoull(argv[argc - 1], nullptr, 10);
    unsigned char* p2c = map_memfd(5, size);
    unsigned char* c2p = map_memfd(8, size);
    const char* misbehave = std::getenv("EFD_REFERENCE_MISBEHAVE");
    std::vector<unsigned char> copy(size);
    for (bool first = true;; first = false) {
        // Misbehaving is done once, at the first message.
        const auto misbehaves = [&](const char* how) {
            return first && misbehave != nullptr && std::strcmp(misbehave, how) == 0;
        };
        const std::uint64_t length = read_u64(3);
        if (length > size) {
            return 8;
        }
        if (misbehaves("die")) {
            ::_exit(0);
        }
        if (misbehaves("never-ack")) {
            for (;;) {
                ::pause();
            }
        }
        std::memcpy(copy.data(), p2c, length);
        write_u64(4, 1);
        std::memcpy(c2p, copy.data(), length);
        write_u64(6, misbehaves("bad-length") ? size + 1 : length);
        if (misbehaves("answer-then-die")) {
            ::_exit(0);
        }
        must(read_u64(7) == 1, "the ack is not 1");
    }
}

unsigned char pattern(std::uint64_t round, std::uint64_t k) {
    return static_cast<unsigned char>((round * 131 + k * 7 + 1) & 0xff);
}

int run_parent(const char* program, std::uint64_t rounds, std::uint64_t size) {
    int fds[6];
    for (int i : {0, 1, 3, 4}) {
        fds[i] = ::eventfd(0, 0);
        must(fds[i] >= 0, "eventfd");
    }
    fds[2] = ::memfd_create("efdstream_shm_p2c", 0);
    fds[5] = ::memfd_create("efdstream_shm_c2p", 0);
    must(fds[2] >= 0 && fds[5] >= 0, "memfd_create");
    must(::ftruncate(fds[2], static_cast<off_t>(size)) == 0 &&
             ::ftruncate(fds[5], static_cast<off_t>(size)) == 0,
         "ftruncate");
    unsigned char* p2c = map_memfd(fds[2], size);
    unsigned char* c2p = map_memfd(fds[5], size);
    const std::string s = std::to_string(size);
    const pid_t child = ::fork();
    must(child >= 0, "fork");
    if (child == 0) {
        int high[6];
        for (int i = 0; i < 6; ++i) {
            high[i] = ::fcntl(fds[i], F_DUPFD, 100);  // out of the way of 3..8 first
        }
        for (int i = 0; i < 6; ++i) {
            ::dup2(high[i], 3 + i);
        }
        const char* args[] = {
            program, "-mode",       "child", "-fd-p2c-send", "3",       "-fd-p2c-ack",
            "4",     "-fd-p2c-shm", "5",     "-fd-c2p-send", "6",       "-fd-c2p-ack",
            "7",     "-fd-c2p-shm", "8",     "-shm-size",    s.c_str(), nullptr};
        ::execv(program, const_cast<char* const*>(args));
        ::_exit(127);
    }
    if (const char* pid_fd = std::getenv("EFD_REFERENCE_PID_FD")) {
        must(::write(std::atoi(pid_fd), &child, sizeof child) == sizeof child, "write pid");
    }
    int rc = 0;
    for (std::uint64_t round = 0; round < rounds && rc == 0; ++round) {
        const std::uint64_t length = round % 3 == 2 ? size : 1 + (round * 7919) % size;
        for (std::uint64_t k = 0; k < length; ++k) {
            p2c[k] = pattern(round, k);
        }
        write_u64(fds[0], length);
        must(read_u64(fds[1]) == 1, "the ack is not 1");
        const std::uint64_t back = read_u64(fds[3]);
        if (back != length) {
            rc = back > size ? 8 : 10;
            break;
        }
        for (std::uint64_t k = 0; k < length; ++k) {
            if (c2p[k] != pattern(round, k)) {
                rc = 10;
                break;
            }
        }
        write_u64(fds[4], 1);
    }
    const char* misbehave = std::getenv("EFD_REFERENCE_MISBEHAVE");
    if (misbehave != nullptr && std::strcmp(misbehave, "die") == 0) {
        ::_exit(rc);
    }
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    return rc;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 2 && std::strcmp(argv[1], "-mode") == 0) {
        return run_child(argc, argv);
    }
    if (argc == 5 && std::strcmp(argv[1], "parent") == 0) {
        return run_parent(argv[2], std::strtoull(argv[3], nullptr, 10),
                          std::strtoull(argv[4], nullptr, 10));
    }
    std::fputs("usage: efdstream_reference parent CHILD ROUNDS SIZE | -mode child ...\n", stderr);
    return 2;
}
