-- The kv capability's table. IF NOT EXISTS: a database that had the table before Flyway managed it is baselined
-- at version 0 and this script then leaves it as it is.
-- COLLATE "C": list() walks keys in byte order from the prefix on and stops at the first key without it; a locale's
-- collation would order keys differently and stop too early.
CREATE TABLE IF NOT EXISTS plugin_kv (
    plugin VARCHAR(64) NOT NULL,
    k VARCHAR(1024) COLLATE "C" NOT NULL,
    v BYTEA NOT NULL,
    PRIMARY KEY (plugin, k)
);
-- One row per plugin, locked by each of its writes: the fleet's hosts count its quota one write at a time.
CREATE TABLE IF NOT EXISTS plugin_kv_lock (
    plugin VARCHAR(64) NOT NULL PRIMARY KEY
);
