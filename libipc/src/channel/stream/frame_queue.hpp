#pragma once
// A stream writer's bounded queue (internal): encoded frames (uvarint length, then the payload)
// back to back in a byte ring allocated once, and each frame's size and enqueue time in a
// second ring, so that queuing allocates nothing and the sender hands the kernel every queued
// byte in one sendmsg of at most two iovecs. Not thread-safe: the writer guards it with its
// mutex, and sends from the bytes outside it (producers only ever append past them, or fill
// in an unfilled frame while the sender is kept off the socket, and a frame's bytes stay until
// the whole frame is written).

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ipc::detail {

class frame_queue {
  public:
    frame_queue(std::size_t max_messages, std::size_t max_bytes);

    // Bytes a frame of `payload` bytes takes in the queue.
    static std::size_t frame_size(std::size_t payload) noexcept;
    // Whether a frame of `payload` bytes fits now (messages and bytes).
    bool has_room(std::size_t payload) const noexcept;
    // Appends the frame; has_room(payload.size()) must hold.
    void push(std::span<const std::byte> payload, std::uint64_t enqueued_ns) noexcept;
    // Appends a frame of `payload_bytes` whose payload is not copied (yet): for a caller that
    // writes it to the socket itself, from its own buffer. Returns where the payload goes, for
    // fill(), should the caller have to leave the rest of it to the queue after all.
    std::uint64_t push_unfilled(std::size_t payload_bytes, std::uint64_t enqueued_ns) noexcept;
    void fill(std::uint64_t at, std::span<const std::byte> payload) noexcept;

    // What is left to write: from the head frame's first unwritten byte to the end, as at most
    // two iovecs (the ring wraps). Empty when nothing is queued.
    std::size_t unwritten(iovec (&out)[2]) const noexcept;

    struct written_frame {
        std::uint64_t payload_bytes;
        std::uint64_t enqueued_ns;
    };
    // Takes `bytes` as written: whole frames leave the queue (each passed to `done`); a frame
    // written in part stays, and its rest comes first in unwritten().
    template <class Done>
    void consume(std::size_t bytes, Done&& done) noexcept {
        while (bytes > 0 && messages_ > 0) {
            const meta& m = metas_[meta_head_ % metas_.size()];
            const std::size_t rest = m.frame_bytes - partial_;
            if (bytes < rest) {
                partial_ += bytes;
                return;
            }
            bytes -= rest;
            done(written_frame{m.payload_bytes, m.enqueued_ns});
            pop();
        }
    }
    // The connection failed: the head frame, if begun, is written again whole on the next one.
    // Whether it had been begun (then it is retried).
    bool rewind() noexcept;

    std::size_t messages() const noexcept { return messages_; }
    std::size_t bytes() const noexcept { return tail_ - head_; }
    // Drops everything; returns the messages that were queued.
    std::size_t clear() noexcept;

  private:
    struct meta {
        std::uint64_t frame_bytes;
        std::uint64_t payload_bytes;
        std::uint64_t enqueued_ns;
    };
    void pop() noexcept;
    void copy_in(std::uint64_t at, const std::byte* data, std::size_t n) noexcept;

    std::vector<std::byte> bytes_;  // the ring of frames
    std::vector<meta> metas_;
    std::uint64_t head_ = 0;  // byte positions, increasing; the ring index is modulo its size
    std::uint64_t tail_ = 0;
    std::uint64_t meta_head_ = 0;
    std::size_t messages_ = 0;
    std::size_t partial_ = 0;  // bytes of the head frame already written on this connection
};

}  // namespace ipc::detail
