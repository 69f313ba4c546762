package dev.pluginhost.sdk.runtime;

import dev.pluginhost.contract.v1.LogRecord;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J 2.x provider of a plugin JVM: everything a plugin (or a library it bundles) logs through SLF4J goes to
 * the host's log under the plugin's id, through the {@code log} capability, with no configuration.
 *
 * <p>SLF4J finds it with {@link java.util.ServiceLoader}: the runtime jar (and the SDK's test kit) list it in
 * {@code META-INF/services/org.slf4j.spi.SLF4JServiceProvider}; the plain {@code plugin-sdk} jar does not, so an
 * application that has the SDK on its class path keeps its own SLF4J binding. TRACE is dropped in the plugin; DEBUG
 * and above are sent, and the host's logging configuration for {@code plugin.<id>} decides what is printed. Loggers
 * of the runtime's own transport ({@code io.grpc.*}, which includes its shaded Netty) send WARN and ERROR only, and a
 * record logged while a record is being sent is dropped, so the log can never feed on itself. Before the runtime has
 * connected to the host, records go to stderr.
 */
public final class RuntimeSlf4jProvider implements SLF4JServiceProvider {

    private final Factory loggers = new Factory();
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new BasicMDCAdapter();

    /** Created by SLF4J's {@link java.util.ServiceLoader}. */
    public RuntimeSlf4jProvider() {
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggers;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
    }

    private static final class Factory implements ILoggerFactory {
        private final Map<String, Logger> loggers = new ConcurrentHashMap<>();

        @Override
        public Logger getLogger(String name) {
            return loggers.computeIfAbsent(name, RemoteLogger::new);
        }
    }

    /** One SLF4J logger; writes to the runtime's current {@link RemoteLog}. */
    private static final class RemoteLogger extends LegacyAbstractLogger {

        private static final long serialVersionUID = 1L;

        /** Whether this is one of the runtime's transport loggers, which send WARN and ERROR only. */
        private final boolean transport;

        RemoteLogger(String name) {
            this.name = name;
            this.transport = name.startsWith("io.grpc.");
        }

        @Override
        public boolean isTraceEnabled() {
            return false;
        }

        @Override
        public boolean isDebugEnabled() {
            return !transport;
        }

        @Override
        public boolean isInfoEnabled() {
            return !transport;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                                   Throwable throwable) {
            if (level == Level.TRACE || transport && (level == Level.DEBUG || level == Level.INFO)) {
                return; // the fluent API (atDebug()...) reaches here without asking isDebugEnabled()
            }
            String message = MessageFormatter.basicArrayFormat(pattern, arguments);
            LogRecord.Level to = switch (level) {
                case TRACE -> LogRecord.Level.TRACE;
                case DEBUG -> LogRecord.Level.DEBUG;
                case INFO -> LogRecord.Level.INFO;
                case WARN -> LogRecord.Level.WARN;
                case ERROR -> LogRecord.Level.ERROR;
            };
            RemoteLog log = RemoteLog.current();
            if (log != null) {
                log.write(to, name, message, throwable);
            } else {
                RemoteLog.toStderr("plugin", to, name, message,
                        throwable == null ? null : RemoteLog.stackTrace(throwable));
            }
        }
    }
}
