package dev.pluginhost.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A seccomp-BPF program as the kernel takes it: an array of 8-byte {@code struct sock_filter}, as written by
 * libseccomp's {@code seccomp_export_bpf}. This is what the launcher's {@code --filter} reads.
 */
public final class CompiledFilter {
    private final byte[] bpf;

    CompiledFilter(byte[] bpf) {
        if (bpf.length == 0 || bpf.length % 8 != 0) {
            throw new IllegalArgumentException("not a BPF program: " + bpf.length + " bytes");
        }
        this.bpf = bpf.clone();
    }

    /** A copy of the raw program. */
    public byte[] bpf() {
        return bpf.clone();
    }

    /** Number of BPF instructions. */
    public int instructionCount() {
        return bpf.length / 8;
    }

    /** Writes the program to {@code file} (created or truncated). */
    public void writeTo(Path file) throws IOException {
        Files.write(file, bpf, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
    }
}
