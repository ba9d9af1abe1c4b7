#include "channel/stream/frame_reader.hpp"

#include <algorithm>
#include <cstring>

#include "ipc/varint.hpp"

namespace ipc::detail {

namespace {

constexpr std::size_t initial_buffer = 64 * 1024;

}  // namespace

frame_reader::frame_reader(std::uint64_t max_message)
    : max_message_(max_message), buffer_(initial_buffer) {}

// Moves what is held to the front of the buffer.
void frame_reader::compact() noexcept {
    if (begin_ > 0) {
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
}

std::span<std::byte> frame_reader::space() {
    spare_ = {};
    if (end_ == buffer_.size()) {
        compact();
    }
    if (end_ == buffer_.size()) {
        // Full of one unfinished frame: grow as its bytes arrive (doubling, up to what it
        // needs), so that memory follows what a writer sent, not what its length claimed.
        buffer_.resize(std::min(buffer_.size() * 2, std::max(wanted_, buffer_.size() + 1)));
    }
    return std::span(buffer_).subspan(end_);
}

result<std::span<const std::byte>> frame_reader::next() {
    spare_ = {};
    const auto held = std::span<const std::byte>(buffer_).subspan(begin_, end_ - begin_);
    auto length = varint::decode(held);
    if (!length) {
        return length.error_value();  // empty: more bytes; corrupt: a malformed length
    }
    if (length->value > max_message_) {
        return error{errc::message_too_large, "a frame's length is above the maximum message"};
    }
    const std::size_t frame = length->length + static_cast<std::size_t>(length->value);
    if (held.size() < frame) {
        wanted_ = frame;
        if (begin_ + frame > buffer_.size()) {
            compact();
        }
        return error{errc::empty, "the frame is not complete yet"};
    }
    begin_ += frame;
    if (begin_ == end_) {
        begin_ = end_ = 0;
        if (buffer_.size() > 4 * initial_buffer) {
            // A large frame is done: its memory goes back at the next call (the frame handed
            // out lives in it until then; a moved vector keeps its storage).
            spare_ = std::move(buffer_);
            buffer_ = std::vector<std::byte>(initial_buffer);
        }
    }
    return held.subspan(length->length, static_cast<std::size_t>(length->value));
}

}  // namespace ipc::detail
