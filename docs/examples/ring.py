"""libipc's C API from Python through ctypes (libipc_c.so): a ring written and read, a refusal
with its message, and the inspect snapshot as JSON.

    IPC_C_LIBRARY=/usr/local/lib/libipc_c.so python3 ring.py
"""
import ctypes
import json
import os

ipc = ctypes.CDLL(os.environ.get("IPC_C_LIBRARY", "libipc_c.so"))

OK, MESSAGE_TOO_LARGE = 0, 10


class RingConfig(ctypes.Structure):
    _fields_ = [("max_message", ctypes.c_uint32), ("capacity", ctypes.c_uint64),
                ("wait", ctypes.c_int), ("flags", ctypes.c_uint)]


handle = ctypes.c_void_p
ipc.ipc_ring_writer_open.argtypes = [ctypes.c_char_p, ctypes.POINTER(RingConfig),
                                     ctypes.POINTER(handle)]
ipc.ipc_ring_reader_open.argtypes = ipc.ipc_ring_writer_open.argtypes
ipc.ipc_ring_send.argtypes = [handle, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int64]
ipc.ipc_ring_receive.argtypes = [handle, ctypes.c_void_p, ctypes.c_size_t,
                                 ctypes.POINTER(ctypes.c_size_t), ctypes.c_int64]
ipc.ipc_ring_writer_close.argtypes = [handle]
ipc.ipc_ring_reader_close.argtypes = [handle]
ipc.ipc_last_error.restype = ctypes.c_char_p
ipc.ipc_inspect_snapshot_json.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
ipc.ipc_free.argtypes = [ctypes.c_void_p]


def check(status):
    if status != OK:
        raise RuntimeError(ipc.ipc_last_error().decode())


name = f"py-example-{os.getpid()}".encode()
config = RingConfig(max_message=256)
writer, reader = handle(), handle()
check(ipc.ipc_ring_writer_open(name, ctypes.byref(config), ctypes.byref(writer)))
check(ipc.ipc_ring_reader_open(name, ctypes.byref(config), ctypes.byref(reader)))

message = b"hello from Python"
check(ipc.ipc_ring_send(writer, message, len(message), 0))
buffer = ctypes.create_string_buffer(256)
size = ctypes.c_size_t()
check(ipc.ipc_ring_receive(reader, buffer, len(buffer), ctypes.byref(size), 1_000_000_000))
assert buffer.raw[:size.value] == message
print("received:", buffer.raw[:size.value].decode())

status = ipc.ipc_ring_send(writer, bytes(300), 300, 0)
assert status == MESSAGE_TOO_LARGE
print("refused:", ipc.ipc_last_error().decode())

text = ctypes.c_void_p()
check(ipc.ipc_inspect_snapshot_json(None, ctypes.byref(text)))
snapshot = json.loads(ctypes.string_at(text).decode())
ipc.ipc_free(text)
assert any(r["name"] == name.decode() for r in snapshot["rings"])
print("snapshot: this ring among", len(snapshot["rings"]), "rings")

ipc.ipc_ring_writer_close(writer)
ipc.ipc_ring_reader_close(reader)
