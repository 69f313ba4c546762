package dev.pluginhost.host.capability;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** The host's SQL statements: every one with a query timeout, so a host-side thread never waits on a database forever. */
public final class Statements {

    private Statements() {
    }

    /** @return the statement, which gives up after {@code timeoutSeconds} */
    public static PreparedStatement prepare(Connection c, String sql, int timeoutSeconds) throws SQLException {
        PreparedStatement s = c.prepareStatement(sql);
        s.setQueryTimeout(timeoutSeconds);
        return s;
    }
}
