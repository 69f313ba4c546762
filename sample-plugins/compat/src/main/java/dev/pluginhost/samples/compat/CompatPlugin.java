package dev.pluginhost.samples.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableSortedMultiset;
import com.google.common.hash.Hashing;
import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import com.ctc.wstx.stax.WstxInputFactory;
import com.ctc.wstx.stax.WstxOutputFactory;
import dev.pluginhost.sdk.Plugin;
import dev.pluginhost.sdk.PluginContext;
import dev.pluginhost.sdk.PluginHttp;
import freemarker.template.Configuration;
import freemarker.template.Template;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Security;
import java.security.Signature;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamReader;
import javax.xml.stream.XMLStreamWriter;
import net.jpountz.lz4.LZ4Factory;
import org.apache.commons.codec.binary.Hex;
import org.apache.commons.codec.digest.DigestUtils;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.pdfbox.text.PDFTextStripper;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.jsoup.Jsoup;
import org.mozilla.javascript.Context;
import org.mozilla.javascript.Scriptable;
import org.xerial.snappy.Snappy;
import org.yaml.snakeyaml.Yaml;

/**
 * The compatibility matrix: one operation per widely used library, each doing a small real piece of work (a query,
 * a round trip, a signature, a search, a rendered template, a PDF) and answering {@code ok <what it found>}, or
 * throwing when the work came out wrong. Native libraries (sqlite-jdbc, snappy-java, zstd-jni, lz4-java) unpack
 * and load their JNI code as they do anywhere. Everything here must work under the host's default policy with no
 * violation (CompatibilityIT).
 */
public final class CompatPlugin implements Plugin {

    /** Ten thousand compressible bytes for the compression round trips. */
    private static final byte[] TEXT = "honest plugins just work. ".repeat(385).substring(0, 10_000)
            .getBytes(StandardCharsets.UTF_8);

    private Path data;

    @Override
    public void start(PluginContext context) throws Exception {
        data = context.dataDirectory();
        useOwnSqliteLibrary();
        context.operation("libraries", request -> libraries());
        context.operation("h2", request -> sum("jdbc:h2:file:" + data.resolve("compat-h2")));
        context.operation("sqlite", request -> sum("jdbc:sqlite:" + data.resolve("compat.sqlite")));
        context.operation("snappy", request -> roundTrip(Snappy.compress(TEXT), Snappy.uncompress(Snappy.compress(TEXT))));
        context.operation("zstd", request -> {
            byte[] packed = com.github.luben.zstd.Zstd.compress(TEXT, 3);
            return roundTrip(packed, com.github.luben.zstd.Zstd.decompress(packed, TEXT.length));
        });
        context.operation("lz4", request -> {
            // nativeInstance(), not fastestInstance(): the latter would fall back to Java without saying so.
            LZ4Factory lz4 = LZ4Factory.nativeInstance();
            byte[] packed = lz4.fastCompressor().compress(TEXT);
            return roundTrip(packed, lz4.fastDecompressor().decompress(packed, TEXT.length));
        });
        context.operation("compress", request -> tarGz());
        context.operation("bouncycastle", request -> signature());
        context.operation("lucene", request -> search());
        context.operation("jackson", request -> {
            ObjectMapper mapper = new ObjectMapper();
            String json = mapper.writeValueAsString(new Point("jackson", List.of(1, 2, 3)));
            Point back = mapper.readValue(json, Point.class);
            return "ok " + json + " -> " + back.values().stream().mapToInt(Integer::intValue).sum();
        });
        context.operation("gson", request -> {
            Gson gson = new Gson();
            String json = gson.toJson(Map.of("values", List.of(1, 2, 3)));
            Map<String, List<Integer>> back = gson.fromJson(json, new TypeToken<Map<String, List<Integer>>>() {}.getType());
            return "ok " + json + " -> " + back.get("values").stream().mapToInt(Integer::intValue).sum();
        });
        context.operation("woodstox", request -> xml());
        context.operation("snakeyaml", request -> {
            Map<String, Object> yaml = new Yaml().load("name: compat\nlibraries: [h2, sqlite, lucene]\n");
            return "ok name=" + yaml.get("name") + " libraries=" + yaml.get("libraries");
        });
        context.operation("jsoup", request -> {
            var page = Jsoup.parse("<html><head><title>Matrix</title></head><body><ul>"
                    + "<li class=ok>h2<li class=ok>sqlite<li>lucene</ul></body></html>");
            return "ok title=" + page.title() + " li=" + page.select("li").size() + " ok=" + page.select("li.ok").size();
        });
        context.operation("mustache", request -> {
            Mustache template = new DefaultMustacheFactory()
                    .compile(new StringReader("Hello {{name}}{{#items}}, {{.}}{{/items}}!"), "hello");
            StringWriter out = new StringWriter();
            template.execute(out, Map.of("name", "mustache", "items", List.of("a", "b"))).flush();
            return "ok " + out;
        });
        context.operation("freemarker", request -> {
            Configuration configuration = new Configuration(Configuration.VERSION_2_3_34);
            Template template = new Template("hello",
                    new StringReader("Hello ${name}<#list items as i>, ${i}</#list>!"), configuration);
            StringWriter out = new StringWriter();
            template.process(Map.of("name", "freemarker", "items", List.of("a", "b")), out);
            return "ok " + out;
        });
        context.operation("pdfbox", request -> pdf());
        context.operation("rhino", request -> {
            Context js = Context.enter();
            try {
                Scriptable scope = js.initStandardObjects();
                Object result = js.evaluateString(scope,
                        "[1, 2, 3].map(function (x) { return x * x; }).reduce(function (a, b) { return a + b; })",
                        "compat.js", 1, null);
                return "ok " + Context.toString(result);
            } finally {
                Context.exit();
            }
        });
        context.operation("caffeine", request -> {
            AtomicInteger loads = new AtomicInteger();
            LoadingCache<String, Integer> cache = Caffeine.newBuilder().maximumSize(100).recordStats()
                    .expireAfterWrite(Duration.ofMinutes(1)).build(key -> {
                        loads.incrementAndGet();
                        return key.length();
                    });
            int sum = 0;
            for (String key : List.of("a", "bb", "a", "bb", "ccc")) {
                sum += cache.get(key);
            }
            return "ok sum=" + sum + " loads=" + loads.get() + " hits=" + cache.stats().hitCount();
        });
        context.operation("guava", request -> {
            var words = ImmutableSortedMultiset.copyOf(Splitter.on(',').trimResults().split("b, a, b, c"));
            return "ok " + words + " sha256=" + Hashing.sha256().hashString("pluginhost", StandardCharsets.UTF_8);
        });
        context.operation("codec", request -> "ok sha256=" + DigestUtils.sha256Hex("pluginhost")
                + " hex=" + Hex.encodeHexString("ok".getBytes(StandardCharsets.UTF_8)));
        context.operation("http", request -> {
            // The plugin JVM has no network: the host makes the call, for the granted address only.
            PluginHttp.Response response = context.http().get(request.text())
                    .header("accept", "application/json").timeout(Duration.ofSeconds(5)).send();
            JsonNode body = new ObjectMapper().readTree(response.text());
            return "ok status=" + response.status() + " greeting=" + body.get("greeting").asText();
        });
    }

