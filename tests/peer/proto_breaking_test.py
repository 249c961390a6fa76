"""The v1 API only grows: `buf breaking` against the committed baseline.

protos/api-baseline.json is the released API: a buf image (JSON, without
comments, pretty-printed so that a change to it reads as a diff) of every file
under protos/ as it was released. This test proves three things:

  1. protos/ today passes `buf breaking` (the FILE rules of protos/buf.yaml)
     against that baseline, and the baseline really holds the v1 API (a
     baseline with nothing in it would let everything pass);
  2. the check catches a break: in a copy of protos/, a field deleted, an RPC
     renamed, a field renamed, a field's type changed, an enum value deleted, a
     field moved out of its oneof; each must fail with buf's own rule and
     message;
  3. additive changes pass: a new field, a new enum value, a new RPC with new
     messages, a new file, and a v2 package side by side.

Run by ctest as:
  /usr/bin/python3 tests/peer/proto_breaking_test.py --buf=PATH

Refreshing the baseline (at a release; see docs/partners.md, "Versioning"):
  /usr/bin/python3 tests/peer/proto_breaking_test.py --buf=PATH --update_baseline
checks protos/ against the current baseline first and refuses to write a
baseline that would accept a break.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

BUF_TIMEOUT = 60  # seconds for each buf run
# buf's exit code when it found problems (breaking changes, lint findings).
BUF_FOUND_PROBLEMS = 100

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLANNER_PROTO = "yoga/planner/v1/planner_service.proto"

# What the baseline must hold, at least: every v1 file and the RPCs of DESIGN.md.
EXPECTED_FILES = [
    "yoga/type/v1/anatomy.proto", "yoga/type/v1/practice.proto",
    "yoga/type/v1/routine.proto", "yoga/catalog/v1/pose.proto",
    "yoga/catalog/v1/catalog_service.proto", PLANNER_PROTO,
    "yoga/session/v1/session_service.proto", "yoga/session/v1/voice_pack.proto",
]
EXPECTED_RPCS = {
    "yoga.catalog.v1.CatalogService": {"GetPose", "ListPoses"},
    "yoga.planner.v1.PlannerService": {"ListPresets", "ComposeRoutine", "GetRoutine"},
    "yoga.session.v1.SessionService": {"StartSession", "StreamCues", "ControlSession",
                                       "GetSession"},
}

ARGS = None  # parsed command line, set in main()


def run_buf(*args, cwd=None):
    """Runs buf; returns the CompletedProcess (text)."""
    return subprocess.run([ARGS.buf, *args], cwd=cwd, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=BUF_TIMEOUT)


def breaking(protos_dir, baseline):
    """`buf breaking` of protos_dir against baseline: (exit code, findings, output).

    findings are buf's JSON annotations: dicts with path (relative to
    protos_dir), type (the rule id) and message.
    """
    result = run_buf("breaking", ".", "--against", baseline, "--error-format=json",
                     cwd=protos_dir)
    findings = []
    for line in result.stdout.splitlines():
        if line.strip():
            findings.append(json.loads(line))
    return result.returncode, findings, result.stdout + result.stderr


def build_baseline_text(protos_dir):
    """The baseline file's text for protos_dir: buf's JSON image, pretty-printed."""
    with tempfile.TemporaryDirectory() as temp:
        image = os.path.join(temp, "image.json")
        result = run_buf("build", protos_dir, "--exclude-source-info", "-o", image)
        if result.returncode != 0:
            raise SystemExit("buf build failed:\n%s%s" % (result.stdout, result.stderr))
        with open(image, encoding="utf-8") as f:
            return json.dumps(json.load(f), indent=1) + "\n"


def edit(path, old, new):
    """Replaces the one occurrence of old in the file with new."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if text.count(old) != 1:
        raise AssertionError("%s: expected exactly one %r to edit; found %d (the test's "
                             "edits must follow the protos)" % (path, old, text.count(old)))
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new))


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


