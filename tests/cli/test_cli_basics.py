"""The twitchwatch executable as a user meets it: help, version, exit codes, `course --json`."""
import json
import math
import os
import pty
import re
import subprocess
import sys
import tempfile

exe = sys.argv[1]
failures = []


def run(*args):
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=60)


def check(cond, what):
    if not cond:
        failures.append(what)


r = run("--help")
check(r.returncode == 0, f"--help exits 0, got {r.returncode}")
for cmd in ["info", "assess", "explain", "knowledge", "simulate", "detect", "course", "serve",
            "therapist"]:
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
# A unit that is a scale is said as one ("7 0-10" read as two numbers); other units follow the value.
check("  severe_pain_0_10 = 7 on a 0-10 scale" in r.stdout.splitlines(), f"knowledge scale unit: {r.stdout!r}")
check("  expected_window_hours = 72 h" in r.stdout.splitlines(), f"knowledge unit: {r.stdout!r}")

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

# The README's `course` example gives a fit (it had two inputs, and a fit needs three times): run
# on recordings simulated with falling rates, a detect result standing for each .json it names.
readme = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")
with open(readme) as f:
    example = re.search(r"`twitchwatch (course [^`]*)`", f.read()).group(1).split()
with tempfile.TemporaryDirectory(prefix="tw-readme-") as tmp:
    inputs = [arg for arg in example[1:] if re.match(r"[^@]+\.(json|edf)(@|$)", arg)]
    for i, arg in enumerate(inputs):
        name = arg.split("@")[0]
        edf = os.path.join(tmp, os.path.splitext(name)[0] + ".edf")
        r = run("simulate", edf, "--duration", "300", "--channels", "2", "--rate",
                str(60 * 0.4 ** i), "--seed", str(i + 1))
        check(r.returncode == 0, f"README course example: simulate {edf}: {r.stderr!r}")
        if name.endswith(".json"):
            r = run("detect", edf, "--json")
            with open(os.path.join(tmp, name), "w") as out:
                out.write(r.stdout)
    r = subprocess.run([exe, *example, "--json"], capture_output=True, text=True, timeout=120,
                       cwd=tmp)
    check(r.returncode == 0 and json.loads(r.stdout)["fitted"] is True,
          f"README course example gives a fit: {r.returncode} {r.stdout[-300:]!r} {r.stderr!r}")

# Usage errors, CLI11's own and the commands', all say what was wrong and then point to --help
# (`assess` and `course` without input said only what was missing).
with tempfile.TemporaryDirectory(prefix="tw-usage-") as tmp:
    result = os.path.join(tmp, "day1.json")
    with open(result, "w") as out:
        json.dump({"rate_per_min": 12, "analysed_s": 600, "duration_s": 600,
                   "start": "2026-11-21T09:00:00"}, out)
    out_edf = os.path.join(tmp, "out.edf")
    for args, said in [
            (["detect"], "FILE is required"),
            (["assess"], "give either FILE (or -) or --interactive"),
            (["assess", result, "--interactive"], "give either FILE (or -) or --interactive"),
            (["course"], "give recordings, detect results or --point"),
            (["course", "--point", "2:3x"], "--point expects HOURS:RATE"),
            (["course", result], "--massage TIME is needed"),
            (["course", result + "@"], "no time after the '@'"),
            (["course", result + "@xh"], "not a number of hours"),
            (["detect", out_edf, "--set", "threshold"], "--set expects NAME=VALUE"),
            (["detect", out_edf, "--channels", "EMG1,"], "a label is empty"),
            (["simulate", out_edf, "--twitch-channels", "one"], "is not a channel number"),
            (["simulate", out_edf, "--twitch-channels", "1,1"], "is named twice"),
            (["simulate", out_edf, "--duration", "0.5"], "--duration must be a whole number"),
            (["simulate", out_edf, "--sample-rate", "2048.5"], "--sample-rate must be a whole"),
            (["serve", "--listen", "localhost"], "expected HOST:PORT"),
            (["serve", "--listen", "127.0.0.1:99999"], "the port must be a number"),
            (["serve", "--tls-cert", os.path.join(tmp, "cert.pem")], "--tls-key"),
    ]:
        r = run(*args)
        lines = r.stderr.splitlines()
        check(r.returncode == 2 and len(lines) == 2 and said in lines[0]
              and lines[1] == "Run with --help for more information.",
              f"{' '.join(args)}: exit 2, '{said}' and the pointer to --help, got {r.returncode} "
              f"{r.stderr!r}")
    check(os.listdir(tmp) == ["day1.json"], f"a usage error writes nothing: {os.listdir(tmp)}")

# Progress bars of long work: drawn on a terminal and wiped at the end; never into a pipe or a
# file, and not with --no-progress.
def stderr_on_a_terminal(*args):
    """Runs with stderr on a pseudo-terminal; returns (exit code, what the terminal got)."""
    main, secondary = pty.openpty()
    with subprocess.Popen([exe, *args], stdout=subprocess.DEVNULL, stderr=secondary) as p:
        os.close(secondary)
        got = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # EIO: the terminal's last writer has gone
                break
            if not chunk:
                break
            got += chunk
        code = p.wait(timeout=60)
    os.close(main)
    return code, got.decode(errors="replace")


with tempfile.TemporaryDirectory(prefix="tw-progress-") as tmp:
    edf = os.path.join(tmp, "long.edf")
    code, shown = stderr_on_a_terminal("simulate", edf, "--duration", "20", "--channels", "2")
    check(code == 0 and "[####" in shown and "100 %" in shown and "\r" + " " * 60 + "\r" in shown
          and shown.rstrip().endswith("excluded stretches)"),
          f"simulate draws a progress bar on a terminal, wipes it and reports: {code} {shown[-300:]!r}")
    code, shown = stderr_on_a_terminal("detect", edf)
    check(code == 0 and "[####" in shown and "100 %" in shown,
          f"detect draws a progress bar on a terminal: {code} {shown[-300:]!r}")
    for args in (["simulate", os.path.join(tmp, "quiet.edf"), "--duration", "5", "--no-progress"],
                 ["detect", edf, "--no-progress"]):
        code, shown = stderr_on_a_terminal(*args)
        # The terminal itself ends lines with "\r\n"; a bar would add lone carriage returns.
        check(code == 0 and "%" not in shown and "\r" not in shown.replace("\r\n", "\n"),
              f"{args[0]} --no-progress draws nothing: {code} {shown[-200:]!r}")
    r = run("simulate", os.path.join(tmp, "piped.edf"), "--duration", "5")
    check(r.returncode == 0 and "\r" not in r.stderr and "%" not in r.stderr,
          f"simulate into a pipe draws no bar: {r.stderr!r}")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
