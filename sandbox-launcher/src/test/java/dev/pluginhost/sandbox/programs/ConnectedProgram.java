package dev.pluginhost.sandbox.programs;

import com.sun.jna.Native;
import com.sun.jna.Memory;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * A program handed its host connection: writes "hello" on the descriptor named by {@code HOST_FD} (if any) and
 * prints the reply as "inherited LINE"; then, for each argument, connects to that pathname Unix socket itself and
 * prints "unix ok LINE" or "unix failed EXCEPTION".
 */
public final class ConnectedProgram {
    public static void main(String[] args) throws Exception {
        String fd = System.getenv("HOST_FD");
        if (fd != null) {
            int n = Integer.parseInt(fd);
            byte[] hello = "hello\n".getBytes(StandardCharsets.US_ASCII);
            Memory out = new Memory(hello.length);
            out.write(0, hello, 0, hello.length);
            LibC.INSTANCE.write(n, out, hello.length);
            Memory in = new Memory(256);
            long got = -1;
            for (int tries = 0; tries < 200 && got <= 0; tries++) { // non-blocking: the launcher set O_NONBLOCK
                got = LibC.INSTANCE.read(n, in, 256);
                if (got <= 0) {
                    Thread.sleep(10);
                }
            }
            System.out.println("inherited " + (got > 0 ? new String(in.getByteArray(0, (int) got),
                    StandardCharsets.US_ASCII).strip() : "nothing read"));
        }
        for (String path : args) {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(path));
                ByteBuffer buf = ByteBuffer.allocate(256);
                ch.read(buf);
                System.out.println("unix ok " + new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8)
                        .strip());
            } catch (Exception e) {
                System.out.println("unix failed " + e);
            }
        }
    }

    interface LibC extends com.sun.jna.Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        long write(int fd, Memory buf, long count);

        long read(int fd, Memory buf, long count);
    }
}
