"""Independent-client test of the session gRPC service.

Starts the real yoga-studio binary on a loopback port and talks to it only with
clients that share no code with the server: Debian's python3-grpcio with stubs
generated from our protos, and buf curl over server reflection. It proves that
a short session streams to its end on the timing model's rules (cue seq 1..N
rising by one, offsets rising, no two prompts overlapping, each cue sent ahead
of its offset, heartbeats with seq 0 that carry the session time, SESSION_START
first and END last, the stream ending with OK, the session then COMPLETED),
that a client which reconnects with after_seq gets the next cue exactly once,
that PAUSE, RESUME and STOP change the state and reach the stream as PAUSED,
RESUMED and STOPPED events (and that actions the state does not allow are
FAILED_PRECONDITION), that every error path returns the right status code
(with google.rpc.BadRequest field violations in the grpc-status-details-bin
trailer for INVALID_ARGUMENT), that buf curl can start a session over
reflection, and that the server stops cleanly (exit code 0) on SIGTERM.

Run by ctest as two tests, FullSessionTest (real time: a minute and a half)
apart from the rest:
  /usr/bin/python3 tests/peer/session_peer_test.py --studio=PATH \
      --python_path=DIR --python_std_path=DIR --buf=PATH [FullSessionTest |
      --skip=FullSessionTest]
"""

import json
import queue
import threading
import time
import uuid

import grpc

import peer_support
from peer_support import RPC_TIMEOUT

STREAM_TIMEOUT = 150  # seconds, the deadline of every StreamCues call (a whole
# guided one-pose session plays in real time in about a minute and a half)
EVENT_TIMEOUT = 10  # seconds to wait for an expected event on a stream
LOOKAHEAD_MAX_MS = 2000  # cues come "a second or two" ahead of their offset
HEARTBEAT_GAP_MAX = 2.5  # seconds of silence allowed between two stream events

SESSION_SERVICE = "yoga.session.v1.SessionService"

# A standing pose whose hold is counted in seconds (10 to 20): held for 10 s it
# makes a session of about half a minute.
POSE_ID = "standing-hamstring-stretch"
HOLD_COUNT = 10
BREATH_SECONDS = 5

# Generated modules, loaded in load_generated_modules().
session_service_pb2 = None
session_service_pb2_grpc = None
planner_service_pb2 = None
practice_pb2 = None
routine_pb2 = None


def load_generated_modules(args):
    """Loads this test's generated modules (args.python_path is on sys.path)."""
    global session_service_pb2, session_service_pb2_grpc, planner_service_pb2
    global practice_pb2, routine_pb2
    from yoga.session.v1 import session_service_pb2, session_service_pb2_grpc
    from yoga.planner.v1 import planner_service_pb2
    from yoga.type.v1 import practice_pb2, routine_pb2


def short_routine(hold_count=HOLD_COUNT):
    """A complete one-step inline routine, timed with a 5 s breath."""
    routine = routine_pb2.Routine(steps=[
        routine_pb2.RoutineStep(pose_id=POSE_ID, hold_count=hold_count)])
    routine.breath_length.seconds = BREATH_SECONDS
    return routine


def options(lead_in_ms=0, verbosity=None, **fields):
    """SessionOptions with lead_in set (to 0 unless told) and MINIMAL verbosity."""
    if verbosity is None:
        verbosity = session_service_pb2.VERBOSITY_MINIMAL
    result = session_service_pb2.SessionOptions(verbosity=verbosity, **fields)
    result.lead_in.FromMilliseconds(lead_in_ms)
    return result


def unique_profile():
    """A profile id no other run of the tests shares (the database outlives a run)."""
    return "peer-%s" % uuid.uuid4().hex


def kind_name(event):
    return session_service_pb2.CueKind.Name(event.kind)


def describe(events):
    """The events, one a line, for failure messages."""
    return "\n".join("seq=%d offset_ms=%d duration_ms=%d %s session_time_ms=%d %r"
                     % (e.seq, e.offset_ms, e.duration_ms, kind_name(e),
                        e.session_time_ms, e.text) for e in events)


