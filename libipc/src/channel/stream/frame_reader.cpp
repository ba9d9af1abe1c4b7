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

// Moves what is held to the front, and grows the buffer to hold a whole frame of `frame` bytes
// (already checked against the maximum).
void frame_reader::make_room(std::size_t frame) {
    if (begin_ > 0) {
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (frame > buffer_.size()) {
        buffer_.resize(std::max(frame, buffer_.size() * 2));
    }
}

std::span<std::byte> frame_reader::space() {
    if (end_ == buffer_.size()) {
        make_room(0);
    }
    if (end_ == buffer_.size()) {
        // Only a partial length can fill the buffer without next() having grown it: at most
        // varint::max_bytes, far below its size.
        make_room(buffer_.size() + 1);
    }
    return std::span(buffer_).subspan(end_);
}

result<std::span<const std::byte>> frame_reader::next() {
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
        if (begin_ + frame > buffer_.size()) {
            make_room(frame);
        }
        return error{errc::empty, "the frame is not complete yet"};
    }
    begin_ += frame;
    if (begin_ == end_) {
        begin_ = end_ = 0;
    }
    return held.subspan(length->length, static_cast<std::size_t>(length->value));
}

}  // namespace ipc::detail
