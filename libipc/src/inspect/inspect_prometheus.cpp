// A snapshot in the Prometheus text exposition format (0.0.4): every sample of a metric family
// follows its HELP and TYPE lines; names are snake_case with unit suffixes (_total, _bytes,
// _seconds); label values are escaped; latency histograms use fixed power-of-two buckets. Each
// kind writes its own families (kind_*.cpp); the segments' are here.

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "inspect/export_parts.hpp"
#include "inspect/kinds.hpp"
#include "ipc/histogram.hpp"

namespace ipc::inspect {

namespace detail {

namespace {

// Histogram bucket bounds: le = 2^e - 1 ns for e = 8 .. 36 (255 ns .. ~69 s). The log-linear
// buckets of ipc/histogram.hpp split exactly at powers of two, and samples are whole
// nanoseconds, so "at most 2^e - 1" is exactly the samples below 2^e.
constexpr unsigned first_bound_exponent = 8;

// Appended in place: a scrape writes thousands of lines, and temporaries per line were most
// of its cost.
void append_escaped(std::string& out, const std::string& value) {
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
}

void append_label_set(std::string& out, const std::vector<label>& labels) {
    out += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (i != 0) {
            out += ',';
        }
        out += labels[i].key;
        out += "=\"";
        append_escaped(out, labels[i].value);
        out += '"';
    }
    out += '}';
}

}  // namespace

std::string seconds(double ns) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.12g", ns / 1e9);
    return buf;
}

family::family(std::string name, const char* type, const char* help)
    : name_(std::move(name)),
      text_("# HELP " + name_ + ' ' + help + "\n# TYPE " + name_ + ' ' + type + '\n') {}

void family::add(const std::vector<label>& labels, const std::string& value, const char* suffix) {
    text_ += name_;
    text_ += suffix;
    append_label_set(text_, labels);
    text_ += ' ';
    text_ += value;
    text_ += '\n';
    empty_ = false;
}

void family::add_histogram(std::vector<label> labels, const std::vector<std::uint64_t>& buckets,
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

void family::add_health(std::vector<label> labels, health_state current) {
    for (int h = 0; h <= static_cast<int>(health_state::corrupt); ++h) {
        const auto state = static_cast<health_state>(h);
        labels.push_back({"state", std::string(to_string(state))});
        add(labels, state == current ? 1 : 0);
        labels.pop_back();
    }
}

std::string joined(std::initializer_list<const family*> families) {
    std::size_t size = 0;
    for (const auto* f : families) {
        size += f->text().size();
    }
    std::string out;
    out.reserve(size);
    for (const auto* f : families) {
        out += f->text();
    }
    return out;
}

}  // namespace detail

namespace {

using detail::family;
using detail::label;

std::string segment_metrics(const snapshot& s) {
    family size("libipc_segment_size_bytes", "gauge", "Size of the shared-memory object.");
    family stale("libipc_segment_stale", "gauge", "1 when no process that uses it is alive.");
    family broken("libipc_segment_error", "gauge", "1 when the segment failed validation.");
    for (const auto& seg : s.segments) {
        const std::vector<label> l = {{"segment", seg.name},
                                      {"kind", std::string(to_string(seg.kind))}};
        size.add(l, seg.size);
        stale.add(l, seg.stale ? 1 : 0);
        broken.add(l, seg.error.empty() ? 0 : 1);
    }
    return detail::joined({&size, &stale, &broken});
}

std::string channel_metrics(const snapshot& s) {
    family health("libipc_channel_health", "gauge",
                  "1 for the channel's health state (docs/SNAPSHOT.md), 0 for the others.");
    for (const auto& c : s.channels) {
        health.add_health(
            {{"channel", c.name}, {"kind", std::string(to_string(c.kind))}, {"segment", c.segment}},
            c.health.state);
    }
    return health.text();
}

// Monotonic `since_ns` as Unix time, the unit Prometheus' *_start_time_seconds use.
std::string start_time(const snapshot& s, std::uint64_t since_ns) {
    const std::uint64_t age = s.taken_ns > since_ns ? s.taken_ns - since_ns : 0;
    return detail::seconds(
        static_cast<double>(s.taken_realtime_ns > age ? s.taken_realtime_ns - age : 0));
}

std::string connection_metrics(const snapshot& s) {
    family info("libipc_connection_info", "gauge",
                "1 per connection a control socket reports, with its peer and ring segments.");
    family since("libipc_connection_start_time_seconds", "gauge",
                 "When the connection was made, in seconds since the Unix epoch.");
    family messages("libipc_connection_messages_total", "counter",
                    "Messages the reporting side sent (out) or received (in) on the connection.");
    family bytes("libipc_connection_bytes_total", "counter",
                 "Payload bytes the reporting side sent (out) or received (in).");
    family used("libipc_connection_ring_used_bytes", "gauge",
                "Bytes written and not read yet in the direction's ring.");
    family capacity("libipc_connection_ring_capacity_bytes", "gauge",
                    "Data bytes of the direction's ring.");
    for (const auto& c : s.connections) {
        std::vector<label> l = {{"pid", std::to_string(c.pid)},
                                {"connection", std::to_string(c.id)},
                                {"kind", std::string(to_string(c.kind))},
                                {"channel", c.name},
                                {"side", c.role},
                                {"peer_pid", std::to_string(c.peer_pid)}};
        auto described = l;
        described.insert(described.end(), {{"peer_uid", std::to_string(c.peer_uid)},
                                           {"peer_gid", std::to_string(c.peer_gid)},
                                           {"inbound_segment", c.inbound_segment},
                                           {"outbound_segment", c.outbound_segment}});
        info.add(described, 1);
        since.add(l, start_time(s, c.since_ns));
        for (const auto* flow : {&c.inbound, &c.outbound}) {
            if (!flow->found) {
                continue;
            }
            l.push_back({"direction", flow == &c.inbound ? "in" : "out"});
            messages.add(l, flow->messages);
            bytes.add(l, flow->bytes);
            if (flow->capacity_bytes != 0) {  // a direction with a ring
                used.add(l, flow->used_bytes);
                capacity.add(l, flow->capacity_bytes);
            }
            l.pop_back();
        }
    }
    return detail::joined({&info, &since, &messages, &bytes, &used, &capacity});
}

}  // namespace

std::string to_prometheus(const snapshot& s) {
    std::string out;
    for (const auto* k : detail::kinds()) {
        out += k->prometheus(s);
    }
    out += channel_metrics(s);
    out += connection_metrics(s);
    out += segment_metrics(s);
    return out;
}

}  // namespace ipc::inspect
