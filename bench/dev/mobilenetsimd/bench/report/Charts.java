package dev.mobilenetsimd.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnitSource;
import org.jfree.chart.axis.TickUnitSource;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The report's PNG charts (JFreeChart). Each method returns the path relative to the report, or
 * null.
 */
final class Charts {
    private static final int W = 1100, H = 560;
    private final Path dir;

    Charts(Path dir) {
        this.dir = dir;
    }

    /** images/s of MobileNetV2 1.0/224 per JDK and setup. */
    String networkSummary(List<Result> rs, long macs) {
        DefaultCategoryDataset d = new DefaultCategoryDataset();
        for (Result r : rs) {
            d.addValue(1000 / r.medianMs(), "JDK " + r.jdk, r.setup());
        }
        JFreeChart c = ChartFactory.createBarChart(summaryTitle(rs),
                null, "images / s (higher is better)", d, PlotOrientation.HORIZONTAL, true, false,
                false);
        style(c);
        return save(c, "network-summary.png", W, 120 + 34 * d.getColumnCount());
    }

    /** The summary chart's title: "one thread" only if no bar ran on more. */
    static String summaryTitle(List<Result> rs) {
        return "MobileNetV2 1.0/224, batch 1"
                + (rs.stream().allMatch(r -> r.threads() == 1) ? ", one thread" : "");
    }

