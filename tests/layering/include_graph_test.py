#!/usr/bin/env python3
"""Checks the include graph points one way (README.md, "Layout").

Each rule names a set of files and the includes none of them may have:
  - a service's core (the sources of yoga_catalog, yoga_planner, yoga_session,
    passed in by CMake, and their headers) includes no gRPC, no generated
    stub, no server runtime and no RPC layer (*_service.h);
  - services/common and services/shared include no service, runtime or store;
  - the client includes no server library.
Run by ctest; also run against a copy with one bad include to prove it fails.
"""
import argparse
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+[<"]([^>"]+)[>"]', re.M)

SERVER_LIBRARIES = r'^services/(catalog|planner|session|storage|runtime|studio)/'
RPC_LAYER = r'(^grpcpp/|\.grpc\.pb\.h$|^services/runtime/|_service\.h$)'


def includes(path):
    return INCLUDE.findall(path.read_text())


def with_headers(groups):
    """Files of `DIR|a.cc;b.cc` groups, each source with its header."""
    files = set()
    for group in groups:
        directory, _, sources = group.partition('|')
        for source in filter(None, sources.split(';')):
            path = pathlib.Path(directory) / source
            if path.suffix not in ('.cc', '.h'):
                continue  # The precompiled headers' generated host.
            files.add(path)
            header = path.with_suffix('.h')
            if header.exists():
                files.add(header)
    return sorted(files)


def check(root, files, forbidden, why):
    problems = []
    for path in files:
        for included in includes(path):
            if re.search(forbidden, included):
                problems.append(f'{path.relative_to(root)}: includes "{included}": {why}')
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--root', required=True, type=pathlib.Path)
    parser.add_argument('--core', action='append', default=[],
                        help='DIR|SOURCES: one core library\'s folder and its semicolon-separated sources')
    args = parser.parse_args()
    root = args.root.resolve()

    core = with_headers(args.core)
    if not core:
        print('no core sources given', file=sys.stderr)
        return 2
    shared = sorted((root / 'services/common').glob('*.[hc]*')) + sorted(
        (root / 'services/shared').glob('*.[hc]*'))
    client = sorted((root / 'client').rglob('*.[hc]*'))

    problems = []
    problems += check(root, core, RPC_LAYER,
                      'a core library stays free of gRPC and of its RPC layer')
    problems += check(root, shared, SERVER_LIBRARIES,
                      'common and shared code depends on no service')
    problems += check(root, client, SERVER_LIBRARIES,
                      'the client links no server library')
    for problem in problems:
        print(problem)
    print(f'{len(core)} core, {len(shared)} common/shared and {len(client)} client files; '
          f'{len(problems)} arrows the wrong way')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
