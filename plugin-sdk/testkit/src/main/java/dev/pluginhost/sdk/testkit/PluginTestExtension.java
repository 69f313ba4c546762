package dev.pluginhost.sdk.testkit;

import java.lang.reflect.AnnotatedElement;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The JUnit Jupiter extension behind {@link PluginTest}: starts a {@link TestHost} with the annotated plugin before
 * each test method, resolves {@link TestHost} parameters, and closes the host after the method. Compiled against the
 * JUnit 5 API; runs on Jupiter 5 and 6.
 */
public final class PluginTestExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(PluginTestExtension.class);
    private static final String HOST = "host";

    /** Created by JUnit. */
    public PluginTestExtension() {
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        PluginTest test = find(context).orElseThrow(() -> new IllegalStateException(
                "@PluginTest(plugin = ...) is missing on " + context.getDisplayName()));
        TestHost.Builder builder = TestHost.builder(test.plugin()).grant(test.grants());
        if (!test.id().isEmpty()) {
            builder.id(test.id());
        }
        for (String entry : test.config()) {
            builder.config(entry);
        }
        context.getStore(NAMESPACE).put(HOST, builder.start());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        TestHost host = context.getStore(NAMESPACE).remove(HOST, TestHost.class);
        if (host != null) {
            host.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestHost.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        TestHost host = context.getStore(NAMESPACE).get(HOST, TestHost.class);
        if (host == null) {
            throw new ParameterResolutionException("a TestHost exists only in test methods and @BeforeEach/@AfterEach "
                    + "methods of a @PluginTest class");
        }
        return host;
    }

    /** The annotation on the method, else on the class or an enclosing class (for {@code @Nested} tests). */
    private static Optional<PluginTest> find(ExtensionContext context) {
        Optional<PluginTest> onMethod = context.getTestMethod().flatMap(m -> annotation(m));
        if (onMethod.isPresent()) {
            return onMethod;
        }
        for (Class<?> type = context.getRequiredTestClass(); type != null; type = type.getEnclosingClass()) {
            Optional<PluginTest> onType = annotation(type);
            if (onType.isPresent()) {
                return onType;
            }
        }
        return Optional.empty();
    }

    private static Optional<PluginTest> annotation(AnnotatedElement element) {
        return Optional.ofNullable(element.getAnnotation(PluginTest.class));
    }
}
