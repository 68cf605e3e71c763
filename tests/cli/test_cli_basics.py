"""The twitchwatch executable as a user meets it: help, version and exit codes."""
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

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
