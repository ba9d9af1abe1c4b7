// libipc's C API from Go through cgo: a ring written and read, a refusal with its message, and
// the inspect snapshot as JSON.
//
//	CGO_CFLAGS="$(pkg-config --cflags ipc)" CGO_LDFLAGS="$(pkg-config --libs ipc)" go run ring.go
package main

/*
#include <stdlib.h>
#include <ipc/ipc.h>
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"os"
	"unsafe"
)

func check(status C.ipc_status) {
	if status != C.IPC_OK {
		panic(C.GoString(C.ipc_last_error()))
	}
}

func main() {
	// Go's exit skips C's atexit handlers, where libipc removes this process's telemetry: remove
	// it here, last (deferred first, it runs after the closes below).
	defer C.ipc_telemetry_remove()
	name := C.CString(fmt.Sprintf("go-example-%d", os.Getpid()))
	defer C.free(unsafe.Pointer(name))
	config := C.ipc_ring_config{max_message: 256}
	var writer *C.ipc_ring_writer
	var reader *C.ipc_ring_reader
	check(C.ipc_ring_writer_open(name, &config, &writer))
	defer C.ipc_ring_writer_close(writer)
	check(C.ipc_ring_reader_open(name, &config, &reader))
	defer C.ipc_ring_reader_close(reader)

	message := []byte("hello from Go")
	check(C.ipc_ring_send(writer, unsafe.Pointer(&message[0]), C.size_t(len(message)), 0))
	buffer := make([]byte, 256)
	var size C.size_t
	check(C.ipc_ring_receive(reader, unsafe.Pointer(&buffer[0]), C.size_t(len(buffer)), &size,
		1_000_000_000))
	if string(buffer[:size]) != string(message) {
		panic("the message changed on the way")
	}
	fmt.Println("received:", string(buffer[:size]))

	tooLong := make([]byte, 300)
	if C.ipc_ring_send(writer, unsafe.Pointer(&tooLong[0]), C.size_t(len(tooLong)), 0) !=
		C.IPC_MESSAGE_TOO_LARGE {
		panic("a message too large was not refused")
	}
	fmt.Println("refused:", C.GoString(C.ipc_last_error()))

	var text *C.char
	check(C.ipc_inspect_snapshot_json(nil, &text))
	var snapshot struct {
		Rings []struct{ Name string } `json:"rings"`
	}
	err := json.Unmarshal([]byte(C.GoString(text)), &snapshot)
	C.ipc_free(unsafe.Pointer(text))
	if err != nil {
		panic(err)
	}
	fmt.Println("snapshot:", len(snapshot.Rings), "rings")
}
