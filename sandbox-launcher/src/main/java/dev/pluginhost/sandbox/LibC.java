package dev.pluginhost.sandbox;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/** JNA binding of the libc calls the JDK does not offer (FIFOs, memfd). x86_64 only: size_t and off_t are long. */
interface LibC extends Library {

    int O_RDONLY = 0;
    int O_WRONLY = 1;
    int O_NONBLOCK = 0x800;
    int O_CLOEXEC = 0x80000;
    int MFD_CLOEXEC = 1;
    int SEEK_SET = 0;

    int mkfifo(String path, int mode) throws LastErrorException;

    int memfd_create(String name, int flags) throws LastErrorException;

    int open(String path, int flags) throws LastErrorException;

    long lseek(int fd, long offset, int whence) throws LastErrorException;

    long read(int fd, Pointer buffer, long count) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    /** Loaded by full soname: the short name "c" makes JNA search with ldconfig. */
    final class Holder {
        static final LibC INSTANCE = Native.load("libc.so.6", LibC.class);

        private Holder() {
        }
    }

    static LibC get() {
        return Holder.INSTANCE;
    }
}
