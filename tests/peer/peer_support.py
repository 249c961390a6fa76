"""Shared code of the independent-client peer tests in this folder.

Each peer test (catalog_peer_test.py, planner_peer_test.py) is run by ctest as a
script, so this folder is on sys.path and it imports this module as
peer_support. Here are the timeouts, the yoga-studio process (started on a
loopback port, stopped with SIGTERM and expected to exit 0), the common
command line, the loading of the generated modules every peer test needs, and
a unittest base class that runs one yoga-studio per test class, with helpers
for gRPC status codes and google.rpc.BadRequest field violations.
"""

import argparse
import ctypes
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import unittest

import grpc

RPC_TIMEOUT = 10  # seconds, the deadline of every RPC
START_TIMEOUT = 20  # seconds to wait for "listening on HOST:PORT"
STOP_TIMEOUT = 15  # seconds to wait for a clean exit after SIGTERM
BUF_TIMEOUT = 60  # seconds for each buf curl run

ARGS = None  # parsed command line, set in main()

# Generated modules, loaded in load_generated_modules().
catalog_service_pb2_grpc = None
status_pb2 = None
error_details_pb2 = None


def die_with_parent():
    """In the child: get SIGKILL when this test dies, even if ctest kills it."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class StudioProcess:
    """The yoga-studio binary, started on 127.0.0.1:0 with any more flags."""

    def __init__(self, binary, flags=()):
        self._stderr = tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            [binary, "--listen=127.0.0.1:0", *flags],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr,
            preexec_fn=die_with_parent)
        self.pid = self._process.pid
        self.address = self._read_address()

    def _fail(self, message):
        self._process.kill()
        self._process.wait()
        raise AssertionError("%s; stderr:\n%s" % (message, self.stderr_text()))

    def _read_address(self):
        lines = queue.Queue()

        def drain_stdout():
            for line in self._process.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=drain_stdout, daemon=True).start()
        try:
            first = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            self._fail("yoga-studio printed nothing within %d s" % START_TIMEOUT)
        if first is None:
            self._fail("yoga-studio exited with %s before listening"
                       % self._process.wait())
        text = first.decode("utf-8", "replace").strip()
        prefix = "listening on "
        if not text.startswith(prefix):
            self._fail("unexpected first stdout line of yoga-studio: %r" % text)
        address = text[len(prefix):]
        host, _, port = address.rpartition(":")
        if host != "127.0.0.1" or not port.isdigit() or int(port) == 0:
            self._fail("yoga-studio is not on a loopback port: %r" % address)
        return address

    def stderr_text(self):
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def stop(self):
        """Sends SIGTERM; raises AssertionError unless it exits 0 in time."""
        try:
            self._process.send_signal(signal.SIGTERM)
            try:
                code = self._process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
                raise AssertionError("yoga-studio did not exit within %d s of SIGTERM; "
                                     "stderr:\n%s" % (STOP_TIMEOUT, self.stderr_text()))
            if code != 0:
                raise AssertionError("yoga-studio exited with %d after SIGTERM; stderr:\n%s"
                                     % (code, self.stderr_text()))
        finally:
            self._stderr.close()


def parse_args(description):
    """Parses the command line every peer test has."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--studio", required=True, help="the yoga-studio binary")
    parser.add_argument("--python_path", required=True,
                        help="directory of the generated yoga and google.rpc modules")
    # Every peer test accepts the same flags, whether or not it uses them.
    parser.add_argument("--python_std_path", required=True,
                        help="directory holding the generated grpc/health/v1 modules")
    parser.add_argument("--buf", required=True, help="the buf binary")
    # One script can be several ctest tests (tests/CMakeLists.txt), e.g. a slow class apart.
    parser.add_argument("tests", nargs="*", metavar="CLASS",
                        help="the test classes to run (default: every one)")
    parser.add_argument("--skip", action="append", default=[], metavar="CLASS",
                        help="a test class not to run (another ctest test runs it)")
    return parser.parse_args()


