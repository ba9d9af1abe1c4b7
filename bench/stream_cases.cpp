// stream: a writer in a forked process sends flat out to a reader here, at 64 B, 1 KiB and
// 64 KiB; messages per second beside a raw Unix-socket loop of the same frames (one write per
// frame, the reader cutting frames from large reads), and beside the ring at the same size.

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "cases.hpp"
#include "ipc/stream.hpp"
#include "ipc/unix_socket.hpp"
#include "ipc/varint.hpp"
#include "must.hpp"

namespace bench {

namespace {

using namespace std::chrono_literals;

std::uint64_t messages_for(std::size_t size) {
    return size <= 64 ? 400'000 : size <= 1024 ? 200'000 : 10'000;
}

std::string socket_path(const std::string& stem) {
    return "/tmp/" + unique_channel(stem) + "/reader.sock";
}

// Messages per second from the first message the reader got to the last.
double per_second(std::uint64_t count, std::uint64_t first_ns) {
    return static_cast<double>(count - 1) / (static_cast<double>(now_ns() - first_ns) / 1e9);
}

double stream_messages(std::size_t size) {
    const std::string path = socket_path("bench-stream");
    const std::uint64_t count = messages_for(size);
    ipc::stream_reader_options ro;
    ro.control = false;
    ro.notify_systemd = false;
    auto reader = must(ipc::stream_reader::listen(path, ro));
    const double v = with_peer(
        [&] {
            ipc::stream_writer_options wo;
            wo.control = false;
            auto w = must(ipc::stream_writer::open(path, wo));
            const std::vector<std::byte> msg(size, std::byte{5});
            for (std::uint64_t i = 0; i < count; ++i) {
                check(w.send(msg, ipc::forever));
            }
            (void)w.stop(ipc::forever);
        },
        [&] {
            std::uint64_t got = 0;
            std::uint64_t first_ns = 0;
            const ipc::stream_handler take = [&](std::span<const std::byte>,
                                                 const ipc::stream_peer&) {
                if (got++ == 0) {
                    first_ns = now_ns();
                }
                return ipc::result<void>{};
            };
            while (got < count) {
                (void)must(reader.poll(1s, take));
            }
            return per_second(count, first_ns);
        });
    reader.stop();
    ::rmdir(path.substr(0, path.rfind('/')).c_str());
    return v;
}

// What a program without libipc would write: one write() per frame, and a reader that reads
// 64 KiB at a time and cuts frames from it.
double raw_socket_messages(std::size_t size) {
    const std::string path = "/tmp/" + unique_channel("bench-uds") + ".sock";
    const std::uint64_t count = messages_for(size);
    auto listener = must(ipc::unix_socket::listen(path));
    const double v = with_peer(
        [&] {
            auto s = must(ipc::unix_socket::connect(path));
            std::vector<std::byte> frame(ipc::varint::max_bytes + size, std::byte{5});
            const std::size_t head =
                ipc::varint::encode(size, std::span(frame).first<ipc::varint::max_bytes>());
            frame.erase(frame.begin() + static_cast<std::ptrdiff_t>(head),
                        frame.begin() + ipc::varint::max_bytes);
            for (std::uint64_t i = 0; i < count; ++i) {
                for (std::size_t done = 0; done < frame.size();) {
                    const ssize_t n = ::write(s.get(), frame.data() + done, frame.size() - done);
                    if (n <= 0) {
                        return;
                    }
                    done += static_cast<std::size_t>(n);
                }
            }
        },
        [&] {
            auto s = must(ipc::unix_socket::accept(listener.get(), 10s));
            std::vector<std::byte> buf(64 * 1024 + ipc::varint::max_bytes + size);
            std::size_t held = 0;
            std::uint64_t got = 0;
            std::uint64_t first_ns = 0;
            while (got < count) {
                const ssize_t n = ::read(s.get(), buf.data() + held, buf.size() - held);
                if (n <= 0) {
                    break;
                }
                held += static_cast<std::size_t>(n);
                std::size_t at = 0;
                for (;;) {
                    auto length = ipc::varint::decode(std::span(buf).subspan(at, held - at));
                    if (!length || held - at < length->length + length->value) {
                        break;
                    }
                    at += length->length + length->value;
                    if (got++ == 0) {
                        first_ns = now_ns();
                    }
                }
                std::memmove(buf.data(), buf.data() + at, held - at);
                held -= at;
            }
            return per_second(count, first_ns);
        });
    ::unlink(path.c_str());
    return v;
}

}  // namespace

void add_stream_cases(std::vector<bench_case>& cases) {
    for (std::size_t size : {std::size_t{64}, std::size_t{1024}, std::size_t{64 * 1024}}) {
        const auto label = size_label(size);
        cases.push_back(measured("unix_socket_frames_msgs_per_s_" + label, "msgs/s", "",
                                 [size] { return raw_socket_messages(size); }));
        cases.push_back(measured("stream_msgs_per_s_" + label, "msgs/s",
                                 "unix_socket_frames_msgs_per_s_" + label,
                                 [size] { return stream_messages(size); }));
        // The same runs beside the ring's: what shared memory would give instead.
        cases.push_back(derived("stream_vs_ring_msgs_per_s_" + label, "msgs/s",
                                "ring_throughput_msgs_" + label, "stream_msgs_per_s_" + label, 1));
    }
}

}  // namespace bench
