#include "channel/stream/frame_queue.hpp"

#include <algorithm>
#include <cstring>

#include "ipc/varint.hpp"

namespace ipc::detail {

frame_queue::frame_queue(std::size_t max_messages, std::size_t max_bytes)
    : bytes_(max_bytes), metas_(max_messages) {}

std::size_t frame_queue::frame_size(std::size_t payload) noexcept {
    return varint::encoded_size(payload) + payload;
}

bool frame_queue::has_room(std::size_t payload) const noexcept {
    return messages_ < metas_.size() && frame_size(payload) <= bytes_.size() - bytes();
}

void frame_queue::copy_in(std::uint64_t at, const std::byte* data, std::size_t n) noexcept {
    const std::size_t from = at % bytes_.size();
    const std::size_t first = std::min(n, bytes_.size() - from);
    std::memcpy(bytes_.data() + from, data, first);
    std::memcpy(bytes_.data(), data + first, n - first);
}

std::uint64_t frame_queue::push_unfilled(std::size_t payload_bytes,
                                         std::uint64_t enqueued_ns) noexcept {
    std::byte length[varint::max_bytes];
    const std::size_t n = varint::encode(payload_bytes, length);
    copy_in(tail_, length, n);
    const std::uint64_t at = tail_ + n;
    tail_ = at + payload_bytes;
    metas_[(meta_head_ + messages_) % metas_.size()] = {n + payload_bytes, payload_bytes,
                                                        enqueued_ns};
    ++messages_;
    return at;
}

void frame_queue::fill(std::uint64_t at, std::span<const std::byte> payload) noexcept {
    if (!payload.empty()) {
        copy_in(at, payload.data(), payload.size());
    }
}

void frame_queue::push(std::span<const std::byte> payload, std::uint64_t enqueued_ns) noexcept {
    fill(push_unfilled(payload.size(), enqueued_ns), payload);
}

std::size_t frame_queue::unwritten(iovec (&out)[2]) const noexcept {
    const std::uint64_t from = head_ + partial_;
    const std::size_t n = static_cast<std::size_t>(tail_ - from);
    if (n == 0) {
        return 0;
    }
    const std::size_t at = from % bytes_.size();
    const std::size_t first = std::min(n, bytes_.size() - at);
    out[0] = {const_cast<std::byte*>(bytes_.data() + at), first};
    if (first == n) {
        return 1;
    }
    out[1] = {const_cast<std::byte*>(bytes_.data()), n - first};
    return 2;
}

void frame_queue::pop() noexcept {
    head_ += metas_[meta_head_ % metas_.size()].frame_bytes;
    ++meta_head_;
    --messages_;
    partial_ = 0;
}

bool frame_queue::rewind() noexcept {
    const bool begun = partial_ != 0;
    partial_ = 0;
    return begun;
}

std::size_t frame_queue::clear() noexcept {
    const std::size_t dropped = messages_;
    head_ = tail_;
    meta_head_ += messages_;
    messages_ = 0;
    partial_ = 0;
    return dropped;
}

}  // namespace ipc::detail
