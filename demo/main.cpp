// ipc-demo: parent/child programs for each channel, driven by a traffic generator.
//   ipc-demo ring [--size BYTES] [--rate MSGS_PER_S] [--duration SECONDS] [--name NAME]
//   ipc-demo slots [--slots N] [--size BYTES] [--rate CALLS_PER_S] [--duration SECONDS]
//                  [--name NAME]
//   ipc-demo duplex [--size BYTES] [--rate MSGS_PER_S] [--duration SECONDS]
//                   [--protocol native|efdstream] [--child PROGRAM] [--name NAME]
//   ipc-demo broker [--clients N] [--size BYTES] [--rate MSGS_PER_S] [--duration SECONDS]
//                   [--name NAME]
//   ipc-demo stream [--writers N] [--size BYTES] [--rate MSGS_PER_S] [--duration SECONDS]
//                   [--path PATH] [--restart-reader-every SECONDS] [--name NAME]
// Started with efdstream's child command line (-mode child ...), it is that child.
// rate 0 = flat out, duration 0 = until interrupted; exits 0 after a clean stop.

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <climits>
#include <string>

#include "broker_demo.hpp"
#include "duplex_demo.hpp"
#include "ring_demo.hpp"
#include "slots_demo.hpp"
#include "stream_demo.hpp"

namespace {

void add_pacing_options(CLI::App* cmd, demo::traffic_options& o) {
    cmd->add_option("--rate", o.rate, "Messages (calls) per second, 0 = flat out")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("--duration", o.duration, "Seconds to run, 0 = until interrupted")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
}

void add_slot_count(CLI::App* cmd, demo::traffic_options& o) {
    cmd->add_option("--slots", o.slots, "Slots, and host threads (one per slot)")
        ->check(CLI::Range(1u, 256u))
        ->capture_default_str();
}

void add_traffic_options(CLI::App* cmd, demo::traffic_options& o) {
    cmd->add_option("--name", o.name, "Channel name")->capture_default_str();
    cmd->add_option("--size", o.size, "Message size in bytes")
        ->check(CLI::Range(0u, 1u << 30))
        ->capture_default_str();
    cmd->add_option("--wait", o.wait, "How the waiting side waits")
        ->check(CLI::IsMember({"spin", "adaptive", "blocking"}))
        ->capture_default_str();
}

std::string self_exe() {
    char buf[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("ipc-demo");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "-mode") {
        return demo::run_efdstream_child(argc, argv);
    }
    CLI::App app{"ipc-demo: libipc parent/child demos"};
    app.require_subcommand(1);
    demo::traffic_options o;
    auto* ring = app.add_subcommand("ring", "A parent writes to a ring, its child reads");
    add_traffic_options(ring, o);
    add_pacing_options(ring, o);
    auto* ring_child = app.add_subcommand("ring-child", "")->group("");  // hidden: the reader
    add_traffic_options(ring_child, o);
    auto* slots = app.add_subcommand("slots", "A parent calls through slots, its child answers");
    add_traffic_options(slots, o);
    add_pacing_options(slots, o);
    add_slot_count(slots, o);
    auto* slots_child = app.add_subcommand("slots-child", "")->group("");  // hidden: the guest
    add_traffic_options(slots_child, o);
    add_slot_count(slots_child, o);
    auto* duplex = app.add_subcommand(
        "duplex", "A parent and the child it spawns echo messages both ways, every byte checked");
    add_traffic_options(duplex, o);
    add_pacing_options(duplex, o);
    std::string protocol = "native";
    duplex->add_option("--protocol", protocol, "native or efdstream (the Go/Rust/C wire protocol)")
        ->check(CLI::IsMember({"native", "efdstream"}))
        ->capture_default_str();
    std::string child_program;
    duplex->add_option("--child", child_program,
                       "With --protocol efdstream: start this program as the child instead");
    auto* duplex_child = app.add_subcommand("duplex-child", "")->group("");  // hidden: the echo
    add_traffic_options(duplex_child, o);
    auto* broker = app.add_subcommand(
        "broker", "A server and client processes that connect by name; every echo checked");
    add_traffic_options(broker, o);
    add_pacing_options(broker, o);
    unsigned clients = 4;
    broker->add_option("--clients", clients, "Client processes")
        ->check(CLI::Range(1u, 256u))
        ->capture_default_str();
    auto* broker_client = app.add_subcommand("broker-client", "")->group("");  // hidden
    add_traffic_options(broker_client, o);
    add_pacing_options(broker_client, o);
    auto* stream = app.add_subcommand(
        "stream", "Writer processes send to a reader over a Unix socket; every message checked");
    add_traffic_options(stream, o);
    add_pacing_options(stream, o);
    demo::stream_demo_options so;
    stream->add_option("--writers", so.writers, "Writer processes")
        ->check(CLI::Range(1u, 256u))
        ->capture_default_str();
    stream->add_option("--path", so.path,
                       "The reader's socket (default /tmp/libipc-demo-<uid>/<name>.sock)");
    stream
        ->add_option("--restart-reader-every", so.restart_reader_every,
                     "Seconds between reader restarts, to watch reconnects and retries (0: never)")
        ->check(CLI::NonNegativeNumber);
    auto* stream_writer = app.add_subcommand("stream-writer", "")->group("");  // hidden
    add_traffic_options(stream_writer, o);
    add_pacing_options(stream_writer, o);
    std::string writer_path;
    unsigned writer_index = 0;
    stream_writer->add_option("--path", writer_path)->required();
    stream_writer->add_option("--writer", writer_index);
    CLI11_PARSE(app, argc, argv);
    if (*stream) {
        return demo::run_stream_reader(o, so, self_exe().c_str());
    }
    if (*stream_writer) {
        return demo::run_stream_writer(o, writer_path, writer_index);
    }
    if (*broker) {
        return demo::run_broker_server(o, clients, self_exe().c_str());
    }
    if (*broker_client) {
        return demo::run_broker_client(o);
    }
    if (*duplex) {
        return demo::run_duplex_parent(o, protocol, child_program, self_exe().c_str());
    }
    if (*duplex_child) {
        return demo::run_duplex_child(o);
    }
    if (*ring_child) {
        return demo::run_ring_child(o);
    }
    if (*slots) {
        return demo::run_slots_parent(o, self_exe().c_str());
    }
    if (*slots_child) {
        return demo::run_slots_child(o);
    }
    return demo::run_ring_parent(o, self_exe().c_str());
}
