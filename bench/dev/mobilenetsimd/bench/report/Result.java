package dev.mobilenetsimd.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.math3.stat.descriptive.DescriptiveStatistics;

/**
 * One JMH result (one benchmark method with one parameter set) read from a JMH JSON file, with
 * what the report needs derived from it: JDK, backend, vector width and JVM flags, and statistics
 * over the raw samples (per-iteration scores, or every sampled time in {@code SampleTime} mode).
 *
 * <p>No confidence interval: the samples of one fork are correlated (one JIT compilation, one
 * memory layout, one state of the host), and a t interval over them claims a precision that the
 * next fork does not keep (forks of one setup differ by up to ~10% on the shared host). The
 * spread reported instead is what the data holds: the range of the iterations, and the median of
 * each fork where there are several.
 */
final class Result {
    /** Histogram samples kept at most (SampleTime of very fast methods can have millions). */
    private static final int MAX_SAMPLES = 2_000_000;

    final String file;
    final String benchClass;
    final String method;
    final String mode;
    final String unit;
    final String jdk;
    final String vmName;
    final String vmVersion;
    final Map<String, String> params;
    final List<String> jvmArgs;
    final int forks;
    final String warmup;
    final String measurement;

    // statistics, in the result's own unit
    final long n;
    final double mean;
    final double median;
    /**
     * Per fork, per measured iteration: the iteration's score (average time, throughput) or the
     * median of its samples (sample time). In the result's unit.
     */
    final List<List<Double>> iterations = new ArrayList<>();
    /** Per fork: the median of its samples (sample time) or of its iteration scores. */
    final List<Double> forkMedians = new ArrayList<>();
    /** JMH {@code -prof gc}: bytes allocated per operation, and collections; NaN without it. */
    final double allocBytesPerOp;
    final double gcCount;

    @SuppressWarnings("unchecked")
    Result(String file, Map<String, Object> j) {
        this.file = file;
        String bench = (String) j.get("benchmark");
        int dot = bench.lastIndexOf('.');
        String cls = bench.substring(0, dot);
        this.benchClass = cls.substring(cls.lastIndexOf('.') + 1);
        this.method = bench.substring(dot + 1);
        this.mode = (String) j.get("mode");
        String v = String.valueOf(j.get("jdkVersion"));
        this.jdk = v.split("[.+-]")[0];
        this.vmName = String.valueOf(j.get("vmName"));
        this.vmVersion = String.valueOf(j.get("vmVersion"));
        this.forks = ((Number) j.getOrDefault("forks", 0.0)).intValue();
        this.warmup = count(j.get("warmupIterations")) + " x " + j.get("warmupTime");
        this.measurement = count(j.get("measurementIterations")) + " x " + j.get("measurementTime");
        Map<String, String> p = new LinkedHashMap<>();
        Object ps = j.get("params");
        if (ps instanceof Map) {
            ((Map<String, Object>) ps).forEach((k, val) -> p.put(k, String.valueOf(val)));
        }
        this.params = p;
        List<String> args = new ArrayList<>();
        Object ja = j.get("jvmArgs");
        if (ja instanceof List) {
            for (Object o : (List<Object>) ja) {
                args.add(String.valueOf(o));
            }
        }
        this.jvmArgs = args;
        Map<String, Object> pm = (Map<String, Object>) j.get("primaryMetric");
        this.unit = (String) pm.get("scoreUnit");
        Object sm = j.get("secondaryMetrics");
        Map<String, Object> secondary = sm instanceof Map ? (Map<String, Object>) sm : Map.of();
        this.allocBytesPerOp = secondaryScore(secondary, "gc.alloc.rate.norm");
        this.gcCount = secondaryScore(secondary, "gc.count");

        DescriptiveStatistics st = new DescriptiveStatistics();
        Object hist = pm.get("rawDataHistogram");
        Object raw = pm.get("rawData");
        if (hist instanceof List) {
            // [fork][iteration][[value, count], ...]
            for (Object fork : (List<Object>) hist) {
                List<Double> iters = new ArrayList<>();
                List<double[]> forkPairs = new ArrayList<>();
                for (Object iter : (List<Object>) fork) {
                    List<double[]> pairs = new ArrayList<>();
                    for (Object pair : (List<Object>) iter) {
                        List<Object> vc = (List<Object>) pair;
                        double value = ((Number) vc.get(0)).doubleValue();
                        long count = ((Number) vc.get(1)).longValue();
                        pairs.add(new double[] {value, count});
                        for (long c = 0; c < count && st.getN() < MAX_SAMPLES; c++) {
                            st.addValue(value);
                        }
                    }
                    if (!pairs.isEmpty()) {
                        iters.add(weightedMedian(pairs));
                        forkPairs.addAll(pairs);
                    }
                }
                if (!iters.isEmpty()) {
                    iterations.add(iters);
                    forkMedians.add(weightedMedian(forkPairs));
                }
            }
        } else if (raw instanceof List) {
            // [fork][iteration] scores
            for (Object fork : (List<Object>) raw) {
                List<Double> iters = new ArrayList<>();
                for (Object x : (List<Object>) fork) {
                    if (x instanceof Number) {
                        st.addValue(((Number) x).doubleValue());
                        iters.add(((Number) x).doubleValue());
                    }
                }
                if (!iters.isEmpty()) {
                    iterations.add(iters);
                    List<double[]> pairs = new ArrayList<>();
                    iters.forEach(x -> pairs.add(new double[] {x, 1}));
                    forkMedians.add(weightedMedian(pairs));
                }
            }
        }
        if (st.getN() == 0) {
            st.addValue(((Number) pm.get("score")).doubleValue());
        }
        this.n = st.getN();
        this.mean = st.getMean();
        this.median = st.getPercentile(50);
    }

