// libFuzzer target: inspect (discovery, decoding, every export format, remove-stale) over a
// hostile segment of each kind. It must report errors, never crash, hang or read out of bounds.

#include <cstddef>
#include <cstdint>

#include "hostile_segment.hpp"
#include "ipc/inspect.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ipc::fuzz::kind k{};
    const std::string object = ipc::fuzz::write_hostile(data, size, k);
    const auto snap = ipc::inspect::take_snapshot();
    (void)ipc::inspect::to_json(snap);
    (void)ipc::inspect::to_csv(snap);
    (void)ipc::inspect::to_prometheus(snap);
    (void)ipc::inspect::read_telemetry(object);
    (void)ipc::inspect::read_ring(object);
    (void)ipc::inspect::read_slots(object);
    (void)ipc::inspect::remove_stale(ipc::inspect::default_shm_dir(), {.name = "fuzz"});
    return 0;
}
