package dev.pluginhost.sandbox.hostile;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * An honest plugin JVM for the false-alarm matrix. Boot: triggers the JDK's known start-up probes (NIO/libnet,
 * jdk.net.ExtendedSocketOptions, the seed generator's interface enumeration) and loads JNA, prints "BOOTED", then waits until the file {@code args[1]} exists
 * (the test ends the boot phase first). Run: threads, NIO file I/O, zip and jar reading, time zones, SecureRandom,
 * file modes, times, links and a WatchService, a JNA call and GC pressure; prints "DONE" and exits 0. Usage: HonestMatrixProgram SCRATCH GO_FILE JAR
 */
public final class HonestMatrixProgram {

    interface LibC extends Library {
        int getpid();
    }

    public static void main(String[] args) throws Exception {
        Path scratch = Path.of(args[0]);
        Path go = Path.of(args[1]);
        Path jar = Path.of(args[2]);

        // ---- boot: what the plugin runtime does before the host hands control to plugin code
        try (SocketChannel unix = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            unix.isOpen(); // loads libnet/libnio: the JDK's AF_INET/AF_INET6 probes
        }
        Class.forName("jdk.net.ExtendedSocketOptions"); // its 3 x socket(AF_INET) support probes
        // The JDK's seed generator (first DRBG/SHA1PRNG seeding) hashes the network interfaces: one
        // socket(AF_INET, SOCK_DGRAM) that fails quietly. The plugin runtime seeds during boot, so do we.
        SecureRandom.getInstance("DRBG").nextBytes(new byte[8]);
        LibC libc = Native.load("libc.so.6", LibC.class); // JNA's native init (no ldconfig: see the test)
        System.out.println("BOOTED " + libc.getpid());
        System.out.flush();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.exists(go) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }

        // ---- run: honest work that must raise no violation
        ExecutorService pool = Executors.newFixedThreadPool(64);
        List<Future<Long>> results = new ArrayList<>();
        for (int t = 0; t < 256; t++) {
            int id = t;
            results.add(pool.submit(() -> {
                long sum = 0;
                for (int i = 0; i < 20_000; i++) {
                    sum += Integer.toString(i * id).hashCode();
                }
                return sum;
            }));
        }
        for (Future<Long> f : results) {
            f.get();
        }
        pool.shutdown();

        Path file = scratch.resolve("nio.bin");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[1 << 20]));
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, 1 << 20);
            map.put(0, (byte) 42);
            map.force();
            ch.force(true);
            try (var lock = ch.lock()) {
                lock.isValid();
            }
        }
        Files.move(file, scratch.resolve("nio-moved.bin"));
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(scratch)) {
            dir.forEach(Path::getFileName);
        }
        Files.delete(scratch.resolve("nio-moved.bin"));

        Path zip = scratch.resolve("out.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new ZipEntry("a.txt"));
            out.write("hello".getBytes(StandardCharsets.UTF_8));
        }
        long entries = 0;
        try (JarFile jf = new JarFile(jar.toFile())) {
            for (Enumeration<JarEntry> e = jf.entries(); e.hasMoreElements(); ) {
                JarEntry entry = e.nextElement();
                if (!entry.isDirectory() && entries++ < 50) {
                    try (InputStream in = jf.getInputStream(entry)) {
                        in.readAllBytes();
                    }
                }
            }
        }
        try (JarFile zf = new JarFile(zip.toFile())) {
            zf.getManifest();
        }

        // What honest code does to its own files (issue 12): modes, times, links, and watching a folder.
        Path tool = Files.writeString(scratch.resolve("tool.sh"), "#!/bin/sh\n");
        if (!tool.toFile().setExecutable(true)) { // chmod
            throw new IllegalStateException("setExecutable refused");
        }
        Files.setPosixFilePermissions(tool, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Files.setLastModifiedTime(tool, java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L)); // utimensat
        Files.createLink(scratch.resolve("tool.link"), tool);
        Files.createSymbolicLink(scratch.resolve("tool.sym"), tool);
        try (java.nio.file.WatchService watcher = scratch.getFileSystem().newWatchService()) { // inotify
            scratch.register(watcher, java.nio.file.StandardWatchEventKinds.ENTRY_CREATE);
            Files.writeString(scratch.resolve("watched.txt"), "x");
            if (watcher.poll(10, java.util.concurrent.TimeUnit.SECONDS) == null) {
                throw new IllegalStateException("no WatchService event");
            }
        }

        String time = ZonedDateTime.now(ZoneId.of("America/New_York")).format(DateTimeFormatter.RFC_1123_DATE_TIME)
                + ZonedDateTime.now(ZoneId.of("Asia/Kolkata")) + ZoneId.systemDefault();

        SecureRandom random = new SecureRandom();
        byte[] bytes = new byte[64];
        random.nextBytes(bytes);
        SecureRandom.getInstance("NativePRNGNonBlocking").nextBytes(bytes);
        SecureRandom.getInstance("DRBG").nextBytes(bytes);

        int pid = libc.getpid();

        List<byte[]> garbage = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) { // ~300 MB allocated in a 64 MB heap: many collections
            garbage.add(new byte[100_000]);
            if (garbage.size() > 100) {
                garbage.clear();
            }
        }
        System.gc();
        System.out.println("DONE entries=" + entries + " pid=" + pid + " time=" + time.length());
    }
}