    record Point(String name, List<Integer> values) {}

    /**
     * sqlite-jdbc's own loader detects the OS by running {@code uname -o} (a process: refused and counted by the
     * sandbox) before it unpacks its library. Its documented alternative: the application names the library with
     * {@code org.sqlite.lib.path} / {@code org.sqlite.lib.name}. So this plugin unpacks the one for its platform from
     * its own jar into its data folder, once, and points the driver at it.
     */
    private void useOwnSqliteLibrary() throws IOException {
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> throw new IllegalStateException("no sqlite library for " + System.getProperty("os.arch"));
        };
        String resource = "/org/sqlite/native/Linux/" + arch + "/libsqlitejdbc.so";
        Path folder = Files.createDirectories(data.resolve("native"));
        String name = "libsqlitejdbc-" + org.sqlite.SQLiteJDBCLoader.class.getPackage().getImplementationVersion()
                + ".so";
        Path library = folder.resolve(name);
        if (!Files.exists(library)) {
            try (InputStream in = CompatPlugin.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("no " + resource + " in the plugin's jar");
                }
                Path partial = Files.createTempFile(folder, "sqlite", ".part");
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.move(partial, library, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        System.setProperty("org.sqlite.lib.path", folder.toString());
        System.setProperty("org.sqlite.lib.name", name);
    }

    /** operation -> "library|version", as the build wrote them. */
    private static Map<String, String> libraries() throws IOException {
        Properties properties = new Properties();
        try (InputStream in = CompatPlugin.class.getResourceAsStream("libraries.properties")) {
            properties.load(in);
        }
        Map<String, String> libraries = new LinkedHashMap<>();
        properties.stringPropertyNames().stream().sorted().forEach(k -> libraries.put(k, properties.getProperty(k)));
        return libraries;
    }

    /** A fresh table, three rows, their sum, through DriverManager alone. */
    private static String sum(String url) throws Exception {
        try (Connection connection = DriverManager.getConnection(url);
             Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS matrix");
            statement.execute("CREATE TABLE matrix (n INT)");
            statement.execute("INSERT INTO matrix VALUES (1), (2), (3)");
            try (ResultSet rows = statement.executeQuery("SELECT SUM(n) FROM matrix")) {
                rows.next();
                return "ok " + connection.getMetaData().getDatabaseProductName() + " sum=" + rows.getInt(1);
            }
        }
    }

    private static String roundTrip(byte[] packed, byte[] unpacked) {
        if (!Arrays.equals(TEXT, unpacked)) {
            throw new IllegalStateException("round trip changed the bytes");
        }
        if (packed.length >= TEXT.length) {
            throw new IllegalStateException("not compressed: " + packed.length + " bytes");
        }
        return "ok " + TEXT.length + " bytes -> " + packed.length + " -> " + unpacked.length + ", equal";
    }

    /** A .tar.gz of two files written to the data folder and read back. */
    private String tarGz() throws IOException {
        Path archive = data.resolve("compat.tar.gz");
        try (OutputStream file = Files.newOutputStream(archive);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(file))) {
            for (String name : List.of("a.txt", "dir/b.txt")) {
                byte[] content = ("content of " + name).getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry entry = new TarArchiveEntry(name);
                entry.setSize(content.length);
                tar.putArchiveEntry(entry);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        }
        List<String> read = new ArrayList<>();
        try (InputStream file = Files.newInputStream(archive);
             TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(file))) {
            for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
                read.add(entry.getName() + "=" + new String(tar.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return "ok " + read;
    }

    /** An Ed25519 signature made and verified through the Bouncy Castle JCA provider. */
    private static String signature() throws Exception {
        if (Security.getProvider(BouncyCastleProvider.PROVIDER_NAME) == null) {
            Security.addProvider(new BouncyCastleProvider());
        }
        KeyPair keys = KeyPairGenerator.getInstance("Ed25519", BouncyCastleProvider.PROVIDER_NAME).generateKeyPair();
        byte[] message = "compat".getBytes(StandardCharsets.UTF_8);
        Signature signer = Signature.getInstance("Ed25519", BouncyCastleProvider.PROVIDER_NAME);
        signer.initSign(keys.getPrivate());
        signer.update(message);
        byte[] signed = signer.sign();
        Signature verifier = Signature.getInstance("Ed25519", BouncyCastleProvider.PROVIDER_NAME);
        verifier.initVerify(keys.getPublic());
        verifier.update(message);
        return "ok " + signer.getProvider().getName() + " Ed25519 signature " + signed.length + " bytes, verified="
                + verifier.verify(signed);
    }

    /** Three documents indexed in the data folder (FSDirectory: memory-mapped files), one term searched. */
    private String search() throws IOException {
        try (Directory directory = FSDirectory.open(data.resolve("lucene"))) {
            IndexWriterConfig config = new IndexWriterConfig(new StandardAnalyzer())
                    .setOpenMode(IndexWriterConfig.OpenMode.CREATE);
            try (IndexWriter writer = new IndexWriter(directory, config)) {
                for (String body : List.of("the sandbox refuses a fork", "honest plugins just work",
                        "a plugin runs in its sandbox")) {
                    Document document = new Document();
                    document.add(new TextField("body", body, Field.Store.YES));
                    writer.addDocument(document);
                }
            }
            try (DirectoryReader reader = DirectoryReader.open(directory)) {
                IndexSearcher searcher = new IndexSearcher(reader);
                int hits = searcher.count(new TermQuery(new Term("body", "sandbox")));
                return "ok " + directory.getClass().getSimpleName() + " docs=" + reader.numDocs() + " hits(sandbox)="
                        + hits;
            }
        }
    }

    /** XML written and read back with Woodstox's StAX factories. */
    private static String xml() throws Exception {
        StringWriter out = new StringWriter();
        XMLStreamWriter writer = new WstxOutputFactory().createXMLStreamWriter(out);
        writer.writeStartDocument();
        writer.writeStartElement("libraries");
        for (String name : List.of("h2", "sqlite", "lucene")) {
            writer.writeStartElement("library");
            writer.writeAttribute("name", name);
            writer.writeEndElement();
        }
        writer.writeEndElement();
        writer.writeEndDocument();
        writer.close();
        XMLStreamReader reader = new WstxInputFactory().createXMLStreamReader(new StringReader(out.toString()));
        List<String> names = new ArrayList<>();
        while (reader.hasNext()) {
            if (reader.next() == XMLStreamConstants.START_ELEMENT && reader.getLocalName().equals("library")) {
                names.add(reader.getAttributeValue(null, "name"));
            }
        }
        return "ok " + names;
    }

    /** A one-page PDF written to the data folder, loaded again, its text extracted. */
    private String pdf() throws IOException {
        Path file = data.resolve("compat.pdf");
        try (PDDocument document = new PDDocument()) {
            PDPage page = new PDPage();
            document.addPage(page);
            try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                content.beginText();
                content.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 12);
                content.newLineAtOffset(72, 720);
                content.showText("Honest plugins just work");
                content.endText();
            }
            document.save(file.toFile());
        }
        try (PDDocument document = Loader.loadPDF(file.toFile())) {
            return "ok pages=" + document.getNumberOfPages() + " text="
                    + new PDFTextStripper().getText(document).strip();
        }
    }
}
