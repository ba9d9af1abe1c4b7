/* Every function of libipc's C API (ipc/ipc.h) called from C11, with each error it documents:
 * rings, slots with a C handler, a duplex child (this program again), a broker with a client
 * thread, a stream, and the inspect snapshot. Exit 0 when every check held; the first failed
 * check is printed with the API's own message.
 *   ipc_capi_test               the checks
 *   ipc_capi_test duplex-child  the duplex child: echoes until the parent closes, exits 7 */
#include <ipc/ipc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures = 0;

#define CHECK(condition)                                                                           \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            fprintf(stderr, "%s:%d: %s failed (last error: %s)\n", __FILE__, __LINE__, #condition, \
                    ipc_last_error());                                                             \
            ++failures;                                                                            \
        }                                                                                          \
    } while (0)

#define MS(n) ((int64_t)(n)*1000000)

static char names[4][64];

static void make_names(void) {
    const int pid = (int)getpid();
    snprintf(names[0], sizeof names[0], "capi-ring-%d", pid);
    snprintf(names[1], sizeof names[1], "capi-slots-%d", pid);
    snprintf(names[2], sizeof names[2], "capi-broker-%d", pid);
    /* The reader makes its directory (0750): /tmp itself is everybody's. */
    snprintf(names[3], sizeof names[3], "/tmp/capi-stream-%d/s.sock", pid);
}

static void errors(void) {
    CHECK(strcmp(ipc_status_name(IPC_QUEUE_FULL), "queue_full") == 0);
    CHECK(strcmp(ipc_status_name(IPC_OUT_OF_MEMORY), "out_of_memory") == 0);
    CHECK(strcmp(ipc_status_name((ipc_status)999), "unknown") == 0);
    ipc_ring_writer* w = NULL;
    CHECK(ipc_ring_writer_open(NULL, NULL, &w) == IPC_INVALID_ARGUMENT);
    CHECK(ipc_last_status() == IPC_INVALID_ARGUMENT);
    CHECK(strstr(ipc_last_error(), "invalid_argument") != NULL);
    CHECK(ipc_ring_writer_open("a/b", NULL, &w) == IPC_BAD_NAME);
    CHECK(strlen(ipc_last_error()) > 0);
    ipc_ring_config bad = {0};
    bad.flags = 0x80;
    CHECK(ipc_ring_writer_open(names[0], &bad, &w) == IPC_INVALID_ARGUMENT);
    bad.flags = 0;
    bad.wait = (ipc_wait)7;
    CHECK(ipc_ring_writer_open(names[0], &bad, &w) == IPC_INVALID_ARGUMENT);
    CHECK(ipc_ring_send(NULL, "x", 1, 0) == IPC_INVALID_ARGUMENT);
    CHECK(ipc_ring_receive(NULL, NULL, 0, NULL, 0) == IPC_INVALID_ARGUMENT);
    CHECK(ipc_inspect_snapshot_json(NULL, NULL) == IPC_INVALID_ARGUMENT);
    ipc_ring_writer_close(NULL);
    ipc_ring_reader_close(NULL);
    ipc_slots_host_close(NULL);
    ipc_slots_guest_close(NULL);
    ipc_slots_guest_stop(NULL);
    ipc_channel_close(NULL, NULL);
    ipc_broker_close(NULL);
    ipc_stream_writer_close(NULL, 0, NULL);
    ipc_stream_reader_close(NULL, NULL, NULL);
    ipc_free(NULL);
}

