package dev.pluginhost.sandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.sandbox.SyscallPolicy;
import dev.pluginhost.sandbox.oci.Json;
import dev.pluginhost.sandbox.oci.OciProfile;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** explain and the OCI export read each rule's reason from the policy; an exported profile carries them back. */
class ExportReasonsTest {

    @TempDir
    Path tmp;

    private static String run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new PluginSandbox(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).execute(args);
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyExportedEntryCarriesTheReasonOfItsSyscallsFromThePolicy() {
        SyscallPolicy policy = SyscallPolicy.jvmDefault();
        Map<String, Object> profile = (Map<String, Object>) Json.parse(OciProfile.export(policy, true));
        List<Map<String, Object>> entries = (List<Map<String, Object>>) profile.get("syscalls");
        for (Map<String, Object> entry : entries) {
            for (Object name : (List<Object>) entry.get("names")) {
                assertThat(entry.get("comment")).as((String) name)
                        .isEqualTo(policy.reason((String) name).orElseThrow());
            }
        }
        assertThat(OciProfile.export(policy)).as("plain OCI unless asked").doesNotContain("\"comment\"");
    }

    @Test
    void explainOfAnExportedPolicyPrintsTheSameReasonsAsThePolicyItself() throws Exception {
        Path file = tmp.resolve("with-reasons.json");
        Files.writeString(file, run("export", "--format", "oci", "--reasons"));

        String fromFile = run("explain", "--policy", file.toString());
        String fromPolicy = run("explain");
        assertThat(fromFile).doesNotContain("imported from an OCI profile");
        // The same table, but for kill/tgkill: exported without the own-pid condition a runtime cannot hold.
        java.util.function.Predicate<String> ownPid = l -> l.startsWith("kill ") || l.startsWith("tgkill ");
        String imported = PluginSandbox.ruleTable(OciProfile.importProfile(Files.readString(file)).policy(), true);
        assertThat(imported.lines().filter(ownPid.negate()).sorted().toList())
                .isEqualTo(PluginSandbox.ruleTable(SyscallPolicy.jvmDefault(), false).lines().filter(ownPid.negate())
                        .sorted().toList());
        assertThat(imported.lines().filter(l -> l.startsWith("kill "))).singleElement().asString()
                .contains("allow").contains("its own threads and itself only");
        assertThat(fromFile.lines().filter(l -> l.startsWith("clone3 "))).singleElement().asString()
                .contains("glibc fall back");
        assertThat(fromPolicy.lines().filter(l -> l.startsWith("clone3 "))).singleElement().asString()
                .contains("glibc fall back");

        Path plain = tmp.resolve("plain.json");
        Files.writeString(plain, run("export", "--format", "oci"));
        assertThat(run("explain", "--policy", plain.toString())).contains("imported from an OCI profile");
    }
}
