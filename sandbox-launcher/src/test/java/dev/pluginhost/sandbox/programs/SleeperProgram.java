package dev.pluginhost.sandbox.programs;

/** Prints "ready" and sleeps for a minute. */
public final class SleeperProgram {
    public static void main(String[] args) throws Exception {
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(60_000);
    }
}
