package dev.mobilenetsimd;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.source.doctree.DocCommentTree;
import com.sun.source.doctree.DocTree;
import com.sun.source.doctree.ReferenceTree;
import com.sun.source.util.DocTreePath;
import com.sun.source.util.DocTreePathScanner;
import com.sun.source.util.DocTrees;
import com.sun.source.util.TreePath;
import java.io.File;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.Elements;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.DocumentationTool;
import javax.tools.JavaFileObject;
import javax.tools.ToolProvider;
import jdk.javadoc.doclet.DocletEnvironment;
import jdk.javadoc.doclet.Reporter;
import jdk.javadoc.doclet.StandardDoclet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library's Javadoc stays clean: the JDK's documentation tool runs over {@code kernels/} and
 * {@code src/main/java} as the build's {@code -javadoc} jar does (every package but the CLI's),
 * with every doclint check on (broken references, HTML, missing {@code @param}, {@code @return}
 * and comments), and any warning or error fails the test. So does a {@code {@link}} or
 * {@code @see} to one of our elements that the documentation leaves out (a package-private class
 * or member), which javadoc renders as plain text without a word.
 */
class JavadocTest {
    /** The packages documented: all of ours but the CLI, as the javadoc plugin's excludes. */
    private static final String EXCLUDED = "dev.mobilenetsimd.cli";

    @Test
    void publicApiJavadocHasNoWarnings(@TempDir Path out) throws Exception {
        DocumentationTool tool = ToolProvider.getSystemDocumentationTool();
        assumeTrue(tool != null, "this Java runtime has no documentation tool (a JRE, not a JDK):"
                + " the Javadoc is not checked");
        assertTrue(Files.isDirectory(Path.of("kernels")), "run from the project root");
        assertTrue(Files.readString(Path.of("pom.xml")).contains("<excludePackageNames>"
                + EXCLUDED + "</excludePackageNames>"), "pom.xml's javadoc plugin documents the"
                + " packages checked here: all but " + EXCLUDED);

        List<String> options = List.of(
                "--add-modules", "jdk.incubator.vector",
                "-Xdoclint:all", "-quiet", "-d", out.toString(),
                "-classpath", dependencyClasspath(),
                "-sourcepath", "kernels" + File.pathSeparator + "src/main/java",
                "-subpackages", "dev.mobilenetsimd", "-exclude", EXCLUDED);
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StringWriter log = new StringWriter();
        Boolean ok = tool.getTask(log, null, diagnostics, LinkCheckingDoclet.class, options, null)
                .call();

        List<String> problems = new ArrayList<>();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            String message = d.getMessage(Locale.ROOT);
            boolean problem = d.getKind() == Diagnostic.Kind.ERROR
                    || d.getKind() == Diagnostic.Kind.WARNING
                    || d.getKind() == Diagnostic.Kind.MANDATORY_WARNING;
            // the tool's own notice that the API uses an incubator module, on every JDK
            if (problem && !message.contains("incubating module")) {
                problems.add((d.getSource() == null ? "" : Path.of("").toAbsolutePath()
                        .relativize(Path.of(d.getSource().toUri())) + ":" + d.getLineNumber()
                        + ": ") + d.getKind().name().toLowerCase(Locale.ROOT) + ": " + message);
            }
        }
        assertTrue(problems.isEmpty() && Boolean.TRUE.equals(ok), problems.size()
                + " Javadoc problem(s) in the public API (the -javadoc jar's packages):\n  "
                + String.join("\n  ", problems) + (Boolean.TRUE.equals(ok) ? ""
                        : "\nthe documentation tool failed:\n" + log));
    }

    /** The jars the sources import: protobuf, flatbuffers (and picocli, the CLI's). */
    private static String dependencyClasspath() throws Exception {
        List<String> jars = new ArrayList<>();
        for (String name : List.of("com.google.protobuf.Message", "com.google.flatbuffers.Table",
                "picocli.CommandLine")) {
            jars.add(Path.of(Class.forName(name).getProtectionDomain().getCodeSource()
                    .getLocation().toURI()).toString());
        }
        return String.join(File.pathSeparator, jars);
    }

    /**
     * The standard doclet, after reporting each {@code {@link}}, {@code {@linkplain}} and
     * {@code @see} in a documented comment whose target is one of our elements but not
     * documented itself. Public so that the documentation tool can instantiate it.
     */
    public static final class LinkCheckingDoclet extends StandardDoclet {
        private Reporter reporter;

        @Override
        public void init(Locale locale, Reporter reporter) {
            this.reporter = reporter;
            super.init(locale, reporter);
        }

        @Override
        public boolean run(DocletEnvironment env) {
            Set<Element> documented = new LinkedHashSet<>();
            for (Element e : env.getIncludedElements()) {
                collect(env, e, documented);
            }
            for (Element e : documented) {
                checkLinks(env, e);
            }
            return super.run(env);
        }

        private static void collect(DocletEnvironment env, Element e, Set<Element> into) {
            if (!env.isIncluded(e) || !into.add(e)) {
                return;
            }
            if (e instanceof TypeElement) {
                for (Element member : e.getEnclosedElements()) {
                    collect(env, member, into);
                }
            }
        }

        private void checkLinks(DocletEnvironment env, Element e) {
            DocTrees trees = env.getDocTrees();
            DocCommentTree comment = trees.getDocCommentTree(e);
            TreePath path = trees.getPath(e);
            if (comment == null || path == null) {
                return;
            }
            Elements elements = env.getElementUtils();
            new DocTreePathScanner<Void, Void>() {
                @Override
                public Void visitReference(ReferenceTree node, Void unused) {
                    DocTree.Kind tag = getCurrentPath().getParentPath().getLeaf().getKind();
                    if (tag != DocTree.Kind.LINK && tag != DocTree.Kind.LINK_PLAIN
                            && tag != DocTree.Kind.SEE) {
                        return null; // {@value} shows a constant's value whatever its access
                    }
                    Element target = trees.getElement(getCurrentPath());
                    if (target != null && ours(elements, target) && !env.isIncluded(target)) {
                        reporter.print(Diagnostic.Kind.ERROR, getCurrentPath(), "link to "
                                + node.getSignature() + ", which is not in the documentation"
                                + " (not public, or in " + EXCLUDED + "): it shows as plain text;"
                                + " use {@code} or link to a documented element");
                    }
                    return null;
                }
            }.scan(new DocTreePath(path, comment), null);
        }

        private static boolean ours(Elements elements, Element target) {
            PackageElement p = target.getKind() == ElementKind.PACKAGE ? (PackageElement) target
                    : elements.getPackageOf(target);
            return p.getQualifiedName().toString().startsWith("dev.mobilenetsimd");
        }
    }
}
