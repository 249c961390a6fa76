#!/usr/bin/env python3
"""Runs a Google Benchmark binary and prints each timing with its ratio to the
baseline measured in the same run. Usage: report.py BINARY BASELINE=MEASURED..."""
import json
import subprocess
import sys


def main():
    binary, pairs = sys.argv[1], [p.split("=") for p in sys.argv[2:]]
    output = subprocess.run([binary, "--benchmark_format=json", "--benchmark_min_time=0.5"],
                            check=True, capture_output=True, text=True).stdout
    results = {b["name"]: b for b in json.loads(output)["benchmarks"]}
    for baseline, measured in pairs:
        base, meas = results[baseline], results[measured]
        print("%-22s %10.3f %s   baseline %-22s %10.3f %s   ratio %.2f" % (
            measured, meas["real_time"], meas["time_unit"], baseline, base["real_time"],
            base["time_unit"], meas["real_time"] / base["real_time"]))


if __name__ == "__main__":
    main()