static void rings(void) {
    ipc_ring_config config = {0};
    config.max_message = 64;
    config.capacity = 1024;
    ipc_ring_writer* w = NULL;
    ipc_ring_reader* r = NULL;
    CHECK(ipc_ring_writer_open(names[0], &config, &w) == IPC_OK);
    CHECK(ipc_ring_reader_open(names[0], &config, &r) == IPC_OK);
    if (w == NULL || r == NULL) {
        return;
    }
    char buffer[64];
    size_t size = 0;
    CHECK(ipc_ring_receive(r, buffer, sizeof buffer, &size, 0) == IPC_EMPTY);
    CHECK(ipc_ring_receive(r, buffer, sizeof buffer, &size, MS(1)) == IPC_TIMEOUT);
    CHECK(ipc_ring_send(w, "hello", 5, 0) == IPC_OK);
    CHECK(ipc_ring_receive(r, buffer, 2, &size, 0) == IPC_INVALID_ARGUMENT);
    CHECK(size == 5);
    CHECK(ipc_ring_receive(r, buffer, sizeof buffer, &size, IPC_FOREVER) == IPC_OK);
    CHECK(size == 5 && memcmp(buffer, "hello", 5) == 0);
    char big[65] = {0};
    CHECK(ipc_ring_send(w, big, sizeof big, 0) == IPC_MESSAGE_TOO_LARGE);
    CHECK(ipc_ring_send(w, NULL, 3, 0) == IPC_INVALID_ARGUMENT);
    ipc_status s = IPC_OK;
    int sent = 0;
    while (s == IPC_OK && sent < 1000) {
        s = ipc_ring_send(w, big, 64, 0);
        sent += s == IPC_OK ? 1 : 0;
    }
    CHECK(s == IPC_QUEUE_FULL);
    CHECK(ipc_ring_send(w, big, 64, MS(1)) == IPC_TIMEOUT);
    ipc_ring_writer_close(w);
    for (int i = 0; i < sent; ++i) {
        CHECK(ipc_ring_receive(r, buffer, sizeof buffer, &size, 0) == IPC_OK);
    }
    CHECK(ipc_ring_receive(r, buffer, sizeof buffer, &size, MS(1000)) == IPC_PEER_CLOSED);
    ipc_ring_reader_close(r);
}

/* Upper-cases the request; "fail" fails. */
static int upper(void* context, const void* request, size_t request_size, void* response,
                 size_t response_capacity, size_t* response_size) {
    int* calls = context;
    __atomic_add_fetch(calls, 1, __ATOMIC_RELAXED);
    if (request_size == 4 && memcmp(request, "fail", 4) == 0) {
        return 1;
    }
    if (request_size > response_capacity) {
        return 1;
    }
    for (size_t i = 0; i < request_size; ++i) {
        const char c = ((const char*)request)[i];
        ((char*)response)[i] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
    }
    *response_size = request_size;
    return 0;
}

struct serving {
    ipc_slots_guest* guest;
    int calls;
    ipc_status outcome;
};

static void* serve(void* arg) {
    struct serving* s = arg;
    s->outcome = ipc_slots_guest_serve(s->guest, upper, &s->calls);
    return NULL;
}

static void slots(void) {
    ipc_slots_config config = {0};
    config.slots = 2;
    config.request_capacity = 64;
    config.response_capacity = 64;
    ipc_slots_host* host = NULL;
    CHECK(ipc_slots_host_open(names[1], &config, &host) == IPC_OK);
    ipc_guest_config gc = {0};
    gc.host_timeout_ms = 1;
    ipc_slots_guest* nobody = NULL;
    CHECK(ipc_slots_guest_open("capi-nobody-hosts-this", &gc, &nobody) == IPC_NOT_FOUND);
    struct serving s = {NULL, 0, IPC_SYSTEM};
    CHECK(ipc_slots_guest_open(names[1], NULL, &s.guest) == IPC_OK);
    if (host == NULL || s.guest == NULL) {
        return;
    }
    CHECK(ipc_slots_guest_serve(s.guest, NULL, NULL) == IPC_INVALID_ARGUMENT);
    pthread_t thread;
    pthread_create(&thread, NULL, serve, &s);
    char response[64];
    size_t size = 0;
    CHECK(ipc_slots_call(host, "abc", 3, response, sizeof response, &size, MS(30000)) == IPC_OK);
    CHECK(size == 3 && memcmp(response, "ABC", 3) == 0);
    CHECK(ipc_slots_call(host, "fail", 4, response, sizeof response, &size, MS(30000)) ==
          IPC_HANDLER_FAILED);
    char big[65] = {0};
    CHECK(ipc_slots_call(host, big, sizeof big, response, sizeof response, &size, MS(30000)) ==
          IPC_MESSAGE_TOO_LARGE);
    CHECK(ipc_slots_call(host, "abcdef", 6, response, 2, &size, MS(30000)) == IPC_INVALID_ARGUMENT);
    CHECK(ipc_slots_call(host, "x", 1, response, sizeof response, NULL, 0) == IPC_INVALID_ARGUMENT);
    ipc_slots_guest_stop(s.guest);
    pthread_join(thread, NULL);
    CHECK(s.outcome == IPC_OK);
    CHECK(s.calls == 3);
    ipc_slots_guest_close(s.guest);
    const ipc_status after = ipc_slots_call(host, "x", 1, response, sizeof response, &size, MS(10));
    CHECK(after == IPC_PEER_GONE || after == IPC_TIMEOUT);
    ipc_slots_host_close(host);
}