# Breaking changes: (name, [(file, old text, new text)], rule id, buf's message).
BREAKS = [
    ("delete a field",
     [(PLANNER_PROTO, "  uint64 seed = 10;\n", "")],
     "FIELD_NO_DELETE",
     'Previously present field "10" with name "seed" on message "Constraints" was '
     'deleted.'),
    ("delete a field, reserving its number",
     [(PLANNER_PROTO, "  uint64 seed = 10;\n", "  reserved 10;\n")],
     "FIELD_NO_DELETE",
     'Previously present field "10" with name "seed" on message "Constraints" was '
     'deleted.'),
    ("rename an RPC",
     [(PLANNER_PROTO, "rpc GetRoutine(", "rpc FetchRoutine(")],
     "RPC_NO_DELETE",
     'Previously present RPC "GetRoutine" on service "PlannerService" was deleted.'),
    ("rename a field (its JSON name changes too)",
     [(PLANNER_PROTO, "string preset_id = 1;", "string preset = 1;")],
     "FIELD_SAME_JSON_NAME",
     'Field "1" with name "preset" on message "ComposeRoutineRequest" changed option '
     '"json_name" from "presetId" to "preset".'),
    ("change a field's type",
     [(PLANNER_PROTO, "uint64 seed = 10;", "uint32 seed = 10;")],
     "FIELD_SAME_TYPE",
     'Field "10" with name "seed" on message "Constraints" changed type from "uint64" '
     'to "uint32".'),
    ("delete an enum value",
     [(PLANNER_PROTO, "  // A day without running: room for strength work.\n"
                      "  MOMENT_REST_DAY = 3;\n", "")],
     "ENUM_VALUE_NO_DELETE",
     'Previously present enum value "3" on enum "Moment" was deleted.'),
    ("move a field out of its oneof",
     [(PLANNER_PROTO, "    // A preset id from ListPresets.\n    string preset_id = 1;\n", ""),
      (PLANNER_PROTO, "message ComposeRoutineRequest {\n",
       "message ComposeRoutineRequest {\n  // A preset id from ListPresets.\n"
       "  string preset_id = 1;\n")],
     "FIELD_SAME_ONEOF",
     'Field "1" with name "preset_id" on message "ComposeRoutineRequest" moved from '
     'inside to outside a oneof.'),
]

# Additive changes, all applied to one copy: [(file, old text, new text)]; a file
# whose old text is None is created.
ADDITIONS = [
    (PLANNER_PROTO, "  uint64 seed = 10;\n",
     "  uint64 seed = 10;\n  // Language of the reasons, e.g. \"en\".\n"
     "  string language = 12;\n"),
    (PLANNER_PROTO, "  MOMENT_REST_DAY = 3;\n",
     "  MOMENT_REST_DAY = 3;\n  // The day of a race.\n  MOMENT_RACE_DAY = 4;\n"),
    (PLANNER_PROTO,
     "  rpc GetRoutine(GetRoutineRequest) returns (yoga.type.v1.Routine);\n",
     "  rpc GetRoutine(GetRoutineRequest) returns (yoga.type.v1.Routine);\n"
     "  // Lists the routines this planner made.\n"
     "  rpc ListRoutines(ListRoutinesRequest) returns (ListRoutinesResponse);\n"),
    (PLANNER_PROTO, "// Request of GetRoutine.\n",
     "// Request of ListRoutines.\nmessage ListRoutinesRequest {\n"
     "  // Most routines to return.\n  int32 page_size = 1;\n"
     "  // From ListRoutinesResponse.next_page_token.\n  string page_token = 2;\n}\n\n"
     "// Response of ListRoutines.\nmessage ListRoutinesResponse {\n"
     "  // The routines.\n  repeated yoga.type.v1.Routine routines = 1;\n"
     "  // Token of the next page; empty on the last one.\n"
     "  string next_page_token = 2;\n}\n\n"
     "// Request of GetRoutine.\n"),
    ("yoga/type/v1/locale.proto", None,
     'syntax = "proto3";\n\npackage yoga.type.v1;\n\n'
     "// A language and region.\nmessage Locale {\n"
     "  // BCP 47 tag, e.g. \"en-GB\".\n  string tag = 1;\n}\n"),
    ("yoga/planner/v2/planner_service.proto", None,
     'syntax = "proto3";\n\npackage yoga.planner.v2;\n\n'
     'import "yoga/type/v1/routine.proto";\n\n'
     "// Version 2 of the planner, served side by side with v1.\n"
     "service PlannerService {\n"
     "  // Makes a routine.\n"
     "  rpc ComposeRoutine(ComposeRoutineRequest) returns (yoga.type.v1.Routine);\n}\n\n"
     "// Request of ComposeRoutine.\nmessage ComposeRoutineRequest {\n"
     "  // A preset id.\n  string preset = 1;\n}\n"),
]