class CueReader:
    """Reads a StreamCues call on a thread, so the test can control meanwhile."""

    def __init__(self, call):
        self.call = call
        self.events = []  # every event taken from the queue, in order
        self._queue = queue.Queue()
        self._ended = False
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self):
        try:
            for event in self.call:
                self._queue.put(event)
        except grpc.RpcError:
            pass  # the call's code() says how it ended
        self._queue.put(None)

    def next(self, timeout=EVENT_TIMEOUT):
        """The next event, or None once the stream has ended."""
        if self._ended:
            return None
        try:
            event = self._queue.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no event within %d s after:\n%s"
                                 % (timeout, describe(self.events)))
        if event is None:
            self._ended = True
        else:
            self.events.append(event)
        return event

    def read_until(self, predicate, timeout=EVENT_TIMEOUT):
        """Reads up to the first event that matches; returns the events read."""
        start = len(self.events)
        deadline = time.monotonic() + timeout
        while True:
            event = self.next(max(deadline - time.monotonic(), 0.01))
            if event is None:
                raise AssertionError("the stream ended (%s %r) before the event "
                                     "looked for; events:\n%s"
                                     % (self.call.code(), self.call.details(),
                                        describe(self.events)))
            if predicate(event):
                return self.events[start:]

    def read_to_end(self, timeout=EVENT_TIMEOUT):
        """Reads to the end of the stream; returns (events read, status code)."""
        start = len(self.events)
        deadline = time.monotonic() + timeout
        while self.next(max(deadline - time.monotonic(), 0.01)) is not None:
            pass
        self._thread.join(timeout=RPC_TIMEOUT)
        return self.events[start:], self.call.code()

    def close(self):
        self.call.cancel()
        self._thread.join(timeout=RPC_TIMEOUT)


