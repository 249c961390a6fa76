"""What a partner needs in production, seen from an independent client.

Starts the real yoga-studio on a loopback port and calls it with Debian's
python3-grpcio and buf curl, sharing no code with the server. It proves that
errors carry a google.rpc.ErrorInfo in the grpc-status-details-bin trailer
whose reason tells errors of one code apart (two FAILED_PRECONDITIONs of
ControlSession, NOT_FOUND of a session and of a preset) in the domain
"yoga.api"; that every response, OK or not, carries an x-request-id in its
initial metadata (the caller's own when well-formed, a new one otherwise),
also on a cue stream; that the log line of a call names that id; that
yoga.server.v1.ServerInfoService answers the version and API revision and is
listed by reflection; and that ListPracticeRecords refuses a page_size over
500 with a field-level INVALID_ARGUMENT, as the API says. With the channel
options docs/partners.md recommends, a wait_for_ready call made while the
server is away goes through within seconds of its return.

Run by ctest as:
  /usr/bin/python3 tests/peer/production_peer_test.py --studio=PATH \
      --python_path=DIR --python_std_path=DIR --buf=PATH
"""

import re
import socket
import subprocess
import tempfile
import time

import grpc

import unittest

import peer_support
from peer_support import RPC_TIMEOUT

ERROR_DOMAIN = "yoga.api"
REQUEST_ID = "x-request-id"
GENERATED_ID = re.compile(r"^[0-9a-f]{16}$")
POSE_ID = "standing-hamstring-stretch"

# The channel options docs/partners.md recommends ("Channels that reconnect fast").
RECONNECT_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 250),
    ("grpc.min_reconnect_backoff_ms", 250),
    ("grpc.max_reconnect_backoff_ms", 5000),
    ("grpc.keepalive_time_ms", 30000),
    ("grpc.keepalive_timeout_ms", 10000),
    ("grpc.keepalive_permit_without_calls", 1),
]
OUTAGE_SECONDS = 4  # how long the server is away in the reconnect test

# Generated modules, loaded in load_generated_modules().
session_service_pb2 = None
session_service_pb2_grpc = None
planner_service_pb2 = None
planner_service_pb2_grpc = None
server_info_service_pb2 = None
server_info_service_pb2_grpc = None
routine_pb2 = None


def load_generated_modules(args):
    """Loads this test's generated modules (args.python_path is on sys.path)."""
    global session_service_pb2, session_service_pb2_grpc, planner_service_pb2
    global planner_service_pb2_grpc, server_info_service_pb2
    global server_info_service_pb2_grpc, routine_pb2
    from yoga.session.v1 import session_service_pb2, session_service_pb2_grpc
    from yoga.planner.v1 import planner_service_pb2, planner_service_pb2_grpc
    from yoga.server.v1 import server_info_service_pb2, server_info_service_pb2_grpc
    from yoga.type.v1 import routine_pb2


def error_info(error):
    """The google.rpc.ErrorInfo of a grpc.RpcError: (reason, domain, metadata)."""
    status = None
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = peer_support.status_pb2.Status.FromString(value)
    if status is None:
        raise AssertionError("no grpc-status-details-bin trailer: %s" % error.details())
    infos = []
    for detail in status.details:
        if detail.Is(peer_support.error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = peer_support.error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            infos.append(info)
    if len(infos) != 1:
        raise AssertionError("%d ErrorInfo details in %s" % (len(infos), status))
    return infos[0].reason, infos[0].domain, dict(infos[0].metadata)


def request_id_of(metadata):
    """The x-request-id of initial or trailing metadata, or None."""
    ids = [value for key, value in metadata or () if key == REQUEST_ID]
    return ids[0] if len(ids) == 1 else None


class StudioOnPort(peer_support.StudioProcess):
    """yoga-studio on a given loopback port (peer_support's picks port 0)."""

    def __init__(self, binary, port):
        self._stderr = tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            [binary, "--listen=127.0.0.1:%d" % port],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr,
            preexec_fn=peer_support.die_with_parent)
        self.address = self._read_address()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ReconnectTest(peer_support.RpcAssertions, unittest.TestCase):
    """The documented channel options and wait_for_ready ride out an outage."""

    def test_a_waiting_call_goes_through_soon_after_the_server_is_back(self):
        port = free_port()
        studio = StudioOnPort(peer_support.ARGS.studio, port)
        channel = grpc.insecure_channel(studio.address, options=RECONNECT_OPTIONS)
        stub = server_info_service_pb2_grpc.ServerInfoServiceStub(channel)
        request = server_info_service_pb2.GetServerInfoRequest()
        restarted = []
        try:
            stub.GetServerInfo(request, timeout=RPC_TIMEOUT)
            studio.stop()
            # Without wait_for_ready a call during the outage fails at once.
            self.assert_rpc_error(lambda: stub.GetServerInfo(request, timeout=RPC_TIMEOUT),
                                  grpc.StatusCode.UNAVAILABLE)

            # With it, the call waits for the channel and goes through once the
            # server is back: within the 5 s most between reconnects, plus slack.
            # (The server starts on this thread: a child dies with the thread
            # that started it, see peer_support.die_with_parent.)
            waiting = stub.GetServerInfo.future(request, timeout=OUTAGE_SECONDS + 20,
                                                wait_for_ready=True)
            time.sleep(OUTAGE_SECONDS)
            self.assertFalse(waiting.done(), "the call did not wait for the server")
            restarted.append(StudioOnPort(peer_support.ARGS.studio, port))
            back = time.monotonic()
            info = waiting.result()
            answered = time.monotonic()
            self.assertTrue(info.version)
            self.assertLess(answered - back, 5 + 2)
        finally:
            channel.close()
            for again in restarted:
                again.stop()