class BreakingTest(unittest.TestCase):

    def setUp(self):
        self.temp = tempfile.mkdtemp(prefix="proto_breaking_test.")

    def tearDown(self):
        shutil.rmtree(self.temp)

    def copy_protos(self, name):
        """A copy of protos/ (with its buf.yaml) in the temporary folder."""
        copy = os.path.join(self.temp, name)
        shutil.copytree(ARGS.protos, copy,
                        ignore=shutil.ignore_patterns(os.path.basename(ARGS.baseline)))
        return copy

    def test_baseline_holds_the_v1_api(self):
        with open(ARGS.baseline, encoding="utf-8") as f:
            image = json.load(f)
        files = {file["name"]: file for file in image["file"]}
        for name in EXPECTED_FILES:
            self.assertIn(name, files)
        rpcs = {}
        for file in files.values():
            for service in file.get("service", ()):
                rpcs["%s.%s" % (file["package"], service["name"])] = {
                    method["name"] for method in service.get("method", ())}
        for service, methods in EXPECTED_RPCS.items():
            self.assertIn(service, rpcs)
            self.assertLessEqual(methods, rpcs[service], service)
        for file in files.values():
            self.assertNotIn("sourceCodeInfo", file,
                             "%s: the baseline is built with --exclude-source-info"
                             % file["name"])

    def test_protos_do_not_break_the_baseline(self):
        code, findings, output = breaking(ARGS.protos, ARGS.baseline)
        self.assertEqual(code, 0, "protos/ break the released API; fix the change, "
                         "do not touch the baseline:\n%s" % output)
        self.assertEqual(findings, [])

    def test_breaking_changes_are_caught(self):
        for index, (name, edits, rule, message) in enumerate(BREAKS):
            with self.subTest(change=name):
                copy = self.copy_protos("break%d" % index)
                for path, old, new in edits:
                    edit(os.path.join(copy, path), old, new)
                code, findings, output = breaking(copy, ARGS.baseline)
                self.assertEqual(code, BUF_FOUND_PROBLEMS, output)
                self.assertIn({"rule": rule, "message": message},
                              [{"rule": f.get("type"), "message": f.get("message")}
                               for f in findings], output)
                self.assertTrue(all(f.get("path") == PLANNER_PROTO for f in findings),
                                output)

    def test_additive_changes_pass(self):
        copy = self.copy_protos("additive")
        for path, old, new in ADDITIONS:
            if old is None:
                write(os.path.join(copy, path), new)
            else:
                edit(os.path.join(copy, path), old, new)
        # The additions are well-formed API (they pass the project's lint too) ...
        lint = run_buf("lint", cwd=copy)
        self.assertEqual(lint.returncode, 0, lint.stdout + lint.stderr)
        # ... they are really there (the image of the copy holds them) ...
        image = os.path.join(self.temp, "additive.json")
        built = run_buf("build", copy, "--exclude-source-info", "-o", image)
        self.assertEqual(built.returncode, 0, built.stdout + built.stderr)
        with open(image, encoding="utf-8") as f:
            names = {file["name"] for file in json.load(f)["file"]}
        self.assertIn("yoga/planner/v2/planner_service.proto", names)
        self.assertIn("yoga/type/v1/locale.proto", names)
        # ... and none of them is a break.
        code, findings, output = breaking(copy, ARGS.baseline)
        self.assertEqual(code, 0, output)
        self.assertEqual(findings, [])


def update_baseline():
    """Writes the baseline from protos/, after checking they do not break it."""
    if os.path.exists(ARGS.baseline):
        code, _, output = breaking(ARGS.protos, ARGS.baseline)
        if code != 0:
            raise SystemExit("refusing to update %s: protos/ break the released API:\n%s"
                             % (ARGS.baseline, output))
    text = build_baseline_text(ARGS.protos)
    with open(ARGS.baseline, "w", encoding="utf-8") as f:
        f.write(text)
    print("wrote %s (%d bytes)" % (ARGS.baseline, len(text)))


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buf", required=True, help="the buf binary")
    parser.add_argument("--protos", default=os.path.join(SOURCE_DIR, "protos"),
                        help="the buf module (default: protos/ of this source tree)")
    parser.add_argument("--baseline", default=None,
                        help="the released API image (default: PROTOS/api-baseline.json)")
    parser.add_argument("--update_baseline", action="store_true",
                        help="write the baseline from PROTOS (refused if they break it)")
    ARGS = parser.parse_args()
    ARGS.buf = os.path.abspath(ARGS.buf)
    ARGS.protos = os.path.abspath(ARGS.protos)
    if ARGS.baseline is None:
        ARGS.baseline = os.path.join(ARGS.protos, "api-baseline.json")
    ARGS.baseline = os.path.abspath(ARGS.baseline)
    if ARGS.update_baseline:
        update_baseline()
        return
    unittest.main(argv=[sys.argv[0]], verbosity=2)


if __name__ == "__main__":
    main()
