-- twitchwatch schema version 1 (SQLite). Times are seconds since the Unix epoch (UTC); booleans
-- are 0/1; JSON documents are kept as text exactly as the service validated them.
CREATE TABLE clinics (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL CHECK (name <> '')
);

CREATE TABLE therapists (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics (id),
    email TEXT NOT NULL UNIQUE CHECK (email <> ''),
    password_hash TEXT NOT NULL,
    name TEXT NOT NULL
);
CREATE INDEX therapists_by_clinic ON therapists (clinic_id);

CREATE TABLE clients (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics (id),
    name TEXT NOT NULL CHECK (name <> ''),
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX clients_by_clinic ON clients (clinic_id, name);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics (id),
    client_id INTEGER NOT NULL REFERENCES clients (id),
    therapist_id INTEGER NOT NULL REFERENCES therapists (id),
    started_at INTEGER NOT NULL,
    technique TEXT NOT NULL,
    pressure TEXT NOT NULL,
    minutes REAL NOT NULL,
    regions TEXT NOT NULL DEFAULT '[]',
    knots_worked INTEGER NOT NULL,
    notes TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_client ON sessions (client_id, started_at);
CREATE INDEX sessions_by_clinic ON sessions (clinic_id, started_at);

CREATE TABLE client_links (
    token_hash TEXT PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX client_links_by_session ON client_links (session_id);

CREATE TABLE checkins (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    received_at INTEGER NOT NULL,
    hours_since_massage REAL NOT NULL,
    discomfort INTEGER NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX checkins_by_session ON checkins (session_id, received_at);

CREATE TABLE assessments (
    checkin_id INTEGER PRIMARY KEY REFERENCES checkins (id),
    level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 3),
    output TEXT NOT NULL,
    knowledge_version TEXT NOT NULL CHECK (knowledge_version <> '')
);

CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    therapist_id INTEGER NOT NULL REFERENCES therapists (id),
    csrf_token TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX web_sessions_by_expiry ON web_sessions (expires_at);

CREATE TABLE login_failures (
    key TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures (key, at);