class ProductionTest(peer_support.StudioTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sessions = session_service_pb2_grpc.SessionServiceStub(cls.channel)
        cls.planner = planner_service_pb2_grpc.PlannerServiceStub(cls.channel)
        cls.server_info = server_info_service_pb2_grpc.ServerInfoServiceStub(cls.channel)

    def start_session(self):
        """A paused-able one-pose session; returns its id."""
        routine = routine_pb2.Routine(steps=[
            routine_pb2.RoutineStep(pose_id=POSE_ID, hold_count=10)])
        routine.breath_length.seconds = 5
        session = self.sessions.StartSession(
            session_service_pb2.StartSessionRequest(routine=routine), timeout=RPC_TIMEOUT)
        return session.id

    def control(self, session_id, action):
        return self.sessions.ControlSession(
            session_service_pb2.ControlSessionRequest(
                session_id=session_id,
                action=session_service_pb2.ControlAction.Value("CONTROL_ACTION_" + action)),
            timeout=RPC_TIMEOUT)

    # ErrorInfo.

    def test_two_failed_preconditions_differ_by_reason(self):
        session_id = self.start_session()
        self.control(session_id, "PAUSE")
        paused_twice = self.assert_rpc_error(lambda: self.control(session_id, "PAUSE"),
                                             grpc.StatusCode.FAILED_PRECONDITION)
        self.assertEqual(error_info(paused_twice)[:2],
                         ("SESSION_ALREADY_PAUSED", ERROR_DOMAIN))
        at_first = self.assert_rpc_error(lambda: self.control(session_id, "PREVIOUS"),
                                         grpc.StatusCode.FAILED_PRECONDITION)
        self.assertEqual(error_info(at_first)[:2], ("SESSION_AT_FIRST_STEP", ERROR_DOMAIN))
        self.control(session_id, "STOP")
        finished = self.assert_rpc_error(lambda: self.control(session_id, "RESUME"),
                                         grpc.StatusCode.FAILED_PRECONDITION)
        self.assertEqual(error_info(finished)[:2], ("SESSION_FINISHED", ERROR_DOMAIN))

    def test_not_found_says_what_was_not_found(self):
        no_session = self.assert_rpc_error(
            lambda: self.sessions.GetSession(
                session_service_pb2.GetSessionRequest(id="no-such-session"),
                timeout=RPC_TIMEOUT),
            grpc.StatusCode.NOT_FOUND)
        self.assertEqual(error_info(no_session)[0], "SESSION_NOT_FOUND")
        no_preset = self.assert_rpc_error(
            lambda: self.planner.ComposeRoutine(
                planner_service_pb2.ComposeRoutineRequest(preset_id="no-such-preset"),
                timeout=RPC_TIMEOUT),
            grpc.StatusCode.NOT_FOUND)
        self.assertEqual(error_info(no_preset)[0], "PRESET_NOT_FOUND")

    def test_invalid_argument_keeps_its_field_violations_next_to_the_reason(self):
        error = self.assert_rpc_error(
            lambda: self.sessions.ListPracticeRecords(
                session_service_pb2.ListPracticeRecordsRequest(profile_id="runner",
                                                               page_size=501),
                timeout=RPC_TIMEOUT),
            grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(self.bad_request_fields(error), ["page_size"])
        self.assertIn("at most 500", error.details())
        self.assertEqual(error_info(error)[:2], ("INVALID_ARGUMENT", ERROR_DOMAIN))
        # 500 itself is allowed.
        self.sessions.ListPracticeRecords(
            session_service_pb2.ListPracticeRecordsRequest(profile_id="runner",
                                                           page_size=500),
            timeout=RPC_TIMEOUT)

    # Request ids.

    def test_every_response_carries_a_request_id(self):
        _, call = self.planner.ListPresets.with_call(
            planner_service_pb2.ListPresetsRequest(), timeout=RPC_TIMEOUT)
        first = request_id_of(call.initial_metadata())
        self.assertRegex(first or "", GENERATED_ID)
        _, call = self.planner.ListPresets.with_call(
            planner_service_pb2.ListPresetsRequest(), timeout=RPC_TIMEOUT)
        self.assertNotEqual(request_id_of(call.initial_metadata()), first)
        error = self.assert_rpc_error(
            lambda: self.sessions.GetSession(
                session_service_pb2.GetSessionRequest(id="no-such-session"),
                timeout=RPC_TIMEOUT),
            grpc.StatusCode.NOT_FOUND)
        # An error answered at once carries it in its trailers (headers would
        # keep a client's retry policy from trying again).
        self.assertIsNone(request_id_of(error.initial_metadata()))
        self.assertRegex(request_id_of(error.trailing_metadata()) or "", GENERATED_ID)

    def test_a_callers_own_request_id_is_kept_and_logged(self):
        chosen = "partner-7f3a.retry_1"
        _, call = self.planner.ListPresets.with_call(
            planner_service_pb2.ListPresetsRequest(), timeout=RPC_TIMEOUT,
            metadata=((REQUEST_ID, chosen),))
        self.assertEqual(request_id_of(call.initial_metadata()), chosen)
        # One that is too long or holds other characters is replaced.
        for odd in ("x" * 65, "two words", "a=b"):
            _, call = self.planner.ListPresets.with_call(
                planner_service_pb2.ListPresetsRequest(), timeout=RPC_TIMEOUT,
                metadata=((REQUEST_ID, odd),))
            self.assertRegex(request_id_of(call.initial_metadata()) or "", GENERATED_ID)
        log = self.studio.stderr_text()
        self.assertRegex(log, r"event=rpc method=/yoga.planner.v1.PlannerService/ListPresets "
                              r"code=OK [^\n]*request_id=%s" % re.escape(chosen))
        self.assertNotIn("x" * 65, log)

    def test_a_cue_stream_carries_a_request_id_before_its_first_cue(self):
        session_id = self.start_session()
        call = self.sessions.StreamCues(
            session_service_pb2.StreamCuesRequest(session_id=session_id),
            timeout=RPC_TIMEOUT, metadata=((REQUEST_ID, "stream-1"),))
        try:
            self.assertEqual(request_id_of(call.initial_metadata()), "stream-1")
        finally:
            call.cancel()
        self.control(session_id, "STOP")

    # Version and API revision.

    def test_server_info_gives_version_and_api_revision(self):
        info = self.server_info.GetServerInfo(
            server_info_service_pb2.GetServerInfoRequest(), timeout=RPC_TIMEOUT)
        self.assertRegex(info.version, r"^[0-9]+\.[0-9]+\.[0-9]+(\+[0-9A-Za-z.-]+)?$")
        self.assertRegex(info.api_revision, r"^20[0-9]{2}-[01][0-9]-[0-3][0-9]$")
        self.assertEqual(sorted(info.services),
                         ["yoga.catalog.v1.CatalogService",
                          "yoga.planner.v1.PlannerService",
                          "yoga.session.v1.SessionService"])

    def test_reflection_lists_server_info_and_buf_curl_calls_it(self):
        services = self.buf_curl("--list-services", "http://%s" % self.studio.address)
        self.assertIn("yoga.server.v1.ServerInfoService", services.split())
        answer = self.buf_curl(
            "http://%s/yoga.server.v1.ServerInfoService/GetServerInfo" % self.studio.address)
        self.assertIn('"apiRevision"', answer)
        self.assertIn('"version"', answer)


if __name__ == "__main__":
    peer_support.main(__doc__, load_generated_modules)
