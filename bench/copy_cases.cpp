// Copies at the limit: what a copying queue between two processes can reach on this machine,
// and how close the ring's copying receive() and its zero-copy read come to it.
//
// The baseline is two processes, one copying blocks into a shared buffer and the other copying
// them out, with a single flag hand-off per block and the same working set as the ring: the
// physical limit of any copying queue between two cores (same-core memcpy is not, as the data
// never crosses a cache). Each side copies the bytes once, as a ring's writer and reader do.

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "cases.hpp"
#include "ipc/detail/atomic.hpp"
#include "ipc/ring.hpp"
#include "must.hpp"

namespace bench {

namespace {

constexpr std::uint64_t bytes_per_run = 2'000'000'000;
constexpr std::size_t random_min = 128;
constexpr std::size_t random_max = 16 * 1024;

// A fixed message size, or (0) sizes drawn from 128 B-16 KiB.
struct size_spec {
    std::size_t fixed;
    std::string label;
    std::size_t largest() const { return fixed != 0 ? fixed : random_max; }
};

const std::vector<size_spec>& copy_specs() {
    static const std::vector<size_spec> specs = {
        {1024, "1KiB"}, {8 * 1024, "8KiB"}, {64 * 1024, "64KiB"}, {0, "random_128B_16KiB"}};
    return specs;
}

// The sizes of one run's messages, the same for a case and its baseline (precomputed, so that
// drawing them costs nothing in the timed loop).
std::vector<std::uint32_t> sizes_for(const size_spec& spec) {
    std::vector<std::uint32_t> sizes;
    std::uint64_t total = 0;
    std::uint64_t state = 0x9e3779b97f4a7c15ull;
    while (total < bytes_per_run) {
        std::size_t size = spec.fixed;
        if (size == 0) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            size = random_min + (state >> 33) % (random_max - random_min + 1);
        }
        sizes.push_back(static_cast<std::uint32_t>(size));
        total += size;
    }
    return sizes;
}

std::uint64_t total_of(const std::vector<std::uint32_t>& sizes) {
    std::uint64_t total = 0;
    for (auto s : sizes) {
        total += s;
    }
    return total;
}

struct span_times {
    std::uint64_t first_ns;
    std::uint64_t last_ns;
};

// GB/s of the bytes after the first message, between its arrival and the last one's.
double gb_per_s(const std::vector<std::uint32_t>& sizes, const span_times& t) {
    return static_cast<double>(total_of(sizes) - sizes.front()) /
           static_cast<double>(t.last_ns - t.first_ns);
}

struct alignas(64) block_flag {
    std::atomic<std::uint32_t> length;  // 0: empty; else the block's bytes + 1
};

double copy_pipeline(const size_spec& spec) {
    const auto sizes = sizes_for(spec);
    const std::size_t stride = (spec.largest() + 63) / 64 * 64;
    const std::size_t blocks = std::max<std::size_t>(working_set_for(spec.largest()) / stride, 2);
    shared_block shared(sizeof(span_times) + blocks * (sizeof(block_flag) + stride));
    auto* times = new (shared.as<void>()) span_times{};
    auto* flags = new (reinterpret_cast<std::byte*>(times) + sizeof(span_times)) block_flag[blocks];
    auto* area = reinterpret_cast<std::byte*>(flags + blocks);
    for (std::size_t b = 0; b < blocks; ++b) {
        flags[b].length.store(0, std::memory_order_relaxed);
    }
    with_peer(
        [&] {
            std::vector<std::byte> out(spec.largest());
            for (std::size_t i = 0; i < sizes.size(); ++i) {
                auto& flag = flags[i % blocks].length;
                std::uint32_t n;
                while ((n = flag.load(std::memory_order_acquire)) == 0) {
                    ipc::detail::cpu_relax();
                }
                std::memcpy(out.data(), area + (i % blocks) * stride, n - 1);
                asm volatile("" : : "r"(out.data()) : "memory");
                flag.store(0, std::memory_order_release);
                if (i == 0) {
                    times->first_ns = now_ns();
                }
            }
            times->last_ns = now_ns();
        },
        [&] {
            const std::vector<std::byte> in(spec.largest(), std::byte{3});
            for (std::size_t i = 0; i < sizes.size(); ++i) {
                auto& flag = flags[i % blocks].length;
                while (flag.load(std::memory_order_acquire) != 0) {
                    ipc::detail::cpu_relax();
                }
                std::memcpy(area + (i % blocks) * stride, in.data(), sizes[i]);
                flag.store(sizes[i] + 1, std::memory_order_release);
            }
            return 0.0;
        });
    return gb_per_s(sizes, *times);
}

// Reads every byte, eight at a time (a consumer that parses its message would do more).
std::uint64_t checksum(std::span<const std::byte> bytes) {
    std::uint64_t sum = 0;
    std::size_t i = 0;
    for (; i + sizeof sum <= bytes.size(); i += sizeof sum) {
        std::uint64_t word;
        std::memcpy(&word, bytes.data() + i, sizeof word);
        sum += word;
    }
    for (; i < bytes.size(); ++i) {
        sum += static_cast<std::uint8_t>(bytes[i]);
    }
    return sum;
}

ipc::ring_options copy_ring_options(const size_spec& spec) {
    ipc::ring_options o;
    o.max_message = static_cast<std::uint32_t>(spec.largest());
    o.capacity = working_set_for(spec.largest());
    o.wait = ipc::wait_strategy::busy_spin;
    return o;
}

// The writer copies each message in with send(); the reader either copies it out with
// receive() or reads it in place (zero-copy) and sums every byte, as a real consumer touches
// what it receives.
double ring_copy(const size_spec& spec, bool zero_copy) {
    const auto sizes = sizes_for(spec);
    const auto name = unique_channel("copy");
    const auto o = copy_ring_options(spec);
    shared_block shared(sizeof(span_times));
    auto* times = new (shared.as<void>()) span_times{};
    auto writer = must(ipc::ring_writer::open(name, o));
    with_peer(
        [&] {
            auto reader = must(ipc::ring_reader::open(name, o));
            std::vector<std::byte> out(spec.largest());
            std::uint64_t sum = 0;
            for (std::size_t i = 0; i < sizes.size(); ++i) {
                if (zero_copy) {
                    auto m = must(reader.read());
                    sum += checksum(m.payload);
                    reader.release();
                } else {
                    (void)must(reader.receive(out));
                    asm volatile("" : : "r"(out.data()) : "memory");
                }
                if (i == 0) {
                    times->first_ns = now_ns();
                }
            }
            times->last_ns = now_ns();
            asm volatile("" : : "r"(sum));
        },
        [&] {
            const std::vector<std::byte> in(spec.largest(), std::byte{3});
            for (const auto size : sizes) {
                check(writer.send(std::span(in.data(), size)));
            }
            return 0.0;
        });
    return gb_per_s(sizes, *times);
}

}  // namespace

void add_copy_cases(std::vector<bench_case>& cases) {
    for (const auto& spec : copy_specs()) {
        const std::string baseline = "copy_pipeline_" + spec.label;
        cases.push_back(measured(baseline, "GB/s", "", [spec] { return copy_pipeline(spec); }));
        cases.push_back(measured("ring_receive_" + spec.label, "GB/s", baseline,
                                 [spec] { return ring_copy(spec, false); }));
        cases.push_back(measured("ring_read_checksum_" + spec.label, "GB/s", baseline,
                                 [spec] { return ring_copy(spec, true); }));
    }
}

}  // namespace bench
