// ZIPC objects (../shared/specs/zipc.md), recognised by their init flag where the layout puts
// it, decoded as a ring of kind zipc: occupancy in messages and bytes, and the slot size.
//
// The format records neither its slot count Q nor its slot size M, only an object of
// 128 + Q * (8 + M) + 4 (+ 128) bytes. Inspect takes the power-of-two pair that size allows
// with the largest M (the usual choice; M of 1, 2 and 4 share their sizes with M of 16, 32 and
// 64 at Q / 2, Q / 4 and Q / 8, and are read as those), else the only pair whose indices and
// lengths are consistent; an object several pairs fit is listed as ZIPC with an error.

#include <algorithm>
#include <bit>
#include <cstring>

#include "channel/zipc/zipc_layout.hpp"
#include "inspect/foreign.hpp"
#include "inspect/kinds.hpp"

namespace ipc::inspect::detail {

namespace {

namespace zl = ipc::detail::zipc;

// Larger slot counts are not looked for: their lengths alone would be megabytes to copy.
constexpr std::uint64_t max_slots = std::uint64_t{1} << 20;
// Pairs checked for consistency before the object is called ambiguous, and the waiting
// messages' lengths read across them: a hostile object costs a snapshot at most 8 MiB of reads.
constexpr std::size_t max_pairs = 64;
constexpr std::uint64_t max_lengths_read = std::uint64_t{1} << 20;

struct shape {
    std::uint32_t slots;
    std::uint32_t message_size;
};

// Every (Q, M) with Q * (8 + M) == area, Q >= 2, M >= 1; powers of two first, largest M first.
std::vector<shape> shapes_for(std::uint64_t area) {
    std::vector<shape> found;
    const auto add = [&](std::uint64_t q) {
        const std::uint64_t per_slot = area / q;
        if (q >= 2 && q <= max_slots && per_slot > 8 && per_slot - 8 <= UINT32_MAX) {
            found.push_back(
                {static_cast<std::uint32_t>(q), static_cast<std::uint32_t>(per_slot - 8)});
        }
    };
    for (std::uint64_t d = 1; d * d <= area && d <= max_slots; ++d) {
        if (area % d == 0) {
            add(d);
            if (area / d != d) {
                add(area / d);
            }
        }
    }
    const auto rank = [](const shape& s) {
        return std::has_single_bit(s.slots) && std::has_single_bit(s.message_size);
    };
    std::sort(found.begin(), found.end(), [&](const shape& a, const shape& b) {
        return rank(a) != rank(b) ? rank(a) : a.message_size > b.message_size;
    });
    return found;
}

// The ring as these Q and M read it: indices in range and each waiting message's length within
// M. Only the waiting messages' lengths are read (at most two runs: they may wrap).
std::optional<ring_info> read_as(const segment_copy& copy, const shape& s,
                                 std::uint64_t& lengths_left) {
    std::uint32_t head = 0;
    std::uint32_t tail = 0;
    std::memcpy(&head, copy.data() + zl::head_offset, 4);
    std::memcpy(&tail, copy.data() + zl::tail_offset, 4);
    if (head >= s.slots || tail >= s.slots) {
        return std::nullopt;
    }
    ring_info r;
    r.kind = channel_kind::zipc;
    r.max_message = s.message_size;
    r.capacity = std::uint64_t{s.slots - 1} * s.message_size;
    r.read_index = head;
    r.write_index = tail;
    r.occupancy_messages = (tail + s.slots - head) % s.slots;
    if (r.occupancy_messages > lengths_left) {
        lengths_left = 0;
        return std::nullopt;
    }
    lengths_left -= r.occupancy_messages;
    std::vector<std::uint64_t> lengths(r.occupancy_messages);
    const std::size_t first_run = std::min<std::size_t>(lengths.size(), s.slots - head);
    if (!copy.read(zl::lengths_offset + 8 * std::size_t{head}, lengths.data(), 8 * first_run) ||
        !copy.read(zl::lengths_offset, lengths.data() + first_run,
                   8 * (lengths.size() - first_run))) {
        return std::nullopt;
    }
    for (const std::uint64_t length : lengths) {
        if (length > s.message_size) {
            return std::nullopt;
        }
        r.occupancy_bytes += length;
    }
    return r;
}

// Where the flag would be in an object of this size, with or without the reference's 128
// spare bytes; nullopt when it holds no ZIPC flag there.
std::optional<std::uint64_t> flag_offset(const segment_copy& copy) {
    for (const std::uint64_t spare : {zl::reference_tail_bytes, std::size_t{0}}) {
        const std::uint64_t size = copy.file_size();
        if (size < zl::lengths_offset + 2 * 9 + 4 + spare) {
            continue;
        }
        const std::uint64_t at = size - spare - 4;
        std::int32_t flag = 0;
        if (copy.read(at, &flag, sizeof flag) && flag == zl::init_magic) {
            return at;
        }
    }
    return std::nullopt;
}

std::optional<result<bool>> recognise(segment_copy& copy, const std::string& object,
                                      snapshot* sink) {
    const auto at = flag_offset(copy);
    if (!at) {
        return std::nullopt;
    }
    const auto shapes = shapes_for(*at - zl::lengths_offset);
    if (shapes.empty()) {
        return std::nullopt;  // no Q and M make this size: the flag is a coincidence
    }
    std::optional<ring_info> chosen;
    std::size_t consistent = 0;
    // Two consistent pairs settle it (ambiguous); the lengths read are bounded in all.
    std::uint64_t lengths_left = max_lengths_read;
    for (std::size_t i = 0; i < shapes.size() && i < max_pairs && consistent < 2; ++i) {
        auto r = read_as(copy, shapes[i], lengths_left);
        if (r && i == 0 && std::has_single_bit(shapes[i].slots) &&
            std::has_single_bit(shapes[i].message_size)) {
            chosen = std::move(r);
            consistent = 1;
            break;
        }
        if (r && consistent++ == 0) {
            chosen = std::move(r);
        }
    }
    if (consistent != 1) {
        return result<bool>{error{
            errc::corrupt, consistent == 0 ? "ZIPC indices or lengths are out of range"
                                           : "a ZIPC object whose slot count and size its size "
                                             "does not tell (several fit)"}};
    }
    chosen->name = printable(object);
    chosen->segment = chosen->name;
    chosen->stale = unmapped(copy);
    return keep_decoded(result<ring_info>{std::move(*chosen)}, sink, &snapshot::rings,
                        [](const ring_info& r) { return r.stale; });
}

}  // namespace

const foreign_parts& zipc_parts() {
    static const foreign_parts parts{segment_kind::zipc, recognise};
    return parts;
}

}  // namespace ipc::inspect::detail
