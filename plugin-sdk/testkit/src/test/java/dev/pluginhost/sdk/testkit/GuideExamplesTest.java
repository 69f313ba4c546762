package dev.pluginhost.sdk.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code java} block of docs/plugin-guide.md compiles against the SDK, this kit, JUnit, AssertJ and the
 * template's {@code MyPlugin}: the class path a plugin project made from the template has. A block that declares a
 * type is compiled as a file of its own; any other block is the body of a method with a {@code PluginContext context}
 * in scope. Imports are the same for every block (the API, the kit, java.util, java.time, java.io, JUnit's
 * annotations, AssertJ's assertions), as a reader's IDE would add them.
 */
class GuideExamplesTest {

    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern TYPE = Pattern.compile("^(?:@.*\\n)*(?:public )?(?:final )?(?:class|record|interface) "
            + "(\\w+)", Pattern.MULTILINE);

    @TempDir
    Path work;

    @Test
    void everyJavaExampleOfTheGuideCompiles() throws Exception {
        Path repo = Path.of("../..").toAbsolutePath().normalize();
        String guide = Files.readString(repo.resolve("docs/plugin-guide.md"));
        Matcher block = JAVA_BLOCK.matcher(guide);
        List<File> sources = new ArrayList<>();
        int n = 0;
        while (block.find()) {
            n++;
            String code = block.group(1);
            String pkg = "guide.example" + n;
            Matcher type = TYPE.matcher(code);
            String name;
            String unit;
            if (type.find() && type.start() == 0) {
                name = type.group(1);
                unit = "package " + pkg + ";\n" + imports(name) + code;
            } else {
                name = "Example" + n;
                unit = "package " + pkg + ";\n" + imports(name) + "class " + name + " {\n"
                        + "    void example(PluginContext context) throws Exception {\n" + code + "\n    }\n}\n";
            }
            Path file = Files.createDirectories(work.resolve("src").resolve(pkg.replace('.', '/')))
                    .resolve(name + ".java");
            Files.writeString(file, unit);
            sources.add(file.toFile());
        }
        assertThat(n).as("java blocks in the guide").isGreaterThanOrEqualTo(5);

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter errors = new StringWriter();
        try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, null)) {
            Iterable<? extends JavaFileObject> units = files.getJavaFileObjectsFromFiles(sources);
            List<String> options = List.of("-d", Files.createDirectories(work.resolve("classes")).toString(),
                    "-classpath", System.getProperty("java.class.path"),
                    "-sourcepath", repo.resolve("plugin-sdk/template/src/main/java").toString(),
                    "-proc:none", "-Xlint:none");
            boolean ok = javac.getTask(errors, files, null, options, null, units).call();
            assertThat(ok).as("the guide's Java examples compile:%n%s", errors).isTrue();
        }
    }

    private static String imports(String declared) {
        return "import dev.pluginhost.sdk.*;\n"
                + "import dev.pluginhost.sdk.testkit.*;\n"
                + "import java.io.*;\n"
                + "import java.time.*;\n"
                + "import java.util.*;\n"
                + "import org.junit.jupiter.api.Test;\n"
                + "import static org.assertj.core.api.Assertions.*;\n"
                + (declared.equals("MyPlugin") ? "" : "import com.example.myplugin.MyPlugin;\n");
    }
}
