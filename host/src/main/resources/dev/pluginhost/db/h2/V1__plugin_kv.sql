-- The kv capability's table. IF NOT EXISTS: a store made before Flyway managed it (an H2 file under
-- plugins.data-dir) is baselined at version 0 and this script then leaves it as it is.
CREATE TABLE IF NOT EXISTS plugin_kv (
    plugin VARCHAR(64) NOT NULL,
    k VARCHAR(1024) NOT NULL,
    v VARBINARY(1048576) NOT NULL,
    PRIMARY KEY (plugin, k)
);
-- One row per plugin, locked by each of its writes: its quota is counted one write at a time.
CREATE TABLE IF NOT EXISTS plugin_kv_lock (
    plugin VARCHAR(64) NOT NULL PRIMARY KEY
);
