#pragma once
// SimpleIPC-format slots: the request/response exchange of the C++ host and Go guest workers of
// SimpleIPC (../shared/specs/simpleipc.md), so that libipc takes either side and the other runs
// unchanged. One POSIX shm object "/name": a header, then per slot a 128-byte header (state, the
// sizes, a message id, the host's and the guest's wait words) and a payload whose first half
// carries the request and second half the response; per slot two named semaphores,
// "/name_slot_<i>" (request ready) and "/name_slot_<i>_resp" (response ready).
//
// What the reference lacks: a request or response longer than its half is refused with
// message_too_large (never truncated; counted dropped); a call ends with timeout, or peer_gone
// when its guest dies, instead of waiting forever; the host makes its semaphores afresh on open
// (an old one's count cannot leak into this run) and unlinks them and the object on close;
// everything read from the object is checked; counters in libipc's telemetry (kind simpleipc).
// The format records no process ids: a side learns that its peer is gone from /proc (as ZIPC
// does): the guest serving a slot maps that slot's semaphore, and a guest maps the object, so
// once such a process was seen, finding none left means gone (looked at every
// peer_check_interval while waiting; a peer /proc does not show, another user's or root's, is
// never found, and such a wait then ends only at its timeout).
//
// A call that ends without its response may still be answered: its slot stays taken until the
// answer comes, which is then discarded and counted (late); a slot whose guest died stays taken
// until the host is opened again.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ipc/error.hpp"
#include "ipc/slots.hpp"
#include "ipc/wait_strategy.hpp"

namespace ipc {

struct simpleipc_options {
    std::uint32_t slots = 4;  // 1 .. 1024
    // Payload bytes per slot: requests and responses each get floor(slot_size / 128) * 64 of it.
    // At least 128, a multiple of 4. A guest takes both from the host's header.
    std::uint32_t slot_size = 8192;
    mode_t permissions = 0600;  // the reference makes its objects 0666
    wait_strategy strategy = wait_strategy::adaptive;
    std::chrono::nanoseconds peer_check_interval = std::chrono::seconds(1);
    bool telemetry = true;
    std::string telemetry_name{};  // empty: the object's name
    // Guest: how long open() waits for the host's object and semaphores; owners besides this
    // process's user and root whose objects it accepts.
    std::chrono::milliseconds host_timeout{2000};
    std::vector<uid_t> trusted_owners{};
};

struct simpleipc_stats {
    std::uint64_t calls = 0;    // host: calls answered; guest: requests answered
    std::uint64_t dropped = 0;  // refused before anything was written (too long, no slot)
    std::uint64_t failed = 0;   // timeout, peer_gone, corrupt, handler errors
    std::uint64_t late = 0;     // host: answers that came after their call gave up
    std::uint64_t corrupt = 0;  // sizes or states out of range read from the object
};

namespace detail {
struct simpleipc_host_state;
struct simpleipc_guest_state;
}  // namespace detail

class simpleipc_host {
  public:
    simpleipc_host() noexcept;
    simpleipc_host(simpleipc_host&&) noexcept;
    simpleipc_host& operator=(simpleipc_host&&) noexcept;
    ~simpleipc_host();

    // Makes "/name" (a '/' and 1 to 184 characters without another) and its semaphores afresh.
    // A leftover object of this user's that no other process maps is replaced; busy when some
    // process still maps it.
    static result<simpleipc_host> open(const std::string& name,
                                       const simpleipc_options& options = {});

    // Sends `request` (message id NORMAL) on a free slot and copies the response into
    // `response`, returning its length; waits for a slot and the answer up to `timeout` in all.
    // Errors: message_too_large (request above request_capacity(), nothing sent), timeout,
    // peer_gone (the slot's guest, or every guest, went away), invalid_argument (`response` too
    // small: the answer is discarded), handler_failed (a libipc guest's handler failed), corrupt.
    // Safe from several threads at once (each call holds its own slot).
    result<std::size_t> call(std::span<const std::byte> request, std::span<std::byte> response,
                             std::chrono::nanoseconds timeout = forever) noexcept;
    // The same on one slot (the worker serving it), waiting within `timeout` while it is taken.
    result<std::size_t> call_on(std::uint32_t slot, std::span<const std::byte> request,
                                std::span<std::byte> response,
                                std::chrono::nanoseconds timeout = forever) noexcept;
    // A HEARTBEAT_REQ on `slot`: ok when its worker answered with HEARTBEAT_RESP.
    result<void> heartbeat(std::uint32_t slot, std::chrono::nanoseconds timeout) noexcept;

    std::uint32_t slot_count() const noexcept;
    std::uint32_t request_capacity() const noexcept;  // = response capacity, the half
    simpleipc_stats stats() const noexcept;

    // Sends SHUTDOWN on every slot that is free (no call may be in progress), then unlinks the
    // semaphores and the object.
    void close() noexcept;

  private:
    std::unique_ptr<detail::simpleipc_host_state> state_;
};

class simpleipc_guest {
  public:
    simpleipc_guest() noexcept;
    simpleipc_guest(simpleipc_guest&&) noexcept;
    simpleipc_guest& operator=(simpleipc_guest&&) noexcept;
    ~simpleipc_guest();

    // Opens the host's "/name" and its semaphores, waiting up to host_timeout for them (either
    // side may start first); the geometry comes from the object's header, checked against its
    // size. not_found when no host made them in time.
    static result<simpleipc_guest> open(const std::string& name,
                                        const simpleipc_options& options = {});

    // Serves every slot, one worker each (the calling thread runs the first), until each got
    // SHUTDOWN or stop() was called (ok), or the host is gone (peer_gone). The handler gets
    // NORMAL and application requests (HEARTBEAT_REQ is answered here) and writes at most
    // response.size() bytes; the response keeps the request's message id. A handler error or
    // a request whose size is out of range is answered empty with message id
    // handler_failed_id: a libipc host returns handler_failed, a reference host sees an empty
    // response.
    result<void> serve(const slots_handler& handler);
    // Makes serve() return; safe from any thread.
    void stop() noexcept;

    std::uint32_t slot_count() const noexcept;
    std::uint32_t request_capacity() const noexcept;
    simpleipc_stats stats() const noexcept;
    void close() noexcept;

    // libipc's own message id for "the handler failed" (outside the spec's ids).
    static constexpr std::uint32_t handler_failed_id = 0x4c495046;  // "LIPF"

  private:
    std::unique_ptr<detail::simpleipc_guest_state> state_;
};

}  // namespace ipc
