package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;

/**
 * docs/deploy promises fields; this reads the shipped files as Kubernetes, systemd and a container runtime would and
 * checks each promise. Whether the profile then gives the host its layers is DeploymentsIT's job.
 */
class DeployGuideTest {

    static final Path DEPLOY = Deployment.repo().resolve("docs/deploy");

    @Test
    @SuppressWarnings("unchecked")
    void theDeploymentRunsTheHostAsNonRootUnderTheHostProfileWithProbes() throws Exception {
        List<Map<String, Object>> docs = yaml("kubernetes/deployment.yaml");
        Map<String, Object> deployment = kind(docs, "Deployment");
        Map<String, Object> pod = (Map<String, Object>) at(deployment, "spec", "template", "spec");
        assertThat(pod.get("hostUsers")).as("a user namespace per pod").isEqualTo(false);
        Map<String, Object> podSecurity = (Map<String, Object>) pod.get("securityContext");
        assertThat(podSecurity.get("runAsNonRoot")).isEqualTo(true);
        assertThat((Integer) podSecurity.get("runAsUser")).isNotIn(0, 65534);
        assertThat(at(podSecurity, "seccompProfile", "type")).isEqualTo("Localhost");
        assertThat((String) at(podSecurity, "seccompProfile", "localhostProfile")).endsWith("/host-seccomp.json");

        Map<String, Object> container = ((List<Map<String, Object>>) pod.get("containers")).get(0);
        Map<String, Object> security = (Map<String, Object>) container.get("securityContext");
        assertThat(security.get("allowPrivilegeEscalation")).isEqualTo(false);
        assertThat((List<String>) at(security, "capabilities", "drop")).containsExactly("ALL");
        assertThat(security).doesNotContainKey("privileged");
        assertThat(at(security, "appArmorProfile", "type")).as("the default AppArmor profile refuses mount")
                .isEqualTo("Unconfined");
        assertThat(security.get("procMount")).as("a masked /proc cannot be mounted for a plugin")
                .isEqualTo("Unmasked");
        assertThat(at(container, "livenessProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
        assertThat(at(container, "readinessProbe", "httpGet", "path")).isEqualTo("/actuator/health/readiness");
        List<Map<String, Object>> env = (List<Map<String, Object>>) container.get("env");
        assertThat(env).anySatisfy(e -> assertThat(e).containsEntry("name", "SPRING_SECURITY_USER_PASSWORD")
                .containsKey("valueFrom"));
        for (String datasource : List.of("SPRING_DATASOURCE_URL", "SPRING_DATASOURCE_USERNAME",
                "SPRING_DATASOURCE_PASSWORD")) {
            assertThat(env).as("the shared plugin state's connection from a Secret (docs/fleet.md)")
                    .anySatisfy(e -> {
                        assertThat(e).containsEntry("name", datasource);
                        assertThat(at(e, "valueFrom", "secretKeyRef", "name")).isEqualTo("pluginhost-postgres");
                        assertThat(at(e, "valueFrom", "secretKeyRef", "optional")).as("a single host needs none")
                                .isEqualTo(true);
                    });
        }

        Map<String, Object> service = kind(docs, "Service");
        String port = (String) ((List<Map<String, Object>>) at(service, "spec", "ports")).get(0).get("name");
        Map<String, Object> monitor = kind(yaml("kubernetes/servicemonitor.yaml"), "ServiceMonitor");
        assertThat(monitor.get("apiVersion")).isEqualTo("monitoring.coreos.com/v1");
        Map<String, Object> endpoint = ((List<Map<String, Object>>) at(monitor, "spec", "endpoints")).get(0);
        assertThat(endpoint).containsEntry("port", port).containsEntry("path", "/actuator/prometheus");
    }

    @Test
    void theHostProfileIsTheRuntimeDefaultPlusTheLaunchersCallsAndIsUpToDate() throws Exception {
        JsonNode profile = HostProcess.JSON.readTree(Files.readString(DEPLOY.resolve("host-seccomp.json")));
        JsonNode docker = HostProcess.JSON.readTree(Files.readString(Deployment.dockerProfile()));
        assertThat(profile.get("defaultAction").asString()).isEqualTo(docker.get("defaultAction").asString());
        List<String> unconditional = new ArrayList<>();
        for (JsonNode rule : profile.get("syscalls")) {
            if (rule.get("action").asString().equals("SCMP_ACT_ALLOW") && !rule.has("args")
                    && !rule.has("includes")) {
                rule.get("names").forEach(n -> unconditional.add(n.asString()));
            }
        }
        assertThat(unconditional).contains("clone", "unshare", "mount", "umount2", "mount_setattr", "pivot_root",
                "seccomp", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self");
        assertThat(unconditional).doesNotContain("clone3", "setns", "bpf", "kexec_load", "init_module");

        // The committed profile is what the committed generator makes of the runtime's default.
        Process make = new ProcessBuilder("python3", DEPLOY.resolve("make-host-seccomp.py").toString(),
                Deployment.dockerProfile().toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String generated = new String(make.getInputStream().readAllBytes());
        assertThat(make.waitFor()).isZero();
        assertThat(generated).as("regenerate with docs/deploy/make-host-seccomp.py")
                .isEqualTo(Files.readString(DEPLOY.resolve("host-seccomp.json")));
    }

    @Test
    void theSystemdUnitDelegatesACgroupAndRunsAsItsOwnAccount() throws Exception {
        List<String> unit = Files.readAllLines(DEPLOY.resolve("pluginhost.service"));
        assertThat(unit).contains("Delegate=yes", "User=pluginhost", "KillMode=control-group");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> yaml(String file) throws Exception {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : new Yaml().loadAll(Files.readString(DEPLOY.resolve(file)))) {
            docs.add((Map<String, Object>) doc);
        }
        return docs;
    }

    private static Map<String, Object> kind(List<Map<String, Object>> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.get("kind"))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " in the manifests"));
    }

    @SuppressWarnings("unchecked")
    private static Object at(Map<String, Object> map, String... path) {
        Object node = map;
        for (String key : path) {
            assertThat(node).as("%s in %s", key, String.join(".", path)).isInstanceOf(Map.class);
            node = ((Map<String, Object>) node).get(key);
        }
        return node;
    }
}
