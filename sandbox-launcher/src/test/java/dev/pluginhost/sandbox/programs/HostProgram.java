package dev.pluginhost.sandbox.programs;

import dev.pluginhost.sandbox.LaunchSpec;
import dev.pluginhost.sandbox.SandboxLauncher;
import dev.pluginhost.sandbox.SandboxListener;
import dev.pluginhost.sandbox.SandboxedProcess;
import java.nio.file.Path;
import java.util.List;

/**
 * A stand-in for the plugin host: launches SleeperProgram in the sandbox, prints "child PID launcher PID", then
 * waits to be killed. Usage: HostProgram WORK_DIR JAVA CLASSPATH
 */
public final class HostProgram {
    public static void main(String[] args) throws Exception {
        SandboxLauncher launcher = new SandboxLauncher(Path.of(args[0]));
        SandboxedProcess process = launcher.launch(LaunchSpec.builder()
                .command(List.of(args[1], "-Xmx32m", "-cp", args[2], SleeperProgram.class.getName()))
                .build(), SandboxListener.NONE);
        System.out.println("child " + process.pid() + " launcher " + process.launcherPid());
        System.out.flush();
        Thread.sleep(120_000);
    }
}
