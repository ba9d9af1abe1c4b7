/* The ZIPC C API, served by libipc: the reference library's functions, types and semantics
 * (ZipcContext by value, queue == NULL on failure with the reason on stderr, zipc_send
 * returning false with nothing written, the received pointer valid until the next receive),
 * so that a C program written to the reference relinks against libipc unchanged: compile it
 * with -I<includedir>/ipc (it includes "zipc.h") and link -lipc -lsystemd -lstdc++ (libipc
 * is a static C++ library). Underneath are
 * ipc::zipc_sender and ipc::zipc_receiver (ipc/zipc.hpp): the same checks, libipc's telemetry,
 * and a blocking receive that also ends when the sender has gone.
 *
 * One difference: `id` holds the address of libipc's end, not a PID-and-time number. */
#ifndef LIB_ZIPC_H
#define LIB_ZIPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZIPC_MODE_SERVER 0 /* the sender */
#define ZIPC_MODE_CLIENT 1 /* the receiver */

typedef struct ZipcQueue ZipcQueue;

typedef struct {
    uint32_t message_size;
    uint32_t queue_size;
} ZipcParams;

typedef struct {
    uint64_t id;
    uint8_t mode;
    uint8_t padding[7];
    char name[40];
    ZipcParams params;
    ZipcQueue* queue;   /* the object's start (head index); NULL: this context failed */
    void* buffers;      /* the slots */
    int32_t* init_flag; /* 0x5a495043 once set up */
} ZipcContext;

#ifdef __cplusplus
extern "C" {
#endif

/* Opens (making it if needed) the object `name` ('/' and 1..38 characters, no other '/') of
 * queue_size slots (at least 2; queue_size - 1 messages fit) of message_size bytes. */
ZipcContext zipc_create_receiver(const char* name, uint32_t queue_size, uint32_t message_size);
ZipcContext zipc_create_sender(const char* name, uint32_t queue_size, uint32_t message_size);

/* Unmaps and forgets the context's end (a message still held is given back); calls on it
 * afterwards are safe no-ops. The object stays until zipc_unlink. */
void zipc_destroy(ZipcContext* context);
void zipc_unlink(const char* name);

/* false when the message is longer than message_size or the queue is full: nothing written. */
bool zipc_send(ZipcContext* sender, const uint8_t* message, size_t message_size);

/* The next message's length, *message pointing at it in the slot (valid until the next
 * receive on this context); 0 with *message NULL when there is none (a zero-length message
 * gives 0 with *message set). */
uint32_t zipc_receive(ZipcContext* receiver, uint8_t** message);
/* The same, waiting up to timeout_millis; 0 with *message NULL at the timeout or when the
 * sender is gone. */
uint32_t zipc_receive_blocking(ZipcContext* receiver, uint8_t** message, uint16_t timeout_millis);

/* "/dev/shm/<name without the slash>" (the shm directory libipc uses), in a buffer of the
 * calling thread's that its next call overwrites; "" for an invalid name. */
char* zipc_shm_path(const char* name);

#ifdef __cplusplus
}
#endif

#endif /* LIB_ZIPC_H */