    /** Median latency against multiply-adds, one line per JDK and setup, log time axis. */
    String latencyVsMacs(List<Result> rs, Function<String, Long> macs) {
        Map<String, XYSeries> series = new LinkedHashMap<>();
        rs.stream()
                .sorted(Comparator
                        .comparingInt((Result r) -> -Integer.parseInt(r.jdk.replaceAll("\\D", "0")))
                        .thenComparingInt(Result::setupOrder))
                .forEach(r -> series.computeIfAbsent("JDK " + r.jdk + " " + r.setup(),
                                k -> new XYSeries(k, true, false))
                        .addOrUpdate(macs.apply(r.param("variant", "1.0/224")) / 1e6,
                                r.medianMs()));
        series.values().removeIf(s -> s.getItemCount() < 2);
        if (series.isEmpty()) {
            return null;
        }
        XYSeriesCollection d = new XYSeriesCollection();
        series.values().forEach(d::addSeries);
        JFreeChart c = ChartFactory.createXYLineChart(
                "Latency against multiply-adds (variants α/resolution)",
                "M multiply-adds per image", "median ms per image (log)", d,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot p = c.getXYPlot();
        LogAxis y = new LogAxis("median ms per image (log)");
        y.setSmallestValue(0.1);
        y.setNumberFormatOverride(new DecimalFormat("0.##",
                DecimalFormatSymbols.getInstance(Locale.ROOT)));
        p.setRangeAxis(y);
        XYLineAndShapeRenderer rr = new XYLineAndShapeRenderer(true, true);
        p.setRenderer(rr);
        style(c);
        return save(c, "network-latency-vs-macs.png", W, H + 100);
    }

    /** GFLOP/s per layer shape for every setup of one kernel benchmark, with the peak per width. */
    String kernelGflops(String cls, String jdk, List<Result> rs, ReportGenerator g) {
        DefaultCategoryDataset d = new DefaultCategoryDataset();
        TreeSet<Integer> widths = new TreeSet<>();
        rs.stream().sorted(Comparator.comparingInt(Result::setupOrder)).forEach(r -> {
            long macs = ReportGenerator.kernelMacs(r);
            if (macs > 0) {
                String shape = r.params.getOrDefault("shape", r.method);
                d.addValue(2.0 * macs / (r.medianMs() * 1e6), r.setup(), shape);
                if (!r.scalar()) {
                    widths.add(r.bits());
                }
            }
        });
        if (d.getRowCount() == 0) {
            return null;
        }
        JFreeChart c = ChartFactory.createBarChart(
                cls + " (JDK " + jdk + "): GFLOP/s per layer shape", "layer", "GFLOP/s", d,
                PlotOrientation.VERTICAL, true, false, false);
        CategoryPlot p = c.getCategoryPlot();
        for (int w : widths) {
            double peak = g.peak(jdk, w);
            if (Double.isFinite(peak)) {
                ValueMarker m = new ValueMarker(peak, Color.DARK_GRAY, new BasicStroke(1.5f,
                        BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1, new float[] {6, 4}, 0));
                m.setLabel("FMA peak " + (w == 0 ? "preferred" : w + "-bit") + " "
                        + ReportGenerator.f1(peak));
                m.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
                m.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
                p.addRangeMarker(m);
                NumberAxis ra = (NumberAxis) p.getRangeAxis();
                ra.setAutoRangeIncludesZero(true);
                if (ra.getUpperBound() < peak * 1.08) {
                    ra.setUpperBound(peak * 1.08);
                }
            }
        }
        p.getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        style(c);
        return save(c, cls.replace("Bench", "").toLowerCase(Locale.ROOT) + "-gflops.png", W, H);
    }

    /** GFLOP/s per plan step, fused vs layer-by-layer. */
    String blocks(List<ReportGenerator.BlockRow> rows, String what) {
        DefaultCategoryDataset d = new DefaultCategoryDataset();
        for (ReportGenerator.BlockRow row : rows) {
            if (row.macs() == 0) {
                continue;
            }
            String label = row.indices() + " " + row.name();
            if (!Double.isNaN(row.fusedMs())) {
                d.addValue(2.0 * row.macs() / (row.fusedMs() * 1e6), "fused", label);
            }
            if (!Double.isNaN(row.layerwiseMs())) {
                d.addValue(2.0 * row.macs() / (row.layerwiseMs() * 1e6), "layer-by-layer", label);
            }
        }
        if (d.getColumnCount() == 0) {
            return null;
        }
        JFreeChart c = ChartFactory.createBarChart(
                "Per step, fused vs layer-by-layer (" + what + ")", "plan step", "GFLOP/s", d,
                PlotOrientation.VERTICAL, true, false, false);
        c.getCategoryPlot().getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        style(c);
        return save(c, "blocks-fused-vs-layerwise.png", W, H);
    }

    /**
     * Fonts, colours, and tick labels written the same in every default locale (JFreeChart's
     * number axes format with the default one: 0,5 and 1.000 in German), so that the charts are
     * the same bytes wherever the report is generated.
     */
    private static void style(JFreeChart c) {
        c.setBackgroundPaint(Color.WHITE);
        c.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        if (c.getPlot() instanceof CategoryPlot) {
            CategoryPlot p = c.getCategoryPlot();
            p.setBackgroundPaint(Color.WHITE);
            p.setRangeGridlinePaint(Color.LIGHT_GRAY);
            rootLocale(p.getRangeAxis());
            if (p.getRenderer() instanceof BarRenderer) {
                BarRenderer r = (BarRenderer) p.getRenderer();
                r.setBarPainter(new StandardBarPainter());
                r.setShadowVisible(false);
                r.setItemMargin(0.02);
            }
        } else if (c.getPlot() instanceof XYPlot) {
            XYPlot p = c.getXYPlot();
            p.setBackgroundPaint(Color.WHITE);
            p.setRangeGridlinePaint(Color.LIGHT_GRAY);
            p.setDomainGridlinePaint(Color.LIGHT_GRAY);
            rootLocale(p.getDomainAxis());
            rootLocale(p.getRangeAxis());
        }
    }

    /** A number axis's tick labels in {@link Locale#ROOT} (a log axis has its format set). */
    private static void rootLocale(Object axis) {
        if (axis instanceof NumberAxis) {
            ((NumberAxis) axis).setStandardTickUnits(rootTickUnits());
        }
    }

    /**
     * JFreeChart's standard tick units, the same ticks as its default ones, with labels in
     * {@link Locale#ROOT}: their formats take the default format locale when built.
     */
    private static TickUnitSource rootTickUnits() {
        Locale saved = Locale.getDefault(Locale.Category.FORMAT);
        Locale.setDefault(Locale.Category.FORMAT, Locale.ROOT);
        try {
            return new NumberTickUnitSource();
        } finally {
            Locale.setDefault(Locale.Category.FORMAT, saved);
        }
    }

    private String save(JFreeChart c, String name, int w, int h) {
        try {
            Files.createDirectories(dir);
            ChartUtils.saveChartAsPNG(dir.resolve(name).toFile(), c, w, h);
            return dir.getFileName() + "/" + name;
        } catch (IOException | RuntimeException | Error e) {
            System.err.println("chart " + name + " not drawn: " + e);
            return null;
        }
    }
}
