package dev.pluginhost.host.discovery;

/**
 * An inclusive range of plugin contract versions, written {@code N} or {@code MIN-MAX}.
 *
 * @param min the oldest version
 * @param max the newest version
 */
public record VersionRange(int min, int max) {

    /**
     * @param text {@code N} or {@code MIN-MAX}
     * @return the range
     * @throws IllegalArgumentException when the text is not of that form
     */
    public static VersionRange parse(String text) {
        String[] parts = text.trim().split("-", -1);
        try {
            if (parts.length == 1) {
                int version = Integer.parseInt(parts[0].trim());
                return checked(version, version, text);
            }
            if (parts.length == 2) {
                return checked(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()), text);
            }
        } catch (NumberFormatException e) {
            // fall through to the one message below
        }
        throw new IllegalArgumentException("'" + text + "' is not a version range: write N or MIN-MAX, e.g. 1 or 1-2");
    }

    private static VersionRange checked(int min, int max, String text) {
        if (min < 1 || max < min) {
            throw new IllegalArgumentException("'" + text + "' is not a version range: need 1 <= MIN <= MAX");
        }
        return new VersionRange(min, max);
    }

    /** @return the highest version in both ranges, or -1 when they do not overlap */
    public int highestCommon(VersionRange other) {
        int high = Math.min(max, other.max);
        return high >= Math.max(min, other.min) ? high : -1;
    }

    @Override
    public String toString() {
        return min == max ? Integer.toString(min) : min + "-" + max;
    }
}
