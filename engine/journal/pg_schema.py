"""The PostgreSQL journal's schema, roles and append function, as SQL text.

``rectify db init`` runs :data:`ROLES` and :data:`SCHEMA` as an administrator; everything it
creates belongs to ``rectify_owner`` (a role nobody logs in as). Staff logins are members of
``rectify_staff``: they may read the tables and call ``rectify_append``, nothing else, so every
event goes through the function, which

- takes the journal's advisory lock (``pg_advisory_xact_lock``): appends are serialised, so the
  chain never forks, and it counts its position from the last event (sequences have gaps);
- checks that the event's actor is the person whose ``login`` is ``session_user`` (the
  authenticated login, even after ``SET ROLE``), or, for a login that holds the ``import``
  permission, that the event names that login's person as ``entered_by``;
- refuses a step from a state the item is no longer in (someone acted first);
- stamps ``recorded_at`` from the server's clock, never earlier than the previous event;
- builds the canonical JSON of the body and hashes it exactly as ``engine.journal.chain`` does:
  ``to_json(text)`` escapes strings byte for byte like Python's ``json.dumps(...,
  ensure_ascii=False)`` (a test compares them over every code point), keys are written in
  sorted order, and ``data`` arrives as its canonical text (the client checks the server's hash
  against its own before it commits);
- appends the event and upserts the item's current row (its last note and extended deadline
  taken from the event, as the SQLite store does).
"""

from __future__ import annotations

SCHEMA_NAME = "rectify"
OWNER, STAFF = "rectify_owner", "rectify_staff"
# The advisory lock every writer takes first: b"rectify!" as a bigint.
LOCK_KEY = int.from_bytes(b"rectify!", "big")

ROLES = f"""
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OWNER}') THEN
        CREATE ROLE {OWNER} NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{STAFF}') THEN
        CREATE ROLE {STAFF} NOLOGIN;
    END IF;
END $$
"""

S = SCHEMA_NAME
TABLES = [
    f"CREATE TABLE IF NOT EXISTS {S}.meta (key text PRIMARY KEY, value text NOT NULL)",
    f"""
CREATE TABLE IF NOT EXISTS {S}.events (
    seq bigint PRIMARY KEY CHECK (seq > 0),
    item text NOT NULL,
    trigger text NOT NULL,
    from_state text NOT NULL,
    to_state text NOT NULL,
    actor text NOT NULL,
    os_user text NOT NULL,
    recorded_at text NOT NULL,
    note text NOT NULL,
    data text NOT NULL,
    checklist_sha256 text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL
)""",  # the position is the key: a second event at one position (a fork) is refused by it; unique
    # indexes on the random hashes would cost every append random pages and add nothing
    f"CREATE INDEX IF NOT EXISTS events_by_item ON {S}.events (item, seq)",
    f"""
CREATE TABLE IF NOT EXISTS {S}.current (
    item text PRIMARY KEY,
    state text NOT NULL,
    seq bigint NOT NULL,
    trigger text NOT NULL,
    recorded_at text NOT NULL,
    returns integer NOT NULL DEFAULT 0,
    note text NOT NULL DEFAULT '',
    deadline text
)""",
    # A journal made before the current table kept each item's last note and extended deadline:
    # add both and fill them from the events (db init runs this on every journal; a no-op after).
    f"""
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM information_schema.columns WHERE table_schema = '{S}'
            AND table_name = 'current' AND column_name = 'note') THEN
        ALTER TABLE {S}.current ADD COLUMN note text NOT NULL DEFAULT '', ADD COLUMN deadline text;
        UPDATE {S}.current c SET
            note = coalesce((SELECT e.note FROM {S}.events e WHERE e.item = c.item AND e.note <> ''
                ORDER BY e.seq DESC LIMIT 1), ''),
            deadline = (SELECT e.data::jsonb ->> 'deadline' FROM {S}.events e WHERE e.item = c.item
                AND e.data::jsonb ->> 'deadline' IS NOT NULL ORDER BY e.seq DESC LIMIT 1);
    END IF;
END $$""",
    f"""
CREATE TABLE IF NOT EXISTS {S}.people (
    person text PRIMARY KEY,
    login text NOT NULL UNIQUE,
    may_import boolean NOT NULL DEFAULT false
)""",
    f"""
CREATE TABLE IF NOT EXISTS {S}.files (
    sha256 text PRIMARY KEY,
    content bytea NOT NULL CHECK (encode(sha256(content), 'hex') = sha256)
)""",
    f"""
CREATE TABLE IF NOT EXISTS {S}.checklists (
    sha256 text PRIMARY KEY,
    source bytea NOT NULL CHECK (encode(sha256(source), 'hex') = sha256)
)""",
    f"""
CREATE OR REPLACE FUNCTION {S}.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the journal is append-only: events cannot be %', lower(TG_OP) || 'd'
        USING ERRCODE = 'insufficient_privilege';
END $$""",
    f"""CREATE OR REPLACE TRIGGER events_no_update BEFORE UPDATE ON {S}.events
    FOR EACH ROW EXECUTE FUNCTION {S}.refuse_change()""",
    f"""CREATE OR REPLACE TRIGGER events_no_delete BEFORE DELETE ON {S}.events
    FOR EACH ROW EXECUTE FUNCTION {S}.refuse_change()""",
    f"""CREATE OR REPLACE TRIGGER events_no_truncate BEFORE TRUNCATE ON {S}.events
    FOR EACH STATEMENT EXECUTE FUNCTION {S}.refuse_change()""",
]
# The triggers audit expects, by name (enabled, on events).
TRIGGERS = ("events_no_update", "events_no_delete", "events_no_truncate")

