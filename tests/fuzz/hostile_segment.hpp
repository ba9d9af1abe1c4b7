#pragma once
// What both fuzz targets share: real segments of each kind, made once by libipc itself in a
// private shm directory, and a fuzz input that turns one of them hostile.
//
// Input: byte 0 picks the kind (telemetry, ring, slots, and the foreign ZIPC and SimpleIPC); byte 1
// bit 0 truncates the segment to a size taken from bytes 2..5; the rest is a list of patches [u32
// offset][u8 length][bytes], offsets taken modulo the segment's size. Starting from real segments
// lets the fuzzer reach the checks past the header instead of failing on the magic number.

#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ipc/fd.hpp"
#include "ipc/ring.hpp"
#include "ipc/shm.hpp"
#include "ipc/simpleipc.hpp"
#include "ipc/slots.hpp"
#include "ipc/telemetry.hpp"
#include "ipc/zipc.hpp"

namespace ipc::fuzz {

inline const char* const channel = "fuzz";

enum class kind : std::uint8_t { telemetry, ring, slots, zipc, simpleipc, count };

inline std::string object_of(kind k) {
    switch (k) {
        case kind::telemetry:
            return telemetry::segment_object_name(::getpid());
        case kind::ring:
            return shm::object_name("ring", channel);
        case kind::zipc:
            return "/fuzz-zipc";
        case kind::simpleipc:
            return "/fuzz-simpleipc";
        default:
            return shm::object_name("slots", channel);
    }
}

inline std::vector<std::byte> read_whole(const std::string& object) {
    auto fd = shm::open(object, access::read_only);
    std::vector<std::byte> bytes(fd ? *shm::size_of(fd->get()) : 0);
    if (fd && ::pread(fd->get(), bytes.data(), bytes.size(), 0) < 0) {
        bytes.clear();
    }
    return bytes;
}

// The templates, made on first use in a private directory that IPC_SHM_DIR names (set
// before libipc reads it).
inline const std::vector<std::byte>& template_of(kind k) {
    static const std::vector<std::vector<std::byte>> templates = [] {
        static char dir[] = "/tmp/libipc-fuzz-XXXXXX";
        ::setenv("IPC_SHM_DIR", ::mkdtemp(dir), 1);
        std::atexit([] {
            for (auto k : {kind::telemetry, kind::ring, kind::slots, kind::zipc, kind::simpleipc}) {
                (void)shm::unlink(object_of(k));
            }
            ::rmdir(dir);
        });
        ring_options ro;
        ro.keep_segment = true;
        ro.max_message = 256;
        ro.capacity = 4096;
        {
            auto w = ring_writer::open(channel, ro);
            for (int i = 0; w && i < 5; ++i) {
                (void)w->try_send(std::as_bytes(std::span("message", 7)));
            }
        }
        slots_options so;
        so.keep_segment = true;
        so.slots = 3;
        so.request_capacity = 64;
        so.response_capacity = 64;
        (void)slots_host::open(channel, so);
        zipc_options zo;
        zo.slots = 8;
        zo.message_size = 64;
        zo.telemetry = false;
        if (auto z = zipc_sender::open(object_of(kind::zipc), zo)) {
            for (int i = 0; i < 3; ++i) {
                (void)z->try_send(std::as_bytes(std::span("message", 7)));
            }
        }
        std::vector<std::vector<std::byte>> t;
        for (auto k : {kind::telemetry, kind::ring, kind::slots, kind::zipc}) {
            t.push_back(read_whole(object_of(k)));
        }
        simpleipc_options io;
        io.slots = 3;
        io.slot_size = 256;
        io.telemetry = false;
        auto host = simpleipc_host::open(object_of(kind::simpleipc), io);
        t.push_back(read_whole(object_of(kind::simpleipc)));  // before close() removes it
        return t;
    }();
    return templates[static_cast<std::size_t>(k)];
}

// Writes the hostile segment the input describes under its kind's name; returns the name.
inline std::string write_hostile(const std::uint8_t* data, std::size_t size, kind& k) {
    k = static_cast<kind>(size > 0 ? data[0] % static_cast<std::uint8_t>(kind::count) : 0);
    std::vector<std::byte> bytes = template_of(k);
    std::size_t at = 6;
    while (at + 5 <= size && !bytes.empty()) {
        std::uint32_t offset = 0;
        std::memcpy(&offset, data + at, 4);
        const std::size_t length = data[at + 4];
        at += 5;
        for (std::size_t i = 0; i < length && at < size; ++i, ++at) {
            bytes[(offset + i) % bytes.size()] = static_cast<std::byte>(data[at]);
        }
    }
    if (size >= 6 && (data[1] & 1) != 0) {
        std::uint32_t cut = 0;
        std::memcpy(&cut, data + 2, 4);
        bytes.resize(cut % (bytes.size() + 1));
    }
    const std::string object = object_of(k);
    (void)shm::unlink(object);
    if (auto fd = shm::create(object, bytes.size(), 0600)) {
        (void)::pwrite(fd->get(), bytes.data(), bytes.size(), 0);
    }
    return object;
}

}  // namespace ipc::fuzz
