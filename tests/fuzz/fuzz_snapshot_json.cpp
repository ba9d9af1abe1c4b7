// libFuzzer target: a snapshot document from another host (ipcstat serve's /snapshot, as the
// monitor reads it), then every export and the health judgement over what was read. It must
// report errors, never crash, hang or read out of bounds. Seeded from tests/fuzz/seeds/.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ipc/inspect.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto s = ipc::inspect::from_json(std::string_view(reinterpret_cast<const char*>(data), size));
    if (s) {
        const auto before = *s;
        ipc::inspect::judge_health(*s, &before);
        (void)ipc::inspect::to_json(*s);
        (void)ipc::inspect::to_csv(*s);
        (void)ipc::inspect::to_prometheus(*s);
        for (const auto& p : s->processes) {
            for (const auto& e : p.endpoints) {
                (void)ipc::inspect::interval_latency(&e, e);
            }
        }
    }
    return 0;
}