APPEND_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {S}.rectify_append(
    p_item text, p_trigger text, p_from text, p_to text, p_actor text, p_os_user text,
    p_note text, p_data text, p_checklist_sha256 text, p_state text, p_returns integer)
RETURNS TABLE (seq bigint, recorded_at text, prev_hash text, hash text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_person text;
    v_may_import boolean;
    v_state text;
    v_seq bigint;
    v_prev text;
    v_prev_time text;
    v_now text;
    v_body text;
BEGIN
    PERFORM pg_advisory_xact_lock({LOCK_KEY});
    SELECT p.person, p.may_import INTO v_person, v_may_import FROM {S}.people p
        WHERE p.login = session_user;
    IF v_person IS NULL THEN
        RAISE EXCEPTION 'login % maps to no person of the checklist', session_user
            USING ERRCODE = 'insufficient_privilege', HINT = 'rectify:no-person';
    END IF;
    IF jsonb_typeof(p_data::jsonb) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'event data must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_actor IS DISTINCT FROM v_person AND NOT (
            v_may_import AND p_data::jsonb ->> 'entered_by' IS NOT DISTINCT FROM v_person) THEN
        RAISE EXCEPTION 'login % is person %, who may not act as %', session_user, v_person, p_actor
            USING ERRCODE = 'insufficient_privilege', HINT = 'rectify:not-you';
    END IF;
    IF p_state IS NOT NULL THEN
        SELECT c.state INTO v_state FROM {S}.current c WHERE c.item = p_item;
        IF FOUND AND v_state IS DISTINCT FROM p_from THEN
            RAISE EXCEPTION 'item % is % now, not %: someone acted first', p_item, v_state, p_from
                USING ERRCODE = 'serialization_failure', HINT = 'rectify:moved';
        END IF;
    END IF;
    SELECT e.seq, e.hash, e.recorded_at INTO v_seq, v_prev, v_prev_time
        FROM {S}.events e ORDER BY e.seq DESC LIMIT 1;
    IF v_seq IS NULL THEN
        v_seq := 0;
        v_prev := repeat('0', 64);
    END IF;
    v_seq := v_seq + 1;
    v_now := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
    IF v_prev_time COLLATE "C" > v_now COLLATE "C" THEN
        v_now := v_prev_time;
    END IF;
    v_body := '{{"actor":' || to_json(p_actor)::text
        || ',"checklist_sha256":' || to_json(p_checklist_sha256)::text
        || ',"data":' || p_data
        || ',"from_state":' || to_json(p_from)::text
        || ',"item":' || to_json(p_item)::text
        || ',"note":' || to_json(p_note)::text
        || ',"os_user":' || to_json(p_os_user)::text
        || ',"prev_hash":' || to_json(v_prev)::text
        || ',"recorded_at":' || to_json(v_now)::text
        || ',"seq":' || v_seq::text
        || ',"to_state":' || to_json(p_to)::text
        || ',"trigger":' || to_json(p_trigger)::text || '}}';
    seq := v_seq;
    recorded_at := v_now;
    prev_hash := v_prev;
    hash := encode(sha256(convert_to(v_prev || v_body, 'UTF8')), 'hex');
    INSERT INTO {S}.events VALUES (seq, p_item, p_trigger, p_from, p_to, p_actor, p_os_user,
        recorded_at, p_note, p_data, p_checklist_sha256, prev_hash, hash);
    IF p_state IS NOT NULL THEN
        INSERT INTO {S}.current AS c (item, state, seq, trigger, recorded_at, returns, note, deadline)
            VALUES (p_item, p_state, seq, p_trigger, recorded_at, p_returns, p_note, p_data::jsonb ->> 'deadline')
            ON CONFLICT (item) DO UPDATE SET state = excluded.state, seq = excluded.seq,
                trigger = excluded.trigger, recorded_at = excluded.recorded_at,
                returns = excluded.returns,
                note = CASE WHEN excluded.note <> '' THEN excluded.note ELSE c.note END,
                deadline = coalesce(excluded.deadline, c.deadline);
    END IF;
    RETURN NEXT;
