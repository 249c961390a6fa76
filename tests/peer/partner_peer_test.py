"""Partner access, as docs/partners.md tells it: TLS, API keys, quotas, mutual TLS.

Makes a CA, a server certificate (localhost, 127.0.0.1) and client certificates
with openssl in a temporary folder, and an api_keys file with keys made the way
the documentation says (openssl rand -hex 32, the SHA-256 from sha256sum). Starts
the real yoga-studio on a loopback port with --tls_cert, --tls_key and
--api_keys, then a second one that also has --tls_client_ca (mutual TLS), and
calls them with clients that share no code with the server: Debian's
python3-grpcio, docs/examples/compose_routine.py run as a program, and the
shell blocks of docs/partners.md (protoc, buf curl, the example) run as they are
written there. It proves that a call without a key or with an unknown key is
UNAUTHENTICATED (reasons API_KEY_MISSING and API_KEY_UNKNOWN in a
google.rpc.ErrorInfo), that a key without the permission gets PERMISSION_DENIED
naming it (reason PERMISSION_MISSING), that burst + 1 quick calls get RESOURCE_EXHAUSTED with a google.rpc.RetryInfo
whose retry_delay, once waited, lets the next call through, that health and
reflection need no key, that the example retries a quota refusal after the
server's delay, that with mutual TLS a client without a certificate (or with one
from another CA) cannot connect while one with a certificate can, that the
documentation's expected outputs are what the server really says, and that the
server's log names key ids and never a key.

Run by ctest as:
  /usr/bin/python3 tests/peer/partner_peer_test.py --studio=PATH \
      --python_path=DIR --python_std_path=DIR --buf=PATH
"""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import grpc
from google.protobuf import json_format

import peer_support
from peer_support import RPC_TIMEOUT

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PARTNERS_DOC = os.path.join(SOURCE_DIR, "docs", "partners.md")
EXAMPLE = os.path.join(SOURCE_DIR, "docs", "examples", "compose_routine.py")

COMMAND_TIMEOUT = 60  # seconds for each openssl, protoc, buf or example run
CONNECT_TIMEOUT = 5  # seconds for a handshake that is expected to fail
PRESET_ID = "runners-lower-back-four"

# The keys in the api_keys file: id -> (permissions, rate, burst). Each test
# that counts calls has a key of its own, so tests cannot spend each other's
# quota.
KEYS = {
    # Planner only, a small quota: the burst test.
    "acme-run": ("planner", "1", 3),
    # Planner and sessions, a large quota: most calls.
    "coachco": ("planner,sessions", "50", 100),
    # Planner only, a large quota: PERMISSION_DENIED on the session service.
    "acme-web": ("planner", "50", 100),
    # Planner only, a token every four seconds: the example's retry.
    "slow-lane": ("planner", "0.25", 1),
}

# Filled by setUpModule().
WORK = None  # temporary folder: certificates, api_keys, the docs' working folder
SECRETS = {}  # key id -> the key itself
WRONG_KEY = None  # a well-formed key that is in no file

# Generated modules, loaded in load_generated_modules().
planner_service_pb2 = None
planner_service_pb2_grpc = None
catalog_service_pb2 = None
catalog_service_pb2_grpc = None
session_service_pb2 = None
session_service_pb2_grpc = None
routine_pb2 = None
error_details_pb2 = None
status_pb2 = None
health_pb2 = None


def load_generated_modules(args):
    """Loads this test's generated modules (args.python_path is on sys.path)."""
    global planner_service_pb2, planner_service_pb2_grpc, catalog_service_pb2
    global catalog_service_pb2_grpc, session_service_pb2, session_service_pb2_grpc
    global routine_pb2, error_details_pb2, status_pb2, health_pb2
    from yoga.planner.v1 import planner_service_pb2, planner_service_pb2_grpc
    from yoga.catalog.v1 import catalog_service_pb2, catalog_service_pb2_grpc
    from yoga.session.v1 import session_service_pb2, session_service_pb2_grpc
    from yoga.type.v1 import routine_pb2
    from google.rpc import error_details_pb2, status_pb2
    # health_pb2 alone (messages, no stubs) loads from its file under any name;
    # putting python_std_path on sys.path would shadow the grpc package.
    path = os.path.join(args.python_std_path, "grpc", "health", "v1", "health_pb2.py")
    spec = importlib.util.spec_from_file_location("partner_test_health_pb2", path)
    health_pb2 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(health_pb2)


