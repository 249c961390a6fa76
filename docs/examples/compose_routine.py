#!/usr/bin/env python3
"""Composes a routine with yoga.planner.v1.PlannerService, as a partner would.

A complete client of the planner: TLS (optionally with a client certificate),
an API key in the x-api-key metadata, a deadline on every call, retries that
follow the server's RetryInfo on RESOURCE_EXHAUSTED and back off on
UNAVAILABLE, and errors decoded from grpc-status-details-bin (every bad field
of an INVALID_ARGUMENT, and the google.rpc.ErrorInfo reason of every error). docs/partners.md explains each part;
tests/peer/partner_peer_test.py runs this file against a real server.

Needs grpcio and protobuf (Debian: python3-grpcio python3-protobuf) and Python
stubs generated from protos/ plus google/rpc/{status,error_details}.proto into
a folder (--stubs, default $YOGA_STUBS or ./gen); docs/partners.md shows the
protoc command.

Examples:
  export YOGA_API_KEY=...   # the key you were given
  python3 compose_routine.py --server=yoga.example.net:443 --preset=runners-lower-back-four
  python3 compose_routine.py --server=127.0.0.1:50051 --ca_cert=ca.pem \\
      --minutes=10 --focus=lower-back,hips --no_floor --seed=7 --json
  python3 compose_routine.py --server=127.0.0.1:50051 --ca_cert=ca.pem --get=f25a8d345b38ba2e

Exit status: 0 with the routine on stdout; 1 when the call failed (the status
code, its message and every detail on stderr); 2 for a bad command line.
"""

import argparse
import os
import random
import sys
import time

import grpc
from google.protobuf import json_format

RPC_TIMEOUT = 10  # seconds: the deadline of each attempt
BACKOFF_FIRST = 0.25  # seconds before the first retry after UNAVAILABLE ...
BACKOFF_MAX = 4.0  # ... doubling up to this
DEFAULT_QUOTA_WAIT = 1.0  # seconds, should a RESOURCE_EXHAUSTED quota carry no RetryInfo

# Loaded by load_stubs().
planner_service_pb2 = None
planner_service_pb2_grpc = None
anatomy_pb2 = None
practice_pb2 = None
status_pb2 = None
error_details_pb2 = None


def load_stubs(folder):
    """Imports the generated modules from `folder` (or wherever they are installed)."""
    global planner_service_pb2, planner_service_pb2_grpc, anatomy_pb2, practice_pb2
    global status_pb2, error_details_pb2
    if folder:
        sys.path.insert(0, os.path.abspath(folder))
    try:
        from yoga.planner.v1 import planner_service_pb2, planner_service_pb2_grpc
        from yoga.type.v1 import anatomy_pb2, practice_pb2
        from google.rpc import status_pb2, error_details_pb2
    except ImportError as error:
        sys.exit("compose_routine.py: cannot import the generated stubs (%s); generate them "
                 "into %s first (docs/partners.md, \"Python\")" % (error, folder or "gen"))


# --- The request --------------------------------------------------------------

def enum_value(enum, prefix, flag, name):
    """'lower-back' -> BODY_AREA_LOWER_BACK's number; exits 2 on an unknown name."""
    full = prefix + name.strip().upper().replace("-", "_")
    try:
        return enum.Value(full)
    except ValueError:
        known = [n[len(prefix):].lower().replace("_", "-") for n in enum.keys()
                 if not n.endswith("_UNSPECIFIED")]
        print("compose_routine.py: --%s=%s is not one of %s" % (flag, name, ", ".join(known)),
              file=sys.stderr)
        sys.exit(2)


def names(text):
    return [part for part in text.split(",") if part.strip()] if text else []


def make_request(args):
    """The ComposeRoutineRequest the command line asks for."""
    if args.preset:
        return planner_service_pb2.ComposeRoutineRequest(preset_id=args.preset)
    constraints = planner_service_pb2.Constraints(
        focus_areas=[enum_value(anatomy_pb2.BodyArea, "BODY_AREA_", "focus", n)
                     for n in names(args.focus)],
        no_floor=args.no_floor,
        standing_only=args.standing_only,
        excluded_pose_ids=names(args.exclude),
        conditions=[enum_value(anatomy_pb2.Condition, "CONDITION_", "condition", n)
                    for n in names(args.condition)],
        seed=args.seed)
    constraints.target_duration.seconds = round(args.minutes * 60)
    if args.level:
        constraints.max_level = enum_value(practice_pb2.Level, "LEVEL_", "level", args.level)
    if args.moment:
        constraints.moment = enum_value(planner_service_pb2.Moment, "MOMENT_", "moment",
                                        args.moment)
    return planner_service_pb2.ComposeRoutineRequest(constraints=constraints)


