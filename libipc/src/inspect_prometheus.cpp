// A snapshot in the Prometheus text exposition format (0.0.4): every sample of a metric family
// follows its HELP and TYPE lines; names are snake_case with unit suffixes (_total, _bytes,
// _seconds); label values are escaped; latency histograms use fixed power-of-two buckets.

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "ipc/histogram.hpp"
#include "ipc/inspect.hpp"

namespace ipc::inspect {

namespace {

// Histogram bucket bounds: le = 2^e - 1 ns for e = 8 .. 36 (255 ns .. ~69 s). The log-linear
// buckets of ipc/histogram.hpp split exactly at powers of two, and samples are whole
// nanoseconds, so "at most 2^e - 1" is exactly the samples below 2^e.
constexpr unsigned first_bound_exponent = 8;

std::string escape(const std::string& value) {
    std::string out;
    for (char c : value) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string seconds(double ns) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.12g", ns / 1e9);
    return buf;
}

struct label {
    const char* key;
    std::string value;
};

std::string label_set(const std::vector<label>& labels) {
    std::string out = "{";
    for (const auto& l : labels) {
        if (out.size() > 1) {
            out += ',';
        }
        out += std::string(l.key) + "=\"" + escape(l.value) + '"';
    }
    return out + "}";
}

// One metric family: its header, then its samples.
class family {
  public:
    family(std::string name, const char* type, const char* help)
        : name_(std::move(name)),
          text_("# HELP " + name_ + ' ' + help + "\n# TYPE " + name_ + ' ' + type + '\n') {}

    void add(const std::vector<label>& labels, const std::string& value, const char* suffix = "") {
        text_ += name_ + suffix + label_set(labels) + ' ' + value + '\n';
        empty_ = false;
    }
    void add(const std::vector<label>& labels, std::uint64_t value) {
        add(labels, std::to_string(value));
    }
    // A histogram from log-linear ns buckets, with a sum in ns.
    void add_histogram(std::vector<label> labels, const std::vector<std::uint64_t>& buckets,
                       std::uint64_t sum_ns) {
        std::uint64_t cumulative = 0;
        std::size_t fine = 0;
        for (unsigned e = first_bound_exponent; e <= histogram::max_exponent; ++e) {
            const std::uint64_t bound = std::uint64_t{1} << e;
            for (; fine < buckets.size() && histogram::upper_bound(fine) <= bound; ++fine) {
                cumulative = histogram::saturating_add(cumulative, buckets[fine]);
            }
            labels.push_back({"le", seconds(static_cast<double>(bound - 1))});
            add(labels, std::to_string(cumulative), "_bucket");
            labels.pop_back();
        }
        std::uint64_t count = cumulative;
        for (; fine < buckets.size(); ++fine) {
            count = histogram::saturating_add(count, buckets[fine]);
        }
        labels.push_back({"le", "+Inf"});
        add(labels, std::to_string(count), "_bucket");
        labels.pop_back();
        add(labels, seconds(static_cast<double>(sum_ns)), "_sum");
        add(labels, std::to_string(count), "_count");
    }
    std::string text() const { return empty_ ? std::string() : text_; }

