/* libipc's C API in a few lines: a ring written and read by one process (usually two), a
 * refusal with its message, and what ipcstat would show, as JSON.
 *   cc -std=c11 ring.c $(pkg-config --cflags --libs ipc) -o ring && ./ring */
#include <ipc/ipc.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    ipc_ring_config config = {0}; /* zero: defaults */
    config.max_message = 256;
    ipc_ring_writer* writer = NULL;
    ipc_ring_reader* reader = NULL;
    if (ipc_ring_writer_open("c-example", &config, &writer) != IPC_OK ||
        ipc_ring_reader_open("c-example", &config, &reader) != IPC_OK) {
        fprintf(stderr, "open: %s\n", ipc_last_error());
        return 1;
    }
    ipc_ring_send(writer, "hello from C", 12, IPC_FOREVER);
    char text[256];
    size_t size = 0;
    if (ipc_ring_receive(reader, text, sizeof text, &size, 1000000000) == IPC_OK) {
        printf("received: %.*s\n", (int)size, text);
    }
    char too_long[300] = {0};
    if (ipc_ring_send(writer, too_long, sizeof too_long, 0) != IPC_OK) {
        printf("refused: %s\n", ipc_last_error()); /* message_too_large: ... */
    }
    char* json = NULL;
    if (ipc_inspect_snapshot_json(NULL, &json) == IPC_OK) {
        printf("snapshot: %zu bytes of JSON, this ring in it: %s\n", strlen(json),
               strstr(json, "c-example") != NULL ? "yes" : "no");
        ipc_free(json);
    }
    ipc_ring_writer_close(writer);
    ipc_ring_reader_close(reader);
    return 0;
}
