#pragma once
// The places a ring's memory comes from, for tests that run the same ring suite over each:
// a named segment, a sealed memfd inherited by a spawned child (futex doorbell), and a sealed
// memfd with eventfd doorbells received over a Unix socket by a process that did not inherit
// it. This process holds one end; the ring_peer helper (IPC_TEST_RING_PEER) the other.

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ipc/ring.hpp"
#include "ipc/unix_socket.hpp"
#include "support/child_process.hpp"
#include "support/copy_of.hpp"
#include "support/ring_peer_args.hpp"

namespace ipc::test {

enum class region_source { named, inherited, received };

inline const char* source_name(region_source s) {
    switch (s) {
        case region_source::named:
            return "named";
        case region_source::inherited:
            return "inherited";
        case region_source::received:
            return "received";
    }
    return "?";
}

class ring_under_test {
  public:
    ring_under_test(region_source source, std::string name, ring_options options)
        : source_(source), name_(std::move(name)), options_(std::move(options)) {
        if (source_ == region_source::received) {
            options_.doorbell = doorbell_kind::eventfd;
        }
        if (source_ != region_source::named) {
            auto fds = create_memfd_ring(options_);
            if (!fds) {
                throw std::runtime_error("create_memfd_ring: " + fds.error_value().message());
            }
            fds_ = std::move(*fds);
        }
    }

    const std::string& name() const noexcept { return name_; }
    const ring_options& options() const noexcept { return options_; }

    result<ring_writer> writer() {
        return source_ == region_source::named ? ring_writer::open(name_, options_)
                                               : ring_writer::adopt(name_, own_fds(), options_);
    }
    result<ring_reader> reader() {
        return source_ == region_source::named ? ring_reader::open(name_, options_)
                                               : ring_reader::adopt(name_, own_fds(), options_);
    }

    // Starts ring_peer with `role` ("read" or "write") and its arguments after the name, then
    // hands it the region the way this source does. `ready` is a pipe's write end for
    // ring_peer_ready_fd, or -1.
    child_process start_peer(const std::string& role, const std::vector<std::string>& rest,
                             int ready = -1) {
        std::vector<std::string> argv = {IPC_TEST_RING_PEER, role + suffix(), name_};
        argv.insert(argv.end(), rest.begin(), rest.end());
        spawn_options how;
        if (ready >= 0) {
            how.fds.push_back({ready, ring_peer_ready_fd});
        }
        if (source_ == region_source::inherited) {
            how.fds.push_back({fds_.region.get(), 3});
            return child_process(argv, how);
        }
        if (source_ != region_source::received) {
            return child_process(argv, how);
        }
        auto listener = unix_socket::listen(ring_socket_for(name_), unix_socket::kind::seqpacket);
        if (!listener) {
            throw std::runtime_error("listen: " + listener.error_value().message());
        }
        child_process peer(argv, how);
        auto conn = unix_socket::accept(listener->get(), std::chrono::seconds(10));
        if (!conn) {
            throw std::runtime_error("accept: " + conn.error_value().message());
        }
        const int fds[] = {fds_.region.get(), fds_.data_ready.get(), fds_.space_ready.get()};
        if (auto sent = unix_socket::send(conn->get(), std::as_bytes(std::span("r", 1)), fds);
            !sent) {
            throw std::runtime_error("send fds: " + sent.error_value().message());
        }
        return peer;
    }

    // Starts a ring_peer writer in "hold" mode (`rest` ends with "hold") and returns once it has
    // committed its whole stream, without reading any of it.
    child_process start_committed_writer(const std::vector<std::string>& rest) {
        int ready[2];
        if (::pipe2(ready, O_CLOEXEC) != 0) {
            throw std::runtime_error("pipe2 failed");
        }
        unique_fd ready_read(ready[0]);
        child_process writer = start_peer("write", rest, ready[1]);
        ::close(ready[1]);
        pollfd p{ready_read.get(), POLLIN, 0};
        if (::poll(&p, 1, 10'000) != 1) {
            throw std::runtime_error("the writer never committed its stream");
        }
        return writer;
    }

  private:
    const char* suffix() const noexcept {
        switch (source_) {
            case region_source::named:
                return "";
            case region_source::inherited:
                return "-fd";
            case region_source::received:
                return "-sock";
        }
        return "";
    }
    ring_fds own_fds() const { return copy_of(fds_); }

    region_source source_;
    std::string name_;
    ring_options options_;
    ring_fds fds_;
};

}  // namespace ipc::test