# --- Set-up: certificates and keys ------------------------------------------------

def run(command, cwd=None, env=None, check=True, timeout=COMMAND_TIMEOUT):
    """Runs a command; returns the CompletedProcess (text)."""
    result = subprocess.run(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError("%s exited with %d:\n%s%s" % (command, result.returncode,
                                                            result.stdout, result.stderr))
    return result


def make_ca(name):
    """A self-signed CA: WORK/name.pem and WORK/name.key."""
    run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=" + name,
         "-keyout", name + ".key", "-out", name + ".pem"], cwd=WORK)


def make_cert(name, ca, extensions):
    """WORK/name.pem (signed by ca) and WORK/name.key."""
    run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-subj", "/CN=" + name, "-keyout", name + ".key", "-out", name + ".csr"],
        cwd=WORK)
    with open(os.path.join(WORK, name + ".ext"), "w") as f:
        f.write("\n".join(extensions) + "\n")
    run(["openssl", "x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey",
         ca + ".key", "-CAcreateserial", "-days", "2", "-extfile", name + ".ext",
         "-out", name + ".pem"], cwd=WORK)


def make_key():
    """(key, its SHA-256 in hex), made with the commands docs/partners.md gives."""
    key = run(["openssl", "rand", "-hex", "32"]).stdout.strip()
    digest = run(["sh", "-c", 'printf %s "$KEY" | sha256sum'],
                 env=dict(os.environ, KEY=key)).stdout.split()[0]
    return key, digest


def setUpModule():
    global WORK, WRONG_KEY
    WORK = tempfile.mkdtemp(prefix="partner_peer_test.")
    make_ca("ca")
    make_cert("server", "ca", ["subjectAltName=DNS:localhost,IP:127.0.0.1",
                               "extendedKeyUsage=serverAuth"])
    make_cert("client", "ca", ["extendedKeyUsage=clientAuth"])
    make_ca("other-ca")
    make_cert("stranger", "other-ca", ["extendedKeyUsage=clientAuth"])
    lines = ["# api_keys of partner_peer_test: KEY_ID sha256=... permissions=... rate= burst="]
    for key_id, (permissions, rate, burst) in KEYS.items():
        key, digest = make_key()
        SECRETS[key_id] = key
        lines.append("%s sha256=%s permissions=%s rate=%s burst=%d"
                     % (key_id, digest, permissions, rate, burst))
    WRONG_KEY = make_key()[0]
    with open(os.path.join(WORK, "api_keys"), "w") as f:
        f.write("\n".join(lines) + "\n")
    # The documentation's commands run in a partner's folder: protos/ and docs/
    # from this tree, the certificates they were given, and gen/ for the stubs.
    for name in ("protos", "docs"):
        os.symlink(os.path.join(SOURCE_DIR, name), os.path.join(WORK, name))
    # python3 and buf as the documentation calls them: Debian's Python, our buf.
    os.makedirs(os.path.join(WORK, "bin"))
    os.symlink("/usr/bin/python3", os.path.join(WORK, "bin", "python3"))
    os.symlink(os.path.abspath(peer_support.ARGS.buf), os.path.join(WORK, "bin", "buf"))
    run_doc_block("generate-stubs", env={})


def tearDownModule():
    if WORK:
        shutil.rmtree(WORK, ignore_errors=True)
    # Every marked block of the documentation was run (and its output compared),
    # unless a server did not start (that is reported already).
    unrun = sorted(set(doc_blocks()) - RUN_BLOCKS)
    if unrun and STARTED_CLASSES == {"ApiKeyTest", "MutualTlsTest"}:
        raise AssertionError("blocks of docs/partners.md that no test runs: %s" % unrun)


def path(name):
    return os.path.join(WORK, name)


def read(name):
    with open(path(name), "rb") as f:
        return f.read()


# --- The documentation's shell blocks ------------------------------------------------

DOC_BLOCK_MARKER = re.compile(r"^<!-- partner_peer_test: ([a-z0-9-]+)( stderr| stdout)? -->$")


