package dev.pluginhost.sandbox;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Folders in places others can write to (/tmp, a shared run folder) without trusting what is already there: created
 * with {@code mkdir} (which never follows a link at the last component), or, when they exist, accepted only if they
 * are real folders owned by this process's user; removed without following links (openat/unlinkat relative to an
 * open folder, so a link swapped in during the removal is removed, never followed).
 */
public final class SafeFiles {

    /** rwx------ */
    public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private SafeFiles() {
    }

    /**
     * Creates {@code dir} with {@code mode}, or accepts it as it is when it already exists as a real folder (not a
     * link) owned by one of {@code owners}; then sets {@code mode}. Its parent must exist.
     *
     * @param owners the uids it may have; none: this process's effective uid
     * @throws IOException naming the folder and why it is not trusted (a link, not a folder, another owner)
     */
    public static Path directory(Path dir, Set<PosixFilePermission> mode, int... owners) throws IOException {
        int[] allowed = owners.length > 0 ? owners : new int[] {effectiveUid()};
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(mode));
        } catch (FileAlreadyExistsException e) {
            // checked below
        }
        PosixFileAttributes attributes = Files.readAttributes(dir, PosixFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        if (attributes.isSymbolicLink()) {
            throw new IOException(dir + " is a symbolic link: refusing to use it (remove it; the folder is created "
                    + "afresh)");
        }
        if (!attributes.isDirectory()) {
            throw new IOException(dir + " exists and is not a folder: refusing to use it");
        }
        int actual = uid(dir);
        if (java.util.Arrays.stream(allowed).noneMatch(u -> u == actual)) {
            throw new IOException(dir + " is owned by uid " + actual + ", not by uid "
                    + java.util.Arrays.toString(allowed).replaceAll("[\\[\\]]", "").replace(", ", " or ")
                    + ": refusing to trust a folder someone else made (remove it, or choose another)");
        }
        // A no-follow view: the JDK opens the folder with O_NOFOLLOW and uses fchmod.
        Files.getFileAttributeView(dir, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setPermissions(mode);
        return dir;
    }

    /** @return the owner's uid of {@code path} itself (a link is not followed) */
    public static int uid(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    /** This process's effective uid, from /proc/self/status; -1 when it cannot be read. */
    public static int effectiveUid() {
        return SandboxLauncher.effectiveUid();
    }

    /**
     * Removes a folder and everything in it without following any link: entries are opened and unlinked relative to
     * their open parent folder. Best effort: what cannot be removed is left and reported in the exception.
     */
    public static void deleteTree(Path dir) throws IOException {
        PosixFileAttributes attributes;
        try {
            attributes = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (!attributes.isDirectory() || attributes.isSymbolicLink()) {
            Files.deleteIfExists(dir);
            return;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            if (!(stream instanceof SecureDirectoryStream<Path> secure)) {
                throw new IOException("cannot remove " + dir + " safely: no openat/unlinkat on this file system");
            }
            empty(secure);
        }
        Files.deleteIfExists(dir);
    }

    private static void empty(SecureDirectoryStream<Path> dir) throws IOException {
        List<Path> names = new ArrayList<>();
        dir.forEach(p -> names.add(p.getFileName()));
        for (Path name : names) {
            try {
                PosixFileAttributes attributes = dir.getFileAttributeView(name, PosixFileAttributeView.class,
                        LinkOption.NOFOLLOW_LINKS).readAttributes();
                if (attributes.isDirectory()) {
                    try (SecureDirectoryStream<Path> child = dir.newDirectoryStream(name,
                            LinkOption.NOFOLLOW_LINKS)) {
                        empty(child);
                    }
                    dir.deleteDirectory(name);
                } else {
                    dir.deleteFile(name);
                }
            } catch (NoSuchFileException e) {
                // removed meanwhile: what we wanted
            }
        }
    }
}
