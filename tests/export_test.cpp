// Snapshot exports (CSV, Prometheus text), filters and stale-segment removal, checked by parsing
// the output back. No display needed.

#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <numeric>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ipc/histogram.hpp"
#include "ipc/inspect.hpp"
#include "ipc/layout/segment_header.hpp"
#include "ipc/ring.hpp"
#include "ipc/shm.hpp"
#include "support/dead_peer.hpp"
#include "support/names.hpp"

namespace {

using namespace std::chrono_literals;

// RFC 4180 records: fields split at commas outside quotes, "" inside quotes is one quote.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                rows.back().back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                rows.back().back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            rows.back().emplace_back();
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            rows.emplace_back(1);
            ++i;
        } else {
            rows.back().back() += c;
        }
    }
    rows.pop_back();  // after the last CRLF
    return rows;
}

struct sample {
    std::string name;
    std::map<std::string, std::string> labels;
    std::string value;
};

// The text exposition format: HELP and TYPE before a family's samples, families contiguous.
std::vector<sample> parse_prometheus(const std::string& text) {
    static const std::regex line_re(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$)");
    static const std::regex label_re(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)")re");
    std::vector<sample> samples;
    std::set<std::string> finished;
    std::string family;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("# HELP ", 0) == 0) {
            continue;
        }
        if (line.rfind("# TYPE ", 0) == 0) {
            EXPECT_TRUE(finished.insert(family).second || family.empty()) << line;
            family = line.substr(7, line.find(' ', 7) - 7);
            EXPECT_EQ(finished.count(family), 0u) << "family repeated: " << family;
            continue;
        }
        std::smatch m;
        EXPECT_TRUE(std::regex_match(line, m, line_re)) << line;
        sample s{m[1], {}, m[4]};
        EXPECT_EQ(s.name.rfind(family, 0), 0u) << s.name << " outside its family " << family;
        const std::string labels = m[3];
        for (std::sregex_iterator it(labels.begin(), labels.end(), label_re), end; it != end;
             ++it) {
            s.labels[(*it)[1]] = (*it)[2];
        }
        samples.push_back(std::move(s));
    }
    return samples;
}

// A ring pair that has moved `count` messages, kept open while the test looks at it.
struct busy_ring {
    std::string name;
    ipc::ring_writer writer;
    ipc::ring_reader reader;
    explicit busy_ring(int count, const std::string& stem = "export")
        : name(ipc::test::unique_name(stem)) {
        writer = std::move(ipc::ring_writer::open(name).value());
        reader = std::move(ipc::ring_reader::open(name).value());
        std::vector<std::byte> msg(100), buf(100);
        for (int i = 0; i < count; ++i) {
            // The reader finds the ring empty first, as a waiting reader does: every message is
            // then timed (in a backlog only one in latency_sample_interval is).
            EXPECT_EQ(reader.try_receive(buf).code(), ipc::errc::empty);
            EXPECT_TRUE(writer.try_send(msg));
            EXPECT_TRUE(reader.try_receive(buf));
        }
    }
};

TEST(Export, CsvParsesBackWithOneRowPerEndpoint) {
    busy_ring ring(7);
    const auto snap = ipc::inspect::filtered(ipc::inspect::take_snapshot(), {.name = ring.name});
    const auto rows = parse_csv(ipc::inspect::to_csv(snap));
    ASSERT_EQ(rows.size(), 3u);  // header, writer, reader
    const auto& header = rows[0];
    std::map<std::string, std::size_t> column;
    for (std::size_t i = 0; i < header.size(); ++i) {
        column[header[i]] = i;
    }
    for (std::size_t r = 1; r < rows.size(); ++r) {
        ASSERT_EQ(rows[r].size(), header.size());
        EXPECT_EQ(rows[r][column["name"]], ring.name);
        EXPECT_EQ(rows[r][column["pid"]], std::to_string(::getpid()));
        const auto& role = rows[r][column["role"]];
        EXPECT_EQ(rows[r][column[role == "writer" ? "sent" : "received"]], "7");
        EXPECT_EQ(rows[r][column[role == "writer" ? "bytes_out" : "bytes_in"]], "700");
    }
}

