#pragma once
// Cuts one connection's byte stream into frames (internal): uvarint length, then that many
// bytes. Bytes go into a buffer that starts at 64 KiB and grows, doubling, only as the bytes of
// a frame whose length is within the maximum arrive (memory follows what was sent, not what a
// length claims), and shrinks back once a large frame is done; frames are handed out in place.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ipc/error.hpp"

namespace ipc::detail {

class frame_reader {
  public:
    explicit frame_reader(std::uint64_t max_message);

    // Where the next read puts its bytes: never empty.
    std::span<std::byte> space();
    // `n` bytes were read into space().
    void filled(std::size_t n) noexcept { end_ += n; }

    // The next whole frame's payload (valid until the next call of space() or next()); empty
    // when more bytes are needed; message_too_large for a length above the maximum, corrupt
    // for a malformed length (more than 10 bytes, above 64 bits, or not minimally encoded).
    result<std::span<const std::byte>> next();

    // Bytes of an unfinished frame held (a connection that ends with some lost a frame).
    std::size_t pending() const noexcept { return end_ - begin_; }

  private:
    void compact() noexcept;

    std::uint64_t max_message_;
    std::vector<std::byte> buffer_;
    std::vector<std::byte> spare_;  // a large frame's buffer, until its frame was handled
    std::size_t wanted_ = 0;        // bytes the unfinished frame needs
    std::size_t begin_ = 0;         // the next frame's first byte
    std::size_t end_ = 0;           // one past the last byte read
};

}  // namespace ipc::detail
