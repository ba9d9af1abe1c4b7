// After each test binary run, removes what its tests left under names of their own
// ("…test-<pid>-…", support/names.hpp): rings a writer left for a reader that never came, and
// segments of tests that failed half-way. Tests that are about leftovers check them before.

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "ipc/inspect.hpp"
#include "ipc/shm.hpp"

namespace {

class remove_own_leftovers : public ::testing::Environment {
  public:
    void TearDown() override {
        const std::string mine = "test-" + std::to_string(::getpid()) + "-";
        for (const auto& seg : ipc::inspect::discover()) {
            if (seg.raw_name.find(mine) != std::string::npos) {
                (void)ipc::shm::unlink("/" + seg.raw_name);
            }
        }
    }
};

[[maybe_unused]] auto* const registered =
    ::testing::AddGlobalTestEnvironment(new remove_own_leftovers);

}  // namespace
