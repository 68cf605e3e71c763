#!/usr/bin/env python3
"""After a PostgreSQL restart, requests sent once the database is back all succeed.

Usage: test_pg_restart.py TWITCHWATCH_BINARY PROJECT_SOURCE_DIR

A restart closes every connection of the store's pool while it sits idle; libpq learns of it only
when it next sends. Before the store retried such a connection's first statement on a new one,
each of the 8 pooled connections cost one request a 503 and the client's check-in was lost.

The test starts a cluster of its own (scripts/pg-test-server), not the ctest fixture's, because it
restarts it: the fixture's server is shared by the tests running beside this one.
"""
import os
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_durability_support as support  # noqa: E402

BINARY = None
PG_TEST_SERVER = None
POOL_SIZE = 8  # the PostgreSQL backend's default pool (docs/storage.md)


class PostgresRestart(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory(prefix="twitchwatch-pg-restart-")
        self.state = os.path.join(self.folder.name, "pg")
        url = subprocess.run([PG_TEST_SERVER, "start", self.state], check=True,
                             stdout=subprocess.PIPE, text=True).stdout.strip()
        self.server = None
        self.server = support.Server(BINARY, url, os.path.join(self.folder.name, "server.log"))

    def tearDown(self):
        if self.server is not None:
            self.server.stop()
        subprocess.run([PG_TEST_SERVER, "stop", self.state], check=False)
        self.folder.cleanup()

    def test_requests_after_a_restart_succeed(self):
        therapist = support.Therapist(self.server, *self.server.demo_login)
        session_id, token = therapist.new_session_link()

        # Posted at once, so that the pool opens several connections (up to all of them).
        statuses = []

        def post():
            statuses.append(support.post_checkin(self.server.base, token)[0])

        threads = [threading.Thread(target=post) for _ in range(2 * POOL_SIZE)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(statuses, [201] * len(threads))

        subprocess.run([PG_TEST_SERVER, "restart", self.state], check=True)

        # More requests than the pool has connections, one after another: each could meet a
        # connection the restart closed.
        accepted = set()
        for i in range(POOL_SIZE + 4):
            status, body = support.post_checkin(self.server.base, token)
            self.assertEqual(status, 201, f"check-in {i + 1} after the restart: {body}")
            accepted.add(body["checkin_id"])
            status, body = therapist.call("GET", f"/api/sessions/{session_id}")
            self.assertEqual(status, 200, f"session read {i + 1} after the restart: {body}")
        self.assertLessEqual(accepted, therapist.checkin_ids(session_id))


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    PG_TEST_SERVER = os.path.join(sys.argv.pop(1), "scripts", "pg-test-server")
    unittest.main()
