/* A ZIPC peer written from ../shared/specs/zipc.md alone, in C11 with raw syscalls and no
 * libipc code, for the interoperability tests:
 *   zipc_reference send    NAME SLOTS SIZE COUNT
 *   zipc_reference receive NAME SLOTS SIZE COUNT
 * Message n (from 0) is n as 8 little-endian bytes, then bytes (n * 31 + i) & 0xff up to a
 * length of 8 + (n * 7919) % (SIZE - 7). The receiver checks each one's number, length and
 * bytes. Exit 0 when COUNT messages went through intact; 2 bad usage; 3 shm failure; 4 a
 * damaged or missing message; 5 no progress for 10 s. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0x5a495043

struct ring {
    unsigned char* base;
    uint32_t slots;
    uint32_t size;
};

static _Atomic uint32_t* head_of(const struct ring* r) {
    return (_Atomic uint32_t*)(r->base);
}
static _Atomic uint32_t* tail_of(const struct ring* r) {
    return (_Atomic uint32_t*)(r->base + 64);
}
static uint64_t* length_of(const struct ring* r, uint32_t i) {
    return (uint64_t*)(r->base + 128 + 8 * (size_t)i);
}
static unsigned char* slot_of(const struct ring* r, uint32_t i) {
    return r->base + 128 + 8 * (size_t)r->slots + (size_t)i * r->size;
}
static _Atomic int32_t* flag_of(const struct ring* r) {
    return (_Atomic int32_t*)(r->base + 128 + 8 * (size_t)r->slots + (size_t)r->slots * r->size);
}

static uint64_t length_for(uint64_t n, uint32_t size) {
    return 8 + (n * 7919) % (size - 7);
}

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int attach(struct ring* r, const char* name) {
    const size_t total = 128 + 8 * (size_t)r->slots + (size_t)r->slots * r->size + 4 + 128;
    const int fd = shm_open(name, O_CREAT | O_RDWR, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)total) != 0) {
        return -1;
    }
    r->base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (r->base == MAP_FAILED) {
        return -1;
    }
    if (atomic_load_explicit(flag_of(r), memory_order_acquire) != MAGIC) {
        atomic_store_explicit(head_of(r), 0, memory_order_relaxed);
        atomic_store_explicit(tail_of(r), 0, memory_order_relaxed);
        atomic_store_explicit(flag_of(r), MAGIC, memory_order_release);
    }
    return 0;
}

static int send_all(const struct ring* r, uint64_t count) {
    uint64_t last_progress = now_ms();
    for (uint64_t n = 0; n < count;) {
        const uint32_t tail = atomic_load_explicit(tail_of(r), memory_order_relaxed);
        const uint32_t head = atomic_load_explicit(head_of(r), memory_order_acquire);
        if ((tail + 1) % r->slots == head) {
            if (now_ms() - last_progress > 10000) {
                return 5;
            }
            sched_yield();
            continue;
        }
        unsigned char* p = slot_of(r, tail);
        const uint64_t len = length_for(n, r->size);
        memcpy(p, &n, 8);
        for (uint64_t i = 8; i < len; ++i) {
            p[i] = (unsigned char)((n * 31 + i) & 0xff);
        }
        *length_of(r, tail) = len;
        atomic_store_explicit(tail_of(r), (tail + 1) % r->slots, memory_order_release);
        syscall(SYS_futex, tail_of(r), FUTEX_WAKE, 1, NULL, NULL, 0);
        ++n;
        last_progress = now_ms();
    }
    return 0;
}

static int receive_all(const struct ring* r, uint64_t count) {
    uint64_t last_progress = now_ms();
    for (uint64_t n = 0; n < count;) {
        const uint32_t head = atomic_load_explicit(head_of(r), memory_order_relaxed);
        const uint32_t tail = atomic_load_explicit(tail_of(r), memory_order_acquire);
        if (tail == head) {
            if (now_ms() - last_progress > 10000) {
                return 5;
            }
            const struct timespec wait = {0, 100 * 1000 * 1000};
            syscall(SYS_futex, tail_of(r), FUTEX_WAIT, tail, &wait, NULL, 0);
            continue;
        }
        const uint64_t len = *length_of(r, head);
        const unsigned char* p = slot_of(r, head);
        uint64_t seq = 0;
        int ok = len == length_for(n, r->size);
        if (ok) {
            memcpy(&seq, p, 8);
            ok = seq == n;
            for (uint64_t i = 8; ok && i < len; ++i) {
                ok = p[i] == (unsigned char)((n * 31 + i) & 0xff);
            }
        }
        if (!ok) {
            fprintf(stderr, "zipc_reference: message %llu damaged\n", (unsigned long long)n);
            return 4;
        }
        atomic_store_explicit(head_of(r), (head + 1) % r->slots, memory_order_release);
        ++n;
        last_progress = now_ms();
    }
    return 0;
}

int main(int argc, char** argv) {
    if (argc != 6 || (strcmp(argv[1], "send") != 0 && strcmp(argv[1], "receive") != 0)) {
        fputs("usage: zipc_reference send|receive NAME SLOTS SIZE COUNT\n", stderr);
        return 2;
    }
    struct ring r = {NULL, (uint32_t)strtoul(argv[3], NULL, 10),
                     (uint32_t)strtoul(argv[4], NULL, 10)};
    const uint64_t count = strtoull(argv[5], NULL, 10);
    if (r.slots < 2 || r.size < 8 || attach(&r, argv[2]) != 0) {
        fputs("zipc_reference: cannot attach\n", stderr);
        return 3;
    }
    return strcmp(argv[1], "send") == 0 ? send_all(&r, count) : receive_all(&r, count);
}