    /**
     * The median of values with counts ({@code [value, count]}): the middle value, or the mean of
     * the two middle ones for an even total.
     */
    static double weightedMedian(List<double[]> pairs) {
        List<double[]> sorted = new ArrayList<>(pairs);
        sorted.sort((a, b) -> Double.compare(a[0], b[0]));
        double total = 0;
        for (double[] p : sorted) {
            total += p[1];
        }
        // 0-based ranks of the middle value(s)
        double lo = Math.floor((total - 1) / 2), hi = Math.ceil((total - 1) / 2);
        double below = 0, atLo = Double.NaN;
        for (double[] p : sorted) {
            if (Double.isNaN(atLo) && lo < below + p[1]) {
                atLo = p[0];
            }
            if (hi < below + p[1]) {
                return (atLo + p[0]) / 2;
            }
            below += p[1];
        }
        return Double.NaN;
    }

    /** The smallest iteration value over every fork (NaN without raw data). */
    double iterationMin() {
        return iterations.stream().flatMap(List::stream).mapToDouble(Double::doubleValue).min()
                .orElse(Double.NaN);
    }

    /** The largest iteration value over every fork (NaN without raw data). */
    double iterationMax() {
        return iterations.stream().flatMap(List::stream).mapToDouble(Double::doubleValue).max()
                .orElse(Double.NaN);
    }

    /**
     * The largest fork median over the smallest, minus one (0.10: the forks differ by 10%); NaN
     * for fewer than two forks.
     */
    double forkSpread() {
        if (forkMedians.size() < 2) {
            return Double.NaN;
        }
        double lo = forkMedians.stream().mapToDouble(Double::doubleValue).min().getAsDouble();
        double hi = forkMedians.stream().mapToDouble(Double::doubleValue).max().getAsDouble();
        return hi / lo - 1;
    }

    /**
     * The largest iteration value over the smallest within one fork, minus one, the largest over
     * the forks; NaN without raw data.
     */
    double iterationSpreadInFork() {
        double spread = Double.NaN;
        for (List<Double> fork : iterations) {
            double lo = fork.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
            double hi = fork.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
            if (!(hi / lo - 1 <= spread)) {
                spread = hi / lo - 1;
            }
        }
        return spread;
    }

    /** Forks, warm-up and measurement, e.g. {@code 2 forks, 10 x 1 s warm-up, 5 x 2 s measured}. */
    String jmhSettings() {
        return jmhSettings(String.valueOf(forks), warmup, measurement);
    }

    /**
     * {@link #jmhSettings()} from a fork count and {@code iterations x time} of warm-up and
     * measurement, the times as JMH writes them ({@code 1 s}) or as its options take them
     * ({@code 1s}).
     */
    static String jmhSettings(String forks, String warmup, String measurement) {
        return forks + (forks.equals("1") ? " fork, " : " forks, ") + time(warmup) + " warm-up, "
                + time(measurement) + " measured";
    }

    private static String time(String s) {
        return s.replaceAll("(\\d)\\s*([a-z]+)", "$1 $2");
    }

    /** An iteration count as JSON gives it (a double), written as an integer. */
    private static String count(Object n) {
        return n instanceof Number ? String.valueOf(((Number) n).longValue()) : String.valueOf(n);
    }

    /** The score of a secondary metric, named with or without JMH's older leading middle dot. */
    @SuppressWarnings("unchecked")
    private static double secondaryScore(Map<String, Object> secondary, String name) {
        Object m = secondary.getOrDefault(name, secondary.get("\u00b7" + name));
        if (m instanceof Map && ((Map<String, Object>) m).get("score") instanceof Number) {
            return ((Number) ((Map<String, Object>) m).get("score")).doubleValue();
        }
        return Double.NaN;
    }

    String param(String name, String dflt) {
        return params.getOrDefault(name, dflt);
    }

