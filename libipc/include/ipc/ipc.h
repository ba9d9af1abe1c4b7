/* libipc's C API: every channel behind opaque handles and ipc_ functions, usable from C11 and
 * C++ (and so from Go, Rust, Zig and Python through their C FFIs).
 *
 * Every function that can fail returns an ipc_status: IPC_OK, or why not. The failure's message
 * (what was being done, the errno, the value concerned) is kept per thread until that thread's
 * next failing call: ipc_last_error(). No C++ exception crosses this boundary: an allocation
 * that fails gives IPC_OUT_OF_MEMORY, anything else unexpected IPC_SYSTEM.
 *
 * Handles are made by an _open/_listen/_spawn/_connect function and ended by the matching
 * _close, which also frees them (NULL is accepted and ignored). A handle is used by one thread
 * at a time unless its function says otherwise.
 *
 * Timeouts are in nanoseconds: 0 tries once without waiting, IPC_FOREVER waits without end.
 * Configurations are zero-initialised structs: a field left 0 takes libipc's default; pass
 * NULL for all defaults. Their enumerated fields are ints (enum types from a C caller may hold
 * any value; one that is none of the enumeration's is refused with IPC_INVALID_ARGUMENT).
 *
 * Link: -lipc -lsystemd -lstdc++ -lpthread (libipc is a static C++ library); pkg-config ipc
 * gives these; with CMake, find_package(ipc) and a project that enables CXX for the link. */
#ifndef IPC_IPC_H
#define IPC_IPC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The same codes, in the same order, as ipc::errc (ipc/error.hpp). */
typedef enum ipc_status {
    IPC_OK = 0,
    IPC_INVALID_ARGUMENT = 1, /* a value out of range, or a NULL that may not be */
    IPC_BAD_NAME = 2,
    IPC_NOT_FOUND = 3,
    IPC_ALREADY_EXISTS = 4,
    IPC_PERMISSION_DENIED = 5,
    IPC_WRONG_KIND = 6,
    IPC_VERSION_MISMATCH = 7,
    IPC_GEOMETRY_MISMATCH = 8,
    IPC_CORRUPT = 9,
    IPC_MESSAGE_TOO_LARGE = 10,
    IPC_QUEUE_FULL = 11, /* refused now, counted dropped */
    IPC_EMPTY = 12,      /* nothing to receive now */
    IPC_TIMEOUT = 13,
    IPC_PEER_GONE = 14,
    IPC_BUSY = 15,
    IPC_NOT_READY = 16,
    IPC_CLOSED = 17,
    IPC_TABLE_FULL = 18,
    IPC_SYSTEM = 19,
    IPC_HANDLER_FAILED = 20,
    IPC_PEER_CLOSED = 21,
    IPC_OUT_OF_MEMORY = 100
} ipc_status;

#define IPC_FOREVER INT64_MAX

/* The last failure of this thread: its status, and its message ("" when none yet). The
 * message stays valid until this thread's next call into the API. */
ipc_status ipc_last_status(void);
const char* ipc_last_error(void);
/* A status's fixed name ("queue_full"); "unknown" for a value that is none. (An int, not an
 * ipc_status: a value outside the enumeration is not one in C++.) */
const char* ipc_status_name(int status);
/* Frees what the API allocated for the caller (ipc_inspect_snapshot_json's text). */
void ipc_free(void* memory);

typedef enum ipc_wait {
    IPC_WAIT_ADAPTIVE = 0, /* spin, yield, then sleep: the default */
    IPC_WAIT_BUSY_SPIN = 1,
    IPC_WAIT_BLOCKING = 2
} ipc_wait;

/* Configuration flags. */
#define IPC_NO_TELEMETRY 1u /* keep no counters visible to ipcstat and the monitor */

/* ---- ring: one writer, one reader, in named shared memory ---- */
typedef struct ipc_ring_config {
    uint32_t max_message; /* 0: 64 KiB */
    uint64_t capacity;    /* bytes of the ring; 0: from max_message */
    int wait;             /* an ipc_wait */
    unsigned flags;
} ipc_ring_config;

typedef struct ipc_ring_writer ipc_ring_writer;
typedef struct ipc_ring_reader ipc_ring_reader;

ipc_status ipc_ring_writer_open(const char* name, const ipc_ring_config* config,
                                ipc_ring_writer** writer);
/* IPC_QUEUE_FULL (try) or IPC_TIMEOUT when no room came, IPC_MESSAGE_TOO_LARGE, IPC_PEER_GONE,
 * IPC_PEER_CLOSED: each refusal counted dropped. */