TEST(Export, CsvQuotesFieldsThatNeedIt) {
    ipc::inspect::snapshot s;
    ipc::inspect::process_info p;
    p.program = "odd, \"name\"";
    p.endpoints.emplace_back();
    p.endpoints.back().name = "line\r\nbreak";
    s.processes.push_back(p);
    const auto rows = parse_csv(ipc::inspect::to_csv(s));
    ASSERT_EQ(rows.size(), 2u);
    ASSERT_EQ(rows[1].size(), rows[0].size());
    EXPECT_EQ(rows[1][2], "odd, \"name\"");
    EXPECT_EQ(rows[1][9], "line\r\nbreak");
}

TEST(Export, PrometheusParsesBackWithCountersAndHistograms) {
    busy_ring ring(9);
    const auto snap = ipc::inspect::filtered(ipc::inspect::take_snapshot(), {.name = ring.name});
    const auto samples = parse_prometheus(ipc::inspect::to_prometheus(snap));
    std::map<std::string, std::string> value_for_reader;
    std::vector<std::pair<double, double>> buckets;  // le, cumulative count (reader)
    std::string count;
    for (const auto& s : samples) {
        const auto role = s.labels.find("role");
        if (role == s.labels.end() || role->second != "reader") {
            continue;
        }
        EXPECT_EQ(s.labels.at("channel"), ring.name);
        if (s.name == "libipc_endpoint_latency_seconds_bucket") {
            const auto& le = s.labels.at("le");
            buckets.emplace_back(le == "+Inf" ? 1e300 : std::stod(le), std::stod(s.value));
        } else {
            value_for_reader[s.name] = s.value;
        }
    }
    EXPECT_EQ(value_for_reader["libipc_endpoint_messages_received_total"], "9");
    EXPECT_EQ(value_for_reader["libipc_endpoint_received_bytes_total"], "900");
    EXPECT_EQ(value_for_reader["libipc_endpoint_latency_seconds_count"], "9");
    ASSERT_FALSE(buckets.empty());
    for (std::size_t i = 1; i < buckets.size(); ++i) {
        EXPECT_GT(buckets[i].first, buckets[i - 1].first) << "le grows";
        EXPECT_GE(buckets[i].second, buckets[i - 1].second) << "buckets are cumulative";
    }
    EXPECT_EQ(buckets.back().second, 9.0) << "+Inf holds every sample";
    bool ring_seen = false;
    for (const auto& s : samples) {
        if (s.name == "libipc_ring_messages_read_total" && s.labels.at("channel") == ring.name) {
            ring_seen = true;
            EXPECT_EQ(s.value, "9");
        }
    }
    EXPECT_TRUE(ring_seen);
}

