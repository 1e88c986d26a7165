package io.twostep.keycloak.support;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Draws the extension's series from two scrapes of {@code /metrics} (Prometheus text format) as one SVG of bar
 * charts: what happened between the scrapes, per realm. Plain Java, no charting library. Used by
 * {@code MetricsChartRun} to make {@code docs/monitoring/metrics-chart.svg} from a real run.
 */
public final class MetricsChart {

    private static final Pattern SAMPLE = Pattern.compile("(?m)^(twostep_[a-z_]+)\\{([^}]*)\\} (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final String[] COLOURS = {"#3b6fb6", "#3a9a5b", "#d08a2c", "#b64b3b"};
    private static final int PANEL_W = 460;
    private static final int PANEL_H = 250;

    /** One sample: series name, its labels, its value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    /** One chart: a title, the categories along the axis, and one or two named series of values per category. */
    public record Panel(String title, List<String> categories, Map<String, List<Double>> series) {
    }

    private final List<Sample> samples;

    /**
     * @param before a scrape before the run (may be empty)
     * @param after  a scrape after it
     */
    public MetricsChart(String before, String after) {
        Map<String, Sample> old = new LinkedHashMap<>();
        parse(before).forEach(s -> old.put(s.name() + s.labels(), s));
        List<Sample> delta = new ArrayList<>();
        for (Sample s : parse(after)) {
            Sample was = old.get(s.name() + s.labels());
            delta.add(new Sample(s.name(), s.labels(), s.value() - (was == null ? 0 : was.value())));
        }
        this.samples = delta;
    }

    /** @return every {@code twostep_*} sample of a scrape */
    public static List<Sample> parse(String scrape) {
        List<Sample> found = new ArrayList<>();
        Matcher line = SAMPLE.matcher(scrape);
        while (line.find()) {
            Map<String, String> labels = new TreeMap<>();
            Matcher label = LABEL.matcher(line.group(2));
            while (label.find()) {
                labels.put(label.group(1), label.group(2));
            }
            found.add(new Sample(line.group(1), labels, Double.parseDouble(line.group(3))));
        }
        return found;
    }

    /** @return the sum of the series' change, grouped by one label, largest first */
    public Map<String, Double> by(String name, String label, Predicate<Map<String, String>> filter) {
        Map<String, Double> sums = new LinkedHashMap<>();
        samples.stream().filter(s -> s.name().equals(name) && filter.test(s.labels()))
                .forEach(s -> sums.merge(s.labels().getOrDefault(label, "?"), s.value(), Double::sum));
        Map<String, Double> sorted = new LinkedHashMap<>();
        sums.entrySet().stream().filter(e -> e.getValue() > 0)
                .sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    /**
     * The gateway's answer times between the scrapes, in ranges: the count of each range from the histogram's
     * cumulative buckets at the largest bucket bound within each limit.
     *
     * @param limitsSeconds upper limits of the ranges, ascending
     * @return range label ({@code ≤ 25 ms}, …, {@code > 1 s}) to count
     */
    public Map<String, Double> gatewayTimes(double... limitsSeconds) {
        TreeMap<Double, Double> cumulative = new TreeMap<>();
        samples.stream().filter(s -> s.name().equals("twostep_sms_gateway_seconds_bucket"))
                .forEach(s -> cumulative.merge(s.labels().get("le").equals("+Inf") ? Double.MAX_VALUE
                        : Double.parseDouble(s.labels().get("le")), s.value(), Double::sum));
        Map<String, Double> ranges = new LinkedHashMap<>();
        double below = 0;
        for (double limit : limitsSeconds) {
            Map.Entry<Double, Double> at = cumulative.floorEntry(limit);
            double count = at == null ? 0 : at.getValue();
            ranges.put("≤ " + duration(at == null ? limit : at.getKey()), count - below);
            below = count;
        }
        Map.Entry<Double, Double> all = cumulative.lastEntry();
        ranges.put("> " + duration(limitsSeconds[limitsSeconds.length - 1]),
                (all == null ? 0 : all.getValue()) - below);
        return ranges;
    }

    private static String duration(double seconds) {
        return seconds < 1 ? Math.round(seconds * 1000) + " ms"
                : String.format(Locale.ROOT, "%.1f s", seconds).replace(".0 s", " s");
    }

    /**
     * @param title    the whole chart's title
     * @param subtitle a line saying where the data came from
     * @param panels   the charts, two per row
     * @return a standalone SVG document
     */
    public static String svg(String title, String subtitle, List<Panel> panels) {
        int rows = (panels.size() + 1) / 2;
        int width = 2 * PANEL_W + 60;
        int height = 70 + rows * (PANEL_H + 30);
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n",
                width, height, width, height));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", width, height));
        svg.append(text(20, 28, 18, "bold", "start", title));
        svg.append(text(20, 48, 12, "normal", "start", subtitle));
        for (int i = 0; i < panels.size(); i++) {
            panel(svg, panels.get(i), 20 + (i % 2) * (PANEL_W + 20), 65 + (i / 2) * (PANEL_H + 30));
        }
        return svg.append("</svg>\n").toString();
    }

