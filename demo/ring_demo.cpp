#include "ring_demo.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <cstring>
#include <vector>

#include "child_control.hpp"
#include "ipc/ring.hpp"
#include "pacer.hpp"

namespace demo {

namespace {

ipc::ring_options ring_options_for(const traffic_options& o) {
    ipc::ring_options ro;
    ro.max_message = std::max<std::uint32_t>(o.size, 8);
    // Room for at least eight largest messages (a record is the payload, a 16-byte header and
    // up to 15 bytes of alignment).
    ro.capacity = std::max<std::uint64_t>(1 << 20, 8 * (std::uint64_t{ro.max_message} + 31));
    ro.wait = parse_wait(o.wait);
    return ro;
}

}  // namespace

int run_ring_parent(const traffic_options& o, const char* self_exe) {
    stop_on_signals();
    auto writer = ipc::ring_writer::open(o.name, ring_options_for(o));
    if (!writer) {
        fmt::print(stderr, "ipc-demo: cannot open ring '{}': {}\n", o.name,
                   writer.error_value().message());
        return 1;
    }
    auto child = spawn_self(self_exe, {"ring-child", "--name", o.name, "--size",
                                       std::to_string(o.size), "--wait", o.wait});
    if (!child) {
        fmt::print(stderr, "ipc-demo: cannot start the reader child: {}\n",
                   child.error_value().message());
        return 1;
    }
    fmt::print("ipc-demo: ring '{}' writer pid {} -> reader pid {}, {} B at {}\n", o.name,
               ::getpid(), child->pid(), o.size,
               o.rate > 0 ? fmt::format("{} msg/s", o.rate) : "flat out");
    std::fflush(stdout);
    std::vector<std::byte> msg(o.size);
    pacer pace(o.rate);
    const std::uint64_t end_ns =
        o.duration > 0 ? ipc::monotonic_ns() + static_cast<std::uint64_t>(o.duration * 1e9) : 0;
    std::uint64_t sent = 0;
    std::uint64_t dropped = 0;
    int rc = 0;
    for (std::uint64_t seq = 0; !stop_requested(); ++seq) {
        if (end_ns != 0 && ipc::monotonic_ns() >= end_ns) {
            break;
        }
        pace.wait_turn(seq);
        if (msg.size() >= sizeof seq) {
            std::memcpy(msg.data(), &seq, sizeof seq);
        }
        // Paced: never block, a full ring drops (and counts) the message. Flat out: wait for room.
        auto ok = o.rate > 0 ? writer->try_send(msg) : writer->send(msg, std::chrono::seconds(1));
        if (ok) {
            ++sent;
        } else if (ok.code() == ipc::errc::queue_full || ok.code() == ipc::errc::timeout) {
            ++dropped;
        } else if (ok.code() == ipc::errc::peer_gone) {
            fmt::print(stderr, "ipc-demo: the reader died: {}\n", ok.error_value().message());
            rc = 1;
            break;
        } else {
            fmt::print(stderr, "ipc-demo: send failed: {}\n", ok.error_value().message());
            rc = 1;
            break;
        }
    }
    writer->close();  // the child drains what is left, then sees peer_closed and exits
    const bool child_ok = child_succeeded(*child);
    fmt::print("ipc-demo: sent {} dropped {}; reader {}\n", sent, dropped,
               child_ok ? "checked every message" : "reported an error");
    return rc == 0 && child_ok ? 0 : 1;
}

int run_ring_child(const traffic_options& o) {
    // The parent decides when to stop; the child stops when the writer is gone.
    ignore_interrupt();
    // The parent made the ring before starting us: if it is gone, the parent stopped before we
    // attached (with nothing unread, or the name would still be there), and there is nothing
    // to read. Creating a new ring instead would wait for a writer that never comes.
    ipc::ring_options ro = ring_options_for(o);
    ro.mode = ipc::open_mode::open_only;
    auto reader = ipc::ring_reader::open(o.name, ro);
    if (!reader && reader.code() == ipc::errc::not_found) {
        fmt::print("ipc-demo child: the writer stopped before the reader attached\n");
        return 0;
    }
    if (!reader) {
        fmt::print(stderr, "ipc-demo child: cannot open ring '{}': {}\n", o.name,
                   reader.error_value().message());
        return 1;
    }
    std::uint64_t received = 0;
    std::uint64_t last_seq = 0;
    bool first = true;
    for (;;) {
        auto view = reader->read();
        if (!view) {
            if (view.code() == ipc::errc::peer_closed) {
                break;
            }
            if (view.code() == ipc::errc::peer_gone) {
                fmt::print(stderr, "ipc-demo child: the writer died after {} messages: {}\n",
                           received, view.error_value().message());
                return 1;
            }
            fmt::print(stderr, "ipc-demo child: read failed: {}\n", view.error_value().message());
            return 1;
        }
        if (view->payload.size() >= sizeof last_seq) {
            std::uint64_t seq = 0;
            std::memcpy(&seq, view->payload.data(), sizeof seq);
            // Paced senders may drop, so sequence numbers may skip, but never go back.
            if (!first && seq <= last_seq) {
                fmt::print(stderr, "ipc-demo child: message {} after {}\n", seq, last_seq);
                return 1;
            }
            last_seq = seq;
            first = false;
        }
        reader->release();
        ++received;
    }
    fmt::print("ipc-demo child: received {} messages in order\n", received);
    return 0;
}

}  // namespace demo
