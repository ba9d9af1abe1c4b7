/* A SimpleIPC peer written from ../shared/specs/simpleipc.md alone, in C11 with raw atomics,
 * shm_open/mmap, POSIX named semaphores and pthreads, and no libipc code, for the interop tests:
 *   simpleipc_reference host  NAME SLOTS SLOTSIZE COUNT
 *   simpleipc_reference guest NAME [STALL_AFTER [MARKER]]
 * NAME has no leading slash: the segment is "/NAME", the semaphores "/NAME_slot_<i>" and
 * "/NAME_slot_<i>_resp"; nothing is ever unlinked. The host sends one HEARTBEAT_REQ per slot,
 * COUNT NORMAL calls from one thread per slot (call n on slot n % SLOTS), then SHUTDOWN on each
 * slot. Request n is n as 8 little-endian bytes, then bytes (n * 31 + i) & 0xff up to a length
 * of 8 + (n * 7919) % (half - 7), end-aligned (negative reqSize) when n % 3 == 1. The guest
 * checks it and answers every byte + 1, end-aligned when n % 4 == 2; the host checks that. The
 * guest prints "served N" once every worker got SHUTDOWN; with STALL_AFTER, the first NORMAL
 * request arriving after STALL_AFTER answers is never answered, and the file MARKER (when given)
 * is made once that request is taken, for a test to know the call is under way.
 * Exit 0 ok; 2 bad usage; 3 shm or semaphore failure; 4 a damaged message; 5 no progress for
 * 10 s (host); 6 the segment /dev/shm/NAME disappeared (guest). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { FREE = 0, REQ_READY = 1, RESP_READY = 2, DONE = 3, BUSY = 4 };
enum { NORMAL = 0, HEARTBEAT_REQ = 1, HEARTBEAT_RESP = 2, SHUTDOWN = 3 };
enum { ACTIVE = 0, WAITING = 1 };

/* Slot header (128 bytes), then slotSize payload bytes: the request at 0, the response at half.
 * A negative size -n means the n bytes end at the end of their half. */
struct slot {
    unsigned char pad[64];
    _Atomic uint32_t state;
    int32_t req_size;
    int32_t resp_size;
    uint32_t msg_id;
    _Atomic uint32_t host_state;
    _Atomic uint32_t guest_state;
    unsigned char pad2[40];
    unsigned char payload[];
};
_Static_assert(offsetof(struct slot, guest_state) == 84 && sizeof(struct slot) == 128, "layout");

static struct {
    char name[256];
    unsigned char* base;
    uint32_t slots;
    uint32_t slot_size;
    uint32_t half;
    sem_t* (*sems)[2]; /* per slot: request ready, response ready */
} ex;

static uint64_t host_count;
static long long stall_after = -1;
static const char* stall_marker = NULL;
static atomic_ullong served;
static atomic_int stalled;

static void fail(int code, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("simpleipc_reference: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(code);
}

static struct slot* slot_of(uint32_t i) {
    return (struct slot*)(ex.base + 64 + (size_t)i * (128 + ex.slot_size));
}

static uint32_t length_for(uint64_t n) {
    return (uint32_t)(8 + (n * 7919) % (ex.half - 7));
}

/* Byte j of request n. */
static unsigned char byte_for(uint64_t n, uint32_t j) {
    return (unsigned char)(j < 8 ? n >> (8 * j) : n * 31 + j);
}

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int segment_gone(void) {
    char path[300];
    struct stat st;
    snprintf(path, sizeof path, "/dev/shm/%s", ex.name);
    return stat(path, &st) != 0 && errno == ENOENT;
}

/* Waits on sem for at most 100 ms; returns nonzero when the slice ran out. */
static int wait_slice(sem_t* sem) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 100 * 1000 * 1000;
    ts.tv_sec += ts.tv_nsec / 1000000000;
    ts.tv_nsec %= 1000000000;
    int rc;
    while ((rc = sem_timedwait(sem, &ts)) != 0 && errno == EINTR) {
    }
    return rc != 0;
}

