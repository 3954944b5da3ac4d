package dev.mobilenetsimd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * What the library jar promises a project that depends on it, checked in the build file (the
 * jar itself is made after the tests): picocli stays with the CLI, and the jar has a stable module
 * name and no Main-Class that could not start without picocli.
 */
class PackagingTest {
    private static Document pom() throws Exception {
        Path pom = Path.of("pom.xml");
        assertTrue(Files.isRegularFile(pom), "run from the project root");
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    }

    private static String text(Element parent, String tag) {
        NodeList list = parent.getElementsByTagName(tag);
        return list.getLength() == 0 ? null : list.item(0).getTextContent().trim();
    }

    @Test
    void picocliIsOptionalSoLibraryUsersDoNotInheritIt() throws Exception {
        NodeList deps = pom().getElementsByTagName("dependency");
        boolean found = false;
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            if ("picocli".equals(text(d, "artifactId"))) {
                found = true;
                assertEquals("true", text(d, "optional"), "picocli: only the -cli jar needs it");
                assertEquals(null, text(d, "scope"), "compile scope: the CLI classes use it");
            }
        }
        assertTrue(found, "picocli dependency");
    }

    @Test
    void theLibraryJarHasAModuleNameAndNoMainClass() throws Exception {
        NodeList plugins = pom().getElementsByTagName("plugin");
        for (int i = 0; i < plugins.getLength(); i++) {
            Element p = (Element) plugins.item(i);
            if ("maven-jar-plugin".equals(text(p, "artifactId"))
                    && p.getElementsByTagName("archive").getLength() > 0) {
                assertEquals("dev.mobilenetsimd", text(p, "Automatic-Module-Name"));
                assertEquals(null, text(p, "mainClass"), "the library jar cannot run the CLI");
                return;
            }
        }
        throw new AssertionError("no maven-jar-plugin archive configuration in pom.xml");
    }
}