ipc_status ipc_ring_send(ipc_ring_writer* writer, const void* data, size_t size,
                         int64_t timeout_ns);
void ipc_ring_writer_close(ipc_ring_writer* writer);

ipc_status ipc_ring_reader_open(const char* name, const ipc_ring_config* config,
                                ipc_ring_reader** reader);
/* Copies the next message into `buffer` and its length into *size. IPC_EMPTY (try) or
 * IPC_TIMEOUT, IPC_PEER_GONE or IPC_PEER_CLOSED once the writer is gone and all it sent was
 * read; IPC_INVALID_ARGUMENT when `capacity` is too small (the message stays, *size says how
 * large it is). */
ipc_status ipc_ring_receive(ipc_ring_reader* reader, void* buffer, size_t capacity, size_t* size,
                            int64_t timeout_ns);
void ipc_ring_reader_close(ipc_ring_reader* reader);

/* ---- slots: calls from a host to guest workers ---- */
typedef struct ipc_slots_config {
    uint32_t slots;             /* 0: 4 */
    uint32_t request_capacity;  /* 0: 4096 */
    uint32_t response_capacity; /* 0: 4096 */
    int wait;                   /* an ipc_wait */
    unsigned flags;
} ipc_slots_config;

typedef struct ipc_guest_config {
    uint32_t max_slots;       /* 0: every slot no live guest serves */
    uint32_t workers;         /* 0: one per slot */
    uint32_t host_timeout_ms; /* how long open waits for the host; 0: 2000 */
    int wait;                 /* an ipc_wait */
    unsigned flags;
} ipc_guest_config;

typedef struct ipc_slots_host ipc_slots_host;
typedef struct ipc_slots_guest ipc_slots_guest;

/* A guest's handler: reads the request, writes at most response_capacity bytes, stores their
 * number in *response_size and returns 0; any other return fails the call (the host gets
 * IPC_HANDLER_FAILED). Workers call it concurrently. */
typedef int (*ipc_call_handler)(void* context, const void* request, size_t request_size,
                                void* response, size_t response_capacity, size_t* response_size);

ipc_status ipc_slots_host_open(const char* name, const ipc_slots_config* config,
                               ipc_slots_host** host);
/* Any free slot; several threads may call at once. IPC_MESSAGE_TOO_LARGE, IPC_TIMEOUT,
 * IPC_PEER_GONE, IPC_HANDLER_FAILED, IPC_INVALID_ARGUMENT (response buffer too small). */
ipc_status ipc_slots_call(ipc_slots_host* host, const void* request, size_t request_size,
                          void* response, size_t response_capacity, size_t* response_size,
                          int64_t timeout_ns);
/* Tells the guests to stop and removes the segment. */
void ipc_slots_host_close(ipc_slots_host* host);

ipc_status ipc_slots_guest_open(const char* name, const ipc_guest_config* config,
                                ipc_slots_guest** guest);
/* Runs the workers until the host closes or ipc_slots_guest_stop (IPC_OK), or the host dies
 * (IPC_PEER_GONE). A guest serves once. */
ipc_status ipc_slots_guest_serve(ipc_slots_guest* guest, ipc_call_handler handler, void* context);
/* Makes serve return; safe from any thread. */
void ipc_slots_guest_stop(ipc_slots_guest* guest);
void ipc_slots_guest_close(ipc_slots_guest* guest);

/* ---- channels: a two-way pair of rings ---- */
/* A duplex parent or child, or either side of a broker connection: messages to the peer and
 * from it. */
typedef struct ipc_channel ipc_channel;

/* Each direction's ring is configured as an ipc_ring_config (a duplex child takes its parent's
 * sizes: only its wait and flags count). */

/* Starts `program` (a path, not searched) with argv (argv[0] included, NULL-terminated) and a
 * channel to it, which the child takes with ipc_duplex_inherit. */
ipc_status ipc_duplex_spawn(const char* program, const char* const* argv,
                            const ipc_ring_config* config, ipc_channel** channel);
/* In a child started so: its channel to the parent. IPC_NOT_FOUND when it was not. */
ipc_status ipc_duplex_inherit(const ipc_ring_config* config, ipc_channel** channel);

