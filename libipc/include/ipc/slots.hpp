#pragma once
// slots: request/response calls from a host process to guest worker processes, through a fixed
// number of slots in a named POSIX shared-memory segment ("/libipc-slots-<name>").
//
// The host creates the segment; guests attach by name and each takes some of the slots (those
// no live guest holds). A call copies the request into a free slot, marks it ready, and waits for
// the guest's response in the same slot; the response echoes the call's id, so a response that
// arrives after its call gave up is discarded (and counted), never handed to a later caller.
//
// Host threads may call concurrently: call() takes any free slot, call_on() pins one (one host
// thread per slot: no contention), submit() + wait()/poll() keep several slots busy from one
// thread. A blocked call checks the guest serving it every peer_check_interval and returns
// peer_gone once that guest has died or left. Guests stop when the host closes (shutdown) or dies.
//
// A call that ends without its answer (timeout, cancel, peer_gone) may or may not have run: a
// worker that had not started it answers "cancelled" without running it, one that had started
// finishes it, and that late answer is discarded.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "ipc/clock.hpp"
#include "ipc/error.hpp"
#include "ipc/wait_strategy.hpp"

namespace ipc {

struct slots_options {
    std::uint32_t slots = 4;                 // 1 .. 256
    std::uint32_t request_capacity = 4096;   // bytes per request area, 1 .. 64 MiB
    std::uint32_t response_capacity = 4096;  // bytes per response area, 1 .. 64 MiB
    wait_strategy wait = wait_strategy::adaptive;
    mode_t permissions = 0600;
    // Whether close() leaves the segment in /dev/shm (guests are told to stop either way).
    bool keep_segment = false;
    // Counters: the host's telemetry record and the per-slot statistics in the segment.
    bool telemetry = true;
    // Owners besides this process's user and root whose segment a host may take over
    // (anyone else's: permission_denied).
    std::vector<uid_t> trusted_owners{};
};

// A call in flight, from submit() until wait() or poll() returns its response or cancel().
struct call_ticket {
    std::uint32_t slot = 0;
    std::uint64_t id = 0;  // 0: no call
    bool pending() const noexcept { return id != 0; }
};

namespace detail {
struct slots_host_state;
struct slots_guest_state;
}  // namespace detail

class slots_host {
  public:
    slots_host() noexcept;
    slots_host(slots_host&&) noexcept;
    slots_host& operator=(slots_host&&) noexcept;
    ~slots_host();

    // Creates the segment. A segment left by a host that died is taken over when guests still
    // serve it (same geometry required), replaced otherwise; busy while its host is alive.
    static result<slots_host> open(std::string_view name, const slots_options& options = {});

    // Sends `request` on any free slot and copies the response into `response`, returning its
    // length. Waits for a free slot and for the response up to `timeout` in all; on timeout the
    // call is abandoned (its late response is discarded and counted). A timeout of zero or less
    // posts nothing.
    // Errors: message_too_large (request larger than the request area), peer_gone (no slot has
    // an attached guest, or the guest serving the call died or left: that slot is then skipped
    // until another guest takes it), timeout, handler_failed, invalid_argument (response buffer
    // smaller than the response), corrupt (the guest broke the protocol).
    result<std::size_t> call(std::span<const std::byte> request, std::span<std::byte> response,
                             std::chrono::nanoseconds timeout = forever) noexcept;
    // The same on one slot, waiting (within `timeout`) while another call holds it.
    result<std::size_t> call_on(std::uint32_t slot, std::span<const std::byte> request,
                                std::span<std::byte> response,
                                std::chrono::nanoseconds timeout = forever) noexcept;