TEST(Export, PrometheusEscapesLabelValues) {
    ipc::inspect::snapshot s;
    ipc::inspect::process_info p;
    p.pid = 5;
    p.program = "a\"b\\c\nd";
    s.processes.push_back(p);
    const auto text = ipc::inspect::to_prometheus(s);
    EXPECT_NE(text.find(R"(program="a\"b\\c\nd")"), std::string::npos) << text;
    const auto samples = parse_prometheus(text);
    ASSERT_FALSE(samples.empty());
}

// A snapshot with a little of everything: a live ring that measured latencies, and a slots
// group, a connection and a broken segment written by hand.
ipc::inspect::snapshot everything(const busy_ring& ring) {
    auto s = ipc::inspect::filtered(ipc::inspect::take_snapshot(), {.name = ring.name});
    ipc::inspect::slots_info group;
    group.name = "calls";
    group.segment = "libipc-slots-calls";
    group.slot_count = 1;
    group.host = {42, ipc::inspect::end_state::attached, true, true};
    ipc::inspect::slot_info slot;
    slot.state = ipc::inspect::slot_state::serving;
    slot.counters.calls = 9;
    slot.latency_buckets.assign(ipc::histogram::bucket_count, 0);
    slot.latency_buckets.back() = 2;  // the unbounded bucket, whose bound is null
    slot.latency = {2, 7, 8, 9, 10, 11};
    group.slots.push_back(slot);
    s.slots.push_back(group);
    ipc::inspect::connection_info c;
    c.pid = 42;
    c.id = 3;
    c.kind = ipc::inspect::channel_kind::stream;
    c.name = "feed";
    c.role = "server";
    c.inbound = {1, 2, 3, 4, true};
    s.connections.push_back(c);
    s.segments.push_back(
        {"libipc-ring-\\x1Bodd", ipc::inspect::segment_kind::ring, 7, 4096, true, "bad magic", ""});
    return s;
}

// Another host's snapshot, read back from the JSON that `ipcstat serve` sends, is the same
// snapshot: written again, it is the same document.
TEST(SnapshotJson, ReadsBackWhatItWrote) {
    busy_ring ring(50);
    const auto s = everything(ring);
    ASSERT_FALSE(s.processes.empty());
    const auto& endpoints = s.processes[0].endpoints;
    const auto timed = std::find_if(endpoints.begin(), endpoints.end(),
                                    [](const auto& e) { return e.latency.count > 0; });
    ASSERT_NE(timed, endpoints.end()) << "the reader timed its messages";
    const std::string text = ipc::inspect::to_json(s);
    const auto back = ipc::inspect::from_json(text);
    ASSERT_TRUE(back) << back.error_value().message();
    EXPECT_EQ(ipc::inspect::to_json(*back), text);
    // What the monitor computes from two of them needs the counters the document holds.
    const auto& e =
        back->processes[0].endpoints[static_cast<std::size_t>(timed - endpoints.begin())];
    EXPECT_EQ(e.counters.latency_count, e.latency.count);
    EXPECT_EQ(e.latency_buckets.size(), ipc::histogram::bucket_count);
    EXPECT_TRUE(back->segments.back().raw_name.empty()) << "another host's name opens nothing";
}

// The document is untrusted: anything that is not a snapshot is an error, members of the wrong
// type or out of range read as zero, entries that are not objects are nothing, and strings come
// back printable.
TEST(SnapshotJson, RefusesWhatIsNotASnapshotAndTamesWhatIs) {
    for (const char* bad : {"", "garbage", "[]", "{}", R"({"schema":"other/1"})", "{\"schema\":"}) {
        const auto s = ipc::inspect::from_json(bad);
        ASSERT_FALSE(s) << bad;
        EXPECT_EQ(s.error_value().code(), ipc::errc::corrupt);
    }
    const auto s = ipc::inspect::from_json(R"({"schema":"libipc.snapshot/1","taken_ns":"soon",
        "processes":[{"pid":"x","program":"evil\u001b[2J","endpoints":7},3,
                     {"pid":4294967297,"owner_uid":-1,"endpoints":[1,{"index":2}]}],
        "rings":{"not":"a list"},
        "slots":[{"slots":[{"latency":{"buckets":[{"le_ns":5,"count":1},{"le_ns":-1},
                                                  {"le_ns":1e300,"count":2},"x"]}}]}],
        "channels":[{"ends":[null,{}]}]})");
    ASSERT_TRUE(s) << s.error_value().message();
    EXPECT_EQ(s->taken_ns, 0u);
    ASSERT_EQ(s->processes.size(), 2u) << "3 is not a process";
    EXPECT_EQ(s->processes[0].pid, 0);
    EXPECT_EQ(s->processes[0].program, "evil\\x1b[2J");
    EXPECT_TRUE(s->processes[0].endpoints.empty());
    EXPECT_EQ(s->processes[1].pid, 0) << "2^32 + 1 is no pid, not pid 1";
    EXPECT_EQ(s->processes[1].owner_uid, 0u) << "-1 is no uid";
    ASSERT_EQ(s->processes[1].endpoints.size(), 1u);
    EXPECT_EQ(s->processes[1].endpoints[0].index, 2u);
    EXPECT_TRUE(s->rings.empty());
    const auto& buckets = s->slots.at(0).slots.at(0).latency_buckets;
    ASSERT_EQ(buckets.size(), ipc::histogram::bucket_count);
    EXPECT_EQ(buckets[5], 1u);  // le_ns 5 is bucket 5's bound; the others are no bucket's
    EXPECT_EQ(std::accumulate(buckets.begin(), buckets.end(), std::uint64_t{0}), 1u);
    ASSERT_EQ(s->channels.at(0).ends.size(), 1u);
    EXPECT_EQ(s->channels.at(0).ends.at(0).end.state, ipc::inspect::end_state::invalid);
}