/* Waits until slot i is in state `want`: spins, then stores WAITING in `mine`, re-checks and
 * sleeps on sem in 100 ms slices. The other side stores the state, then posts only if it sees
 * WAITING (seq_cst on both, so one of the two sees the other). A wake is only a hint. The host
 * gives up after 10 s (exit 5); the guest waits forever unless the segment disappears (exit 6). */
static void await_state(uint32_t i, uint32_t want, int host) {
    struct slot* s = slot_of(i);
    _Atomic uint32_t* mine = host ? &s->host_state : &s->guest_state;
    for (int k = 0; k < 1000; ++k) {
        if (atomic_load(&s->state) == want) {
            return;
        }
    }
    atomic_store(mine, WAITING);
    const uint64_t start = now_ms();
    while (atomic_load(&s->state) != want) {
        const int timed_out = wait_slice(ex.sems[i][host]);
        if (host && now_ms() - start > 10000) {
            fail(5, "slot %u: no state %u for 10 s", i, want);
        }
        /* The state again once the segment is gone: a host posts before it unlinks. */
        if (!host && timed_out && segment_gone() && atomic_load(&s->state) != want) {
            fail(6, "segment /dev/shm/%s is gone", ex.name);
        }
    }
    atomic_store(mine, ACTIVE);
}

static void claim(uint32_t i) {
    const uint64_t start = now_ms();
    uint32_t expected = FREE;
    while (!atomic_compare_exchange_strong(&slot_of(i)->state, &expected, BUSY)) {
        if (now_ms() - start > 10000) {
            fail(5, "slot %u: not free for 10 s (state %u)", i, expected);
        }
        expected = FREE;
        sched_yield();
    }
}

static void submit(uint32_t i, uint32_t msg_id, int32_t size) {
    struct slot* s = slot_of(i);
    s->req_size = size;
    s->msg_id = msg_id;
    atomic_store(&s->state, REQ_READY);
    if (atomic_load(&s->guest_state) == WAITING) {
        sem_post(ex.sems[i][0]);
    }
}

static void host_heartbeat(uint32_t i) {
    struct slot* s = slot_of(i);
    claim(i);
    submit(i, HEARTBEAT_REQ, 0);
    await_state(i, RESP_READY, 1);
    if (s->msg_id != HEARTBEAT_RESP || s->resp_size != 0) {
        fail(4, "slot %u: bad heartbeat answer (msgId %u, size %d)", i, s->msg_id, s->resp_size);
    }
    atomic_store(&s->state, FREE);
}

static void host_call(uint32_t i, uint64_t n) {
    struct slot* s = slot_of(i);
    const uint32_t len = length_for(n);
    const int end = n % 3 == 1;
    claim(i);
    unsigned char* req = s->payload + (end ? ex.half - len : 0);
    for (uint32_t j = 0; j < len; ++j) {
        req[j] = byte_for(n, j);
    }
    submit(i, NORMAL, end ? -(int32_t)len : (int32_t)len);
    await_state(i, RESP_READY, 1);
    const int32_t size = s->resp_size;
    if ((size < 0 ? -(int64_t)size : size) != len) {
        fail(4, "call %llu: response size %d, want %u", (unsigned long long)n, size, len);
    }
    const unsigned char* resp = s->payload + (size < 0 ? 2 * ex.half - len : ex.half);
    for (uint32_t j = 0; j < len; ++j) {
        if (resp[j] != (unsigned char)(byte_for(n, j) + 1)) {
            fail(4, "call %llu: response byte %u damaged", (unsigned long long)n, j);
        }
    }
    atomic_store(&s->state, FREE);
}

static void* host_worker(void* arg) {
    const uint32_t i = (uint32_t)(uintptr_t)arg;
    host_heartbeat(i);
    for (uint64_t n = i; n < host_count; n += ex.slots) {
        host_call(i, n);
    }
    return NULL;
}