  private:
    std::string name_;
    std::string text_;
    bool empty_ = true;
};

std::vector<label> endpoint_labels(const process_info& p, const endpoint_info& e) {
    return {{"pid", std::to_string(p.pid)},
            {"program", p.program},
            {"channel", e.name},
            {"kind", e.kind},
            {"role", e.role},
            {"record", std::to_string(e.index)}};
}

std::string process_metrics(const snapshot& s) {
    family alive("libipc_process_alive", "gauge",
                 "1 while the process that owns the telemetry segment runs.");
    family heartbeat("libipc_process_heartbeat_age_seconds", "gauge",
                     "Time since the process last opened, closed or slept on an endpoint.");
    for (const auto& p : s.processes) {
        if (p.spoofed) {
            continue;  // not written by the process it names: its labels would lie
        }
        const std::vector<label> l = {{"pid", std::to_string(p.pid)}, {"program", p.program}};
        alive.add(l, p.alive ? 1 : 0);
        heartbeat.add(l, seconds(s.taken_ns > p.heartbeat_ns
                                     ? static_cast<double>(s.taken_ns - p.heartbeat_ns)
                                     : 0.0));
    }
    return alive.text() + heartbeat.text();
}

std::string endpoint_metrics(const snapshot& s) {
    family active("libipc_endpoint_active", "gauge", "1 while the endpoint is open.");
    family sent("libipc_endpoint_messages_sent_total", "counter", "Messages or calls sent.");
    family received("libipc_endpoint_messages_received_total", "counter",
                    "Messages or responses received.");
    family dropped("libipc_endpoint_messages_dropped_total", "counter",
                   "Messages refused or given up, each reported to the caller.");
    family failed("libipc_endpoint_failures_total", "counter",
                  "Operations that failed for another reason.");
    family bytes_out("libipc_endpoint_sent_bytes_total", "counter", "Payload bytes sent.");
    family bytes_in("libipc_endpoint_received_bytes_total", "counter", "Payload bytes received.");
    family depth("libipc_endpoint_queue_depth", "gauge",
                 "Messages waiting (calls in flight for a slots host).");
    family depth_max("libipc_endpoint_queue_depth_max", "gauge", "Largest queue depth seen.");
    family latency("libipc_endpoint_latency_seconds", "histogram",
                   "Message latency (a slots host: call round trip).");
    for (const auto& p : s.processes) {
        if (p.spoofed) {
            continue;
        }
        for (const auto& e : p.endpoints) {
            const auto l = endpoint_labels(p, e);
            const auto& c = e.counters;
            active.add(l, e.state == "active" ? 1 : 0);
            sent.add(l, c.sent);
            received.add(l, c.received);
            dropped.add(l, c.dropped);
            failed.add(l, c.failed);
            bytes_out.add(l, c.bytes_out);
            bytes_in.add(l, c.bytes_in);
            depth.add(l, c.queue_depth);
            depth_max.add(l, c.queue_depth_hwm);
            latency.add_histogram(l, e.latency_buckets, c.latency_sum_ns);
        }
    }
    return active.text() + sent.text() + received.text() + dropped.text() + failed.text() +
           bytes_out.text() + bytes_in.text() + depth.text() + depth_max.text() + latency.text();
}

std::string ring_metrics(const snapshot& s) {
    family capacity("libipc_ring_capacity_bytes", "gauge", "Size of the ring's data area.");
    family used("libipc_ring_occupancy_bytes", "gauge", "Bytes written and not yet read.");
    family used_max("libipc_ring_occupancy_max_bytes", "gauge",
                    "Largest occupancy the reader measured.");
    family waiting("libipc_ring_occupancy_messages", "gauge", "Messages written, not yet read.");
    family written("libipc_ring_messages_written_total", "counter", "Messages ever published.");
    family read("libipc_ring_messages_read_total", "counter", "Messages ever consumed.");
    for (const auto& r : s.rings) {
        if (!r.error.empty()) {
            continue;  // nothing known about it; its endpoints' counters still are
        }
        // Two rings over memfds may share a channel name; their segments differ.
        const std::vector<label> l = {{"channel", r.name}, {"segment", r.segment}};
        capacity.add(l, r.capacity);
        used.add(l, r.occupancy_bytes);
        used_max.add(l, r.occupancy_hwm_bytes);
        waiting.add(l, r.occupancy_messages);
        written.add(l, r.write_count);
        read.add(l, r.read_count);
    }
    return capacity.text() + used.text() + used_max.text() + waiting.text() + written.text() +
           read.text();
}

std::string slots_metrics(const snapshot& s) {
    family refused("libipc_slots_calls_refused_total", "counter",
                   "Calls refused before they held a slot.");
    family calls("libipc_slot_calls_total", "counter", "Calls posted on the slot.");
    family completed("libipc_slot_calls_completed_total", "counter", "Responses handed over.");
    family timeouts("libipc_slot_calls_timed_out_total", "counter", "Calls that gave up.");
    family failed("libipc_slot_calls_failed_total", "counter", "Calls that failed otherwise.");
    family late("libipc_slot_late_responses_total", "counter",
                "Responses that came after their call gave up, discarded.");
    family state("libipc_slot_state", "gauge", "1 for the slot's current state.");
    for (const auto& group : s.slots) {
        refused.add({{"channel", group.name}}, group.calls_refused);
        for (const auto& slot : group.slots) {
            const std::vector<label> l = {{"channel", group.name},
                                          {"slot", std::to_string(slot.index)}};
            calls.add(l, slot.counters.calls);
            completed.add(l, slot.counters.completed);
            timeouts.add(l, slot.counters.timeouts);
            failed.add(l, slot.counters.failed);
            late.add(l, slot.counters.late_responses);
            for (const char* name : {"free", "request_ready", "serving", "response_ready"}) {
                auto with_state = l;
                with_state.push_back({"state", name});
                state.add(with_state, slot.state == name ? 1 : 0);
            }
        }
    }
    return refused.text() + calls.text() + completed.text() + timeouts.text() + failed.text() +
           late.text() + state.text();
}

std::string segment_metrics(const snapshot& s) {
    family size("libipc_segment_size_bytes", "gauge", "Size of the shared-memory object.");
    family stale("libipc_segment_stale", "gauge", "1 when no process that uses it is alive.");
    family broken("libipc_segment_error", "gauge", "1 when the segment failed validation.");
    for (const auto& seg : s.segments) {
        const std::vector<label> l = {{"segment", seg.name}, {"kind", seg.kind}};
        size.add(l, seg.size);
        stale.add(l, seg.stale ? 1 : 0);
        broken.add(l, seg.error.empty() ? 0 : 1);
    }
    return size.text() + stale.text() + broken.text();
}

}  // namespace

std::string to_prometheus(const snapshot& s) {
    return process_metrics(s) + endpoint_metrics(s) + ring_metrics(s) + slots_metrics(s) +
           segment_metrics(s);
}

}  // namespace ipc::inspect