// A document within any size limit that would be read into far more memory (every endpoint
// holds a histogram of 2 KiB) is refused instead.
TEST(SnapshotJson, RefusesMoreEndpointsThanAHostHas) {
    std::string many = R"({"schema":"libipc.snapshot/1","processes":[{"endpoints":[)";
    for (int i = 0; i < 20'000; ++i) {
        many += i == 0 ? R"({"latency":{}})" : R"(,{"latency":{}})";
    }
    many += "]}]}";
    const auto s = ipc::inspect::from_json(many);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error_value().code(), ipc::errc::corrupt);
}

// Every name the exports write reads back as the same enumerator (the readers name each enum's
// last value: one added after it would read as unknown).
TEST(SnapshotJson, EveryEnumeratorReadsBack) {
    ipc::inspect::snapshot s;
    ipc::inspect::process_info p;
    for (int k = 0; k <= static_cast<int>(ipc::inspect::channel_kind::simpleipc); ++k) {
        for (int r = 0; r <= static_cast<int>(ipc::inspect::endpoint_role::child); ++r) {
            ipc::inspect::endpoint_info e;
            e.kind = static_cast<ipc::inspect::channel_kind>(k);
            e.role = static_cast<ipc::inspect::endpoint_role>(r);
            e.state = ipc::inspect::endpoint_state::closed;
            e.health.state = static_cast<ipc::inspect::health_state>(r % 7);
            p.endpoints.push_back(e);
        }
    }
    s.processes.push_back(p);
    for (int state = 0; state <= static_cast<int>(ipc::inspect::slot_state::response_ready);
         ++state) {
        ipc::inspect::slots_info g;
        ipc::inspect::slot_info slot;
        slot.state = static_cast<ipc::inspect::slot_state>(state);
        slot.guest.state = static_cast<ipc::inspect::end_state>(state);
        g.slots.push_back(slot);
        s.slots.push_back(g);
    }
    for (int k = 0; k <= static_cast<int>(ipc::inspect::segment_kind::simpleipc); ++k) {
        s.segments.push_back(
            {"x", static_cast<ipc::inspect::segment_kind>(k), 0, 0, false, "", ""});
    }
    const std::string text = ipc::inspect::to_json(s);
    const auto back = ipc::inspect::from_json(text);
    ASSERT_TRUE(back);
    EXPECT_EQ(ipc::inspect::to_json(*back), text);
}

