package dev.mobilenetsimd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tools/arm/print-c2-code.sh} checks what it needs before anything slow: perl, and
 * objdump, which it installs with apt-get through sudo when not root. Each run has a PATH of
 * stand-ins only (id, sudo and apt-get that log what they are asked and fail), so nothing is
 * installed, built or emulated.
 */
class ArmToolsScriptTest {
    private record Result(int status, String output) {}

    private static final Path SCRIPT = Path.of("tools", "arm", "print-c2-code.sh");

    /** Runs the script with {@code bin} as the whole PATH. */
    private static Result script(Path bin, String... args) throws Exception {
        Path bash = Path.of("/bin/bash");
        assumeTrue(Files.isExecutable(bash), "needs bash");
        assertTrue(Files.isRegularFile(SCRIPT), "run from the project root");
        List<String> command = new ArrayList<>(List.of(bash.toString(), SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("PATH", bin.toString());
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), output);
        return new Result(p.exitValue(), output);
    }

    /** A folder for PATH with the host's {@code tools} linked in (those found). */
    private static Path bin(Path dir, String... tools) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String tool : tools) {
            for (String place : new String[] {"/usr/bin/", "/bin/"}) {
                Path real = Path.of(place + tool);
                if (Files.isExecutable(real)) {
                    Files.createSymbolicLink(bin.resolve(tool), real);
                    break;
                }
            }
            assumeTrue(Files.exists(bin.resolve(tool)), "needs " + tool);
        }
        return bin;
    }

    /** A stand-in {@code name} in {@code bin} running {@code body} (bash). */
    private static void standIn(Path bin, String name, String body) throws IOException {
        Path file = bin.resolve(name);
        Files.writeString(file, "#!/bin/bash\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** id as a user ({@code uid}), and an apt-get that logs its arguments and fails. */
    private static Path host(Path dir, int uid, boolean sudo) throws IOException {
        Path bin = bin(dir, "dirname", "env", "perl");
        standIn(bin, "id", "echo " + uid);
        standIn(bin, "apt-get", "echo \"apt-get ran as $(id -u): $*\" >&2; exit 100");
        if (sudo) { // what it runs is root, as under sudo
            standIn(bin, "id", "if [ -n \"${AS_ROOT:-}\" ]; then echo 0; else echo " + uid
                    + "; fi");
            standIn(bin, "sudo", "echo \"sudo: $*\" >&2; AS_ROOT=1 exec \"$@\"");
        }
        return bin;
    }

    @Test
    void theHelpSaysWhatItNeedsAndThatItInstallsWithSudoWhenNotRoot() throws Exception {
        Result r = script(Path.of("/usr/bin"), "--help");
        assertEquals(0, r.status, r.output);
        String help = r.output.replaceAll("\\s+", " ");
        assertTrue(help.contains("Needs: perl"), help);
        assertTrue(help.contains("installs binutils-aarch64-linux-gnu with apt-get, as root or"
                + " through sudo when not root"), help);
    }

    /** Without perl the run went on to its end, and its failure there said nothing. */
    @Test
    void withoutPerlItStopsFirstAndSaysSo(@TempDir Path dir) throws Exception {
        Path bin = bin(dir, "dirname", "env");
        standIn(bin, "apt-get", "echo \"apt-get ran: $*\" >&2; exit 100");
        Result r = script(bin, "neon");
        assertEquals(1, r.status, r.output);
        assertTrue(r.output.contains("[print-c2-code neon] perl not found: it turns the printed"
                + " code bytes into a file for objdump; install it"), r.output);
        assertFalse(r.output.contains("apt-get ran"), "before anything is installed: "
                + r.output);
    }

    /** Not root: apt-get ran as the user, and failed as such ("are you root?"). */
    @Test
    void notRootItInstallsThroughSudo(@TempDir Path dir) throws Exception {
        Result r = script(host(dir, 1000, true), "neon");
        assertEquals(1, r.status, r.output);
        assertTrue(r.output.contains("sudo: env DEBIAN_FRONTEND=noninteractive apt-get install"
                + " -y -q --no-install-recommends binutils-aarch64-linux-gnu"), r.output);
        assertTrue(r.output.contains("apt-get ran as 0: install"), r.output);
        assertTrue(r.output.contains("sudo: apt-get update -q"), r.output);
        assertFalse(r.output.contains("apt-get ran as 1000"), r.output);
        assertTrue(r.output.contains("could not install binutils-aarch64-linux-gnu"), r.output);
    }

    @Test
    void asRootItInstallsWithoutSudo(@TempDir Path dir) throws Exception {
        Result r = script(host(dir, 0, false), "neon");
        assertEquals(1, r.status, r.output);
        assertTrue(r.output.contains("apt-get ran as 0: install -y -q --no-install-recommends"
                + " binutils-aarch64-linux-gnu"), r.output);
        assertTrue(r.output.contains("apt-get ran as 0: update -q"), r.output);
        assertFalse(r.output.contains("sudo"), r.output);
    }

    @Test
    void notRootWithoutSudoItSaysItNeedsRoot(@TempDir Path dir) throws Exception {
        Result r = script(host(dir, 1000, false), "neon");
        assertEquals(1, r.status, r.output);
        assertTrue(r.output.contains("[print-c2-code neon] need root for: env"
                + " DEBIAN_FRONTEND=noninteractive apt-get install"), r.output);
        assertFalse(r.output.contains("apt-get ran"), r.output);
    }
}
