#pragma once
// Segments of random bytes for hostile-input tests: the whole object random, or random behind a
// common header that looks valid, so that the checks past the header run too.

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "ipc/layout/segment_header.hpp"
#include "ipc/mapping.hpp"
#include "ipc/shm.hpp"

namespace ipc::test {

struct segment_kind_spec {
    layout::segment_kind kind;
    std::uint16_t layout_version;
    std::uint32_t header_size;
};

inline void write_random_segment(const std::string& object, std::size_t size, bool valid_header,
                                 const segment_kind_spec& spec, std::mt19937_64& rng) {
    auto fd = shm::create(object, size, 0600);
    ASSERT_TRUE(fd);
    auto map = mapping::map(fd->get(), size, access::read_write);
    ASSERT_TRUE(map);
    for (std::size_t i = 0; i < size; ++i) {
        map->data()[i] = static_cast<std::byte>(rng());
    }
    if (valid_header) {
        auto& h = *reinterpret_cast<layout::segment_header*>(map->data());
        h.magic = layout::segment_magic;
        h.kind = static_cast<std::uint16_t>(spec.kind);
        h.layout_version = spec.layout_version;
        h.header_size = spec.header_size;
        h.total_size = size;
        h.ready = layout::ready_value;
    }
}

}  // namespace ipc::test
