/* A C consumer of the installed package: one message through a ring with the C API. */
#include <ipc/ipc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char name[64];
    snprintf(name, sizeof name, "consumer-c-%d", (int)getpid());
    ipc_ring_writer* w = NULL;
    ipc_ring_reader* r = NULL;
    if (ipc_ring_writer_open(name, NULL, &w) != IPC_OK ||
        ipc_ring_reader_open(name, NULL, &r) != IPC_OK) {
        fprintf(stderr, "consumer-c: %s\n", ipc_last_error());
        return 1;
    }
    char buffer[16];
    size_t size = 0;
    const int ok = ipc_ring_send(w, "hello", 5, 0) == IPC_OK &&
                   ipc_ring_receive(r, buffer, sizeof buffer, &size, 0) == IPC_OK && size == 5 &&
                   memcmp(buffer, "hello", 5) == 0;
    ipc_ring_writer_close(w);
    ipc_ring_reader_close(r);
    puts(ok ? "consumer-c: ok" : "consumer-c: FAILED");
    return ok ? 0 : 2;
}