// ipcstat watch and the monitor show the latency of each interval: only the samples taken
// between two snapshots, not everything since the endpoint opened.
TEST(IntervalLatency, CountsOnlyTheSamplesTakenBetweenTwoSnapshots) {
    ipc::inspect::endpoint_info before;
    before.latency_buckets.assign(ipc::histogram::bucket_count, 0);
    before.latency_buckets[ipc::histogram::bucket_of(100)] = 5;
    before.counters.latency_count = 5;
    before.counters.latency_sum_ns = 500;
    ipc::inspect::endpoint_info after = before;
    after.latency_buckets[ipc::histogram::bucket_of(100)] = 7;
    after.latency_buckets[ipc::histogram::bucket_of(50'000)] = 3;
    after.counters.latency_count = 10;
    after.counters.latency_sum_ns = 500 + 2 * 100 + 3 * 50'000;
    after.latency.max_ns = 1'000'000;  // a sample before the interval; not this interval's
    after.latency.p50_ns = ipc::histogram::percentile(after.latency_buckets, 0.5, 1'000'000);
    const auto recent = ipc::inspect::interval_latency(&before, after);
    EXPECT_EQ(recent.count, 5u);
    EXPECT_EQ(recent.mean_ns, (2 * 100 + 3 * 50'000) / 5u);
    EXPECT_EQ(recent.max_ns, ipc::histogram::upper_bound(ipc::histogram::bucket_of(50'000)) - 1);
    // Three of this interval's five samples were slow, though seven of all ten were fast.
    EXPECT_GE(recent.p50_ns, 50'000u);
    EXPECT_LT(after.latency.p50_ns, 50'000u);
    // Nothing new: no samples, rather than the old ones again.
    EXPECT_EQ(ipc::inspect::interval_latency(&after, after).count, 0u);
    // A record that was reused counts from zero; so does the first snapshot.
    ipc::inspect::endpoint_info reused = after;
    reused.generation = before.generation + 1;
    EXPECT_EQ(ipc::inspect::interval_latency(&before, reused).count, 10u);
    EXPECT_EQ(ipc::inspect::interval_latency(nullptr, after).count, 10u);
}

TEST(Filter, KeepsWhatMatchesNameKindAndPid) {
    busy_ring ring(1);
    const auto all = ipc::inspect::take_snapshot();
    const auto by_name = ipc::inspect::filtered(all, {.name = ring.name});
    ASSERT_EQ(by_name.rings.size(), 1u);
    ASSERT_EQ(by_name.processes.size(), 1u);
    EXPECT_EQ(by_name.processes[0].endpoints.size(), 2u);
    EXPECT_TRUE(ipc::inspect::filtered(all, {.name = ring.name, .kind = "slots"}).rings.empty());
    EXPECT_TRUE(
        ipc::inspect::filtered(all, {.name = ring.name, .kind = "slots"}).processes.empty());
    const auto by_pid = ipc::inspect::filtered(all, {.pid = ::getpid()});
    ASSERT_EQ(by_pid.processes.size(), 1u);
    EXPECT_EQ(by_pid.processes[0].pid, ::getpid());
    bool ring_kept = false;
    for (const auto& r : by_pid.rings) {
        ring_kept = ring_kept || r.name == ring.name;
    }
    EXPECT_TRUE(ring_kept);
    EXPECT_TRUE(ipc::inspect::filtered(all, {.name = "no-such-channel-anywhere"}).rings.empty());
}

TEST(RemoveStale, RemovesWhatNoLiveProcessUsesAndKeepsTheRest) {
    const auto name = ipc::test::unique_name("stale");
    const auto object = ipc::shm::object_name("ring", name);
    ipc::test::write_segment_of_dead_creator(object, 99);  // broken, and its creator is dead
    busy_ring live(1, "stale-live");  // under the filter below: it must survive it
    // Only this test's segments: other tests running beside it keep stale ones on purpose.
    const auto removed = ipc::inspect::remove_stale(
        ipc::inspect::default_shm_dir(), {.name = "test-" + std::to_string(::getpid()) + "-stale"});
    bool ours = false;
    for (const auto& seg : removed) {
        EXPECT_TRUE(seg.error.empty()) << seg.name << ": " << seg.error;
        EXPECT_NE(seg.name, "libipc-ring-" + live.name);
        ours = ours || "/" + seg.name == object;
    }
    EXPECT_TRUE(ours);
    EXPECT_FALSE(ipc::shm::open(object, ipc::access::read_only));
    EXPECT_TRUE(ipc::inspect::read_ring("libipc-ring-" + live.name));
}

}  // namespace