typedef struct ipc_broker ipc_broker;
/* Listens for clients of the broker `name` (unrelated processes of this user). */
ipc_status ipc_broker_listen(const char* name, const ipc_ring_config* config, ipc_broker** broker);
/* The next client's channel, waiting up to timeout_ns; IPC_TIMEOUT when none came. */
ipc_status ipc_broker_accept(ipc_broker* broker, int64_t timeout_ns, ipc_channel** channel);
void ipc_broker_close(ipc_broker* broker);
/* A channel to the broker `name`, within timeout_ns. IPC_NOT_FOUND when nobody listens. */
ipc_status ipc_broker_connect(const char* name, const ipc_ring_config* config, int64_t timeout_ns,
                              ipc_channel** channel);

/* As ipc_ring_send and ipc_ring_receive, towards the peer and from it. */
ipc_status ipc_channel_send(ipc_channel* channel, const void* data, size_t size,
                            int64_t timeout_ns);
ipc_status ipc_channel_receive(ipc_channel* channel, void* buffer, size_t capacity, size_t* size,
                               int64_t timeout_ns);
/* Closes both directions (the peer reads what was sent, then IPC_PEER_CLOSED) and frees the
 * handle. For a duplex parent: waits for the child (killing it after 2 s) and stores its exit
 * code in *exit_code (128 + the signal when one killed it) unless exit_code is NULL. */
void ipc_channel_close(ipc_channel* channel, int* exit_code);

/* ---- stream: messages over a Unix socket, reconnecting ---- */
typedef struct ipc_stream_writer ipc_stream_writer;
typedef struct ipc_stream_reader ipc_stream_reader;

typedef struct ipc_stream_config {
    uint64_t max_message;        /* 0: 10 MiB */
    uint64_t max_queue_messages; /* writer; 0: 10000 */
    uint64_t max_queue_bytes;    /* writer; 0: 16 MiB */
    unsigned flags;
} ipc_stream_config;

/* The writer queues and a thread of its own sends, connecting (and reconnecting) to `path`. */
ipc_status ipc_stream_writer_open(const char* path, const ipc_stream_config* config,
                                  ipc_stream_writer** writer);
/* Queues the message: IPC_QUEUE_FULL (try) or IPC_TIMEOUT when no room came,
 * IPC_MESSAGE_TOO_LARGE; each refusal counted dropped. Any thread may call it. */
ipc_status ipc_stream_send(ipc_stream_writer* writer, const void* data, size_t size,
                           int64_t timeout_ns);
/* Waits until everything queued was sent: IPC_TIMEOUT otherwise. */
ipc_status ipc_stream_flush(ipc_stream_writer* writer, int64_t timeout_ns);
/* Sends what is queued for up to timeout_ns, then stops; what was left unsent is stored in
 * *unsent (unless NULL) and counted failed. Frees the handle. */
void ipc_stream_writer_close(ipc_stream_writer* writer, int64_t timeout_ns, uint64_t* unsent);

/* A message as the reader hands it over: return 0, or anything else to count it failed. */
typedef int (*ipc_message_handler)(void* context, const void* message, size_t size,
                                   uint64_t connection, int32_t peer_pid);

ipc_status ipc_stream_reader_listen(const char* path, const ipc_stream_config* config,
                                    ipc_stream_reader** reader);
/* Serves for up to timeout_ns, calling `handler` for each message (in order per connection);
 * the number handled goes to *handled unless it is NULL. */
ipc_status ipc_stream_poll(ipc_stream_reader* reader, int64_t timeout_ns,
                           ipc_message_handler handler, void* context, size_t* handled);
/* Stops listening and hands `handler` (unless NULL) every whole message already written. */
void ipc_stream_reader_close(ipc_stream_reader* reader, ipc_message_handler handler, void* context);

/* ---- inspect: what ipcstat and the monitor see ---- */
/* Every libipc process, endpoint and channel on this host (and other programs' ZIPC and
 * SimpleIPC objects) as one JSON document (docs/SNAPSHOT.md), in *json, NUL-terminated; free
 * it with ipc_free. shm_dir: NULL for the default. */
ipc_status ipc_inspect_snapshot_json(const char* shm_dir, char** json);

/* ---- telemetry ---- */
/* Removes this process's telemetry segment (its endpoints' counters, as the monitor reads them)
 * now. It is removed by an atexit handler at a normal exit; a runtime whose exit skips atexit
 * handlers (Go's, which never calls exit(3)), and _exit, would leave it behind as stale: call
 * this last, after closing every endpoint (in Go: `defer C.ipc_telemetry_remove()` first in
 * main). */
void ipc_telemetry_remove(void);

#ifdef __cplusplus
}
#endif

#endif