    // Posts `request` on a free slot without waiting; busy when none is free (a slot whose
    // abandoned call has not been answered yet is not free).
    result<call_ticket> submit(std::span<const std::byte> request) noexcept;
    result<call_ticket> submit_on(std::uint32_t slot, std::span<const std::byte> request) noexcept;
    // The ticket's response, waiting up to `timeout`. On timeout the call stays pending: wait
    // again, or cancel(). Any other outcome ends the call and clears the ticket. A ticket that
    // does not name the call holding its slot now (stale, or copied and used already) gives
    // invalid_argument and touches nothing.
    result<std::size_t> wait(call_ticket& ticket, std::span<std::byte> response,
                             std::chrono::nanoseconds timeout = forever) noexcept;
    // wait() that never blocks: empty while the response has not arrived.
    result<std::size_t> poll(call_ticket& ticket, std::span<std::byte> response) noexcept;
    // Gives up on a pending call: counted as a timeout, or, when its response had already come,
    // that response is discarded and counted as late.
    void cancel(call_ticket& ticket) noexcept;

    // Waits until at least `count` slots are served by live guests.
    result<void> wait_for_guests(std::uint32_t count,
                                 std::chrono::nanoseconds timeout = forever) noexcept;
    // Slots served by a live guest now.
    std::uint32_t guests_serving() const noexcept;

    std::uint32_t slot_count() const noexcept;
    std::uint32_t request_capacity() const noexcept;
    std::uint32_t response_capacity() const noexcept;
    bool is_open() const noexcept { return state_ != nullptr; }
    // ok, or why the host has no telemetry record although telemetry was on.
    const error& telemetry_error() const noexcept;

    // Tells guests to stop, detaches, and unlinks the segment unless keep_segment was set.
    // No call may be in progress on another thread.
    void close() noexcept;

  private:
    // Whether the ticket names the call that holds its slot now (not a stale or copied one).
    bool holds(const call_ticket& ticket) const noexcept;
    // The open state, when a call with this request may go ahead (closed, message_too_large).
    result<detail::slots_host_state*> accepting(std::span<const std::byte> request) noexcept;

    std::unique_ptr<detail::slots_host_state> state_;
};

// A guest's handler: reads the request, writes up to response.size() bytes into `response`, and
// returns how many it wrote, or an error that the host's call receives as handler_failed.
// Workers call it concurrently (one call per worker at a time).
using slots_handler = std::function<result<std::size_t>(std::span<const std::byte> request,
                                                        std::span<std::byte> response)>;

struct guest_options {
    // Slots to take among those no live guest serves; 0: all of them.
    std::uint32_t max_slots = 0;
    // Worker threads serve(): 0 means one per slot taken; fewer share the slots round-robin.
    std::uint32_t workers = 0;
    wait_strategy wait = wait_strategy::adaptive;
    // One telemetry record per worker (role guest).
    bool telemetry = true;
    // How long open() waits for a live host when none serves the name yet (either side may start
    // first); then not_found, or peer_gone when the segment's host died. 0: do not wait.
    std::chrono::milliseconds host_timeout{2000};
    // Owners besides this process's user and root whose segments open() accepts.
    std::vector<uid_t> trusted_owners{};
};

class slots_guest {
  public:
    slots_guest() noexcept;
    slots_guest(slots_guest&&) noexcept;
    slots_guest& operator=(slots_guest&&) noexcept;
    ~slots_guest();

    // Attaches to the host's segment and takes slots; not_found when no host created it, busy
    // when live guests serve every slot.
    static result<slots_guest> open(std::string_view name, const guest_options& options = {});

    // Runs the workers until the host shuts down or stop() is called (ok), or the host dies
    // (peer_gone). The calling thread runs one worker; the others are threads of their own. When
    // it returns, the guest has given its slots up (a guest serves once: a call on a slot nobody
    // serves must fail, not wait); open a new guest to serve again.
    result<void> serve(const slots_handler& handler);
    // Makes serve() return; safe from any thread (not from a signal handler).
    void stop() noexcept;

    // The slots this guest serves.
    const std::vector<std::uint32_t>& slots() const noexcept;
    std::uint32_t workers() const noexcept;
    bool is_open() const noexcept { return state_ != nullptr; }
    const error& telemetry_error() const noexcept;

    // Gives the slots up. Not while serve() runs.
    void close() noexcept;

  private:
    std::unique_ptr<detail::slots_guest_state> state_;
};

}  // namespace ipc
