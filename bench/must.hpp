#pragma once
// A failed library call ends the benchmark run with its message (benchmarks measure, they do
// not handle errors).

#include <stdexcept>

#include "ipc/error.hpp"

namespace bench {

template <class T>
T must(ipc::result<T> r) {
    if (!r) {
        throw std::runtime_error(r.error_value().message());
    }
    return std::move(*r);
}

inline void check(const ipc::result<void>& r) {
    if (!r) {
        throw std::runtime_error(r.error_value().message());
    }
}

}  // namespace bench
