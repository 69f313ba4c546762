package dev.pluginhost.sandbox.programs;

/** Runs /bin/true. Prints "ran N" and exits 0, or prints "refused: ..." and exits 3. */
public final class ExecProgram {
    public static void main(String[] args) throws Exception {
        try {
            int code = new ProcessBuilder("/bin/true").start().waitFor();
            System.out.println("ran " + code);
        } catch (Exception e) {
            System.out.println("refused: " + e);
            System.exit(3);
        }
    }
}
