#!/usr/bin/env python3
"""Check-in throughput of `twitchwatch serve`: wrk POSTs check-ins to one client link.

For each backend: start the server (release build) on 127.0.0.1 with a fresh database and the
demo clinic, create a session link through the API, run wrk for --seconds, then count the
check-ins the database holds (every 201 must be stored). Prints one Markdown table row per run.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "service"))
import test_durability_support as support  # noqa: E402


def run_wrk(url, seconds, connections, threads):
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
         "-s", os.path.join(HERE, "checkin.lua"), url],
        check=True, capture_output=True, text=True).stdout
    line = next(l for l in output.splitlines() if l.startswith("RESULT "))
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


def count_checkins(db, session_id):
    """Check-ins of the session in the database itself (the API would list them all)."""
    sql = f"SELECT COUNT(*) FROM checkins WHERE session_id = {int(session_id)}"
    if db.startswith("sqlite:"):
        command = ["sqlite3", db[len("sqlite:"):].split("?")[0], sql]
    else:
        command = ["psql", "-X", "-At", db, "-c", sql]
    return int(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def bench_backend(args, backend, folder):
    if backend == "sqlite":
        db = "sqlite:" + os.path.join(tempfile.mkdtemp(dir=folder), "bench.sqlite3")
        if args.sqlite_sync == "full":
            db += "?synchronous=full"
    else:
        db = support.create_postgres_database(args.pg_url, "tw_bench")
    server = support.Server(args.binary, db, os.path.join(folder, f"{backend}.log"), demo=True)
    try:
        therapist = support.Therapist(server, *server.demo_login)
        session_id, token = therapist.new_session_link("Benchmark client")
        url = f"{server.base}/api/c/{token}/checkins"
        # A short warm-up fills caches and the connection pools.
        run_wrk(url, 2, args.connections, args.threads)
        before = count_checkins(db, session_id)
        result = run_wrk(url, args.seconds, args.connections, args.threads)
        stored = count_checkins(db, session_id) - before
    finally:
        server.stop()
    seconds = result["duration_us"] / 1e6
    ok = result["requests"] - result["non2xx"]
    errors = result["non2xx"] + result["connect"] + result["read"] + result["write"] + \
        result["timeout"]
    label = backend if backend != "sqlite" else f"sqlite (synchronous={args.sqlite_sync})"
    return (f"| {label} | {args.connections} | {ok / seconds:,.0f} | "
            f"{result['p50_us'] / 1000:.2f} | {result['p90_us'] / 1000:.2f} | "
            f"{result['p99_us'] / 1000:.2f} | {errors} | {ok} | {stored} |"), ok <= stored


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--binary", default=os.path.join(ROOT, "build/release/src/cli/twitchwatch"))
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sqlite-sync", choices=["normal", "full"], default="normal")
    parser.add_argument("--pg-url", help="a PostgreSQL server URL (run.sh starts one)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per backend (the machine may be shared: look at the spread)")
    args = parser.parse_args()

    print("| backend | connections | check-ins/s | p50 ms | p90 ms | p99 ms | errors | "
          "201 answers | stored |")
    print("|---|---|---|---|---|---|---|---|---|")
    all_stored = True
    with tempfile.TemporaryDirectory(prefix="twitchwatch-bench-") as folder:
        for backend in args.backends.split(","):
            for _ in range(args.repeat):
                row, stored = bench_backend(args, backend, folder)
                all_stored &= stored
                print(row, flush=True)
    if not all_stored:
        sys.exit("some check-ins answered 201 are missing from the database")


if __name__ == "__main__":
    main()