static int duplex_child(void) {
    ipc_channel* parent = NULL;
    if (ipc_duplex_inherit(NULL, &parent) != IPC_OK) {
        fprintf(stderr, "child: %s\n", ipc_last_error());
        return 1;
    }
    char buffer[256];
    size_t size = 0;
    while (ipc_channel_receive(parent, buffer, sizeof buffer, &size, IPC_FOREVER) == IPC_OK) {
        if (ipc_channel_send(parent, buffer, size, IPC_FOREVER) != IPC_OK) {
            break;
        }
    }
    ipc_channel_close(parent, NULL);
    return 7;
}

static void duplex(const char* self) {
    ipc_channel* child = NULL;
    CHECK(ipc_duplex_inherit(NULL, &child) == IPC_NOT_FOUND);
    const char* bad_argv[] = {"nothing", NULL};
    CHECK(ipc_duplex_spawn("/nonexistent/program", bad_argv, NULL, &child) != IPC_OK);
    const char* no_argv[] = {NULL};
    CHECK(ipc_duplex_spawn(self, no_argv, NULL, &child) == IPC_INVALID_ARGUMENT);
    const char* argv[] = {self, "duplex-child", NULL};
    CHECK(ipc_duplex_spawn(self, argv, NULL, &child) == IPC_OK);
    if (child == NULL) {
        return;
    }
    char buffer[256];
    size_t size = 0;
    CHECK(ipc_channel_send(child, "ping", 4, IPC_FOREVER) == IPC_OK);
    CHECK(ipc_channel_receive(child, buffer, sizeof buffer, &size, MS(30000)) == IPC_OK);
    CHECK(size == 4 && memcmp(buffer, "ping", 4) == 0);
    int code = -1;
    ipc_channel_close(child, &code);
    CHECK(code == 7);
}

static void* connect_client(void* arg) {
    ipc_channel** client = arg;
    if (ipc_broker_connect(names[2], NULL, MS(30000), client) == IPC_OK) {
        char buffer[64];
        size_t size = 0;
        if (ipc_channel_receive(*client, buffer, sizeof buffer, &size, MS(30000)) == IPC_OK) {
            ipc_channel_send(*client, buffer, size, MS(30000));
        }
    }
    return NULL;
}

static void broker(void) {
    ipc_channel* nowhere = NULL;
    CHECK(ipc_broker_connect("capi-nobody-listens", NULL, MS(100), &nowhere) == IPC_NOT_FOUND);
    ipc_broker* server = NULL;
    CHECK(ipc_broker_listen(names[2], NULL, &server) == IPC_OK);
    if (server == NULL) {
        return;
    }
    ipc_channel* none = NULL;
    CHECK(ipc_broker_accept(server, MS(1), &none) == IPC_TIMEOUT);
    ipc_channel* client = NULL;
    pthread_t thread;
    pthread_create(&thread, NULL, connect_client, &client);
    ipc_channel* accepted = NULL;
    CHECK(ipc_broker_accept(server, MS(30000), &accepted) == IPC_OK);
    if (accepted != NULL) {
        char buffer[64];
        size_t size = 0;
        CHECK(ipc_channel_send(accepted, "hub", 3, MS(30000)) == IPC_OK);
        CHECK(ipc_channel_receive(accepted, buffer, sizeof buffer, &size, MS(30000)) == IPC_OK);
        CHECK(size == 3 && memcmp(buffer, "hub", 3) == 0);
    }
    pthread_join(thread, NULL);
    ipc_channel_close(client, NULL);
    ipc_channel_close(accepted, NULL);
    ipc_broker_close(server);
}

