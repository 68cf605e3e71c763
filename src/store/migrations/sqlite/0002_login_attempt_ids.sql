-- twitchwatch schema version 2 (SQLite): every row of login_failures gets an id, so that a login
-- attempt counted ahead of the password check (reserve_login_attempt) can be released by id when
-- the password turns out right. SQLite cannot add a primary key to a table: it is rebuilt.
CREATE TABLE login_failures_with_ids (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    at INTEGER NOT NULL
);
INSERT INTO login_failures_with_ids (key, at) SELECT key, at FROM login_failures;
DROP TABLE login_failures;
ALTER TABLE login_failures_with_ids RENAME TO login_failures;
CREATE INDEX login_failures_by_key ON login_failures (key, at);
