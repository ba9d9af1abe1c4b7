#pragma once
// Read-only view of every libipc segment on the host, for monitors (no Qt, no writes).
//
// Segments are opened O_RDONLY | O_NONBLOCK | O_NOFOLLOW (regular files only) and never mapped:
// each is copied with pread into a private buffer, at most what its layout allows (the parts an
// observer needs), then validated and decoded into the plain structs below, so callers never
// touch shared memory. A file that shrinks while it is read gives an error entry, not SIGBUS; a
// segment that fails validation gives an error entry, never a crash. Records that change while
// they are copied are detected (state and generation read again) and read again.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/error.hpp"
#include "ipc/histogram.hpp"
#include "ipc/layout/telemetry_layout.hpp"

namespace ipc::inspect {

// Where libipc's channels live: $IPC_SHM_DIR when set, else /dev/shm (ipc::shm::directory).
const std::string& default_shm_dir();

// `text` safe to print on a terminal and in any output format: control characters (C0, DEL, C1),
// backslashes and bytes that are not UTF-8 become \xNN; other UTF-8 is kept. Names found in the
// shm directory may hold any byte but '/' and NUL, and a name with ESC or a newline in it must
// not drive a terminal or forge a table row. Every string in a snapshot is printable already.
std::string printable(std::string_view text);

// What the snapshot's records are, as enums; only exporters and views turn them into text
// (to_string), with the names docs/SNAPSHOT.md lists.
// zipc and simpleipc: another program's format, recognised by its layout (no libipc header).
enum class segment_kind : std::uint8_t { unknown, telemetry, ring, slots, zipc, simpleipc };
// Another program's object: listed and decoded, never stale (removable) nor removed by libipc.
constexpr bool is_foreign(segment_kind k) noexcept {
    return k == segment_kind::zipc || k == segment_kind::simpleipc;
}
enum class channel_kind : std::uint8_t {
    unknown,
    ring,
    slots,
    duplex,
    broker,
    stream,
    zipc,
    simpleipc
};
enum class endpoint_role : std::uint8_t {
    unknown,
    writer,
    reader,
    host,
    guest,
    server,
    client,
    parent,  // an efdstream end that spawned its peer (a native duplex end is a ring's)
    child
};
enum class endpoint_state : std::uint8_t { active, closed };
// An end of a ring or slots channel as its holder word says (invalid: an impossible value).
enum class end_state : std::uint8_t { none, claiming, attached, closed, invalid };
// free; request_ready (posted, not taken yet); serving (a worker took it); response_ready
// (answered, the host has not read it yet).
enum class slot_state : std::uint8_t { free, request_ready, serving, response_ready };
// How an endpoint or a channel is doing, from the least to the most severe (docs/SNAPSHOT.md):
// ok; idle (no traffic for idle_after, or none yet, or closed); backpressure (its ring is at
// least 90 % full, or every slot is busy); dropping (dropped or failed grew since the snapshot
// before, so only judged between two); peer_dead (an end of its channel died without closing);
// stale (its own process is gone, or nothing alive uses the channel); corrupt (its record or its
// channel's shared state failed validation, or its process is spoofed).
enum class health_state : std::uint8_t {
    ok,
    idle,
    backpressure,
    dropping,
    peer_dead,
    stale,
    corrupt
};

std::string_view to_string(segment_kind k) noexcept;
std::string_view to_string(channel_kind k) noexcept;
std::string_view to_string(endpoint_role r) noexcept;
std::string_view to_string(endpoint_state s) noexcept;
std::string_view to_string(end_state s) noexcept;
std::string_view to_string(slot_state s) noexcept;
std::string_view to_string(health_state h) noexcept;

// No send or receive for this long makes an endpoint idle.
inline constexpr std::uint64_t idle_after_ns = 5'000'000'000;

struct health_verdict {
    health_state state = health_state::ok;
    std::string reason;  // why, in words ("reader 4242 died"); empty when ok
};

struct segment_entry {
    std::string name;  // printable object name without the leading '/', e.g. "libipc-ring-orders"
    segment_kind kind = segment_kind::unknown;
    std::int32_t creator_pid = 0;
    std::uint64_t size = 0;
    bool stale = false;  // no process that uses it is alive
    std::string error;   // non-empty when the segment failed validation
    // The object's name as found, which may hold any byte: for opening it, never for printing.
    std::string raw_name;
};

struct latency_summary {
    std::uint64_t count = 0;
    std::uint64_t mean_ns = 0;
    std::uint64_t p50_ns = 0;
    std::uint64_t p90_ns = 0;
    std::uint64_t p99_ns = 0;
    std::uint64_t max_ns = 0;
};

struct endpoint_info {
    std::uint32_t index = 0;  // record index in the owner's table
    std::uint32_t generation = 0;
    endpoint_state state = endpoint_state::active;
    channel_kind kind = channel_kind::unknown;
    endpoint_role role = endpoint_role::unknown;
    std::string name;
    // Where the channel lives: "/libipc-ring-x" for a named segment, "memfd:<pid>/<fd>#<inode>"
    // for a memfd this process holds at that fd.
    std::string region;
    // The ring_info or slots_info::segment of its channel in the same snapshot ("libipc-ring-x",
    // "memfd:<inode>"): the link from an endpoint to its channel's shared state.
    std::string segment;
    std::int32_t peer_pid = 0;
    // As the record holds them; counters.last_activity is the owner's raw stamp.
    layout::endpoint_counters counters{};
    layout::endpoint_connection_counters connection_counters{};  // a stream writer's or reader's
    // CLOCK_MONOTONIC of the last send or receive (the stamp converted); 0 if none yet.
    std::uint64_t last_activity_ns = 0;
    std::vector<std::uint64_t> latency_buckets;  // histogram::bucket_count entries
    latency_summary latency;                     // counts saturate at UINT64_MAX, never wrap
    std::string error;  // non-empty when its values are impossible (corrupt)
    health_verdict health;
};

struct process_info {
    std::int32_t pid = 0;
    std::uint64_t start_time = 0;
    std::string program;
    std::string segment;
    std::uint64_t heartbeat_ns = 0;
    // The clock its endpoints stamp with: "tsc" (then ticks_per_second, its calibration) or
    // "monotonic" (IPC_CLOCK=monotonic, or no invariant TSC).
    std::string clock;
    std::uint64_t ticks_per_second = 0;
    bool alive = false;
    std::uint32_t owner_uid = 0;  // of the telemetry segment
    // The segment claims a live process that cannot have written it: its owner is not that
    // process's user, or its name names another pid. Such a process is never shown as alive.
    bool spoofed = false;
    std::vector<endpoint_info> endpoints;
};

struct end_info {
    std::int32_t pid = 0;
    end_state state = end_state::none;
    bool alive = false;
    bool sleeping = false;  // announced a futex sleep
};

struct ring_info {
    // ring, or zipc for a ZIPC object (then the indices are slot numbers, capacity is
    // (Q - 1) * M bytes, max_message is M, and there are no counts or ends).
    channel_kind kind = channel_kind::ring;
    std::string name;     // channel name
    std::string segment;  // object name, or "memfd:<inode>" for a ring over a memfd
    // Why the ring's state could not be read (a memfd whose holder's /proc/<pid>/fd this
    // observer may not open, a corrupt control block); the fields below are then zero.
    std::string error;
    // The error is this observer's (it may not open the memfd, or no holder named it), not
    // the ring's: health does not call the ring corrupt for it.
    bool unreadable = false;
    std::uint64_t capacity = 0;
    std::uint32_t max_message = 0;
    std::uint64_t write_index = 0;
    std::uint64_t read_index = 0;
    std::uint64_t write_count = 0;
    std::uint64_t read_count = 0;
    std::uint64_t occupancy_bytes = 0;
    std::uint64_t occupancy_messages = 0;
    std::uint64_t occupancy_hwm_bytes = 0;
    end_info writer;
    end_info reader;
    bool stale = false;
};

// One slot of a slots channel, as the monitor's slot grid shows it.
struct slot_counters {
    std::uint64_t calls = 0;           // requests posted
    std::uint64_t completed = 0;       // responses handed to a caller
    std::uint64_t timeouts = 0;        // calls that gave up waiting (or were cancelled)
    std::uint64_t failed = 0;          // calls that ended in another error
    std::uint64_t late_responses = 0;  // responses that came after their call gave up, discarded
    std::uint64_t bytes_out = 0;
    std::uint64_t bytes_in = 0;
    std::uint64_t in_flight = 0;         // 1 while a call waits for its response
    std::uint64_t last_activity_ns = 0;  // CLOCK_MONOTONIC of the last completed call; 0: none
    std::uint64_t latency_sum_ns = 0;    // of the round trips in the histogram
};

struct slot_info {
    std::uint32_t index = 0;
    slot_state state = slot_state::free;
    std::uint64_t request_id = 0;
    std::uint32_t request_length = 0;
    bool abandoned = false;        // a call gave up before its response; the slot waits for it
    std::uint32_t message_id = 0;  // SimpleIPC's msgId (NORMAL 0, HEARTBEAT 1 and 2, SHUTDOWN 3)
    end_info guest;                // sleeping: the worker serving this slot announced a sleep
    bool host_sleeping = false;
    slot_counters counters;
    std::vector<std::uint64_t> latency_buckets;  // round trips, histogram::bucket_count entries
    latency_summary latency;
};

struct slots_info {
    // slots, or simpleipc for a SimpleIPC object (then only the states, request lengths,
    // message ids and sleeping flags are known: no counters, ids or ends).
    channel_kind kind = channel_kind::slots;
    std::string name;     // channel name
    std::string segment;  // object name
    std::uint32_t slot_count = 0;
    std::uint32_t request_capacity = 0;
    std::uint32_t response_capacity = 0;
    end_info host;
    bool shutdown = false;  // the host told guests to stop
    std::uint32_t host_epoch = 0;
    std::uint64_t calls_refused = 0;  // refused before they held a slot
    std::vector<slot_info> slots;
    bool stale = false;
};

// One end of a channel, as the channel's shared state records it.
struct channel_end {
    endpoint_role role = endpoint_role::unknown;
    end_info end;
};

// A channel as a whole, whatever its kind: what the monitor's channels view and `ipcstat list`
// show. Each kind adds its own (inspect's per-kind table); endpoints link to it by `segment`.
struct channel_info {
    channel_kind kind = channel_kind::unknown;
    std::string name;
    std::string segment;  // as ring_info::segment and slots_info::segment
    // A ring: its writer, then its reader. Slots: the host, then each guest process once. A
    // duplex ring: its writer, then its reader, called parent and child (one of two rows, one
    // per direction); an efdstream pair: parent, then child.
    std::vector<channel_end> ends;
    bool one_way = false;  // messages flow from the first end to the second (a ring's)
    // How full it is: a ring's bytes written and not read of its data bytes; for slots, the
    // slots not free of all slots; for an efdstream pair, which holds one message per direction
    // and no state an observer can read, the messages in flight, of capacity 0 (used_unit).
    std::uint64_t used = 0;
    std::uint64_t capacity = 0;
    bool used_is_bytes = false;
    std::uint64_t waiting = 0;  // messages not read yet (ring); requests not answered (slots)
    bool stale = false;
    std::string error;
    bool unreadable = false;  // as ring_info::unreadable
    // The worst of its own state and its endpoints' (idle only when all of them are).
    health_verdict health;
};

// What channel_info::used counts: "bytes" (a ring), "slots", or "messages" (in flight, of no
// capacity an observer knows: an efdstream pair).
std::string_view used_unit(const channel_info& c) noexcept;

// One direction of a connection as its reporting side sees it: what that side's endpoint of
// the direction counted (messages and bytes sent, or received) and how full the direction's
// ring is, joined from the same snapshot; `found` is false when the endpoint was not in it.
struct connection_flow {
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;
    std::uint64_t used_bytes = 0;  // written and not read yet
    std::uint64_t capacity_bytes = 0;
    bool found = false;
};

// A connection as a process's control socket reports it (ipc/control.hpp): what shared memory
// does not hold. Its rings are the channels whose segment is inbound_segment and
// outbound_segment; query_control_sockets joins their counters and occupancy in.
struct connection_info {
    std::int32_t pid = 0;  // the process that reported it
    std::uint64_t id = 0;  // its number in that process: with pid, names the connection
    channel_kind kind = channel_kind::broker;
    std::string name;
    std::string role;  // that process's side: "server" or "client"
    std::int32_t peer_pid = 0;
    std::uint32_t peer_uid = 0;
    std::uint32_t peer_gid = 0;
    std::uint64_t since_ns = 0;  // CLOCK_MONOTONIC
    std::string inbound_segment;
    std::string outbound_segment;
    std::uint32_t max_message = 0;
    std::uint64_t capacity = 0;
    connection_flow inbound;   // to this side
    connection_flow outbound;  // from this side
};

// A control socket found in the runtime directory, and why it gave no answer (empty: it did).
struct control_socket_info {
    std::int32_t pid = 0;
    std::string path;
    std::string error;
};

struct snapshot {
    std::uint64_t taken_ns = 0;           // CLOCK_MONOTONIC
    std::uint64_t taken_realtime_ns = 0;  // CLOCK_REALTIME
    std::vector<process_info> processes;
    std::vector<ring_info> rings;
    std::vector<slots_info> slots;
    std::vector<channel_info> channels;   // every ring and slots channel above, as a whole
    std::vector<segment_entry> segments;  // every libipc segment found, with errors and staleness
    std::vector<connection_info> connections;          // from the control sockets below
    std::vector<control_socket_info> control_sockets;  // those found, each asked once
};

// Asks every live process's control socket in `dir` (empty: the runtime directory) for its
// connections, all within `timeout` (connecting never waits: a full backlog is busy); appends what
// they answered, joined with the endpoints and channels already in `s` (connection_flow), and
// how each went. Only sockets owned by this user in a directory private to it are
// asked; an answer is untrusted input (size-limited, parsed without exceptions, each field
// type-checked).
void query_control_sockets(snapshot& s, const std::string& dir = {},
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(500));

// Every object in `dir` whose name starts with the libipc prefix, classified and checked.
std::vector<segment_entry> discover(const std::string& dir = default_shm_dir());

// Decodes one telemetry segment (object name with or without the leading '/') of `dir`.
result<process_info> read_telemetry(const std::string& object,
                                    const std::string& dir = default_shm_dir());
// Decodes one ring segment.
result<ring_info> read_ring(const std::string& object, const std::string& dir = default_shm_dir());

// Decodes one slots segment.
result<slots_info> read_slots(const std::string& object,
                              const std::string& dir = default_shm_dir());

// Discovers and decodes everything. A slots host keeps its counters per slot in the segment
// (its threads share no counter line); the snapshot folds them into the host's endpoint. Health
// is judged as judge_health(s, nullptr) does.
// With `ask_control_sockets`, also the connections the control sockets report
// (query_control_sockets).
snapshot take_snapshot(const std::string& dir = default_shm_dir(), bool ask_control_sockets = true);

// Sets every endpoint's and channel's health in `now`. With `before` (an earlier snapshot of the
// same host), an endpoint whose dropped or failed count grew since then is dropping; without
// it, drops are not judged (one snapshot cannot tell old drops from new ones).
void judge_health(snapshot& now, const snapshot* before);

// The channel an endpoint belongs to in the same snapshot, or null.
const channel_info* find_channel(const snapshot& s, const endpoint_info& e);

// Per-second rates of one endpoint between two snapshots of it.
struct endpoint_rates {
    double sent_per_s = 0;
    double received_per_s = 0;
    double dropped_per_s = 0;
    double bytes_out_per_s = 0;
    double bytes_in_per_s = 0;
    // Messages (or calls) per second, counted once: a ring end only sends or only receives, and
    // a slots end sends and receives once per call.
    double messages_per_s() const noexcept { return std::max(sent_per_s, received_per_s); }
    double bytes_per_s() const noexcept { return bytes_out_per_s + bytes_in_per_s; }
};
// Rates between `before` and `after` taken `elapsed_ns` apart; zero if the record was reused
// (generation changed) or time did not advance.
endpoint_rates rates(const endpoint_info& before, const endpoint_info& after,
                     std::uint64_t elapsed_ns) noexcept;

// The latency of the samples `after` took since `before` (the same endpoint in an earlier
// snapshot, or null for none): the histogram's growth between the two, summarised as
// endpoint_info::latency is. What ipcstat watch and the monitor show per refresh, so a spike is
// seen when it happens instead of being averaged into everything since the endpoint opened.
// max_ns is the upper bound of the highest bucket that grew, capped at the record's maximum.
// A record that was reused (other generation) counts from zero.
latency_summary interval_latency(const endpoint_info* before, const endpoint_info& after);

// Finds the same endpoint in another snapshot: same process (pid and start time, so a reused
// pid never matches) and same record (index and generation).
const endpoint_info* find_endpoint(const snapshot& s, const process_info& owner,
                                   const endpoint_info& e);

// The snapshot as one JSON document (schema in docs/SNAPSHOT.md).
std::string to_json(const snapshot& s, bool pretty = false);
// A snapshot read back from such a document (another host's, from `ipcstat serve`), or corrupt
// when it is not one. The text is untrusted: members missing or of another type read as zero,
// empty or unknown, and strings come back printable. What the document does not hold reads as
// zero (raw clock stamps: last_activity is last_activity_ns; segment raw names stay empty, so
// that nothing named by another host is opened here).
result<snapshot> from_json(std::string_view text);

// One CSV row per endpoint, with a header row (RFC 4180; columns in docs/SNAPSHOT.md).
std::string to_csv(const snapshot& s);
// One CSV row per connection, with a header row (RFC 4180; columns in docs/SNAPSHOT.md).
std::string to_connections_csv(const snapshot& s);

// Prometheus text exposition format 0.0.4: libipc_* metrics with labels (docs/SNAPSHOT.md).
std::string to_prometheus(const snapshot& s);

// What to keep of a snapshot. Empty fields match everything.
struct snapshot_filter {
    std::string name{};  // substring of the channel name (endpoints, rings, slots, segments)
    // A kind by its name, "ring", "slots", "telemetry", ... (endpoints, rings, slots, segments):
    // a command line's word, matched against to_string of each record's kind.
    std::string kind{};
    std::int32_t pid = 0;  // owner process, or a pid attached to a ring or slots channel
};
// The snapshot with only what matches: processes keep the matching endpoints, and a process
// with none left is dropped unless only `pid` was given.
snapshot filtered(const snapshot& s, const snapshot_filter& f);

// Removes every segment in `dir` that is stale (no process that uses it is alive, or nobody
// finished it) and matches `f` (name, kind, creator pid). Each is checked again under the
// segment's own removal lock, on the inode about to be unlinked, so one that came back to life
// since the scan is kept. Returns what was removed, or not (entry.error says why), and the
// broken segments it kept, with the reason; a segment someone else removed meanwhile is left
// out. Limit: a process that attaches to a stale segment between that check and the unlink (a
// few microseconds) keeps the unlinked copy; its blocked calls then find the name gone and
// return peer_gone, and what its writer committed there is counted as lost at close.
std::vector<segment_entry> remove_stale(const std::string& dir = default_shm_dir(),
                                        const snapshot_filter& f = {});
// The same for exactly these segment names (as segment_entry::name), e.g. what a user confirmed.
std::vector<segment_entry> remove_stale(const std::string& dir,
                                        const std::vector<std::string>& names);

}  // namespace ipc::inspect
