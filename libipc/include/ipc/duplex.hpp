#pragma once
// duplex: a parent and the child it spawns exchange messages both ways, each direction a ring in
// a sealed memfd with eventfd doorbells, which the child inherits at spawn.
//
// duplex_parent::spawn makes the two rings, starts the child with their six descriptors at fds
// 3..8, the numbers efdstream children use (docs/ARCHITECTURE.md, *duplex*):
//   3 parent->child data_ready (eventfd)   4 parent->child space_ready (eventfd)
//   5 parent->child ring (sealed memfd)    6 child->parent data_ready (eventfd)
//   7 child->parent space_ready (eventfd)  8 child->parent ring (sealed memfd)
// and sets IPC_DUPLEX in the child's environment to what it needs to adopt them (their numbers,
// the rings' sizes, the channel's name). duplex_child::inherit reads that variable, so a child
// started any other way gets not_found, and adopts each descriptor only if it is what it claims
// (a memfd sealed against resizing, an eventfd: wrong_kind otherwise).
//
// Each end is a ring writer towards its peer and a ring reader from it, with the rings' whole
// API: zero-copy and copying, try, timed and blocking, wait_fd() for poll/epoll. A blocking call
// returns peer_gone when the peer has gone; a reader first receives what was committed.
//
// Liveness without polling: each end's rings watch the other process's pidfd (ring_fds::
// peer_process), so a blocked call wakes and returns peer_gone the moment the peer exits. The
// parent has its child's pidfd from spawn; the child opens its parent's (getppid, checked again
// once it is open: a parent that died first leaves a reaper there). A pidfd rather than
// PR_SET_PDEATHSIG: the signal would be the whole process's, fires when the parent *thread*
// that forked exits (not the parent process), and interrupts whatever the child does; the pidfd
// is seen only where the child waits for its parent. An event loop polls child().pidfd() or
// parent_pidfd() beside wait_fd().

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "ipc/error.hpp"
#include "ipc/fd.hpp"
#include "ipc/ring.hpp"
#include "ipc/spawn.hpp"
#include "ipc/wait_strategy.hpp"

namespace ipc {

struct duplex_options {
    std::string name = "duplex";  // the channel's name in telemetry
    // Each direction's ring (both ends use the parent's: the child learns them from IPC_DUPLEX).
    std::uint32_t max_message = 64 * 1024;
    std::uint64_t capacity = 0;  // as ring_options::capacity
    wait_strategy wait = wait_strategy::adaptive;
    bool telemetry = true;
    // duplex_parent::close: how long the child has to exit once its inbound ring is closed,
    // before it gets SIGKILL.
    std::chrono::nanoseconds stop_timeout = std::chrono::seconds(2);
    // The child's environment besides IPC_DUPLEX ("NAME=value"); empty: the parent's.
    std::vector<std::string> environment{};
};

// One end: a writer towards the peer and a reader from it.
class duplex_end {
  public:
    duplex_end() noexcept = default;
    duplex_end(duplex_end&&) noexcept = default;
    duplex_end& operator=(duplex_end&&) noexcept = default;

    ring_writer& to_peer() noexcept { return to_peer_; }
    ring_reader& from_peer() noexcept { return from_peer_; }
    bool is_open() const noexcept { return to_peer_.is_open() && from_peer_.is_open(); }

  protected:
    duplex_end(ring_writer to_peer, ring_reader from_peer) noexcept
        : to_peer_(std::move(to_peer)), from_peer_(std::move(from_peer)) {}
    void close_rings() noexcept;

  private:
    ring_writer to_peer_;
    ring_reader from_peer_;
};

class duplex_parent : public duplex_end {
  public:
    duplex_parent() noexcept = default;
    duplex_parent(duplex_parent&&) noexcept = default;
    duplex_parent& operator=(duplex_parent&& other) noexcept;
    // close(): a child is never left running or unreaped.
    ~duplex_parent();

    // Makes the rings and starts `program` (not searched in PATH) with `argv` (argv[0]
    // included). Errors of child::spawn, and invalid_argument for bad sizes.
    static result<duplex_parent> spawn(const std::string& program,
                                       const std::vector<std::string>& argv,
                                       const duplex_options& options = {});

    // The child: pid(), pidfd() (readable once it exited: poll it beside
    // from_peer().wait_fd()), wait() (its exit status, kept).
    supervised_child& child() noexcept { return child_; }
    // Asks the child to stop by closing both rings (its reader drains what was sent, then gets
    // peer_closed), waits up to stop_timeout, then kills it with SIGKILL, and reaps it. How it
    // ended; the same at every later call.
    result<exit_status> close();

  private:
    duplex_parent(ring_writer to_child, ring_reader from_child, supervised_child started) noexcept
        : duplex_end(std::move(to_child), std::move(from_child)), child_(std::move(started)) {}

    supervised_child child_;
};

class duplex_child : public duplex_end {
  public:
    duplex_child() noexcept = default;
    duplex_child(duplex_child&&) noexcept = default;
    duplex_child& operator=(duplex_child&&) noexcept = default;
    ~duplex_child() = default;

    // The ends that duplex_parent::spawn handed to this process (IPC_DUPLEX, which it then
    // removes from the environment). not_found without it; invalid_argument when it is
    // malformed; wrong_kind when a descriptor is not what it claims (all are checked before
    // any is taken, so none is closed then). `options` gives wait strategy and telemetry; the
    // sizes and the name are the parent's. peer_gone when the parent has already exited.
    static result<duplex_child> inherit(const duplex_options& options = {});

    void close() noexcept { close_rings(); }

    // The parent's pidfd: readable once it exited (poll it beside from_peer().wait_fd()).
    int parent_pidfd() const noexcept { return parent_.get(); }

  private:
    duplex_child(ring_writer to_parent, ring_reader from_parent, unique_fd parent) noexcept
        : duplex_end(std::move(to_parent), std::move(from_parent)), parent_(std::move(parent)) {}

    unique_fd parent_;
};

}  // namespace ipc
