#pragma once
// Runs a guest's workers (internal): work(0) on the calling thread and work(1..n-1) each on a
// thread of its own, all joined before it returns.

#include <cstddef>
#include <thread>
#include <vector>

namespace ipc::detail {

// false when a thread could not be started: then `abort()` was called (it must make the
// workers already running return) and work(0) never ran.
template <class Work, class Abort>
bool run_workers(std::size_t count, const Work& work, const Abort& abort) {
    std::vector<std::thread> threads;
    threads.reserve(count);  // before any thread runs: no allocation while one is joinable
    bool started = true;
    for (std::size_t k = 1; k < count && started; ++k) {
        try {
            threads.emplace_back(work, k);
        } catch (...) {  // std::system_error, or bad_alloc for the thread's state
            started = false;
        }
    }
    if (started) {
        work(0);
    } else {
        abort();
    }
    for (auto& t : threads) {
        t.join();
    }
    return started;
}

}  // namespace ipc::detail