class StudioTestCase(peer_support.StudioTestCase):
    """Base: adds a session stub to peer_support.StudioTestCase."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sessions = session_service_pb2_grpc.SessionServiceStub(cls.channel)

    # Helpers.

    def start(self, **request):
        return self.sessions.StartSession(
            session_service_pb2.StartSessionRequest(**request), timeout=RPC_TIMEOUT)

    def start_short(self, lead_in_ms=0, profile_id="", **fields):
        return self.start(routine=short_routine(), profile_id=profile_id,
                          options=options(lead_in_ms=lead_in_ms, **fields))

    def records(self, profile_id, **fields):
        return self.sessions.ListPracticeRecords(
            session_service_pb2.ListPracticeRecordsRequest(profile_id=profile_id,
                                                           **fields),
            timeout=RPC_TIMEOUT)

    def summary(self, profile_id, **fields):
        return self.sessions.GetPracticeSummary(
            session_service_pb2.GetPracticeSummaryRequest(profile_id=profile_id,
                                                          **fields),
            timeout=RPC_TIMEOUT)

    def get(self, session_id):
        return self.sessions.GetSession(
            session_service_pb2.GetSessionRequest(id=session_id), timeout=RPC_TIMEOUT)

    def control(self, session_id, action):
        return self.sessions.ControlSession(
            session_service_pb2.ControlSessionRequest(session_id=session_id,
                                                      action=action),
            timeout=RPC_TIMEOUT)

    def stream(self, session_id, after_seq=0):
        return self.sessions.StreamCues(
            session_service_pb2.StreamCuesRequest(session_id=session_id,
                                                  after_seq=after_seq),
            timeout=STREAM_TIMEOUT)

    def reader(self, session_id, after_seq=0):
        """A CueReader of a new StreamCues call, cancelled at cleanup."""
        result = CueReader(self.stream(session_id, after_seq))
        self.addCleanup(result.close)
        return result

    def stop_quietly(self, session_id):
        """Stops a session at cleanup, whatever state it is in."""
        try:
            self.control(session_id, session_service_pb2.CONTROL_ACTION_STOP)
        except grpc.RpcError:
            pass

    def assert_invalid(self, call, *expected_fields):
        """Asserts INVALID_ARGUMENT naming every one of expected_fields."""
        error = self.assert_rpc_error(call, grpc.StatusCode.INVALID_ARGUMENT)
        fields = self.bad_request_fields(error)
        for field in expected_fields:
            self.assertIn(field, fields, "details: %s" % error.details())
        return fields

    def assert_cues_consecutive(self, events, first_seq):
        """Cues (seq > 0) of events are first_seq, first_seq + 1, ..."""
        seqs = [event.seq for event in events if event.seq > 0]
        self.assertEqual(seqs, list(range(first_seq, first_seq + len(seqs))),
                         describe(events))


class FullSessionTest(StudioTestCase):

    LEAD_IN_MS = 1000

    def test_short_session_streams_to_its_end(self):
        # A lead-in of 1 s rather than 0, so that even the first cue is due after
        # the stream has opened and must come ahead of its offset.
        profile = unique_profile()
        started = self.start_short(lead_in_ms=self.LEAD_IN_MS, profile_id=profile)
        self.addCleanup(self.stop_quietly, started.id)
        self.assertTrue(started.id)
        self.assertEqual(started.profile_id, profile)
        self.assertEqual(started.state, session_service_pb2.SESSION_STATE_RUNNING)
        self.assertEqual([(s.pose_id, s.hold_count) for s in started.routine.steps],
                         [(POSE_ID, HOLD_COUNT)])
        self.assertEqual(started.options.verbosity, session_service_pb2.VERBOSITY_MINIMAL)
        self.assertEqual(started.options.lead_in.ToMilliseconds(), self.LEAD_IN_MS)
        self.assertEqual(started.options.breath_length.ToSeconds(), BREATH_SECONDS)
        self.assertTrue(started.options.voice_pack, "default voice pack not filled in")
        self.assertGreater(started.last_seq, 0)
        # The shortest whole session: opening, one entry, a ten-second hold,
        # exit and closing, each spoken in full time (every verbosity lasts as
        # long as FULL) - under two minutes, so that this test stays short.
        self.assertLess(started.duration.ToMilliseconds(), 120000)

        events, arrivals = [], []
        call = self.stream(started.id)
        try:
            for event in call:
                events.append(event)
                arrivals.append(time.monotonic())
        except grpc.RpcError:
            pass
        self.assertEqual(call.code(), grpc.StatusCode.OK,
                         "%s; events:\n%s" % (call.details(), describe(events)))
        cues = [event for event in events if event.seq > 0]
        heartbeats = [event for event in events if event.seq == 0]
        listing = describe(events)

        # Cues: seq 1..N, offsets rising, no overlap, each sent ahead of time.
        self.assertTrue(cues, listing)
        self.assert_cues_consecutive(events, 1)
        self.assertEqual(len(cues), started.last_seq, listing)
        self.assertEqual(kind_name(cues[0]), "CUE_KIND_SESSION_START", listing)
        self.assertEqual(kind_name(cues[-1]), "CUE_KIND_END", listing)
        self.assertGreaterEqual(cues[0].offset_ms, self.LEAD_IN_MS, listing)
        for before, after in zip(cues, cues[1:]):
            self.assertLess(before.offset_ms, after.offset_ms, listing)
            self.assertLessEqual(before.offset_ms + before.duration_ms, after.offset_ms,
                                 "seq %d overlaps seq %d:\n%s"
                                 % (before.seq, after.seq, listing))
        for cue in cues:
            self.assertLessEqual(cue.session_time_ms, cue.offset_ms,
                                 "seq %d came late:\n%s" % (cue.seq, listing))
            self.assertLessEqual(cue.offset_ms - cue.session_time_ms, LOOKAHEAD_MAX_MS,
                                 "seq %d came too early:\n%s" % (cue.seq, listing))
            self.assertIn(cue.step_index, (-1, 0), listing)
            if cue.step_index == 0:
                self.assertEqual(cue.pose_id, POSE_ID, listing)
        self.assertEqual(started.duration.ToMilliseconds(),
                         cues[-1].offset_ms + cues[-1].duration_ms, listing)

        # The hold runs from HOLD_START to the chime that ends it.
        kinds = [kind_name(cue) for cue in cues]
        self.assertIn("CUE_KIND_POSE", kinds, listing)
        self.assertIn("CUE_KIND_HOLD_START", kinds, listing)
        hold_start = kinds.index("CUE_KIND_HOLD_START")
        self.assertIn("CUE_KIND_CHIME", kinds[hold_start:], listing)
        chime = kinds.index("CUE_KIND_CHIME", hold_start)
        self.assertEqual(cues[chime].offset_ms - cues[hold_start].offset_ms,
                         started.routine.steps[0].hold.ToMilliseconds(), listing)

        # Heartbeats: seq 0, no sound, no step, the session clock; at least one
        # a second, so the stream is never silent for long.
        self.assertTrue(heartbeats, listing)
        for heartbeat in heartbeats:
            self.assertEqual(kind_name(heartbeat), "CUE_KIND_HEARTBEAT", listing)
            self.assertEqual(heartbeat.prompt_key, "", listing)
            self.assertEqual(heartbeat.step_index, -1, listing)
        self.assertGreater(heartbeats[-1].session_time_ms, 0, listing)
        times = [event.session_time_ms for event in events]
        self.assertEqual(times, sorted(times), "session time goes back:\n%s" % listing)
        self.assertGreaterEqual(times[-1], cues[-1].offset_ms, listing)
        gaps = [after - before for before, after in zip(arrivals, arrivals[1:])]
        self.assertLessEqual(max(gaps), HEARTBEAT_GAP_MAX,
                             "the stream was silent for %.1f s:\n%s"
                             % (max(gaps), listing))

        session = self.get(started.id)
        self.assertEqual(session.state, session_service_pb2.SESSION_STATE_COMPLETED)
        self.assertEqual(session.last_seq, len(cues))

        # The session was heard to its end: one completed practice record, for
        # the whole session, written as the stream ended.
        records = self.records(profile).records
        self.assertEqual(len(records), 1, records)
        self.assertEqual(records[0].session_id, started.id)
        self.assertTrue(records[0].completed)
        self.assertEqual(records[0].practised.ToMilliseconds(),
                         started.duration.ToMilliseconds())
        self.assertEqual(records[0].routine_id, started.routine.id)


class ResumeTest(StudioTestCase):

    def test_reconnect_after_seq_gets_the_next_cue_once(self):
        # FULL verbosity: cues come every few seconds from the start.
        started = self.start_short(verbosity=session_service_pb2.VERBOSITY_FULL)
        self.addCleanup(self.stop_quietly, started.id)
        first = self.reader(started.id)
        received = first.read_until(lambda event: event.seq >= 2)
        self.assert_cues_consecutive(received, 1)
        last_seq = received[-1].seq
        first.close()
        self.assertEqual(first.call.code(), grpc.StatusCode.CANCELLED)

        second = self.reader(started.id, after_seq=last_seq)
        resumed = second.read_until(lambda event: event.seq >= last_seq + 2)
        self.assert_cues_consecutive(resumed, last_seq + 1)
        self.assertEqual(self.get(started.id).state,
                         session_service_pb2.SESSION_STATE_RUNNING)

        # Stop it; every cue up to the STOPPED event is still in order.
        self.control(started.id, session_service_pb2.CONTROL_ACTION_STOP)
        rest, code = second.read_to_end()
        self.assertEqual(code, grpc.StatusCode.OK, describe(second.events))
        self.assertEqual(kind_name(rest[-1]), "CUE_KIND_STOPPED", describe(rest))
        self.assert_cues_consecutive(resumed + rest, last_seq + 1)

    def test_resume_from_the_start(self):
        started = self.start_short()
        self.addCleanup(self.stop_quietly, started.id)
        stream = self.reader(started.id, after_seq=0)
        received = stream.read_until(lambda event: event.seq > 0)
        self.assertEqual(received[-1].seq, 1, describe(received))
        self.assertEqual(kind_name(received[-1]), "CUE_KIND_SESSION_START")


class ControlTest(StudioTestCase):

    def test_pause_resume_stop(self):
        started = self.start_short()
        self.addCleanup(self.stop_quietly, started.id)
        stream = self.reader(started.id)
        stream.read_until(lambda event: event.seq == 1)

        paused = self.control(started.id, session_service_pb2.CONTROL_ACTION_PAUSE)
        self.assertEqual(paused.state, session_service_pb2.SESSION_STATE_PAUSED)
        self.assertEqual(self.get(started.id).state,
                         session_service_pb2.SESSION_STATE_PAUSED)
        events = stream.read_until(lambda event: event.seq == 0 and kind_name(event) !=
                                   "CUE_KIND_HEARTBEAT")
        self.assertEqual(kind_name(events[-1]), "CUE_KIND_PAUSED", describe(events))
        error = self.assert_rpc_error(
            lambda: self.control(started.id, session_service_pb2.CONTROL_ACTION_PAUSE),
            grpc.StatusCode.FAILED_PRECONDITION)
        self.assertTrue(error.details())
        # Session time stands still while paused.
        elapsed = self.get(started.id).elapsed.ToMilliseconds()
        time.sleep(1.2)
        self.assertEqual(self.get(started.id).elapsed.ToMilliseconds(), elapsed)

        resumed = self.control(started.id, session_service_pb2.CONTROL_ACTION_RESUME)
        self.assertEqual(resumed.state, session_service_pb2.SESSION_STATE_RUNNING)
        events = stream.read_until(lambda event: event.seq == 0 and kind_name(event) !=
                                   "CUE_KIND_HEARTBEAT")
        self.assertEqual(kind_name(events[-1]), "CUE_KIND_RESUMED", describe(events))

        stopped = self.control(started.id, session_service_pb2.CONTROL_ACTION_STOP)
        self.assertEqual(stopped.state, session_service_pb2.SESSION_STATE_STOPPED)
        rest, code = stream.read_to_end()
        self.assertEqual(code, grpc.StatusCode.OK,
                         "%s; events:\n%s" % (stream.call.details(),
                                              describe(stream.events)))
        self.assertTrue(rest, "the stream ended with no STOPPED event")
        self.assertEqual(kind_name(rest[-1]), "CUE_KIND_STOPPED", describe(rest))
        self.assertEqual(rest[-1].seq, 0)
        self.assert_cues_consecutive(stream.events, 1)
        self.assertEqual(self.get(started.id).state,
                         session_service_pb2.SESSION_STATE_STOPPED)

        for action in (session_service_pb2.CONTROL_ACTION_PAUSE,
                       session_service_pb2.CONTROL_ACTION_RESUME,
                       session_service_pb2.CONTROL_ACTION_NEXT,
                       session_service_pb2.CONTROL_ACTION_PREVIOUS,
                       session_service_pb2.CONTROL_ACTION_STOP,
                       session_service_pb2.CONTROL_ACTION_STAY_LONGER):
            with self.subTest(action=session_service_pb2.ControlAction.Name(action)):
                self.assert_rpc_error(lambda: self.control(started.id, action),
                                      grpc.StatusCode.FAILED_PRECONDITION)

    def test_stream_of_a_stopped_session_ends(self):
        started = self.start_short()
        self.control(started.id, session_service_pb2.CONTROL_ACTION_STOP)
        _, code = self.reader(started.id).read_to_end()
        self.assertEqual(code, grpc.StatusCode.OK)


class ErrorTest(StudioTestCase):

    UNKNOWN_ID = "000000000000000000000000"

    def test_unknown_session(self):
        self.assert_rpc_error(lambda: self.get(self.UNKNOWN_ID),
                              grpc.StatusCode.NOT_FOUND)
        self.assert_rpc_error(
            lambda: self.control(self.UNKNOWN_ID, session_service_pb2.CONTROL_ACTION_PAUSE),
            grpc.StatusCode.NOT_FOUND)
        self.assert_rpc_error(lambda: list(self.stream(self.UNKNOWN_ID)),
                              grpc.StatusCode.NOT_FOUND)

    def test_empty_ids(self):
        self.assert_invalid(lambda: self.get(""), "id")
        self.assert_invalid(
            lambda: self.control("", session_service_pb2.CONTROL_ACTION_PAUSE),
            "session_id")
        self.assert_invalid(lambda: list(self.stream("")), "session_id")

    def test_every_bad_option_is_reported(self):
        bad = options(verbosity=99, voice_pack="no-such-pack")
        bad.lead_in.FromSeconds(600)
        self.assert_invalid(lambda: self.start(routine=short_routine(), options=bad),
                            "options.lead_in", "options.voice_pack",
                            "options.verbosity")

    def test_negative_lead_in(self):
        self.assert_invalid(lambda: self.start(routine=short_routine(),
                                               options=options(lead_in_ms=-1000)),
                            "options.lead_in")

    def test_breath_length_of_an_inline_routine(self):
        other = options()
        other.breath_length.FromSeconds(BREATH_SECONDS - 1)
        self.assert_invalid(lambda: self.start(routine=short_routine(), options=other),
                            "options.breath_length")
        same = options()
        same.breath_length.FromSeconds(BREATH_SECONDS)
        started = self.start(routine=short_routine(), options=same)
        self.control(started.id, session_service_pb2.CONTROL_ACTION_STOP)

    def test_preset_at_the_breath_asked_for(self):
        # A preset is composed at the session's breath: breath-counted holds
        # follow it, holds in seconds stay.
        slower = options()
        slower.breath_length.FromSeconds(7)
        compose = planner_service_pb2.ComposeRoutineRequest(
            preset_id="postrun-low-back-stretches")
        started = self.start(compose=compose, options=slower)
        self.addCleanup(self.stop_quietly, started.id)
        self.assertEqual(started.options.breath_length.ToSeconds(), 7)
        self.assertEqual(started.routine.preset_id, "postrun-low-back-stretches")
        self.assertEqual(started.routine.breath_length.ToSeconds(), 7)
        for step in started.routine.steps:
            with self.subTest(pose=step.pose_id, variation=step.variation_id):
                if step.hold_unit == practice_pb2.HOLD_UNIT_BREATHS:
                    self.assertEqual(step.hold.ToMilliseconds(), step.hold_count * 7000)
                elif step.hold_unit == practice_pb2.HOLD_UNIT_SECONDS:
                    self.assertEqual(step.hold.ToMilliseconds(), step.hold_count * 1000)
        # A compose request whose own breaths disagree is refused in its terms.
        clash = planner_service_pb2.ComposeRoutineRequest(
            constraints=planner_service_pb2.Constraints())
        clash.constraints.target_duration.FromSeconds(600)
        clash.constraints.breath_length.FromSeconds(6)
        clash.breath_length.FromSeconds(7)
        self.assert_invalid(lambda: self.start(compose=clash, options=options()),
                            "compose.breath_length")

    def test_no_source(self):
        self.assert_invalid(lambda: self.start(options=options()), "source")

    def test_unknown_routine_id(self):
        self.assert_rpc_error(lambda: self.start(routine_id="0000000000000000",
                                                 options=options()),
                              grpc.StatusCode.NOT_FOUND)

    def test_bad_inline_routine(self):
        fields = self.assert_invalid(
            lambda: self.start(routine=short_routine(hold_count=1000), options=options()))
        self.assertTrue(any(field.startswith("routine.steps[0]") for field in fields),
                        fields)

    def test_bad_compose(self):
        compose = planner_service_pb2.ComposeRoutineRequest(
            constraints=planner_service_pb2.Constraints())
        compose.constraints.target_duration.FromSeconds(60)
        self.assert_invalid(lambda: self.start(compose=compose, options=options()),
                            "compose.constraints.target_duration")

    def test_action_unspecified(self):
        started = self.start_short()
        self.addCleanup(self.stop_quietly, started.id)
        self.assert_invalid(
            lambda: self.control(started.id,
                                 session_service_pb2.CONTROL_ACTION_UNSPECIFIED),
            "action")
        self.assertEqual(self.get(started.id).state,
                         session_service_pb2.SESSION_STATE_RUNNING)


class HistoryTest(StudioTestCase):
    """Practice records and the weekly summary, written by real sessions."""

    def test_stopped_session_is_recorded_once(self):
        profile = unique_profile()
        started = self.start_short(profile_id=profile)
        stream = self.reader(started.id)
        stream.read_until(lambda event: event.seq == 1)
        time.sleep(1.0)
        self.control(started.id, session_service_pb2.CONTROL_ACTION_STOP)
        stream.read_to_end()
        # Stopping twice is refused and does not add a record.
        self.assert_rpc_error(
            lambda: self.control(started.id, session_service_pb2.CONTROL_ACTION_STOP),
            grpc.StatusCode.FAILED_PRECONDITION)
        records = self.records(profile).records
        self.assertEqual(len(records), 1, records)
        record = records[0]
        self.assertEqual(record.session_id, started.id)
        self.assertEqual(record.profile_id, profile)
        self.assertFalse(record.completed)
        self.assertGreaterEqual(record.practised.ToMilliseconds(), 900)
        self.assertLess(record.practised.ToMilliseconds(),
                        started.duration.ToMilliseconds())
        self.assertGreaterEqual(record.end_time.ToNanoseconds(),
                                record.start_time.ToNanoseconds())

        summary = self.summary(profile, time_zone="Europe/Berlin")
        self.assertEqual(summary.profile_id, profile)
        self.assertEqual(summary.sessions, 1)
        self.assertEqual(summary.days_practised, 1)
        self.assertEqual(summary.goal_days, 0)  # Seconds, not 15 minutes.
        self.assertFalse(summary.goal_met)
        self.assertEqual(summary.streak_weeks, 0)
        self.assertEqual((summary.goal.min_days, summary.goal.max_days,
                          summary.goal.min_minutes, summary.goal.max_minutes),
                         (2, 3, 15, 20))
        self.assertEqual(summary.goal.source, "003_6249dd4ea48a27e2.txt")
        self.assertLessEqual(summary.week_start.ToSeconds(), record.start_time.ToSeconds())

    def test_sessions_nobody_heard_or_without_profile_leave_no_record(self):
        profile = unique_profile()
        unheard = self.start_short(profile_id=profile)
        self.control(unheard.id, session_service_pb2.CONTROL_ACTION_STOP)
        anonymous = self.start_short()
        self.assertEqual(anonymous.profile_id, "")
        stream = self.reader(anonymous.id)
        stream.read_until(lambda event: event.seq == 1)
        self.control(anonymous.id, session_service_pb2.CONTROL_ACTION_STOP)
        self.assertEqual(list(self.records(profile).records), [])
        self.assertEqual(self.summary(profile).sessions, 0)

    def test_paging(self):
        profile = unique_profile()
        for _ in range(3):
            started = self.start_short(profile_id=profile)
            stream = self.reader(started.id)
            stream.read_until(lambda event: event.seq == 1)
            self.control(started.id, session_service_pb2.CONTROL_ACTION_STOP)
        first = self.records(profile, page_size=2)
        self.assertEqual(len(first.records), 2)
        self.assertTrue(first.next_page_token)
        second = self.records(profile, page_size=2, page_token=first.next_page_token)
        self.assertEqual(len(second.records), 1)
        self.assertEqual(second.next_page_token, "")
        everything = [record.session_id for record in first.records] + \
            [record.session_id for record in second.records]
        self.assertEqual(len(set(everything)), 3)
        starts = [record.start_time.ToNanoseconds()
                  for record in list(first.records) + list(second.records)]
        self.assertEqual(starts, sorted(starts, reverse=True), "not newest first")

    def test_bad_requests_name_the_field(self):
        self.assert_invalid(lambda: self.start_short(profile_id="has spaces"),
                            "profile_id")
        self.assert_invalid(lambda: self.start_short(profile_id="x" * 129),
                            "profile_id")
        self.assert_invalid(lambda: self.records(""), "profile_id")
        self.assert_invalid(lambda: self.records("p", page_size=-1), "page_size")
        self.assert_invalid(lambda: self.records("p", page_token="garbage"),
                            "page_token")
        self.assert_invalid(lambda: self.summary(""), "profile_id")
        self.assert_invalid(lambda: self.summary("p", time_zone="Mars/Base"),
                            "time_zone")


class BufCurlTest(StudioTestCase):
    def test_start_session(self):
        request = {
            "routine": {"steps": [{"poseId": POSE_ID, "holdCount": HOLD_COUNT}],
                        "breathLength": "%ds" % BREATH_SECONDS},
            "options": {"verbosity": "VERBOSITY_MINIMAL", "leadIn": "0s"},
        }
        output = self.buf_curl("-d", json.dumps(request),
                               "http://%s/%s/StartSession" % (self.studio.address,
                                                              SESSION_SERVICE))
        session = json.loads(output)
        self.assertTrue(session["id"])
        self.addCleanup(self.stop_quietly, session["id"])
        self.assertEqual(session["state"], "SESSION_STATE_RUNNING")
        self.assertEqual(session["routine"]["steps"][0]["poseId"], POSE_ID)
        # The Python client sees the same session.
        fetched = self.get(session["id"])
        self.assertEqual(fetched.last_seq, int(session["lastSeq"]))
        self.assertEqual(fetched.routine.id, session["routine"]["id"])


if __name__ == "__main__":
    peer_support.main(__doc__, load_generated_modules)