/* Answers the NORMAL request in slot i: every byte + 1, same length. */
static void guest_answer(uint32_t i) {
    struct slot* s = slot_of(i);
    const int32_t size = s->req_size;
    const int64_t len = size < 0 ? -(int64_t)size : size;
    if (len > ex.half) {
        fail(4, "slot %u: request size %d exceeds %u", i, size, ex.half);
    }
    const unsigned char* req = s->payload + (size < 0 ? ex.half - len : 0);
    int end = 0;
    if (len >= 8) {
        uint64_t n = 0;
        for (int k = 7; k >= 0; --k) {
            n = n << 8 | req[k];
        }
        int ok = len == length_for(n);
        for (uint32_t j = 8; ok && j < len; ++j) {
            ok = req[j] == byte_for(n, j);
        }
        if (!ok) {
            fail(4, "slot %u: request %llu (size %d) damaged", i, (unsigned long long)n, size);
        }
        end = n % 4 == 2;
    }
    unsigned char* resp = s->payload + (end ? 2 * ex.half - len : ex.half);
    for (int64_t j = 0; j < len; ++j) {
        resp[j] = (unsigned char)(req[j] + 1);
    }
    s->resp_size = (int32_t)(end ? -len : len);
}

static void* guest_worker(void* arg) {
    const uint32_t i = (uint32_t)(uintptr_t)arg;
    struct slot* s = slot_of(i);
    for (;;) {
        await_state(i, REQ_READY, 0);
        const uint32_t msg_id = s->msg_id;
        if (msg_id == SHUTDOWN) {
            return NULL;
        }
        if (msg_id == HEARTBEAT_REQ) {
            s->resp_size = 0;
            s->msg_id = HEARTBEAT_RESP;
        } else {
            if (stall_after >= 0 && atomic_load(&served) >= (unsigned long long)stall_after &&
                !atomic_exchange(&stalled, 1)) {
                if (stall_marker != NULL) {
                    const int fd = open(stall_marker, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
                    if (fd >= 0) {
                        close(fd);
                    }
                }
                while (!segment_gone()) { /* never answer; leave once the test is over */
                    usleep(100 * 1000);
                }
                fail(6, "segment /dev/shm/%s is gone", ex.name);
            }
            guest_answer(i);
        }
        atomic_store(&s->state, RESP_READY);
        if (atomic_load(&s->host_state) == WAITING) {
            sem_post(ex.sems[i][1]);
        }
        if (msg_id != HEARTBEAT_REQ) {
            atomic_fetch_add(&served, 1);
        }
    }
}

/* The host recreates each semaphore at 0; the guest opens it, retrying for up to 10 s. */
static void open_semaphores(int create) {
    if ((ex.sems = calloc(ex.slots, sizeof *ex.sems)) == NULL) {
        fail(3, "out of memory");
    }
    for (uint32_t i = 0; i < ex.slots; ++i) {
        for (int k = 0; k < 2; ++k) {
            sem_t** sem = &ex.sems[i][k];
            char name[300];
            snprintf(name, sizeof name, "/%s_slot_%u%s", ex.name, i, k ? "_resp" : "");
            const uint64_t start = now_ms();
            if (create) {
                sem_unlink(name);
                *sem = sem_open(name, O_CREAT, 0600, 0);
            }
            while (!create && (*sem = sem_open(name, 0)) == SEM_FAILED &&
                   now_ms() - start < 10000) {
                usleep(10 * 1000);
            }
            if (*sem == SEM_FAILED) {
                fail(3, "sem_open %s: %s", name, strerror(errno));
            }
        }
    }
}

static void run_threads(void* (*worker)(void*)) {
    static pthread_t threads[1024];
    for (uint32_t i = 0; i < ex.slots; ++i) {
        if (pthread_create(&threads[i], NULL, worker, (void*)(uintptr_t)i) != 0) {
            fail(3, "pthread_create failed");
        }
    }
    for (uint32_t i = 0; i < ex.slots; ++i) {
        pthread_join(threads[i], NULL);
    }
}

static int run_host(void) {
    open_semaphores(1);
    char shm_name[300];
    snprintf(shm_name, sizeof shm_name, "/%s", ex.name);
    const size_t total = 64 + (size_t)ex.slots * (128 + ex.slot_size);
    const int fd = shm_open(shm_name, O_CREAT | O_RDWR, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)total) != 0) {
        fail(3, "shm %s: %s", shm_name, strerror(errno));
    }
    ex.base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (ex.base == MAP_FAILED) {
        fail(3, "mmap: %s", strerror(errno));
    }
    memset(ex.base, 0, total);
    const uint32_t header[3] = {ex.slot_size, 0, ex.half}; /* slotSize, reqOffset, respOffset */
    memcpy(ex.base + 4, header, sizeof header);
    atomic_store((_Atomic uint32_t*)ex.base, ex.slots); /* numSlots last: the header is ready */
    run_threads(host_worker);
    for (uint32_t i = 0; i < ex.slots; ++i) {
        claim(i);
        submit(i, SHUTDOWN, 0);
    }
    return 0;
}

