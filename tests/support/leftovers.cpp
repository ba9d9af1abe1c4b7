// After each test binary run, removes what its tests left under names of their own
// ("…test-<pid>-…", support/names.hpp): rings a writer left for a reader that never came, and
// segments of tests that failed half-way; and the telemetry segments that dead test programs
// left (a peer killed on purpose, a child its parent killed as efdstream parents do), named by
// pid only: of any run, this one's or an earlier one's, since a dead process's are stale. Tests that are about leftovers check them before.

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "ipc/inspect.hpp"
#include "ipc/shm.hpp"

namespace {

// The test programs' names as /proc/PID/comm gives them (15 characters at most).
bool ours(const std::string& program) {
    for (const char* name : {"duplex_peer", "ring_peer", "slots_peer", "ipc_process_tes",
                             "ipc_unit_tests", "ipc_monitor_tes", "ipc_program_tes", "ipc-demo"}) {
        if (program == name) {
            return true;
        }
    }
    return false;
}

class remove_own_leftovers : public ::testing::Environment {
  public:
    void TearDown() override {
        const std::string mine = "test-" + std::to_string(::getpid()) + "-";
        for (const auto& seg : ipc::inspect::discover()) {
            if (seg.raw_name.find(mine) != std::string::npos) {
                (void)ipc::shm::unlink("/" + seg.raw_name);
            }
        }
        std::vector<std::string> killed;
        for (const auto& p : ipc::inspect::take_snapshot().processes) {
            if (!p.alive && !p.spoofed && ours(p.program)) {
                killed.push_back(p.segment);
            }
        }
        (void)ipc::inspect::remove_stale(ipc::inspect::default_shm_dir(), killed);
    }
};

[[maybe_unused]] auto* const registered =
    ::testing::AddGlobalTestEnvironment(new remove_own_leftovers);

}  // namespace