def doc_blocks():
    """{name: text} of the marked fenced blocks of docs/partners.md.

    A line "<!-- partner_peer_test: NAME -->" marks the next fenced block as a
    command this test runs; "<!-- partner_peer_test: NAME stderr -->" (or
    stdout) marks a block as what that command prints there.
    """
    with open(PARTNERS_DOC, encoding="utf-8") as f:
        lines = f.read().splitlines()
    blocks = {}
    index = 0
    while index < len(lines):
        match = DOC_BLOCK_MARKER.match(lines[index].strip())
        index += 1
        if not match:
            continue
        # A fence may be indented (a block inside a numbered step); its
        # lines lose that indentation.
        while index < len(lines) and not lines[index].lstrip().startswith("```"):
            index += 1
        indent = len(lines[index]) - len(lines[index].lstrip()) if index < len(lines) else 0
        start = index + 1
        end = start
        while end < len(lines) and not lines[end].lstrip().startswith("```"):
            end += 1
        name = match.group(1) + (match.group(2) or "")
        if name in blocks:
            raise AssertionError("%s: two blocks named %r" % (PARTNERS_DOC, name))
        blocks[name] = "\n".join(line[indent:] for line in lines[start:end]) + "\n"
        index = end + 1
    return blocks


RUN_BLOCKS = set()  # names of the blocks run so far
STARTED_CLASSES = set()  # test classes whose server started


def run_doc_block(name, env, expected_exit=0, cwd=None):
    """Runs the documentation's block `name` with bash in WORK; returns the result.

    env adds to a clean environment: PATH with WORK/bin first (Debian's
    python3, our buf) and then this test's own (node, for buf), HOME, and for
    example YOGA_SERVER and YOGA_API_KEY.
    """
    blocks = doc_blocks()
    if name not in blocks:
        raise AssertionError("%s has no block marked %r" % (PARTNERS_DOC, name))
    RUN_BLOCKS.add(name)
    environment = {"PATH": "%s:%s" % (path("bin"), os.environ.get("PATH", "/usr/bin:/bin")),
                   "HOME": os.environ.get("HOME", WORK), "LANG": "C.UTF-8"}
    environment.update(env)
    result = run(["bash", "-e", "-o", "pipefail", "-c", blocks[name]], cwd=cwd or WORK,
                 env=environment, check=False)
    if result.returncode != expected_exit:
        raise AssertionError("docs/partners.md block %r exited with %d, not %d:\n%s\n"
                             "stdout:\n%s\nstderr:\n%s"
                             % (name, result.returncode, expected_exit, blocks[name],
                                result.stdout, result.stderr))
    return result


def doc_output(name, stream):
    """The documentation's shown output of block `name` on stream, or None."""
    return doc_blocks().get("%s %s" % (name, stream))


# --- The server -----------------------------------------------------------------------

class PartnerStudio(peer_support.StudioProcess):
    """yoga-studio on 127.0.0.1:0 with extra flags (TLS, keys)."""

    def __init__(self, binary, flags):
        # peer_support.StudioProcess with the flags added to its command line.
        self._stderr = tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            [binary, "--listen=127.0.0.1:0", *flags],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr,
            preexec_fn=peer_support.die_with_parent)
        self.address = self._read_address()
        self.port = int(self.address.rpartition(":")[2])