def load_generated_modules(python_path):
    """Puts python_path on sys.path and loads the modules used here."""
    global catalog_service_pb2_grpc, status_pb2, error_details_pb2
    sys.path.insert(0, python_path)
    from yoga.catalog.v1 import catalog_service_pb2_grpc
    from google.rpc import status_pb2, error_details_pb2


def main(doc, load_test_modules):
    """Parses the command line, loads the generated modules, runs the tests.

    doc is the test script's docstring; load_test_modules(args) loads the
    generated modules that script needs (python_path is on sys.path by then).
    The tests are the classes of the __main__ module, the test script, that the
    command line names, or all of them but those it skips.
    """
    global ARGS
    ARGS = parse_args(doc.splitlines()[0])
    load_generated_modules(ARGS.python_path)
    load_test_modules(ARGS)
    script = sys.modules["__main__"]
    classes = [name for name, value in vars(script).items()
               if isinstance(value, type) and issubclass(value, unittest.TestCase)
               and unittest.defaultTestLoader.getTestCaseNames(value)]
    unknown = [name for name in ARGS.tests + ARGS.skip if name not in classes]
    if unknown:
        sys.exit("no test class %s in %s" % (", ".join(unknown), sys.argv[0]))
    chosen = ARGS.tests or [name for name in classes if name not in ARGS.skip]
    unittest.main(argv=[sys.argv[0], *chosen], verbosity=2)


def await_channel(channel, studio, what="channel"):
    """Waits until `channel` to `studio` is ready; otherwise closes both and fails."""
    try:
        grpc.channel_ready_future(channel).result(timeout=RPC_TIMEOUT)
    except grpc.FutureTimeoutError:
        channel.close()
        studio.stop()
        raise AssertionError("%s to %s not ready" % (what, studio.address))


class RpcAssertions:
    """For unittest.TestCase classes that call servers."""

    def assert_rpc_error(self, call, code):
        """Runs call(); asserts it fails with code; returns the grpc.RpcError."""
        with self.assertRaises(grpc.RpcError) as caught:
            call()
        self.assertEqual(caught.exception.code(), code,
                         "details: %s" % caught.exception.details())
        return caught.exception


class StudioTestCase(RpcAssertions, unittest.TestCase):
    """Base: one yoga-studio, one channel and a catalog stub per test class."""

    @classmethod
    def setUpClass(cls):
        cls.studio = StudioProcess(ARGS.studio)
        cls.channel = grpc.insecure_channel(cls.studio.address)
        await_channel(cls.channel, cls.studio)
        cls.catalog = catalog_service_pb2_grpc.CatalogServiceStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.studio.stop()

    def buf_curl(self, *args):
        """Runs buf curl over gRPC (HTTP/2 without TLS); returns its stdout."""
        command = [ARGS.buf, "curl", "--protocol", "grpc", "--http2-prior-knowledge",
                   *args]
        result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                                text=True, timeout=BUF_TIMEOUT)
        self.assertEqual(result.returncode, 0,
                         "%s failed:\n%s%s" % (command, result.stdout, result.stderr))
        return result.stdout

    def bad_request_fields(self, error):
        """Field names of the google.rpc.BadRequest in the error's trailers."""
        details = [value for key, value in (error.trailing_metadata() or ())
                   if key == "grpc-status-details-bin"]
        self.assertEqual(len(details), 1, "no grpc-status-details-bin trailer")
        status = status_pb2.Status.FromString(details[0])
        self.assertEqual(status.code, error.code().value[0])
        fields = []
        for detail in status.details:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad_request = error_details_pb2.BadRequest()
                detail.Unpack(bad_request)
                for violation in bad_request.field_violations:
                    self.assertTrue(violation.description,
                                    "violation of %r has no description" % violation.field)
                    fields.append(violation.field)
        self.assertTrue(fields, "no google.rpc.BadRequest field violations in status %s"
                        % status)
        return fields