# --- The channel ----------------------------------------------------------------

def read(path):
    with open(path, "rb") as f:
        return f.read()


# Reconnect within 5 s of the server coming back (gRPC's default waits up to
# 2 minutes between tries), and find a dead connection with keepalive pings no
# more often than the server allows (every 10 s). docs/partners.md explains.
CHANNEL_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 250),
    ("grpc.min_reconnect_backoff_ms", 250),
    ("grpc.max_reconnect_backoff_ms", 5000),
    ("grpc.keepalive_time_ms", 30000),
    ("grpc.keepalive_timeout_ms", 10000),
    ("grpc.keepalive_permit_without_calls", 1),
]


def open_channel(args):
    """A TLS channel (system roots unless --ca_cert), or plaintext with --insecure."""
    if args.insecure:
        return grpc.insecure_channel(args.server, options=CHANNEL_OPTIONS)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(args.ca_cert) if args.ca_cert else None,
        private_key=read(args.client_key) if args.client_key else None,
        certificate_chain=read(args.client_cert) if args.client_cert else None)
    return grpc.secure_channel(args.server, credentials, options=CHANNEL_OPTIONS)


# --- Errors ---------------------------------------------------------------------

def status_details(error):
    """The google.rpc.Status in the error's grpc-status-details-bin trailer, or None."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            return status_pb2.Status.FromString(value)
    return None


def unpack(status, message_type):
    """Every detail of `status` that is a message_type, unpacked."""
    found = []
    for detail in status.details if status else ():
        if detail.Is(message_type.DESCRIPTOR):
            message = message_type()
            detail.Unpack(message)
            found.append(message)
    return found


def retry_delay(error):
    """Seconds the server asks to wait (google.rpc.RetryInfo), or None."""
    for info in unpack(status_details(error), error_details_pb2.RetryInfo):
        return info.retry_delay.ToTimedelta().total_seconds()
    return None


def describe(error):
    """The error as lines: code and message, then each detail."""
    lines = ["%s: %s" % (error.code().name, error.details())]
    status = status_details(error)
    for bad_request in unpack(status, error_details_pb2.BadRequest):
        for violation in bad_request.field_violations:
            lines.append("  field %s: %s" % (violation.field, violation.description))
    for info in unpack(status, error_details_pb2.RetryInfo):
        lines.append("  retry after %.3f s"
                     % info.retry_delay.ToTimedelta().total_seconds())
    # The stable reason: what code should branch on, never the message.
    for info in unpack(status, error_details_pb2.ErrorInfo):
        lines.append("  reason %s (%s)" % (info.reason, info.domain))
    return lines


def call_with_retries(rpc, request, args):
    """Calls rpc(request) with the key; retries what is worth retrying.

    RESOURCE_EXHAUSTED with a RetryInfo (the key's quota) is retried after the
    delay the server gives. UNAVAILABLE (server restarting, network) is retried
    with exponential backoff and jitter. The planner's calls are idempotent, so
    retrying them is always safe. Everything else is final: fix the request
    (INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION) or the key
    (UNAUTHENTICATED, PERMISSION_DENIED).
    """
    metadata = (("x-api-key", args.api_key),) if args.api_key else ()
    backoff = BACKOFF_FIRST
    for attempt in range(1, args.attempts + 1):
        try:
            return rpc(request, metadata=metadata, timeout=args.timeout)
        except grpc.RpcError as error:
            if attempt == args.attempts:
                raise
            if error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                wait = retry_delay(error)
                if wait is None:
                    raise  # not a quota (say, a message too large): retrying will not help
            elif error.code() == grpc.StatusCode.UNAVAILABLE:
                wait = random.uniform(0.5, 1.0) * backoff
                backoff = min(backoff * 2, BACKOFF_MAX)
            else:
                raise
            print("%s; retrying in %.2f s (attempt %d of %d)"
                  % (describe(error)[0], wait, attempt + 1, args.attempts),
                  file=sys.stderr)
            time.sleep(wait)
    raise AssertionError("unreachable")


# --- Output ---------------------------------------------------------------------

def minutes(duration):
    seconds = round(duration.ToTimedelta().total_seconds())
    return "%d:%02d" % (seconds // 60, seconds % 60)


def print_routine(routine, as_json):
    if as_json:
        print(json_format.MessageToJson(routine))
        return
    print("routine %s: %s (%s, %d steps)"
          % (routine.id, routine.title, minutes(routine.total_duration), len(routine.steps)))
    for index, step in enumerate(routine.steps, 1):
        side = anatomy_pb2.Side.Name(step.side)[len("SIDE_"):].lower() if step.side else ""
        pose = step.pose_id + ("/" + step.variation_id if step.variation_id else "")
        unit = practice_pb2.HoldUnit.Name(step.hold_unit)[len("HOLD_UNIT_"):].lower()
        print("%3d. %-36s %-5s %3d %-11s %5s  %s" % (index, pose, side, step.hold_count, unit,
                                                   minutes(step.hold), step.reason))


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[1:]))
    connection = parser.add_argument_group("connection")
    connection.add_argument("--server", required=True, help="HOST:PORT of the planner")
    connection.add_argument("--api_key", default=os.environ.get("YOGA_API_KEY", ""),
                            help="the API key (default: $YOGA_API_KEY, better than this flag, "
                                 "which other users can see in ps); sent as x-api-key")
    connection.add_argument("--ca_cert", help="PEM file of the CA that signed the server's "
                            "certificate (default: the system's roots)")
    connection.add_argument("--client_cert", help="PEM client certificate, for mutual TLS")
    connection.add_argument("--client_key", help="PEM key of --client_cert")
    connection.add_argument("--insecure", action="store_true",
                            help="plaintext, for a studio on loopback only")
    connection.add_argument("--timeout", type=float, default=RPC_TIMEOUT,
                            help="deadline of each attempt, seconds (default %(default)s)")
    connection.add_argument("--attempts", type=int, default=3,
                            help="attempts in all, retries included (default %(default)s)")
    connection.add_argument("--stubs", default=os.environ.get("YOGA_STUBS", "gen"),
                            help="folder of the generated Python stubs "
                                 "(default: $YOGA_STUBS or ./gen)")
    what = parser.add_argument_group("what to compose (one of)")
    what.add_argument("--preset", help="a preset id, e.g. runners-lower-back-four")
    what.add_argument("--minutes", type=float, help="compose from constraints: 2 to 60")
    what.add_argument("--get", metavar="ROUTINE_ID", help="fetch a routine made earlier")
    constraints = parser.add_argument_group("constraints (with --minutes)")
    constraints.add_argument("--focus", help="areas, e.g. lower-back,hips,hamstrings")
    constraints.add_argument("--level", help="beginner, intermediate or advanced")
    constraints.add_argument("--moment", help="post-run, pre-run or rest-day")
    constraints.add_argument("--no_floor", action="store_true", help="never lie on the floor")
    constraints.add_argument("--standing_only", action="store_true",
                             help="standing poses only: no kneeling, sitting or lying")
    constraints.add_argument("--exclude", help="pose ids never to use, comma-separated")
    constraints.add_argument("--condition",
                             help="e.g. flexion-sensitive-back,sensitive-knees")
    constraints.add_argument("--seed", type=int, default=0,
                             help="variety seed; same request and seed, same routine")
    parser.add_argument("--json", action="store_true", help="print the Routine as JSON")
    args = parser.parse_args()
    chosen = [flag for flag in ("preset", "minutes", "get") if getattr(args, flag) is not None]
    if len(chosen) != 1:
        parser.error("give exactly one of --preset, --minutes and --get")
    if bool(args.client_cert) != bool(args.client_key):
        parser.error("--client_cert and --client_key go together")
    if args.insecure and (args.ca_cert or args.client_cert):
        parser.error("--insecure takes no certificates")
    if args.attempts < 1:
        parser.error("--attempts must be at least 1")
    return args


def main():
    args = parse_args()
    load_stubs(args.stubs)
    with open_channel(args) as channel:
        planner = planner_service_pb2_grpc.PlannerServiceStub(channel)
        try:
            if args.get:
                routine = call_with_retries(
                    planner.GetRoutine, planner_service_pb2.GetRoutineRequest(id=args.get),
                    args)
            else:
                routine = call_with_retries(planner.ComposeRoutine, make_request(args), args)
        except grpc.RpcError as error:
            print("\n".join(describe(error)), file=sys.stderr)
            return 1
    print_routine(routine, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
