package dev.pluginhost.bench.work;

/** The floor of a JVM start: print one line. With an argument, stay alive that many milliseconds (idle RSS). */
public final class Hello {
    private Hello() {
    }

    public static void main(String[] args) throws InterruptedException {
        System.out.println("hello");
        System.out.flush();
        if (args.length > 0) {
            Thread.sleep(Long.parseLong(args[0]));
        }
    }
}
