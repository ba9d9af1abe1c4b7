/* A program written to the reference ZIPC C API (zipc.h), built as C11 against libipc: every
 * function, its failure values, and a thousand messages through. Exit 0 when all held; the
 * first failed check prints its line and exits 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zipc.h"

#define CHECK(x)                                                           \
    do {                                                                   \
        if (!(x)) {                                                        \
            fprintf(stderr, "zipc_compat:%d: failed: %s\n", __LINE__, #x); \
            exit(1);                                                       \
        }                                                                  \
    } while (0)

int main(void) {
    char name[40];
    snprintf(name, sizeof name, "/zipc-compat-%d", (int)getpid());

    ZipcContext bad = zipc_create_sender("no-slash", 8, 64);
    CHECK(bad.queue == NULL);
    CHECK(!zipc_send(&bad, (const uint8_t*)"x", 1));
    bad = zipc_create_receiver(name, 1, 64); /* one slot holds nothing */
    CHECK(bad.queue == NULL);

    ZipcContext tx = zipc_create_sender(name, 8, 64);
    ZipcContext rx = zipc_create_receiver(name, 8, 64);
    CHECK(tx.queue != NULL && rx.queue != NULL);
    CHECK(tx.mode == ZIPC_MODE_SERVER && rx.mode == ZIPC_MODE_CLIENT);
    CHECK(tx.params.queue_size == 8 && tx.params.message_size == 64);
    CHECK(strcmp(tx.name, name) == 0);
    CHECK(*tx.init_flag == 0x5a495043);
    CHECK(strcmp(zipc_shm_path(name) + strlen(zipc_shm_path(name)) - strlen(name + 1), name + 1) ==
          0);
    CHECK(zipc_shm_path("bad")[0] == '\0');

    uint8_t big[65] = {0};
    CHECK(!zipc_send(&tx, big, sizeof big)); /* longer than a slot: refused */
    uint8_t* got = (uint8_t*)1;
    CHECK(zipc_receive(&rx, &got) == 0 && got == NULL); /* nothing there */
    got = (uint8_t*)1;
    CHECK(zipc_receive_blocking(&rx, &got, 5) == 0 && got == NULL);
    for (int i = 0; i < 7; ++i) {
        CHECK(zipc_send(&tx, (const uint8_t*)&i, sizeof i));
    }
    CHECK(!zipc_send(&tx, (const uint8_t*)"x", 1)); /* full: 7 of 8 slots */
    CHECK(zipc_send(&tx, NULL, 0) == false);

    /* A received message stays put until the next receive: the sender fills every other slot
     * (the spare one is the one just read) and then finds the ring full. */
    int value = -1;
    CHECK(zipc_receive(&rx, &got) == sizeof value);
    const uint8_t* held = got;
    const int next = 7;
    CHECK(zipc_send(&tx, (const uint8_t*)&next, sizeof next));
    CHECK(!zipc_send(&tx, (const uint8_t*)"x", 1));
    memcpy(&value, held, sizeof value);
    CHECK(value == 0);
    for (int n = 1; n <= 1000; ++n) {
        CHECK(zipc_receive_blocking(&rx, &got, 1000) == sizeof value && got != NULL);
        memcpy(&value, got, sizeof value);
        CHECK(value == n);
        const int later = n + 7;
        CHECK(zipc_send(&tx, (const uint8_t*)&later, sizeof later));
    }
    CHECK(zipc_send(&tx, NULL, 0) == false); /* still full: 7 waiting */
    while (zipc_receive(&rx, &got) != 0) {
    }
    CHECK(zipc_send(&tx, NULL, 0)); /* a zero-length message */
    CHECK(zipc_receive(&rx, &got) == 0 && got != NULL);

    zipc_destroy(&tx);
    zipc_destroy(&rx);
    CHECK(tx.queue == NULL && rx.queue == NULL);
    CHECK(!zipc_send(&tx, (const uint8_t*)"x", 1));
    CHECK(zipc_receive(&rx, &got) == 0 && got == NULL);
    zipc_destroy(&tx);                             /* twice: a no-op */
    CHECK(access(zipc_shm_path(name), F_OK) == 0); /* the path names the object */
    zipc_unlink(name);
    CHECK(access(zipc_shm_path(name), F_OK) != 0);
    puts("zipc_compat: every check held");
    return 0;
}