/* Counts messages; "bad" is refused (counted failed by the reader). */
static int count(void* context, const void* message, size_t size, uint64_t connection,
                 int32_t peer_pid) {
    size_t* seen = context;
    ++*seen;
    (void)connection;
    return peer_pid == (int32_t)getpid() && !(size == 3 && memcmp(message, "bad", 3) == 0) ? 0 : 1;
}

static void stream(void) {
    ipc_stream_config config = {0};
    config.max_message = 16;
    ipc_stream_reader* reader = NULL;
    CHECK(ipc_stream_reader_listen(names[3], &config, &reader) == IPC_OK);
    ipc_stream_writer* writer = NULL;
    CHECK(ipc_stream_writer_open(names[3], &config, &writer) == IPC_OK);
    if (reader == NULL || writer == NULL) {
        return;
    }
    char big[17] = {0};
    CHECK(ipc_stream_send(writer, big, sizeof big, 0) == IPC_MESSAGE_TOO_LARGE);
    CHECK(ipc_stream_send(writer, "one", 3, 0) == IPC_OK);
    CHECK(ipc_stream_send(writer, "bad", 3, MS(1000)) == IPC_OK);
    CHECK(ipc_stream_send(writer, "two", 3, IPC_FOREVER) == IPC_OK);
    CHECK(ipc_stream_poll(reader, MS(1), NULL, NULL, NULL) == IPC_INVALID_ARGUMENT);
    size_t seen = 0;
    for (int round = 0; round < 3000 && seen < 3; ++round) {
        size_t handled = 0;
        CHECK(ipc_stream_poll(reader, MS(10), count, &seen, &handled) == IPC_OK);
    }
    CHECK(seen == 3);
    CHECK(ipc_stream_flush(writer, MS(30000)) == IPC_OK);
    uint64_t unsent = 99;
    ipc_stream_writer_close(writer, MS(1000), &unsent);
    CHECK(unsent == 0);
    ipc_stream_reader_close(reader, count, &seen);
    *strrchr(names[3], '/') = '\0';
    rmdir(names[3]);
}

static void inspect(void) {
    ipc_ring_writer* w = NULL;
    CHECK(ipc_ring_writer_open(names[0], NULL, &w) == IPC_OK);
    char* json = NULL;
    CHECK(ipc_inspect_snapshot_json(NULL, &json) == IPC_OK);
    CHECK(json != NULL && strstr(json, names[0]) != NULL);
    ipc_free(json);
    CHECK(ipc_inspect_snapshot_json("/nonexistent-directory", &json) == IPC_OK);
    ipc_free(json);
    ipc_ring_writer_close(w);
}

/* ipc_telemetry_remove removes this process's telemetry segment at once (a Go program's exit
 * would not). Last: the endpoints above are closed. */
static void telemetry_removed(void) {
    const char* dir = getenv("IPC_SHM_DIR");
    char path[512];
    snprintf(path, sizeof path, "%s/libipc-tel-%d", dir != NULL ? dir : "/dev/shm", (int)getpid());
    CHECK(access(path, F_OK) == 0);
    ipc_telemetry_remove();
    CHECK(access(path, F_OK) != 0);
}

int main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "duplex-child") == 0) {
        return duplex_child();
    }
    make_names();
    errors();
    rings();
    slots();
    duplex(argv[0]);
    broker();
    stream();
    inspect();
    telemetry_removed();
    if (failures == 0) {
        puts("ipc_capi_test: every check held");
    }
    return failures == 0 ? 0 : 1;
}