    /** The value of {@code -Dname=...} or {@code -XX:name=...} in the JVM arguments, or null. */
    String jvmArg(String prefix) {
        String v = null;
        for (String a : jvmArgs) {
            if (a.startsWith(prefix)) {
                v = a.substring(prefix.length());
            }
        }
        return v;
    }

    boolean superWord() {
        return !jvmArgs.contains("-XX:-UseSuperWord");
    }

    /** Whether the heap was on transparent huge pages ({@code -XX:+UseTransparentHugePages}). */
    boolean hugePages() {
        return jvmArgs.contains("-XX:+UseTransparentHugePages");
    }

    /**
     * Whether counted loops ran without safepoint polls ({@code -XX:-UseCountedLoopSafepoints}).
     */
    boolean noLoopSafepoints() {
        return jvmArgs.contains("-XX:-UseCountedLoopSafepoints");
    }

    /** {@code MaxVectorSize} in bytes when set on the command line, else 0. */
    int maxVectorSize() {
        String m = jvmArg("-XX:MaxVectorSize=");
        return m == null ? 0 : Integer.parseInt(m.trim());
    }

    /**
     * Backend: the {@code backend} parameter, {@code vector-fused}/{@code vector-layerwise} for
     * blocks.
     */
    String backend() {
        String b = params.get("backend");
        String s = blockStrategy();
        if (b == null && !s.isEmpty()) {
            b = "vector-" + s.toLowerCase(Locale.ROOT);
        }
        return b == null ? "vector" : b;
    }

    /**
     * BlockBench's {@code FUSED} or {@code LAYERWISE} ({@code strategy}; {@code mode} in results
     * from before session 8), else empty.
     */
    String blockStrategy() {
        return params.getOrDefault("strategy", params.getOrDefault("mode", ""));
    }

    boolean scalar() {
        return backend().startsWith("scalar");
    }

    /**
     * Vector width in bits: the {@code vectorBits} parameter, else {@code -Dmobilenet.vectorBits},
     * else {@code MaxVectorSize * 8}, else 0 (the JVM's preferred width). 0 for scalar results.
     */
    int bits() {
        if (scalar()) {
            return 0;
        }
        String b = params.get("vectorBits");
        if (b == null) {
            b = jvmArg("-Dmobilenet.vectorBits=");
        }
        if (b != null && b.matches("\\d+")) {
            return Integer.parseInt(b);
        }
        return maxVectorSize() * 8;
    }

    /** Short label of how it ran, e.g. {@code vector-fused 512}, {@code scalar -SuperWord}. */
    String setup() {
        if (scalar()) {
            // the scalar network runs the fused plan (NetworkBench's backend=scalar)
            String plan = benchClass.equals(ReportGenerator.NETWORK) ? "scalar fused" : "scalar";
            return plan + (superWord() ? " (C2 default)" : " (-XX:-UseSuperWord)")
                    + (oneAtATime() ? ", one image at a time" : "");
        }
        String w = maxVectorSize() > 0 ? "MaxVectorSize=" + maxVectorSize()
                : bits() > 0 ? bits() + "-bit" : "preferred";
        return backend() + " " + w + (threads() > 1 ? ", " + threads() + " threads" : "")
                + (hugePages() ? ", huge pages" : "")
                + (noLoopSafepoints() ? ", no counted-loop safepoints" : "")
                + (oneAtATime() ? ", one image at a time" : "");
    }

    /** A batch run image after image ({@code schedule=sequential}) instead of grouped. */
    boolean oneAtATime() {
        return !param("batch", "1").equals("1") && param("schedule", "").equals("sequential");
    }

    /** Threads per inference (NetworkBench's {@code threads} parameter; 1 when absent). */
    int threads() {
        return Integer.parseInt(param("threads", "1"));
    }

    /** Sort key: vector before scalar, fused before layer-by-layer, wider first. */
    int setupOrder() {
        String b = backend();
        int k = b.equals("vector-fused") ? 0 : b.startsWith("vector") ? 1 : superWord() ? 3 : 4;
        int w = scalar() ? 0 : maxVectorSize() > 0 ? 2000 - maxVectorSize() : 1000 - bits();
        return k * 10_000 + w + (threads() > 1 ? 5_000 : 0) + (hugePages() ? 2_500 : 0)
                + (noLoopSafepoints() ? 1_250 : 0) + (oneAtATime() ? 600 : 0);
    }

    /** Factor from this result's unit to milliseconds per operation (NaN for throughput units). */
    double toMs() {
        switch (unit) {
            case "s/op": return 1e3;
            case "ms/op": return 1;
            case "us/op": return 1e-3;
            case "ns/op": return 1e-6;
            default: return Double.NaN;
        }
    }

    double medianMs() { return median * toMs(); }


    @Override
    public String toString() {
        return file + ": " + benchClass + "." + method + " " + params + " " + setup() + " JDK "
                + jdk;
    }
}
