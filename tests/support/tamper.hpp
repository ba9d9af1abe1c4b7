#pragma once
// A writable mapping of an existing segment, for tests that play a hostile peer.

#include <gtest/gtest.h>

#include <string>

#include "ipc/fd.hpp"
#include "ipc/mapping.hpp"
#include "ipc/shm.hpp"

namespace ipc::test {

struct tamper {
    unique_fd fd;
    mapping map;
    explicit tamper(const std::string& object) {
        auto f = shm::open(object, access::read_write);
        EXPECT_TRUE(f);
        map_all(std::move(*f));
    }
    // A region this process holds (a memfd): any holder may write it.
    explicit tamper(unique_fd region) { map_all(std::move(region)); }
    void map_all(unique_fd region) {
        fd = std::move(region);
        auto m = mapping::map(fd.get(), *shm::size_of(fd.get()), access::read_write);
        EXPECT_TRUE(m);
        map = std::move(*m);
    }
    template <class T>
    T& as() {
        return *reinterpret_cast<T*>(map.data());
    }
};

}  // namespace ipc::test
