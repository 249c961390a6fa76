"""Independent-client test of the catalog gRPC service.

Starts the real yoga-studio binary on a loopback port and talks to it only with
clients that share no code with the server: Debian's python3-grpcio with stubs
generated from our protos, and buf curl over server reflection. It proves that
the health service reports each service correctly, that ListPoses pages through
the whole catalog (sorted, no duplicates, stable etag) and filters correctly,
that GetPose returns the expected content, that every error path returns the
right status code with google.rpc.BadRequest field violations in the
grpc-status-details-bin trailer, that the server survives a malformed request,
that reflection lists every service, and that the server stops cleanly
(exit code 0) on SIGTERM.

Run by ctest as:
  /usr/bin/python3 tests/peer/catalog_peer_test.py --studio=PATH \
      --python_path=DIR --python_std_path=DIR --buf=PATH
"""

import importlib.util
import json
import os
import sys
import types

import grpc

import peer_support
from peer_support import RPC_TIMEOUT


CATALOG_SERVICE = "yoga.catalog.v1.CatalogService"
PLANNER_SERVICE = "yoga.planner.v1.PlannerService"
SESSION_SERVICE = "yoga.session.v1.SessionService"
HEALTH_SERVICE = "grpc.health.v1.Health"

EXPECTED_POSE_IDS = [
    "downward-facing-dog", "low-lunge", "supine-twist", "childs-pose",
    "tabletop", "deep-hip-stretch", "cat-cow", "bound-angle", "seated-twist",
    "kneeling-hip-flexor-stretch", "standing-hamstring-stretch", "pelvic-tilts",
    "bird-dog", "bridge", "pigeon", "squat", "locust", "bow",
    "reverse-tabletop", "reverse-plank", "sun-salutation",
]

# Generated modules, loaded in load_generated_modules().
catalog_service_pb2 = None
pose_pb2 = None
anatomy_pb2 = None
practice_pb2 = None
session_service_pb2 = None
session_service_pb2_grpc = None
health_pb2 = None
health_pb2_grpc = None


