package io.twostep.keycloak;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The package graph of the main code, as the JDK's {@code jdeps} reads it from the compiled classes (plus the
 * packages the sources name, for constants the compiler copies): no package of this extension uses a package in its
 * own or a higher layer, so the graph has no loop. The layers are the ones docs/design.md draws; a new package is
 * placed there and here.
 */
class PackageGraphTest {

    private static final String BASE = "io.twostep.keycloak";

    /** Bottom to top; a package may use only packages of lower layers. */
    private static final List<Set<String>> LAYERS = List.of(
            Set.of("", "provider", "events", "metrics"),             // names, event vocabulary, Keycloak shapes
            Set.of("phone", "policy", "limits", "sms"),              // rules and own SPIs
            Set.of("sms.console", "sms.vonage", "smscode", "factorchange"), // senders, code machinery, change rule
            Set.of("credential", "trusteddevice"),                   // credentials
            Set.of("authenticator", "requiredaction", "enforcement", "notice"), // flow steps, safety net, set-up,
                                                                                // security notices
            Set.of("recovery"),                                       // the way back in: recovery codes, help desk
            Set.of("admin"));                                         // REST API, tabs, readiness report

    @Test
    void everyImportRunsDownTheLayers() throws Exception {
        Map<String, Set<String>> graph = graph();
        List<String> wrong = new ArrayList<>();
        graph.forEach((from, targets) -> {
            int layer = layerOf(from);
            assertTrue(layer >= 0, "package '" + name(from) + "' is in no layer: place it in PackageGraphTest.LAYERS "
                    + "and in docs/design.md");
            for (String to : targets) {
                if (layerOf(to) >= layer) {
                    wrong.add(name(from) + " -> " + name(to));
                }
            }
        });
        assertEquals(List.of(), wrong, "imports that run up (or across) the layering; graph: " + graph);
    }

    @Test
    void thePackageGraphHasNoLoop() throws Exception {
        assertEquals(List.of(), loops(graph()), "package loops");
    }

    @Test
    void theLayersNameEveryPackage() throws Exception {
        Set<String> unplaced = new TreeSet<>(graph().keySet());
        LAYERS.forEach(unplaced::removeAll);
        assertEquals(Set.of(), unplaced, "packages in no layer");
    }

    /** @return package (relative to {@value #BASE}, "" for the base itself) to the packages it uses, self excluded */
    static Map<String, Set<String>> graph() throws URISyntaxException, IOException {
        Path classes = Path.of(TwoStepIds.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() ->
                new AssertionError("the JDK's jdeps tool is missing (module jdk.jdeps)"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:package", "-filter:none",
                "-e", Pattern.quote(BASE) + "(\\..*)?", classes.toString());
        assertEquals(0, exit, "jdeps failed: " + err);
        Pattern edge = Pattern.compile("^\\s+(" + Pattern.quote(BASE) + "\\S*)\\s+->\\s+("
                + Pattern.quote(BASE) + "\\S*)\\s", Pattern.MULTILINE);
        Map<String, Set<String>> graph = new TreeMap<>();
        Matcher m = edge.matcher(out.toString());
        while (m.find()) {
            String from = relative(m.group(1));
            String to = relative(m.group(2));
            graph.computeIfAbsent(from, k -> new TreeSet<>());
            graph.computeIfAbsent(to, k -> new TreeSet<>());
            if (!from.equals(to)) {
                graph.get(from).add(to);
            }
        }
        assertTrue(graph.size() > 10, "jdeps found the packages of " + classes + ": " + graph.keySet());
        addSourceReferences(graph);
        return graph;
    }

    /**
     * Adds what the class files may not show: a use of another package's compile-time constant alone (an id, say)
     * is copied into the using class, so only the source names the package it comes from.
     */
    private static void addSourceReferences(Map<String, Set<String>> graph) throws IOException {
        Path sources = Path.of("src", "main", "java");
        assertTrue(Files.isDirectory(sources), "run from the project folder: " + sources.toAbsolutePath());
        Pattern reference = Pattern.compile("\\b" + Pattern.quote(BASE) + "((?:\\.[a-z]\\w*)*)\\.[A-Z]");
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String pkg = relative(sources.relativize(file.getParent()).toString()
                        .replace(file.getFileSystem().getSeparator(), "."));
                graph.computeIfAbsent(pkg, k -> new TreeSet<>());
                Matcher m = reference.matcher(Files.readString(file).replaceFirst("(?m)^package .*$", ""));
                while (m.find()) {
                    String to = m.group(1).isEmpty() ? "" : m.group(1).substring(1);
                    if (!to.equals(pkg)) {
                        graph.get(pkg).add(to);
                        graph.computeIfAbsent(to, k -> new TreeSet<>());
                    }
                }
            }
        }
    }

    /** @return the strongly connected sets of more than one package (Tarjan), each sorted */
    static List<Set<String>> loops(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        List<Set<String>> loops = new ArrayList<>();
        for (String start : graph.keySet()) {
            if (!index.containsKey(start)) {
                connect(start, graph, index, low, stack, loops);
            }
        }
        return loops;
    }

    private static void connect(String v, Map<String, Set<String>> graph, Map<String, Integer> index,
                                Map<String, Integer> low, Deque<String> stack, List<Set<String>> loops) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        for (String w : graph.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, graph, index, low, stack, loops);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (stack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                component.add(name(w));
            } while (!w.equals(v));
            if (component.size() > 1) {
                loops.add(component);
            }
        }
    }

    private static int layerOf(String pkg) {
        for (int i = 0; i < LAYERS.size(); i++) {
            if (LAYERS.get(i).contains(pkg)) {
                return i;
            }
        }
        return -1;
    }

    private static String relative(String pkg) {
        return pkg.equals(BASE) ? "" : pkg.substring(BASE.length() + 1);
    }


    private static String name(String relative) {
        return relative.isEmpty() ? BASE : relative;
    }
}
