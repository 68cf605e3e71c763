"""`twitchwatch serve` as a process: the address and demo login on stdout, one log line per request
on stderr without personal data or secrets, a clean exit on SIGTERM and SIGINT, usage errors.

Usage: test_serve.py TWITCHWATCH_BINARY
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_durability_support import CHECKIN, Server, Therapist, post_checkin  # noqa: E402

binary = sys.argv[1]
failures = []
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|-) "
                      r"(/[A-Za-z0-9_/{}.-]*|other) \d{3} (\d+\.\dms|-)$")


def check(condition, what):
    if not condition:
        failures.append(what)


def run_once(stop_signal, workdir):
    """One run of the server until stop_signal; returns the demo login it printed."""
    log_path = os.path.join(workdir, f"serve-{stop_signal.name}.log")
    server = Server(binary, "sqlite:" + os.path.join(workdir, "serve.sqlite3"), log_path)
    check(server.demo_login is not None, "--demo prints the demo login")
    therapist = Therapist(server, *server.demo_login)
    session_id, token = therapist.new_session_link("Log Check Client")
    status, answer = post_checkin(server.base, token, CHECKIN)
    check(status == 201, f"check-in answered 201, got {status}")
    status, detail = therapist.call("GET", f"/api/sessions/{session_id}")
    check(status == 200 and len(detail["checkins"]) == 1, "the check-in is on the session")

    server.process.send_signal(stop_signal)
    try:
        code = server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        code = None
    server._close()
    check(code == 0, f"{stop_signal.name}: exit code 0, got {code}")

    with open(log_path) as f:
        log = f.read()
    check(f"{stop_signal.name} received, shutting down" in log, f"{stop_signal.name} is logged")
    requests = [line for line in log.splitlines() if not line.startswith("twitchwatch:")]
    check(len(requests) == 5, f"one line per request, got {len(requests)}")
    for line in requests:
        check(LOG_LINE.match(line) is not None, f"log line format: {line!r}")
    check("POST /api/c/{token}/checkins 201" in log, "the check-in route is logged as a pattern")
    check(f"GET /api/sessions/{{id}} 200" in log, "ids are masked in the log")
    email, password = server.demo_login
    for secret, what in [(token, "link token"), (therapist.csrf, "CSRF token"),
                         (email, "e-mail"), (password, "password"),
                         ("Log Check Client", "client name"), (f"/{session_id}", "session id")]:
        check(secret not in log, f"the log holds no {what}")
    return server.demo_login


with tempfile.TemporaryDirectory(prefix="tw-serve-") as workdir:
    demo_login = run_once(signal.SIGTERM, workdir)
    run_once(signal.SIGINT, workdir)  # the same database again: --demo adds nothing twice

    for args, expected, what in [
        (["--listen", "localhost"], 2, "--listen without a port"),
        (["--listen", "127.0.0.1:99999"], 2, "--listen with a port above 65535"),
        (["--knowledge", os.path.join(workdir, "missing")], 2, "a missing knowledge folder"),
    ]:
        result = subprocess.run([binary, "serve", "--db", "sqlite:" + os.path.join(
            workdir, "usage.sqlite3"), *args], capture_output=True, text=True, timeout=60)
        check(result.returncode == expected,
              f"{what}: exit {expected}, got {result.returncode} ({result.stderr.strip()})")
        check(result.stderr.count("\n") <= 2, f"{what}: a short message, got {result.stderr!r}")

    # A --db that cannot be opened is the user's to fix: exit 2 naming --db (it was "internal
    # error", exit 1), on one line (libpq's "Connection refused" came with a second line).
    not_a_database = os.path.join(workdir, "notes.txt")
    with open(not_a_database, "w") as out:
        out.write("not a database, " * 100)
    for db, what in [(workdir, "a folder"), (not_a_database, "a file that is not a database"),
                     ("postgresql://[bad", "a malformed PostgreSQL URL"),
                     ("postgresql://nobody@127.0.0.1:1/x", "a PostgreSQL server that is not there")]:
        result = subprocess.run([binary, "serve", "--db", db, "--listen", "127.0.0.1:0"],
                                capture_output=True, text=True, timeout=60)
        check(result.returncode == 2 and "--db" in result.stderr,
              f"--db {what}: exit 2 naming --db, got {result.returncode} ({result.stderr.strip()})")
        check(result.stderr.count("\n") == 1 and result.stderr.endswith("\n"),
              f"--db {what}: one line on stderr, got {result.stderr!r}")

    # --json: the address and the demo login as one JSON line.
    process = subprocess.Popen([binary, "serve", "--json", "--demo", "--listen", "127.0.0.1:0",
                                "--db", "sqlite:" + os.path.join(workdir, "serve.sqlite3")],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        startup = json.loads(process.stdout.readline())
        check(re.fullmatch(r"http://127\.0\.0\.1:\d+/", startup["url"]) is not None,
              f"--json url: {startup}")
        check(startup["demo_login"]["email"] == demo_login[0], "--json demo login")
    except (ValueError, KeyError, TypeError) as error:
        failures.append(f"--json output: {error}")
    process.send_signal(signal.SIGTERM)
    check(process.wait(timeout=30) == 0, "--json run exits 0 on SIGTERM")
    process.stdout.close()

for failure in failures:
    print("FAIL:", failure)
sys.exit(1 if failures else 0)
