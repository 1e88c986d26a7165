package io.twostep.keycloak.support;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

/**
 * Deque's axe-core accessibility engine, fetched from the npm registry like the browser ({@link NpmTarball}:
 * SHA-512 checked), run inside the page of a {@link HeadlessChromium} with the rules tagged for WCAG 2.0, 2.1 and
 * 2.2 at levels A and AA.
 */
public final class AxeCore {

    static final String VERSION = "4.14.1";
    /** npm's {@code dist.integrity} of {@code axe-core-4.14.1.tgz}. */
    static final String SHA512 = "FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==";
    /** axe-core's tags of the WCAG 2.2 level AA rule set (2.2 AA includes 2.0 and 2.1 A and AA). */
    public static final List<String> WCAG_22_AA = List.of("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa");

    private AxeCore() {
    }

    /**
     * @param workDir where the tarball and the unpacked script are kept between runs (e.g. {@code target/chromium})
     * @return the source of {@code axe.min.js}, to run in a page
     * @throws IOException when the download or the checksum fails
     */
    public static String script(Path workDir) throws Exception {
        Path unpacked = workDir.resolve("axe-core-" + VERSION);
        Path script = unpacked.resolve("package/axe.min.js");
        if (!Files.exists(script)) {
            Path tarball = NpmTarball.fetch(workDir, "axe-core", VERSION, SHA512);
            Path staging = Files.createTempDirectory(workDir, "axe");
            try (InputStream in = new GZIPInputStream(Files.newInputStream(tarball))) {
                HeadlessChromium.Tar.extract(in, staging);
            }
            Files.createDirectories(unpacked);
            try {
                Files.move(staging.resolve("package"), unpacked.resolve("package"));
            } catch (IOException e) {
                if (!Files.exists(script)) { // else another run unpacked it meanwhile
                    throw e;
                }
            } finally {
                try (var left = Files.walk(staging)) {
                    for (Path path : left.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(path);
                    }
                }
            }
        }
        return Files.readString(script, StandardCharsets.UTF_8);
    }

    /** One rule that failed, with where. */
    public record Violation(String rule, String impact, String help, List<String> targets) {
        @Override
        public String toString() {
            return impact + " " + rule + " (" + help + ") at " + targets;
        }
    }

    /**
     * What axe found on one page.
     *
     * @param violations rules that failed
     * @param passed     number of rules that passed
     * @param toReview   the rules axe could not decide on its own, for a person to look at (e.g.
     *                   {@code color-contrast} where text sits on an image)
     */
    public record Result(List<Violation> violations, int passed, List<String> toReview) {

        /** @return the violations of impact serious or critical */
        public List<Violation> seriousOrCritical() {
            return violations.stream().filter(v -> "serious".equals(v.impact()) || "critical".equals(v.impact()))
                    .toList();
        }

        /** @return how many violations of each impact ({@code minor}, {@code moderate}, …), by name */
        public Map<String, Integer> byImpact() {
            Map<String, Integer> counts = new TreeMap<>();
            violations.forEach(v -> counts.merge(v.impact(), 1, Integer::sum));
            return counts;
        }
    }

    /**
     * Runs axe on the browser's current document, with {@link #WCAG_22_AA}. The page must already hold axe (a
     * {@link HeadlessChromium#onEveryPage} script with {@link #script}); otherwise it is added first.
     *
     * @param axeSource the script from {@link #script}, used only when the page lacks it
     * @return the violations and counts
     */
    public static Result check(HeadlessChromium chrome, String axeSource) throws Exception {
        return check(chrome, axeSource, null);
    }

    /**
     * Like {@link #check(HeadlessChromium, String)}, but only on the elements matching {@code parts} (and what they
     * hold): for a page of Keycloak's own (the Account Console) that shows parts of ours.
     *
     * @param parts a CSS selector, or {@code null} for the whole document
     * @throws AssertionError when {@code parts} matches nothing
     */
    public static Result check(HeadlessChromium chrome, String axeSource, String parts) throws Exception {
        if (!chrome.eval("typeof window.axe === 'object'").asBoolean()) {
            chrome.eval(axeSource + "; true");
        }
        String context = "document";
        if (parts != null) {
            if (chrome.eval("document.querySelectorAll(" + quote(parts) + ").length").asInt() == 0) {
                throw new AssertionError("nothing on the page matches " + parts);
            }
            context = "{include: [[" + quote(parts) + "]]}";
        }
        JsonNode result = chrome.eval("axe.run(" + context + ", {runOnly: {type: 'tag', values: "
                + WCAG_22_AA.stream().map(t -> "'" + t + "'").toList() + "}, resultTypes: ['violations']})"
                + ".then(r => ({passes: r.passes.length, incomplete: r.incomplete.map(i => i.id), violations: r.violations"
                + ".map(v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target"
                + ".join(' '))}))}))", Duration.ofSeconds(60));
        List<Violation> violations = new ArrayList<>();
        for (JsonNode v : result.path("violations")) {
            List<String> targets = new ArrayList<>();
            v.path("targets").forEach(t -> targets.add(t.asText()));
            violations.add(new Violation(v.path("id").asText(), v.path("impact").asText(), v.path("help").asText(),
                    targets));
        }
        List<String> toReview = new ArrayList<>();
        result.path("incomplete").forEach(rule -> toReview.add(rule.asText()));
        return new Result(violations, result.path("passes").asInt(), toReview);
    }

    private static String quote(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
