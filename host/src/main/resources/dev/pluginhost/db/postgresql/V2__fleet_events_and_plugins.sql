-- Events across replicas (docs/fleet.md). One row per topic: publishing to it locks the row, so one topic's events
-- get gapless sequence numbers and commit in that order; a cursor can then never skip an event still committing.
CREATE TABLE IF NOT EXISTS plugin_event_topic (
    topic VARCHAR(255) COLLATE "C" NOT NULL PRIMARY KEY,
    last_seq BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS plugin_event (
    topic VARCHAR(255) COLLATE "C" NOT NULL,
    seq BIGINT NOT NULL,
    id VARCHAR(64) NOT NULL,
    source VARCHAR(64) NOT NULL,
    content_type VARCHAR(255) NOT NULL,
    payload BYTEA NOT NULL,
    time_ms BIGINT NOT NULL,
    created TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, seq)
);
CREATE INDEX IF NOT EXISTS plugin_event_created ON plugin_event (created);
-- A plugin id's patterns, and since when: its consumer group gets the events published after it first subscribed.
CREATE TABLE IF NOT EXISTS plugin_event_group (
    plugin VARCHAR(64) NOT NULL,
    pattern VARCHAR(255) NOT NULL,
    since TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (plugin, pattern)
);
-- Per (plugin id, topic): the last event delivered for good, and the replica delivering now (its lease).
CREATE TABLE IF NOT EXISTS plugin_event_cursor (
    plugin VARCHAR(64) NOT NULL,
    topic VARCHAR(255) COLLATE "C" NOT NULL,
    delivered BIGINT NOT NULL,
    owner VARCHAR(128),
    lease_until TIMESTAMPTZ,
    PRIMARY KEY (plugin, topic)
);
-- The fleet's plugin set: every replica installs these jars (POST /api/plugins, DELETE /api/plugins/{id}).
CREATE TABLE IF NOT EXISTS plugin_jar (
    plugin VARCHAR(64) NOT NULL PRIMARY KEY,
    version VARCHAR(128) NOT NULL,
    sha256 CHAR(64) NOT NULL,
    jar BYTEA NOT NULL,
    uploaded TIMESTAMPTZ NOT NULL DEFAULT now()
);