def _load_module_from_file(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _load_health_modules(python_std_path):
    """Loads grpc/health/v1 stubs by file path.

    Putting python_std_path on sys.path would let its grpc/ folder shadow the
    grpc package, so the modules are loaded by file instead. health_pb2_grpc
    does "from grpc.health.v1 import health_pb2", so health_pb2 is registered
    under that name, with placeholder parent packages that Debian's grpcio
    does not have.
    """
    std_dir = os.path.join(python_std_path, "grpc", "health", "v1")
    for package in ("grpc.health", "grpc.health.v1"):
        if package not in sys.modules:
            placeholder = types.ModuleType(package)
            placeholder.__path__ = []
            sys.modules[package] = placeholder
    pb2 = _load_module_from_file("grpc.health.v1.health_pb2",
                                 os.path.join(std_dir, "health_pb2.py"))
    sys.modules["grpc.health.v1"].health_pb2 = pb2
    pb2_grpc = _load_module_from_file("grpc.health.v1.health_pb2_grpc",
                                      os.path.join(std_dir, "health_pb2_grpc.py"))
    return pb2, pb2_grpc


def load_generated_modules(args):
    """Loads this test's generated modules (args.python_path is on sys.path)."""
    global catalog_service_pb2, pose_pb2, anatomy_pb2, practice_pb2
    global session_service_pb2, session_service_pb2_grpc, health_pb2, health_pb2_grpc
    from yoga.catalog.v1 import catalog_service_pb2, pose_pb2
    from yoga.type.v1 import anatomy_pb2, practice_pb2
    from yoga.session.v1 import session_service_pb2, session_service_pb2_grpc
    health_pb2, health_pb2_grpc = _load_health_modules(args.python_std_path)


class StudioTestCase(peer_support.StudioTestCase):
    """Base: one yoga-studio, one channel and a catalog stub per test class."""

    # Helpers.

    def list_all(self, page_size=5, **filters):
        """Follows next_page_token to the end; returns (poses, responses)."""
        poses, responses = [], []
        token = ""
        while True:
            response = self.catalog.ListPoses(
                catalog_service_pb2.ListPosesRequest(
                    page_size=page_size, page_token=token, **filters),
                timeout=RPC_TIMEOUT)
            responses.append(response)
            poses.extend(response.poses)
            token = response.next_page_token
            if not token:
                return poses, responses
            self.assertLess(len(responses), 1000, "paging does not end")


class HealthTest(StudioTestCase):

    def check(self, service):
        stub = health_pb2_grpc.HealthStub(self.channel)
        return stub.Check(health_pb2.HealthCheckRequest(service=service),
                          timeout=RPC_TIMEOUT)

    def test_server_catalog_and_planner_are_serving(self):
        for service in ("", CATALOG_SERVICE, PLANNER_SERVICE):
            with self.subTest(service=service):
                self.assertEqual(self.check(service).status,
                                 health_pb2.HealthCheckResponse.SERVING)

    def test_session_is_serving(self):
        self.assertEqual(self.check(SESSION_SERVICE).status,
                         health_pb2.HealthCheckResponse.SERVING)

    def test_unknown_service_is_not_found(self):
        self.assert_rpc_error(lambda: self.check("yoga.nothing.v1.NoService"),
                              grpc.StatusCode.NOT_FOUND)


class ListPosesTest(StudioTestCase):

    def test_pages_cover_the_catalog(self):
        poses, responses = self.list_all(page_size=5)
        ids = [pose.id for pose in poses]
        self.assertEqual(len(ids), len(set(ids)), "duplicate ids: %s" % ids)
        self.assertEqual(ids, sorted(ids))
        self.assertEqual(len(ids), responses[0].total_size)
        self.assertGreater(len(responses), 1, "page_size=5 should need several pages")
        for response in responses:
            self.assertLessEqual(len(response.poses), 5)
        etags = {response.etag for response in responses}
        self.assertEqual(len(etags), 1, "etag changes between pages: %s" % etags)
        self.assertTrue(responses[0].etag)
        missing = set(EXPECTED_POSE_IDS) - set(ids)
        self.assertFalse(missing, "missing poses: %s" % sorted(missing))

    def test_needs_floor_false(self):
        poses, responses = self.list_all(page_size=0, needs_floor=False)
        ids = {pose.id for pose in poses}
        self.assertEqual(len(poses), responses[0].total_size)
        self.assertFalse([pose.id for pose in poses if pose.needs_floor])
        self.assertIn("seated-twist", ids)
        self.assertNotIn("supine-twist", ids)

    def test_prone_position(self):
        everything, _ = self.list_all(page_size=100)
        expected = {pose.id for pose in everything
                    if pose.position == anatomy_pb2.BODY_POSITION_PRONE}
        self.assertEqual(expected, {"locust", "bow"})
        poses, responses = self.list_all(
            page_size=100, positions=[anatomy_pb2.BODY_POSITION_PRONE])
        self.assertEqual({pose.id for pose in poses}, expected)
        self.assertEqual(len(poses), 2)
        self.assertEqual(responses[0].total_size, 2)


class GetPoseTest(StudioTestCase):

    def get(self, pose_id):
        return self.catalog.GetPose(catalog_service_pb2.GetPoseRequest(id=pose_id),
                                    timeout=RPC_TIMEOUT)

    def test_locust(self):
        pose = self.get("locust")
        self.assertEqual(pose.id, "locust")
        self.assertTrue(pose.name)
        self.assertCountEqual([v.id for v in pose.variations],
                              ["locust-goal-post-arms", "locust-airplane-arms",
                               "locust-opposite-lifts"])
        self.assertTrue(pose.setup_cues)
        for cue in pose.setup_cues:
            self.assertTrue(cue.key, "setup cue without key: %s" % cue)
            self.assertTrue(cue.text, "setup cue without text: %s" % cue)
        self.assertIn("004_9712fff90632e079.txt", pose.sources)

    def test_supine_twist_has_seated_alternative(self):
        pose = self.get("supine-twist")
        self.assertIn(("seated-twist", pose_pb2.ALTERNATIVE_REASON_NO_FLOOR),
                      [(a.pose_id, a.reason) for a in pose.alternatives])


class ErrorTest(StudioTestCase):

    def get(self, pose_id):
        return self.catalog.GetPose(catalog_service_pb2.GetPoseRequest(id=pose_id),
                                    timeout=RPC_TIMEOUT)

    def test_get_pose_empty_id(self):
        error = self.assert_rpc_error(lambda: self.get(""),
                                      grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("id", self.bad_request_fields(error))

    def test_get_pose_bad_slug(self):
        error = self.assert_rpc_error(lambda: self.get("Not A Slug!"),
                                      grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("id", self.bad_request_fields(error))

    def test_get_pose_unknown(self):
        self.assert_rpc_error(lambda: self.get("no-such-pose"),
                              grpc.StatusCode.NOT_FOUND)

    def test_get_pose_variation_id(self):
        error = self.assert_rpc_error(lambda: self.get("locust-airplane-arms"),
                                      grpc.StatusCode.NOT_FOUND)
        # The message names the pose the variation belongs to, not only the id asked for.
        self.assertIn("locust", error.details().replace("locust-airplane-arms", ""))

    def test_list_poses_reports_every_bad_field(self):
        request = catalog_service_pb2.ListPosesRequest(
            page_size=-1, page_token="garbage", target_areas=[999])
        error = self.assert_rpc_error(
            lambda: self.catalog.ListPoses(request, timeout=RPC_TIMEOUT),
            grpc.StatusCode.INVALID_ARGUMENT)
        fields = self.bad_request_fields(error)
        for field in ("page_size", "page_token", "target_areas[0]"):
            self.assertIn(field, fields)

    def test_list_poses_token_with_other_filters(self):
        first = self.catalog.ListPoses(
            catalog_service_pb2.ListPosesRequest(page_size=2), timeout=RPC_TIMEOUT)
        self.assertTrue(first.next_page_token)
        request = catalog_service_pb2.ListPosesRequest(
            page_size=2, page_token=first.next_page_token,
            max_level=practice_pb2.LEVEL_BEGINNER)
        error = self.assert_rpc_error(
            lambda: self.catalog.ListPoses(request, timeout=RPC_TIMEOUT),
            grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("page_token", self.bad_request_fields(error))

    def test_malformed_request_then_server_still_answers(self):
        raw = self.channel.unary_unary(
            "/%s/ListPoses" % CATALOG_SERVICE,
            request_serializer=lambda b: b,
            response_deserializer=catalog_service_pb2.ListPosesResponse.FromString)
        with self.assertRaises(grpc.RpcError) as caught:
            raw(b"\xff\xff\xff", timeout=RPC_TIMEOUT)
        # The runtime turns undecodable bytes into INVALID_ARGUMENT (gRPC's callback
        # API alone would answer UNIMPLEMENTED with no message).
        self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("not a valid protobuf message", caught.exception.details())
        self.assertEqual(self.get("locust").id, "locust")

    def test_unknown_method(self):
        raw = self.channel.unary_unary("/%s/Nope" % CATALOG_SERVICE,
                                       request_serializer=lambda b: b,
                                       response_deserializer=lambda b: b)
        self.assert_rpc_error(lambda: raw(b"", timeout=RPC_TIMEOUT),
                              grpc.StatusCode.UNIMPLEMENTED)

    def test_session_get_unknown_session_is_not_found(self):
        session = session_service_pb2_grpc.SessionServiceStub(self.channel)
        self.assert_rpc_error(
            lambda: session.GetSession(session_service_pb2.GetSessionRequest(id="x"),
                                       timeout=RPC_TIMEOUT),
            grpc.StatusCode.NOT_FOUND)


class BufCurlTest(StudioTestCase):
    def test_list_services(self):
        services = self.buf_curl("--list-services",
                                 "http://%s" % self.studio.address).split()
        for service in (CATALOG_SERVICE, PLANNER_SERVICE, SESSION_SERVICE,
                        HEALTH_SERVICE):
            self.assertIn(service, services)
        # The reflection stream ends cleanly: the server logs it as OK.
        self.assertRegex(self.studio.stderr_text(),
                         r"method=/grpc.reflection.v1alpha.ServerReflection/"
                         r"ServerReflectionInfo code=OK")

    def test_health_is_described_by_reflection(self):
        output = self.buf_curl("-d", '{"service":"%s"}' % CATALOG_SERVICE,
                               "http://%s/%s/Check" % (self.studio.address,
                                                       HEALTH_SERVICE))
        self.assertEqual(json.loads(output)["status"], "SERVING")

    def test_get_pose(self):
        output = self.buf_curl("-d", '{"id":"bow"}',
                               "http://%s/%s/GetPose" % (self.studio.address,
                                                         CATALOG_SERVICE))
        self.assertEqual(json.loads(output)["id"], "bow")


if __name__ == "__main__":
    peer_support.main(__doc__, load_generated_modules)