/* Maps "/NAME" once it has a nonzero header and its full size, waiting up to 10 s. */
static void guest_attach(void) {
    char shm_name[300];
    snprintf(shm_name, sizeof shm_name, "/%s", ex.name);
    for (const uint64_t start = now_ms();; usleep(10 * 1000)) {
        if (now_ms() - start > 10000) {
            fail(3, "no ready segment %s after 10 s", shm_name);
        }
        const int fd = shm_open(shm_name, O_RDWR, 0);
        if (fd < 0) {
            continue;
        }
        struct stat st;
        if (fstat(fd, &st) != 0 || st.st_size < 64) {
            close(fd);
            continue;
        }
        unsigned char* base =
            mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        close(fd);
        if (base == MAP_FAILED) {
            fail(3, "mmap: %s", strerror(errno));
        }
        const uint32_t slots = atomic_load((_Atomic uint32_t*)base);
        const uint32_t slot_size = atomic_load((_Atomic uint32_t*)(base + 4));
        if (slots == 0 || slot_size == 0 ||
            (uint64_t)st.st_size < 64 + (uint64_t)slots * (128 + (uint64_t)slot_size)) {
            munmap(base, (size_t)st.st_size);
            continue;
        }
        if (slots > 1024 || slot_size < 128 || slot_size % 4 != 0) {
            fail(3, "bad header: numSlots %u, slotSize %u", slots, slot_size);
        }
        ex.base = base;
        ex.slots = slots;
        ex.slot_size = slot_size;
        return;
    }
}

static int parse_u64(const char* s, uint64_t* out) {
    char* end = NULL;
    if (*s < '0' || *s > '9') {
        return -1;
    }
    errno = 0;
    *out = strtoull(s, &end, 10);
    return errno != 0 || *end != '\0' ? -1 : 0;
}

static int usage(void) {
    fputs(
        "usage: simpleipc_reference host NAME SLOTS SLOTSIZE COUNT\n"
        "       simpleipc_reference guest NAME [STALL_AFTER [MARKER]]\n",
        stderr);
    return 2;
}

int main(int argc, char** argv) {
    if (argc < 3 || strlen(argv[2]) == 0 || strlen(argv[2]) > 200 || strchr(argv[2], '/')) {
        return usage();
    }
    snprintf(ex.name, sizeof ex.name, "%s", argv[2]);
    uint64_t a = 0, b = 0;
    const int host = strcmp(argv[1], "host") == 0;
    if (host && argc == 6) {
        if (parse_u64(argv[3], &a) || parse_u64(argv[4], &b) || parse_u64(argv[5], &host_count) ||
            a < 1 || a > 256 || b < 128 || b > (1u << 30) || b % 4 != 0) {
            return usage();
        }
        ex.slots = (uint32_t)a;
        ex.slot_size = (uint32_t)b;
    } else if (strcmp(argv[1], "guest") == 0 && argc >= 3 && argc <= 5) {
        if (argc >= 4 && (parse_u64(argv[3], &a) || a > INT64_MAX)) {
            return usage();
        }
        stall_after = argc >= 4 ? (long long)a : -1;
        stall_marker = argc == 5 ? argv[4] : NULL;
        guest_attach();
    } else {
        return usage();
    }
    /* half = floor(slotSize / 2 / 64) * 64, at least 64 */
    ex.half = ex.slot_size / 2 / 64 * 64 < 64 ? 64 : ex.slot_size / 2 / 64 * 64;
    if (host) {
        return run_host();
    }
    open_semaphores(0);
    run_threads(guest_worker);
    printf("served %llu\n", (unsigned long long)atomic_load(&served));
    return 0;
}