class PartnerTestCase(peer_support.RpcAssertions, unittest.TestCase):
    """One yoga-studio with TLS and API keys per class; extra flags in FLAGS."""

    FLAGS = []  # more flags; "%s" is the temporary folder
    CLIENT_CERT = None  # name of the client certificate to present, if any
    LOGGED_KEY_IDS = ()  # ids the class's calls must leave in the server's log

    @classmethod
    def setUpClass(cls):
        cls.studio = PartnerStudio(peer_support.ARGS.studio, [
            "--tls_cert=" + path("server.pem"), "--tls_key=" + path("server.key"),
            "--api_keys=" + path("api_keys"), *[flag % WORK for flag in cls.FLAGS]])
        cls.channel = cls.open_channel(cls.CLIENT_CERT)
        peer_support.await_channel(cls.channel, cls.studio, "TLS channel")
        cls.planner = planner_service_pb2_grpc.PlannerServiceStub(cls.channel)
        cls.catalog = catalog_service_pb2_grpc.CatalogServiceStub(cls.channel)
        cls.sessions = session_service_pb2_grpc.SessionServiceStub(cls.channel)
        STARTED_CLASSES.add(cls.__name__)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        log = cls.studio.stderr_text()
        cls.studio.stop()
        # What the server wrote names keys by id, never by the key.
        for key_id, key in SECRETS.items():
            if key in log:
                raise AssertionError("the server's log holds the key of %s" % key_id)
        if WRONG_KEY in log:
            raise AssertionError("the server's log holds a key it was sent")
        for key_id in cls.LOGGED_KEY_IDS:
            if not re.search(r"\bkey=%s\b" % re.escape(key_id), log):
                raise AssertionError("the server's log does not name key %s:\n%s"
                                     % (key_id, log))

    @classmethod
    def open_channel(cls, client_cert=None):
        """A TLS channel trusting our CA; with client_cert, presenting it."""
        credentials = grpc.ssl_channel_credentials(
            root_certificates=read("ca.pem"),
            private_key=read(client_cert + ".key") if client_cert else None,
            certificate_chain=read(client_cert + ".pem") if client_cert else None)
        return grpc.secure_channel(cls.studio.address, credentials)

    # Helpers.

    def metadata(self, key_id):
        return (("x-api-key", SECRETS[key_id]),)

    def compose_preset(self, key_id=None, metadata=None):
        if metadata is None:
            metadata = self.metadata(key_id) if key_id else ()
        return self.planner.ComposeRoutine(
            planner_service_pb2.ComposeRoutineRequest(preset_id=PRESET_ID),
            metadata=metadata, timeout=RPC_TIMEOUT)

    def get_pose(self, key_id):
        return self.catalog.GetPose(catalog_service_pb2.GetPoseRequest(id="bow"),
                                    metadata=self.metadata(key_id), timeout=RPC_TIMEOUT)

    def health_check(self, channel=None):
        check = (channel or self.channel).unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
            response_deserializer=health_pb2.HealthCheckResponse.FromString)
        return check(health_pb2.HealthCheckRequest(), timeout=RPC_TIMEOUT).status

    def details_of(self, error, message_type):
        """The message_type details in the error's grpc-status-details-bin."""
        found = []
        for key, value in error.trailing_metadata() or ():
            if key != "grpc-status-details-bin":
                continue
            status = status_pb2.Status.FromString(value)
            self.assertEqual(status.code, error.code().value[0])
            for detail in status.details:
                if detail.Is(message_type.DESCRIPTOR):
                    message = message_type()
                    detail.Unpack(message)
                    found.append(message)
        return found

    def reason_of(self, error):
        """(reason, domain, metadata) of the error's one google.rpc.ErrorInfo."""
        infos = self.details_of(error, error_details_pb2.ErrorInfo)
        self.assertEqual(len(infos), 1, "not one ErrorInfo in %r" % (error.trailing_metadata(),))
        return infos[0].reason, infos[0].domain, dict(infos[0].metadata)

    def run_example(self, *flags, key_id=None, env=None, expected_exit=0):
        """Runs docs/examples/compose_routine.py against this server."""
        environment = dict(os.environ)
        environment.pop("YOGA_API_KEY", None)
        environment.update(env or {})
        command = ["/usr/bin/python3", EXAMPLE, "--server=" + self.studio.address,
                   "--ca_cert=" + path("ca.pem"), "--stubs=" + path("gen"), *flags]
        if key_id:
            command.append("--api_key=" + SECRETS[key_id])
        result = run(command, env=environment, check=False)
        self.assertEqual(result.returncode, expected_exit,
                         "%s\nstdout:\n%s\nstderr:\n%s"
                         % (command[1:], result.stdout, result.stderr))
        return result

    def doc_env(self, key_id="coachco"):
        return {"YOGA_SERVER": "localhost:%d" % self.studio.port,
                "YOGA_API_KEY": SECRETS[key_id] if key_id else ""}

    def assert_doc_output(self, name, result, stream):
        """The block's output on stream is what the documentation shows."""
        shown = doc_output(name, stream)
        self.assertIsNotNone(shown, "docs/partners.md shows no %s of %r" % (stream, name))
        RUN_BLOCKS.add("%s %s" % (name, stream))
        actual = getattr(result, stream)
        self.assertEqual(actual.rstrip("\n"), shown.rstrip("\n"),
                         "docs/partners.md shows another %s for %r than the server gives"
                         % (stream, name))


