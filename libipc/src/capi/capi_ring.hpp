#pragma once
// Sending and receiving through ring ends for the C API (internal): the rings' own functions
// and the channels' (ipc_channel_send/receive) share them.

#include <cstddef>
#include <cstdint>

#include "capi/capi_support.hpp"
#include "ipc/ring.hpp"

namespace ipc::capi {

// A ring's options from a C configuration (NULL: the defaults).
result<ring_options> ring_options_of(const ipc_ring_config* config) noexcept;

ipc_status send_on(ring_writer& writer, const void* data, std::size_t size,
                   std::int64_t timeout_ns) noexcept;
ipc_status receive_on(ring_reader& reader, void* buffer, std::size_t capacity, std::size_t* size,
                      std::int64_t timeout_ns) noexcept;

}  // namespace ipc::capi
