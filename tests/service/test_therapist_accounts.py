"""`twitchwatch therapist add|list|password` on a real database, then `twitchwatch serve` on it:
the accounts made on the command line sign in over HTTP, in any letter case of the e-mail, and a
new password signs the old browser sessions out.

Usage: test_therapist_accounts.py TWITCHWATCH_BINARY sqlite|postgresql
(PostgreSQL: the database server of the ctest fixture postgres_server, URL file in TW_PG_URL_FILE.)
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_durability_support as support  # noqa: E402

BINARY = BACKEND = None
PASSWORD = "calf-muscle-42"


class TherapistAccounts(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.TemporaryDirectory(prefix="tw-accounts-")
        if BACKEND == "sqlite":
            self.db = "sqlite:" + os.path.join(self.workdir.name, "accounts.sqlite3")
        else:
            self.db = support.create_postgres_database(support.postgres_server_url(),
                                                       "tw_accounts_test")

    def tearDown(self):
        self.workdir.cleanup()

    def run_cli(self, *args, password=None):
        return subprocess.run([BINARY, "therapist", *args, "--db", self.db],
                              input=None if password is None else password + "\n",
                              stdin=None if password is not None else subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=120)

    def add(self, email, clinic="Praxis Nord", name="Anna Berg", password=PASSWORD, *extra):
        return self.run_cli("add", "--clinic", clinic, "--email", email, "--name", name,
                            "--password-stdin", *extra, password=password)

    def listing(self):
        result = self.run_cli("list", "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)["clinics"]

    def assert_refused(self, result, field):
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertTrue(result.stderr.startswith(f"twitchwatch: {field}: "), result.stderr)
        self.assertEqual(result.stderr.count("\n"), 1, result.stderr)

    def test_an_account_made_here_signs_in_over_http(self):
        # No clinic of that name, and none asked for: refused, nothing written.
        self.assert_refused(self.add("Anna.Berg@Example.ORG"), "clinic")
        self.assertEqual(self.listing(), [])

        added = self.add("Anna.Berg@Example.ORG", "Praxis Nord", "Anna Berg", PASSWORD,
                         "--new-clinic", "--json")
        self.assertEqual(added.returncode, 0, added.stderr)
        answer = json.loads(added.stdout)
        self.assertEqual(answer["therapist"]["email"], "anna.berg@example.org")
        self.assertEqual(answer["clinic"]["name"], "Praxis Nord")
        self.assertTrue(answer["clinic_created"])
        # The clinic exists now: a second therapist joins it without --new-clinic.
        second = self.add("ben@example.org", "Praxis Nord", "Ben Kurz")
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertIn("to clinic 'Praxis Nord'", second.stdout)

        # The same e-mail in another case is the same account; the refusal leaves no new clinic.
        self.assert_refused(self.add("ANNA.BERG@example.org", "Other clinic", "Anna B", PASSWORD,
                                     "--new-clinic"), "email")
        clinics = self.listing()
        self.assertEqual([c["name"] for c in clinics], ["Praxis Nord"])
        self.assertEqual([t["email"] for t in clinics[0]["therapists"]],
                         ["anna.berg@example.org", "ben@example.org"])
        self.assertNotIn("argon2", json.dumps(clinics), "no password hash is listed")

        server = support.Server(BINARY, self.db, os.path.join(self.workdir.name, "serve.log"),
                                demo=False)
        try:
            browser = support.Therapist(server, "ANNA.BERG@EXAMPLE.ORG", PASSWORD)
            status, dashboard = browser.call("GET", "/api/dashboard")
            self.assertEqual(status, 200, dashboard)
            self.assertEqual(dashboard["therapist"]["email"], "anna.berg@example.org")
            with self.assertRaises(RuntimeError):
                support.Therapist(server, "anna.berg@example.org", "calf-muscle-43")

            changed = self.run_cli("password", "--email", "Anna.Berg@example.org",
                                   "--password-stdin", password="new-calf-muscle-7")
            self.assertEqual(changed.returncode, 0, changed.stderr)
            status, _ = browser.call("GET", "/api/dashboard")
            self.assertEqual(status, 401, "a new password signs the old browser session out")
            with self.assertRaises(RuntimeError):
                support.Therapist(server, "anna.berg@example.org", PASSWORD)
            support.Therapist(server, "anna.berg@example.org", "new-calf-muscle-7")
        finally:
            server.stop()

    def test_bad_input_names_the_field_and_writes_nothing(self):
        cases = [
            (self.add("a@example.org", password="short"), "password"),
            (self.add("a@example.org", password=""), "password"),
            (self.add("a example@org"), "email"),
            (self.add("no-at-sign.example.org"), "email"),
            (self.add("a@"), "email"),
            (self.add("a@example.org", "Praxis Nord", "\u200b\u00a0"), "name"),
            (self.add("a@example.org", "Praxis Nord", "Anna\u202eBerg"), "name"),
            (self.add("a@example.org", "", "Anna"), "clinic"),
            (self.add("a@example.org", "Praxis Nord", "x" * 201), "name"),
            (self.run_cli("password", "--email", "nobody@example.org", "--password-stdin",
                          password=PASSWORD), "email"),
        ]
        for result, field in cases:
            self.assert_refused(result, field)
        # Without --password-stdin the password is asked for on a terminal; there is none here.
        self.assert_refused(self.run_cli("add", "--clinic", "Praxis Nord", "--new-clinic",
                                         "--email", "a@example.org", "--name", "Anna"), "password")
        self.assertEqual(self.listing(), [])
        # Bytes that are not UTF-8 (a name typed in another encoding).
        result = subprocess.run([BINARY.encode(), b"therapist", b"add", b"--clinic", b"Praxis",
                                 b"--new-clinic", b"--email", b"a@example.org", b"--name",
                                 b"Ren\xe9", b"--password-stdin", b"--db", self.db.encode()],
                                input=(PASSWORD + "\n").encode(), capture_output=True, timeout=120)
        self.assertEqual(result.returncode, 2)
        self.assertIn(b"name: is not valid UTF-8", result.stderr)
        self.assertEqual(self.listing(), [])

    def test_usage_and_database_errors(self):
        result = subprocess.run([BINARY, "therapist"], capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 2, "a subcommand is required")
        result = subprocess.run([BINARY, "therapist", "add", "--email", "a@example.org"],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 2, "--clinic and --name are required")
        result = subprocess.run([BINARY, "therapist", "list", "--db",
                                 "postgresql://nobody@127.0.0.1:1/none"],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("database postgresql://nobody@127.0.0.1:1/none", result.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in ("sqlite", "postgresql"):
        sys.exit(__doc__)
    BINARY, BACKEND = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0], "-v"])