    private static void panel(StringBuilder svg, Panel panel, int x, int y) {
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f7f8fa\" "
                + "stroke=\"#d5d9e0\"/>\n", x, y, PANEL_W, PANEL_H));
        svg.append(text(x + 12, y + 20, 13, "bold", "start", panel.title()));
        int legendX = x + PANEL_W - 12;
        List<String> names = new ArrayList<>(panel.series().keySet());
        for (int s = names.size() - 1; s >= 0 && names.size() > 1; s--) {
            int w = 14 + names.get(s).length() * 7;
            legendX -= w;
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>\n",
                    legendX, y + 11, COLOURS[s % COLOURS.length]));
            svg.append(text(legendX + 13, y + 20, 11, "normal", "start", names.get(s)));
        }
        double max = panel.series().values().stream().flatMap(List::stream).mapToDouble(Double::doubleValue)
                .max().orElse(0);
        int left = x + 44;
        int top = y + 34;
        int plotW = PANEL_W - 58;
        int plotH = PANEL_H - 80;
        int bottom = top + plotH;
        double step = niceStep(max);
        double scaleMax = Math.max(step, Math.ceil(max / step) * step);
        for (double v = 0; v <= scaleMax + 1e-9; v += step) {
            int gy = bottom - (int) Math.round(v / scaleMax * plotH);
            svg.append(String.format(Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#dde1e6\"/>\n", left, gy, left + plotW, gy));
            svg.append(text(left - 6, gy + 4, 10, "normal", "end", format(v)));
        }
        if (panel.categories().isEmpty()) {
            svg.append(text(left + plotW / 2, top + plotH / 2, 12, "normal", "middle", "nothing in this run"));
            return;
        }
        double slot = (double) plotW / panel.categories().size();
        double barW = Math.min(36, slot * 0.8 / names.size());
        for (int c = 0; c < panel.categories().size(); c++) {
            double groupX = left + c * slot + (slot - barW * names.size()) / 2;
            for (int s = 0; s < names.size(); s++) {
                double v = panel.series().get(names.get(s)).get(c);
                int h = (int) Math.round(v / scaleMax * plotH);
                double bx = groupX + s * barW;
                svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                        + "fill=\"%s\"><title>%s %s: %s</title></rect>\n", bx, bottom - h, barW - 2, h,
                        COLOURS[s % COLOURS.length], escape(names.get(s)), escape(panel.categories().get(c)),
                        format(v)));
                svg.append(text((int) Math.round(bx + barW / 2 - 1), bottom - h - 3, 10, "normal", "middle",
                        format(v)));
            }
            String category = panel.categories().get(c);
            int cx = (int) Math.round(left + c * slot + slot / 2);
            if (panel.categories().size() > 4 && category.length() > 8) {
                svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\" "
                        + "transform=\"rotate(-30 %d %d)\">%s</text>\n", cx, bottom + 14, cx, bottom + 14,
                        escape(category)));
            } else {
                svg.append(text(cx, bottom + 15, 10, "normal", "middle", category));
            }
        }
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#6b7280\"/>\n",
                left, bottom, left + plotW, bottom));
    }

    private static double niceStep(double max) {
        if (max <= 0) {
            return 1;
        }
        double raw = max / 4;
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * magnitude >= raw) {
                return Math.max(1, m * magnitude);
            }
        }
        return Math.max(1, 10 * magnitude);
    }

    private static String format(double v) {
        return v == Math.rint(v) ? Long.toString(Math.round(v)) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String text(int x, int y, int size, String weight, String anchor, String content) {
        return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"%d\" font-weight=\"%s\" "
                + "text-anchor=\"%s\" fill=\"#1f2933\">%s</text>\n", x, y, size, weight, anchor, escape(content));
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