END $fn$
"""

# Keeps the bytes of a checklist version by their sha256, so audit can judge every event by the
# rules it was taken under. Any person's login may call it: the key is computed here, not given.
KEEP_CHECKLIST_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {S}.rectify_keep_checklist(p_source bytea) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_sha256 text := encode(sha256(p_source), 'hex');
BEGIN
    IF NOT EXISTS (SELECT FROM {S}.people p WHERE p.login = session_user)
            AND NOT pg_has_role(session_user, '{OWNER}', 'MEMBER') THEN  -- db copy runs as the owner
        RAISE EXCEPTION 'login % maps to no person of the checklist', session_user
            USING ERRCODE = 'insufficient_privilege', HINT = 'rectify:no-person';
    END IF;
    INSERT INTO {S}.checklists VALUES (v_sha256, p_source) ON CONFLICT DO NOTHING;
    RETURN v_sha256;
END $fn$
"""

# The evidence store: a file's bytes by their sha256 (computed here, not given).
KEEP_FILE_FUNCTION = KEEP_CHECKLIST_FUNCTION.replace("rectify_keep_checklist", "rectify_keep_file").replace(
    f"{S}.checklists", f"{S}.files"
)

GRANTS = [
    f"REVOKE ALL ON ALL TABLES IN SCHEMA {S} FROM PUBLIC",
    f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {S} FROM PUBLIC",
    f"GRANT USAGE ON SCHEMA {S} TO {STAFF}",
    f"GRANT SELECT ON ALL TABLES IN SCHEMA {S} TO {STAFF}",
    f"GRANT EXECUTE ON FUNCTION {S}.rectify_append(text, text, text, text, text, text, text, text, "
    f"text, text, integer) TO {STAFF}",
    f"GRANT EXECUTE ON FUNCTION {S}.rectify_keep_checklist(bytea) TO {STAFF}",
    f"GRANT EXECUTE ON FUNCTION {S}.rectify_keep_file(bytea) TO {STAFF}",
]
