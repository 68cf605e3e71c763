#!/usr/bin/env python3
"""A check-in the server answered 201 for survives kill -9 of the server right after.

Usage: test_durability.py TWITCHWATCH_BINARY sqlite|postgresql
(PostgreSQL: the database server of the ctest fixture postgres_server, URL file in TW_PG_URL_FILE.)

Three rounds, each ending in SIGKILL of `twitchwatch serve` and a restart on the same database:
1. one check-in, killed the moment its 201 arrived;
2. twenty check-ins one after another, killed after the last 201;
3. four clients posting at once, killed mid-stream while requests are still in flight.
After each restart every acknowledged check-in id must be listed for the session; in rounds 1-2
nothing else may be (nothing half-written, nothing invented).
"""
import http.client
import os
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_durability_support as support  # noqa: E402

BINARY = None
BACKEND = None


class Durability(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory(prefix="twitchwatch-durability-")
        self.log = os.path.join(self.folder.name, "server.log")
        if BACKEND == "sqlite":
            self.db = "sqlite:" + os.path.join(self.folder.name, "data", "tw.sqlite3")
        else:
            self.db = support.create_postgres_database(support.postgres_server_url(),
                                                       f"tw_durability_{os.getpid()}")
        self.server = support.Server(BINARY, self.db, self.log, demo=True)
        self.login = self.server.demo_login
        self.assertIsNotNone(self.login, "the server printed no demo login")
        therapist = support.Therapist(self.server, *self.login)
        self.session_id, self.token = therapist.new_session_link()

    def tearDown(self):
        if self.server.process.poll() is None:
            self.server.stop()
        self.folder.cleanup()

    def restart_and_list(self):
        self.server = support.Server(BINARY, self.db, self.log, demo=False)
        return support.Therapist(self.server, *self.login).checkin_ids(self.session_id)

    def post(self):
        status, body = support.post_checkin(self.server.base, self.token)
        self.assertEqual(status, 201, body)
        return body["checkin_id"]

    def test_acknowledged_checkins_survive_kill_9(self):
        acknowledged = set()

        # Round 1: a single check-in, the kill follows its 201 at once.
        acknowledged.add(self.post())
        self.server.kill_hard()
        self.assertEqual(self.restart_and_list(), acknowledged)

        # Round 2: a run of check-ins.
        for _ in range(20):
            acknowledged.add(self.post())
        self.server.kill_hard()
        self.assertEqual(self.restart_and_list(), acknowledged)

        # Round 3: concurrent clients; the kill lands while others are mid-request.
        lock = threading.Lock()
        enough = threading.Event()
        stop = threading.Event()
        base = self.server.base

        def client():
            while not stop.is_set():
                try:
                    status, body = support.post_checkin(base, self.token, timeout=10)
                except (OSError, http.client.HTTPException):
                    return  # the server is gone (refused, reset or cut off mid-answer)
                if status == 201:
                    with lock:
                        acknowledged.add(body["checkin_id"])
                        if len(acknowledged) >= 21 + 40:
                            enough.set()

        threads = [threading.Thread(target=client) for _ in range(4)]
        for thread in threads:
            thread.start()
        self.assertTrue(enough.wait(timeout=120), "the server stopped answering")
        with lock:
            self.server.kill_hard()
            confirmed = set(acknowledged)  # everything answered 201 before the kill
        stop.set()
        for thread in threads:
            thread.join()
        stored = self.restart_and_list()
        missing = confirmed - stored
        self.assertFalse(missing, f"check-ins answered 201 but lost: {sorted(missing)}")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in ("sqlite", "postgresql"):
        sys.exit(__doc__)
    BINARY, BACKEND = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0], "-v"])
