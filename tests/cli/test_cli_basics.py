"""The twitchwatch executable as a user meets it: help, version, exit codes, `course --json`."""
import json
import math
import os
import subprocess
import sys

exe = sys.argv[1]
failures = []


def run(*args):
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=60)


def check(cond, what):
    if not cond:
        failures.append(what)


r = run("--help")
check(r.returncode == 0, f"--help exits 0, got {r.returncode}")
for cmd in ["info", "assess", "explain", "knowledge", "simulate", "detect", "course", "serve"]:
    check(cmd in r.stdout, f"--help lists {cmd}")

r = run("--version")
check(r.returncode == 0 and r.stdout.startswith("twitchwatch "), f"--version: {r.stdout!r}")

r = run("no-such-command")
check(r.returncode == 2, f"unknown command exits 2, got {r.returncode}")

r = run()
check(r.returncode == 2, f"no command exits 2, got {r.returncode}")

r = run("info", "--json")
check(r.returncode == 0 and '"version"' in r.stdout, f"info --json: {r.stdout!r}")
# The knowledge base is built in: without TWITCHWATCH_KNOWLEDGE nothing is read from the source.
env = {k: v for k, v in os.environ.items() if k != "TWITCHWATCH_KNOWLEDGE"}
r = subprocess.run([exe, "info", "--json"], capture_output=True, text=True, env=env, timeout=60)
check(r.returncode == 0 and json.loads(r.stdout)["knowledge"] == "built in", f"info knowledge: {r.stdout!r}")
r = subprocess.run([exe, "knowledge"], capture_output=True, text=True, env=env, timeout=60)
check(r.returncode == 0 and "(built in)" in r.stdout.splitlines()[0], f"knowledge origin: {r.stdout!r}")

# course --json: rates halving every 20 h from 32/min; the fit recovers it and keeps the schema of
# docs/detection.md ("Course over days").
points = [arg for h in (2, 12, 24, 36, 48) for arg in ("--point", f"{h}:{32 * 0.5 ** (h / 20):.4f}")]
r = run("course", "--baseline", "0", *points, "--json")
check(r.returncode == 0, f"course --json exits 0: {r.stderr!r}")
if r.returncode == 0:
    fit = json.loads(r.stdout)
    check(fit["decline"] is True and fit["at_baseline"] is False, f"course decline: {fit}")
    check(math.isclose(fit["half_life_h"], 20, rel_tol=0.01), f"course half-life: {fit['half_life_h']}")
    check(len(fit["points"]) == 5 and "fitted_rate_per_min" in fit["points"][0], f"course points: {fit['points']}")
    check("baseline_per_min" in fit and "/min" in fit["verdict"], f"course units: {fit}")
r = run("course", "--point", "2:30", "--point", "24:10", "--point", "48:5", "--margin", "0")
check(r.returncode == 2 and "margin" in r.stderr, f"course --margin 0 exits 2 naming it: {r.stderr!r}")
# Each of these was read as something else before (1:2, ignored, 0): now refused.
for args, named in [(["--point", "1:2:3"], "1:2:3"), (["--point", "2:3x"], "2:3x"),
                    (["--massage", "garbage"], "garbage"), (["--baseline", "nan"], "--baseline"),
                    (["--baseline", "-3"], "--baseline")]:
    r = run("course", "--point", "4:5", "--point", "8:4", "--point", "12:3", *args)
    check(r.returncode == 2 and named in r.stderr, f"course {args} exits 2 naming {named}: {r.stderr!r}")
r = run("course", "--point", "2:30", "--point", "soon:10")
check(r.returncode == 2 and "soon:10" in r.stderr, f"course with a bad point exits 2 naming it: {r.stderr!r}")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
