package dev.pluginhost.host.discovery;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathValidator;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Operator pins: which jar may have a plugin id ({@code plugins.identity.pins.<id>}). A pin is a jar digest
 * ({@code sha256:<hex>}) or a signer ({@code signer:<alias>}: the certificate under that alias in
 * {@code plugins.identity.trust-store}, which signed the jar directly or issued its signer's certificate). An id with
 * several pins accepts a jar that matches any of them (to rotate a key or roll out a version). A jar claiming a pinned
 * id that matches none is refused, with what was expected and what the jar is; an id without pins is not checked.
 */
public final class PluginPins {

    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-fA-F]{64}");

    private final Map<String, List<String>> pins;
    private final KeyStore trustStore;
    private final String trustStoreProblem;

    /**
     * @param pins pins per plugin id
     * @param trustStore the trust store file for signer pins, or null
     * @param type its type ({@code PKCS12}, {@code JKS})
     * @param password its password, or null
     */
    public PluginPins(Map<String, List<String>> pins, Path trustStore, String type, String password) {
        this.pins = Map.copyOf(pins);
        KeyStore store = null;
        String problem = null;
        if (trustStore == null) {
            problem = "plugins.identity.trust-store.path is not set";
        } else {
            try (InputStream in = Files.newInputStream(trustStore)) {
                store = KeyStore.getInstance(type);
                store.load(in, password == null ? null : password.toCharArray());
            } catch (IOException | GeneralSecurityException e) {
                store = null;
                problem = "plugins.identity.trust-store " + trustStore + " (type " + type + ") cannot be read: "
                        + e.getMessage();
            }
        }
        this.trustStore = store;
        this.trustStoreProblem = problem;
    }

    /** No pins at all. */
    public static PluginPins none() {
        return new PluginPins(Map.of(), null, "PKCS12", null);
    }

    /** @return the pins of an id; empty when it has none */
    public List<String> of(String id) {
        return pins.getOrDefault(id, List.of()).stream().map(String::trim).filter(p -> !p.isEmpty()).toList();
    }

    /**
     * @return null when the jar may have the id it claims (it matches a pin, or the id has none); otherwise why not,
     *         naming the file, the property, what was expected and what the jar is
     */
    public String check(PluginDescriptor plugin) {
        List<String> expected = of(plugin.id());
        if (expected.isEmpty()) {
            return null;
        }
        String property = "plugins.identity.pins." + plugin.id();
        JarIdentity identity = plugin.identity();
        if (identity == null) {
            return plugin.jar().getFileName() + ": Plugin-Id '" + plugin.id() + "' is pinned (" + property
                    + ") and a folder of classes has no digest or signer to check";
        }
        List<String> wanted = new ArrayList<>();
        boolean signerPin = false;
        for (String pin : expected) {
            if (DIGEST.matcher(pin).matches()) {
                if (pin.toLowerCase(Locale.ROOT).equals(identity.digest())) {
                    return null;
                }
                wanted.add(pin.toLowerCase(Locale.ROOT));
            } else if (pin.startsWith("signer:") && pin.length() > "signer:".length()) {
                signerPin = true;
                String alias = pin.substring("signer:".length()).trim();
                X509Certificate anchor;
                try {
                    anchor = anchor(alias);
                } catch (IllegalStateException e) {
                    wanted.add(pin + " (" + e.getMessage() + ")");
                    continue;
                }
                for (List<X509Certificate> chain : identity.signers()) {
                    if (signedBy(chain, anchor)) {
                        return null;
                    }
                }
                wanted.add("a jar signed by '" + alias + "' (" + anchor.getSubjectX500Principal().getName() + ")");
            } else {
                wanted.add("'" + pin + "' (not a pin: write sha256:<64 hex digits> or signer:<trust-store alias>)");
            }
        }
        String actual = identity.digest();
        if (signerPin || identity.signer() != null) {
            actual += identity.signer() != null ? ", signed by " + identity.signer()
                    : ", not signed (" + identity.unsigned() + ")";
        }
        return plugin.jar().getFileName() + ": Plugin-Id '" + plugin.id() + "' is pinned (" + property + ") to "
                + String.join(" or ", wanted) + "; this jar is " + actual;
    }

    private X509Certificate anchor(String alias) {
        if (trustStore == null) {
            throw new IllegalStateException(trustStoreProblem);
        }
        try {
            Certificate certificate = trustStore.getCertificate(alias);
            if (certificate instanceof X509Certificate x509) {
                return x509;
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the trust store cannot be searched: " + e.getMessage(), e);
        }
        throw new IllegalStateException("no certificate '" + alias + "' in plugins.identity.trust-store");
    }

    /** The jar's signer is the pinned certificate, or its chain leads to it (PKIX, without revocation checks). */
    private static boolean signedBy(List<X509Certificate> chain, X509Certificate anchor) {
        if (chain.get(0).equals(anchor)) {
            return true;
        }
        List<X509Certificate> path = new ArrayList<>(chain);
        path.remove(anchor); // the anchor itself is not part of a path to it
        try {
            PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
            parameters.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX")
                    .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
            return true;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }
}
