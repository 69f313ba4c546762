package dev.pluginhost.host.discovery;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSigner;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * What a jar is, as opposed to what its manifest claims: the SHA-256 of its bytes, and who signed it. A jar counts as
 * signed only when every entry (besides folders and the signature files themselves) is signed by the same signer,
 * verified by {@link JarFile} (the standard {@code jarsigner} format); a jar with some unsigned entries is unsigned,
 * with the reason.
 *
 * @param digest {@code sha256:<hex>} of the file
 * @param signers the certificate chains (signer first) that signed every entry; empty when unsigned
 * @param unsigned why the jar does not count as signed, or null when it does
 */
public record JarIdentity(String digest, List<List<X509Certificate>> signers, String unsigned) {

    public JarIdentity {
        signers = signers.stream().map(List::copyOf).toList();
    }

    /** @return the subject of the (first) signing certificate, or null when the jar is not signed */
    public String signer() {
        return signers.isEmpty() ? null : signers.get(0).get(0).getSubjectX500Principal().getName();
    }

    /** @return {@code sha256:<hex>} of the file's bytes */
    public static String digest(Path file) throws IOException {
        MessageDigest sha256 = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha256)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return "sha256:" + HexFormat.of().formatHex(sha256.digest());
    }

    /**
     * Reads every entry of a jar opened with verification on, which checks each entry against the signature (a
     * tampered signed entry throws {@link SecurityException}), and collects the signers common to all entries.
     */
    static JarIdentity of(String digest, JarFile jar) throws IOException {
        Map<Certificate, List<X509Certificate>> common = null;
        String unsigned = null;
        byte[] buffer = new byte[8192];
        Enumeration<JarEntry> entries = jar.entries();
        while (entries.hasMoreElements()) {
            JarEntry entry = entries.nextElement();
            try (InputStream in = jar.getInputStream(entry)) {
                while (in.read(buffer) >= 0) {
                    // read to the end: only then has the entry been verified and its signers set
                }
            }
            if (entry.isDirectory() || isSignatureFile(entry.getName())) {
                continue;
            }
            Map<Certificate, List<X509Certificate>> signers = signers(entry.getCodeSigners());
            if (common == null) {
                common = signers;
            } else {
                common.keySet().retainAll(signers.keySet());
            }
            if (common.isEmpty() && unsigned == null) {
                unsigned = signers.isEmpty() ? "entry " + entry.getName() + " is not signed"
                        : "entry " + entry.getName() + " is signed by another signer than the entries before it";
            }
        }
        if (common == null) {
            common = Map.of();
            unsigned = "it holds no files besides its manifest";
        }
        return new JarIdentity(digest, new ArrayList<>(common.values()), common.isEmpty() ? unsigned : null);
    }

    private static Map<Certificate, List<X509Certificate>> signers(CodeSigner[] codeSigners) {
        Map<Certificate, List<X509Certificate>> signers = new LinkedHashMap<>();
        if (codeSigners == null) {
            return signers;
        }
        for (CodeSigner signer : codeSigners) {
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate certificate : signer.getSignerCertPath().getCertificates()) {
                if (certificate instanceof X509Certificate x509) {
                    chain.add(x509);
                }
            }
            if (!chain.isEmpty()) {
                signers.put(chain.get(0), chain);
            }
        }
        return signers;
    }

    /**
     * The manifest (which the signature file covers as a whole) and the files jarsigner adds and does not sign:
     * META-INF/*.SF, *.RSA, *.DSA, *.EC, SIG-*.
     */
    static boolean isSignatureFile(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        if (upper.equals(JarFile.MANIFEST_NAME)) {
            return true;
        }
        if (!upper.startsWith("META-INF/") || upper.indexOf('/', "META-INF/".length()) >= 0) {
            return false;
        }
        String file = upper.substring("META-INF/".length());
        return file.endsWith(".SF") || file.endsWith(".RSA") || file.endsWith(".DSA") || file.endsWith(".EC")
                || file.startsWith("SIG-");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
