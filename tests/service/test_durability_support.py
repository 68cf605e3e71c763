"""Drives a real `twitchwatch serve` process over HTTP: used by the durability test and by the
check-in benchmark (bench/service/run.sh).

Only the standard library: the server is started as a child process on 127.0.0.1 with port 0,
the port is read from its first line, and the API is spoken with urllib.
"""
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request

SERVING = re.compile(r"serving on (https?)://([^/]+):(\d+)/")
DEMO_LOGIN = re.compile(r"demo login: (\S+) / (\S+)")


class Server:
    """One `twitchwatch serve` process. stderr (the request log) goes to log_path."""

    def __init__(self, binary, db_url, log_path, demo=True, timeout=60):
        # The durability test and the benchmark post hundreds of check-ins to one session.
        args = [binary, "serve", "--db", db_url, "--listen", "127.0.0.1:0",
                "--max-checkins-per-hour", "0", "--max-checkins-per-session", "0"]
        if demo:
            args.append("--demo")
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log)
        self.port = None
        self.demo_login = None
        deadline = time.monotonic() + timeout
        while self.port is None:
            line = self.process.stdout.readline().decode()
            if not line:
                raise RuntimeError(f"server exited before serving (code {self.process.wait()}), "
                                   f"see {log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start in time")
            if (match := DEMO_LOGIN.search(line)):
                self.demo_login = (match.group(1), match.group(2))
            if (match := SERVING.search(line)):
                self.port = int(match.group(3))
        # The demo login is printed after the address.
        if demo and self.demo_login is None:
            line = self.process.stdout.readline().decode()
            if (match := DEMO_LOGIN.search(line)):
                self.demo_login = (match.group(1), match.group(2))
        self.base = f"http://127.0.0.1:{self.port}"

    def kill_hard(self):
        """kill -9: no shutdown code of the server runs."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self._close()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._close()

    def _close(self):
        self.process.stdout.close()
        self.log.close()


class Therapist:
    """A logged-in therapist: session cookie plus CSRF token."""

    def __init__(self, server, email, password):
        self.server = server
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        status, body = self.call("POST", "/api/login", {"email": email, "password": password})
        if status != 200:
            raise RuntimeError(f"login failed: {status} {body}")
        self.csrf = body["csrf_token"]

    def call(self, method, path, payload=None):
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(self.server.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if getattr(self, "csrf", None):
            request.add_header("X-CSRF-Token", self.csrf)
        try:
            with self.opener.open(request, timeout=30) as response:
                text = response.read()
                return response.status, json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def new_session_link(self, client_name="Durability client"):
        """Creates a client and a session that started an hour ago; returns (session_id, token)."""
        status, body = self.call("POST", "/api/clients", {"name": client_name})
        assert status == 201, (status, body)
        started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
        status, body = self.call("POST", "/api/sessions", {
            "client_id": body["client"]["id"], "started_at": started,
            "technique": "deep_tissue", "pressure": "firm", "minutes": 60,
            "regions": ["left_calf"], "knots_worked": True})
        assert status == 201, (status, body)
        return body["session"]["id"], body["link"]["token"]

    def checkin_ids(self, session_id):
        status, body = self.call("GET", f"/api/sessions/{session_id}")
        assert status == 200, (status, body)
        return {item["id"] for item in body["checkins"]}


# A report a client might send a day after a firm massage.
CHECKIN = {"twitching": {"present": True, "regions": ["left_calf"], "episodes_per_day": 8,
                         "painful": False, "trend": "better"},
           "symptoms": {"pain_0_10": 2, "soreness": "mild"}}


def post_checkin(base, token, document=None, timeout=30):
    """POST one check-in on a fresh connection; returns (status, body)."""
    request = urllib.request.Request(f"{base}/api/c/{token}/checkins",
                                     data=json.dumps(document or CHECKIN).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def create_postgres_database(server_url, name):
    """CREATE DATABASE on the test server (psql from Debian's postgresql-client); returns its URL."""
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", server_url,
                    "-c", "SET client_min_messages = warning",
                    "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
                    "-c", f"CREATE DATABASE {name}"],
                   check=True, stdout=subprocess.DEVNULL)
    return server_url.rsplit("/", 1)[0] + "/" + name


def postgres_server_url():
    path = os.environ.get("TW_PG_URL_FILE")
    if not path:
        raise RuntimeError("TW_PG_URL_FILE is not set (run through ctest: fixture postgres_server)")
    with open(path) as f:
        return f.read().strip()