class ApiKeyTest(PartnerTestCase):
    """TLS with API keys (no client certificates)."""

    LOGGED_KEY_IDS = ("acme-run", "coachco", "acme-web", "slow-lane")

    # Who may call.

    def test_no_key_is_unauthenticated(self):
        error = self.assert_rpc_error(lambda: self.compose_preset(),
                                      grpc.StatusCode.UNAUTHENTICATED)
        self.assertIn("x-api-key", error.details())
        self.assertEqual(self.reason_of(error), ("API_KEY_MISSING", "yoga.api", {}))

    def test_unknown_key_is_unauthenticated(self):
        error = self.assert_rpc_error(
            lambda: self.compose_preset(metadata=(("x-api-key", WRONG_KEY),)),
            grpc.StatusCode.UNAUTHENTICATED)
        # Told apart from a missing key by its reason alone.
        self.assertEqual(self.reason_of(error), ("API_KEY_UNKNOWN", "yoga.api", {}))
        # A key for another server, and the hash from the file instead of the key.
        self.assert_rpc_error(lambda: self.compose_preset(metadata=(("x-api-key", "x"),)),
                              grpc.StatusCode.UNAUTHENTICATED)

    def test_planner_key_on_sessions_is_permission_denied(self):
        request = session_service_pb2.GetSessionRequest(id="no-such-session")
        error = self.assert_rpc_error(
            lambda: self.sessions.GetSession(request, metadata=self.metadata("acme-web"),
                                             timeout=RPC_TIMEOUT),
            grpc.StatusCode.PERMISSION_DENIED)
        self.assertIn("sessions", error.details())
        self.assertIn("acme-web", error.details())
        self.assertEqual(self.reason_of(error),
                         ("PERMISSION_MISSING", "yoga.api", {"permission": "sessions"}))
        # The same call with a key that has the permission reaches the service.
        self.assert_rpc_error(
            lambda: self.sessions.GetSession(request, metadata=self.metadata("coachco"),
                                             timeout=RPC_TIMEOUT),
            grpc.StatusCode.NOT_FOUND)

    def test_planner_key_reaches_planner_and_catalog(self):
        self.assertEqual(self.compose_preset("acme-web").preset_id, PRESET_ID)
        self.assertEqual(self.get_pose("acme-web").id, "bow")

    def test_health_needs_no_key(self):
        self.assertEqual(self.health_check(), health_pb2.HealthCheckResponse.SERVING)

    # Quotas.

    def test_burst_then_retry_delay(self):
        burst = KEYS["acme-run"][2]
        for _ in range(burst):
            self.get_pose("acme-run")
        error = self.assert_rpc_error(lambda: self.get_pose("acme-run"),
                                      grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertIn("acme-run", error.details())
        self.assertIn("burst %d" % burst, error.details())
        self.assertEqual(self.reason_of(error)[0], "QUOTA_EXHAUSTED")
        retry_infos = self.details_of(error, error_details_pb2.RetryInfo)
        self.assertEqual(len(retry_infos), 1, "no google.rpc.RetryInfo in %r"
                         % (error.trailing_metadata(),))
        delay = retry_infos[0].retry_delay.ToTimedelta().total_seconds()
        rate = float(KEYS["acme-run"][1])
        self.assertGreater(delay, 0)
        self.assertLessEqual(delay, 1 / rate)
        # Waiting what the server said is enough.
        time.sleep(delay)
        self.assertEqual(self.get_pose("acme-run").id, "bow")

    def test_example_retries_after_the_servers_delay(self):
        self.get_pose("slow-lane")  # the bucket (burst 1) is now empty
        result = self.run_example("--preset=" + PRESET_ID, "--json", key_id="slow-lane")
        self.assertRegex(result.stderr, r"RESOURCE_EXHAUSTED: quota of key slow-lane "
                         r"exhausted .*; retrying in [0-9.]+ s \(attempt 2 of 3\)")
        self.assertEqual(json.loads(result.stdout)["presetId"], PRESET_ID)
        # Without retries the example reports the refusal and its delay.
        result = self.run_example("--preset=" + PRESET_ID, "--attempts=1",
                                  key_id="slow-lane", expected_exit=1)
        self.assertRegex(result.stderr, r"^RESOURCE_EXHAUSTED: quota of key slow-lane")
        self.assertRegex(result.stderr, r"\n  retry after [0-9.]+ s\n")

    # docs/examples/compose_routine.py.

    def test_example_preset_is_the_routine_of_the_api(self):
        result = self.run_example("--preset=" + PRESET_ID, "--json", key_id="coachco")
        routine = json_format.Parse(result.stdout, routine_pb2.Routine())
        self.assertEqual(routine, self.compose_preset("coachco"))

    def test_example_constraints_with_key_from_env(self):
        flags = ["--minutes=10", "--focus=lower-back,hips", "--no_floor", "--seed=7", "--json"]
        first = self.run_example(*flags, env={"YOGA_API_KEY": SECRETS["coachco"]})
        again = self.run_example(*flags, env={"YOGA_API_KEY": SECRETS["coachco"]})
        self.assertEqual(first.stdout, again.stdout)  # same request and seed, same routine
        routine_id = json.loads(first.stdout)["id"]
        fetched = self.run_example("--get=" + routine_id, "--json", key_id="coachco")
        self.assertEqual(fetched.stdout, first.stdout)

    def test_example_without_key(self):
        result = self.run_example("--preset=" + PRESET_ID, expected_exit=1)
        self.assertTrue(result.stderr.startswith("UNAUTHENTICATED: "), result.stderr)

    # The documentation's blocks.

    def test_doc_list_services_needs_no_key(self):
        result = run_doc_block("curl-list-services", self.doc_env(key_id=None))
        for service in ("yoga.planner.v1.PlannerService", "yoga.catalog.v1.CatalogService",
                        "yoga.session.v1.SessionService", "grpc.health.v1.Health"):
            self.assertIn(service, result.stdout.split())

    def test_doc_curl_preset(self):
        result = run_doc_block("curl-preset", self.doc_env())
        self.assertEqual(json.loads(result.stdout)["presetId"], PRESET_ID)

    def test_doc_curl_constraints(self):
        result = run_doc_block("curl-constraints", self.doc_env())
        routine = json.loads(result.stdout)
        self.assertTrue(routine["steps"])
        again = run_doc_block("curl-constraints", self.doc_env())
        self.assertEqual(again.stdout, result.stdout)

    def test_doc_curl_invalid_argument(self):
        result = run_doc_block("curl-invalid", self.doc_env(), expected_exit=3 * 8)
        self.assert_doc_output("curl-invalid", result, "stderr")

    def test_doc_curl_permission_denied(self):
        result = run_doc_block("curl-permission-denied", self.doc_env("acme-web"),
                               expected_exit=7 * 8)
        self.assert_doc_output("curl-permission-denied", result, "stderr")

    def test_doc_curl_no_key(self):
        result = run_doc_block("curl-no-key", self.doc_env(key_id=None),
                               expected_exit=16 * 8)
        self.assert_doc_output("curl-no-key", result, "stderr")

    def test_doc_python_preset(self):
        result = run_doc_block("python-preset", self.doc_env())
        self.assertTrue(result.stdout.startswith("routine "), result.stdout)

    def test_doc_python_constraints(self):
        result = run_doc_block("python-constraints", self.doc_env())
        self.assertTrue(result.stdout.startswith("routine "), result.stdout)

    def test_doc_python_invalid_argument(self):
        result = run_doc_block("python-invalid", self.doc_env(), expected_exit=1)
        self.assert_doc_output("python-invalid", result, "stderr")

    def test_doc_python_not_found(self):
        result = run_doc_block("python-not-found", self.doc_env(), expected_exit=1)
        self.assert_doc_output("python-not-found", result, "stderr")

    def test_doc_python_unknown_key(self):
        # The block sets YOGA_API_KEY itself.
        result = run_doc_block("python-unknown-key", self.doc_env(), expected_exit=1)
        self.assert_doc_output("python-unknown-key", result, "stderr")


class MutualTlsTest(PartnerTestCase):
    """TLS with API keys and --tls_client_ca: clients need a certificate of our CA."""

    FLAGS = ["--tls_client_ca=%s/ca.pem"]
    CLIENT_CERT = "client"
    LOGGED_KEY_IDS = ("coachco",)

    def assert_cannot_connect(self, client_cert):
        channel = self.open_channel(client_cert)
        try:
            with self.assertRaises(grpc.RpcError) as caught:
                planner_service_pb2_grpc.PlannerServiceStub(channel).ComposeRoutine(
                    planner_service_pb2.ComposeRoutineRequest(preset_id=PRESET_ID),
                    metadata=self.metadata("coachco"), timeout=CONNECT_TIMEOUT)
            self.assertIn(caught.exception.code(), (grpc.StatusCode.UNAVAILABLE,
                                                    grpc.StatusCode.DEADLINE_EXCEEDED),
                          caught.exception.details())
            # Not even health: the handshake itself fails.
            with self.assertRaises(grpc.RpcError):
                self.health_check(channel)
        finally:
            channel.close()

    def test_without_client_certificate_no_connection(self):
        self.assert_cannot_connect(None)

    def test_certificate_of_another_ca_no_connection(self):
        self.assert_cannot_connect("stranger")

    def test_with_client_certificate(self):
        self.assertEqual(self.health_check(), health_pb2.HealthCheckResponse.SERVING)
        self.assertEqual(self.compose_preset("coachco").preset_id, PRESET_ID)
        # The key is still needed.
        self.assert_rpc_error(lambda: self.compose_preset(),
                              grpc.StatusCode.UNAUTHENTICATED)

    def test_example_with_client_certificate(self):
        result = self.run_example("--preset=" + PRESET_ID, "--json",
                                  "--client_cert=" + path("client.pem"),
                                  "--client_key=" + path("client.key"), key_id="coachco")
        self.assertEqual(json.loads(result.stdout)["presetId"], PRESET_ID)
        self.run_example("--preset=" + PRESET_ID, key_id="coachco", expected_exit=1)

    def test_doc_blocks_with_client_certificate(self):
        result = run_doc_block("curl-mtls", self.doc_env())
        self.assertEqual(json.loads(result.stdout)["presetId"], PRESET_ID)
        result = run_doc_block("python-mtls", self.doc_env())
        self.assertTrue(result.stdout.startswith("routine "), result.stdout)


class OperatorCertificateTest(peer_support.RpcAssertions, unittest.TestCase):
    """The operator's certificate commands of docs/partners.md, run as written."""

    def test_doc_certificate_serves_the_names_in_its_subject_alt_name(self):
        folder = path("operator")
        os.makedirs(folder, exist_ok=True)
        result = run_doc_block("make-certificate", {}, cwd=folder)
        self.assertIn("DNS:planner.example.net", result.stdout)
        studio = PartnerStudio(peer_support.ARGS.studio, [
            "--tls_cert=" + os.path.join(folder, "server.pem"),
            "--tls_key=" + os.path.join(folder, "server.key")])
        try:
            with open(os.path.join(folder, "ca.pem"), "rb") as f:
                credentials = grpc.ssl_channel_credentials(root_certificates=f.read())
            # A client dialling the name in the certificate gets through ...
            for name, serves in (("planner.example.net", True), ("other.example.net", False)):
                channel = grpc.secure_channel(
                    studio.address, credentials,
                    options=[("grpc.ssl_target_name_override", name)])
                try:
                    check = channel.unary_unary(
                        "/grpc.health.v1.Health/Check",
                        request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
                        response_deserializer=health_pb2.HealthCheckResponse.FromString)
                    if serves:
                        self.assertEqual(check(health_pb2.HealthCheckRequest(),
                                               timeout=RPC_TIMEOUT).status,
                                         health_pb2.HealthCheckResponse.SERVING)
                    else:
                        # ... one dialling another name fails the handshake.
                        with self.assertRaises(grpc.RpcError) as caught:
                            check(health_pb2.HealthCheckRequest(), timeout=CONNECT_TIMEOUT)
                        self.assertIn(caught.exception.code(),
                                      (grpc.StatusCode.UNAVAILABLE,
                                       grpc.StatusCode.DEADLINE_EXCEEDED))
                finally:
                    channel.close()
        finally:
            studio.stop()


if __name__ == "__main__":
    peer_support.main(__doc__, load_generated_modules)
