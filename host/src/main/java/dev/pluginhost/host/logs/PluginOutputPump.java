package dev.pluginhost.host.logs;

import java.io.IOException;
import java.io.InputStream;
import org.slf4j.event.Level;

/**
 * Reads one stream of a plugin JVM (stdout or stderr) into its {@link PluginLogSink}, in fixed chunks: a line is
 * buffered up to {@code plugins.logs.max-line-bytes} and the rest of it is skipped unbuffered, so whatever a plugin
 * prints, the host holds at most one chunk and one line per stream (an unbounded {@code readLine()} let one plugin pin
 * gigabytes of the host's heap).
 */
public final class PluginOutputPump implements Runnable {

    private static final int CHUNK = 8192;

    private final PluginLogSink sink;
    private final InputStream stream;
    private final String source;
    private final Level level;

    private PluginOutputPump(PluginLogSink sink, InputStream stream, String source, Level level) {
        this.sink = sink;
        this.stream = stream;
        this.source = source;
        this.level = level;
    }

    /**
     * Starts a daemon thread pumping {@code stream} until it ends.
     *
     * @param pluginId names the thread
     * @param source {@code stdout} or {@code stderr}
     */
    public static Thread start(String pluginId, PluginLogSink sink, InputStream stream, String source, Level level) {
        Thread thread = new Thread(new PluginOutputPump(sink, stream, source, level),
                "plugin-" + source + "-" + pluginId);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    @Override
    public void run() {
        byte[] chunk = new byte[CHUNK];
        byte[] line = new byte[sink.maxLineBytes()];
        int length = 0;
        long cut = 0;
        try (stream) {
            int read;
            while ((read = stream.read(chunk)) >= 0) {
                int from = 0;
                while (from < read) {
                    int newline = indexOf(chunk, from, read);
                    int end = newline < 0 ? read : newline;
                    int room = Math.min(end - from, line.length - length);
                    System.arraycopy(chunk, from, line, length, room);
                    length += room;
                    cut += end - from - room;
                    if (newline < 0) {
                        break;
                    }
                    emit(line, length, cut);
                    length = 0;
                    cut = 0;
                    from = newline + 1;
                }
            }
        } catch (IOException e) {
            // the process is gone; its exit is reported by the launcher
        }
        if (length > 0 || cut > 0) {
            emit(line, length, cut);
        }
    }

    private void emit(byte[] line, int length, long cut) {
        int used = cut == 0 && length > 0 && line[length - 1] == '\r' ? length - 1 : length; // CRLF line ends
        sink.output(level, source, line, used, cut);
    }

    private static int indexOf(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
