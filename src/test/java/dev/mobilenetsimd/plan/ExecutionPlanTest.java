package dev.mobilenetsimd.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExecutionPlanTest {

    /**
     * The TF-slim table of published variants: multiply-adds in millions (truncated), 1001 classes.
     */
    @ParameterizedTest(name = "{0}/{1}: {2} M MACs")
    @CsvSource({
            "1.4,224,582", "1.3,224,509", "1.0,224,300", "1.0,192,221", "1.0,160,154", "1.0,128,99",
            "1.0,96,56", "0.75,224,209", "0.75,192,153", "0.75,160,107", "0.75,128,69",
            "0.75,96,39", "0.5,224,97", "0.5,192,71", "0.5,160,50", "0.5,128,32", "0.5,96,18",
            "0.35,224,59", "0.35,192,43", "0.35,160,30", "0.35,128,20", "0.35,96,11"})
    void macsMatchThePublishedTable(double alpha, int resolution, long millions) {
        for (Padding p : Padding.values()) {
            ExecutionPlan plan = ExecutionPlan.build(new ModelConfig(alpha, resolution, 1001, p));
            assertEquals(millions, plan.totalMacs() / 1_000_000, plan.toString());
        }
    }

    /** The totals line: millions, or billions where millions would run to six digits. */
    @Test
    void macTotalsAreRoundedToMillionsOrBillions() {
        assertEquals("300.8 M", ExecutionPlan.roundedCount(300_774_272L));
        assertEquals("9999.9 M", ExecutionPlan.roundedCount(9_999_900_000L));
        assertEquals("368.9 G", ExecutionPlan.roundedCount(368_917_230_592L));
        assertTrue(ExecutionPlan.build(new ModelConfig(4, 2048, 1001, Padding.TF_SAME),
                ExecutionMode.FUSED).toString().contains("MACs (368.9 G)"));
    }

    @Test
    void parametersOfTheStandardNetwork() {
        ExecutionPlan plan =
                ExecutionPlan.build(new ModelConfig(1.0, 224, 1000, Padding.SYMMETRIC));
        assertEquals(3_487_816, plan.totalParams());
        assertEquals(300.8, plan.totalMacs() / 1e6, 0.05,
                "the 300.8 M multiply-adds usually quoted");
    }

    @Test
    void structureFollowsTheTable() {
        ExecutionPlan plan = ExecutionPlan.build(ModelConfig.standard());
        List<Step> steps = plan.steps();
        assertEquals(1 + 17 + 3, steps.size());
        List<Step> blocks = new ArrayList<>();
        for (Step s : steps) {
            if (s.kind() == Step.Kind.BOTTLENECK) {
                blocks.add(s);
            }
        }
        assertEquals(17, blocks.size());
        int[] outC = {16, 24, 24, 32, 32, 32, 64, 64, 64, 64, 96, 96, 96, 160, 160, 160, 320};
        int[] stride = {1, 2, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1};
        int[] inHW = {112, 112, 56, 56, 28, 28, 28, 14, 14, 14, 14, 14, 14, 14, 7, 7, 7};
        for (int i = 0; i < 17; i++) {
            Step b = blocks.get(i);
            assertEquals(outC[i], b.outChannels(), b.name());
            assertEquals(stride[i], b.stride(), b.name());
            assertEquals(inHW[i], b.inHeight(), b.name());
            assertEquals(b.inChannels() == b.outChannels() && b.stride() == 1, b.hasResidual());
            assertEquals(i != 0, b.hasExpand(), b.name());
            assertEquals(i == 0 ? 32 : 6 * b.inChannels(), b.expandedChannels(), b.name());
        }
        assertEquals(10, blocks.stream().filter(Step::hasResidual).count());
        Step stem = steps.get(0);
        assertEquals(112, stem.outHeight());
        assertEquals(0, stem.padTop(), "TF SAME, stride 2, even input: no padding before");
        assertEquals(1280, steps.get(18).outChannels());
        assertEquals(7, steps.get(18).inHeight());
        assertEquals(1001, steps.get(20).outChannels());
        assertEquals(52 + 1, plan.layers().size(), "52 convolutions and the classifier");
    }

    @Test
    void paddingConventions() {
        assertEquals(1, Padding.SYMMETRIC.before(224, 2));
        assertEquals(0, Padding.TF_SAME.before(224, 2));
        assertEquals(1, Padding.TF_SAME.before(225, 2));
        assertEquals(1, Padding.TF_SAME.before(7, 1));
        assertEquals(113, Padding.TF_SAME.outputSize(225, 2));
        assertEquals(113, Padding.SYMMETRIC.outputSize(225, 2));
        assertEquals(112, Padding.SYMMETRIC.outputSize(224, 2));
        assertEquals(Padding.TF_SAME, Padding.parse("tf"));
        assertEquals(Padding.SYMMETRIC, Padding.parse("pytorch"));
        assertThrows(IllegalArgumentException.class, () -> Padding.parse("valid"));
    }

    @Test
    void channelRounding() {
        assertEquals(16, Architecture.scaledChannels(32, 0.35));
        assertEquals(8, Architecture.scaledChannels(16, 0.35));
        assertEquals(40, Architecture.scaledChannels(32, 1.3));
        assertEquals(1280, Architecture.lastChannels(0.5));
        assertEquals(1792, Architecture.lastChannels(1.4));
        for (double a = 0.1; a <= 2; a += 0.05) {
            for (int c : new int[] {16, 24, 32, 64, 96, 160, 320}) {
                int r = Architecture.scaledChannels(c, a);
                assertEquals(0, r % 8);
                assertTrue(r >= 0.9 * c * a, "never below 90%");
            }
        }
    }

    /**
     * Channel counts that cannot be: a divisor of 0 failed as "/ by zero", a count past int range
     * came back negative (1e10 as -2^31), a negative or NaN one as the divisor.
     */
    @Test
    void channelRoundingRefusesWhatIsNoChannelCount() {
        for (double v : new double[] {1e10, Integer.MAX_VALUE, -100, Double.NaN,
            Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Architecture.makeDivisible(v, 8), () -> "value " + v);
            assertTrue(e.getMessage().contains(String.valueOf(v)), e.getMessage());
        }
        for (int divisor : new int[] {0, -8}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Architecture.makeDivisible(10, divisor));
            assertTrue(e.getMessage().contains("positive divisor"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class,
                () -> Architecture.scaledChannels(Integer.MAX_VALUE, 4));
        assertThrows(IllegalArgumentException.class, () -> Architecture.lastChannels(1e9));
        assertEquals(8, Architecture.makeDivisible(0, 8));
        assertEquals(Integer.MAX_VALUE - 7, Architecture.makeDivisible(Integer.MAX_VALUE - 7, 8));
    }

    @Test
    void invalidConfigurationsNameTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ModelConfig(0, 224, 1000, Padding.TF_SAME));
        assertTrue(e.getMessage().contains("alpha = 0.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ModelConfig(1, 31, 1000, Padding.TF_SAME));
        assertTrue(e.getMessage().contains("resolution = 31"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ModelConfig(1, 224, 0, Padding.TF_SAME));
        assertTrue(e.getMessage().contains("classes = 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new ModelConfig(Double.NaN, 224, 10, Padding.TF_SAME));
        assertThrows(IllegalArgumentException.class, () -> new ModelConfig(1, 224, 10, null));
    }

    @ParameterizedTest
    @CsvSource({"1.0,224,FUSED", "1.0,224,LAYERWISE", "0.35,96,FUSED", "1.4,129,FUSED",
            "0.5,33,LAYERWISE"})
    void buffersStayInsideTheArenaAndRegionsDoNotOverlap(double alpha, int res,
            ExecutionMode mode) {
        ExecutionPlan plan =
                ExecutionPlan.build(new ModelConfig(alpha, res, 10, Padding.TF_SAME), mode);
        List<BufferUse> regions = new ArrayList<>(plan.regions().values());
        for (int i = 0; i < regions.size(); i++) {
            BufferUse r = regions.get(i);
            assertTrue(r.offset() >= 0 && r.offset() + r.length() <= plan.arenaFloats(),
                    r.toString());
            assertEquals(HeapLayout.phase(), r.offset() % HeapLayout.ALIGN_FLOATS,
                    r + " does not start on a 64-byte boundary of a large array");
            for (int j = i + 1; j < regions.size(); j++) {
                BufferUse q = regions.get(j);
                assertFalse(r.offset() < q.offset() + q.length()
                        && q.offset() < r.offset() + r.length(), r + " overlaps " + q);
            }
        }
        for (Step s : plan.steps()) {
            List<BufferUse> writes = s.writes();
            for (int i = 0; i < writes.size(); i++) {
                BufferUse b = writes.get(i);
                BufferUse region = plan.regions().get(b.buffer());
                assertTrue(b.offset() >= region.offset()
                        && b.offset() + b.length() <= region.offset() + region.length(),
                        s + " " + b);
                // a ring, a band, staging rows, a chained block's scratch and the output: disjoint
                for (BufferUse q : writes.subList(i + 1, writes.size())) {
                    assertFalse(b.offset() < q.offset() + q.length()
                            && q.offset() < b.offset() + b.length(),
                            s + ": " + b + " overlaps " + q);
                }
            }
            for (BufferUse b : s.reads()) {
                BufferUse region = plan.regions().get(b.buffer());
                assertTrue(b.offset() + b.length() <= region.offset() + region.length(),
                        s + " " + b);
            }
            if (s.kind() == Step.Kind.BOTTLENECK && mode == ExecutionMode.FUSED
                    && (s.hasExpand() || s.computesStem())) {
                assertTrue(s.expandedRows() >= Math.min(s.inHeight(),
                        (s.bandRows() - 1) * s.stride() + 3));
            }
        }
    }

    /**
     * The ring's first slot: with row r in slot r mod 4, block 3's ring (1.0/224: 56 rows, bands
     * of 2, a ring of 4) wrapped in every other band, and that band's two new rows took two
     * expand calls; from slot 1 each band's rows are one run. Across the family the chosen slot
     * never needs more calls than slot 0, and rings of every input row keep slot 0.
     */
    @Test
    void theRingsFirstSlotKeepsEachBandsNewRowsTogether() {
        Step block3 = ExecutionPlan.build(ModelConfig.standard()).steps().get(3);
        assertEquals(List.of(56, 2, 4, 1), List.of(block3.outH, block3.bandRows,
                block3.expandedRows, block3.padTop), block3.toString());
        assertEquals(1, block3.ringFirstSlot());
        assertEquals(28, callsFrom(block3, 1), "one call per band");
        assertEquals(41, callsFrom(block3, 0), "two calls in 13 of the 28 bands");
        for (double alpha : new double[] {0.35, 0.5, 0.75, 1.0, 1.4}) {
            for (int res : new int[] {96, 128, 160, 224, 225}) {
                for (Padding padding : Padding.values()) {
                    ModelConfig cfg = new ModelConfig(alpha, res, 1001, padding);
                    for (Step st : ExecutionPlan.build(cfg).steps()) {
                        int first = st.ringFirstSlot();
                        String what = cfg + " " + st;
                        if (st.expandedRows == 0 || st.expandedRows >= st.inH) {
                            assertEquals(0, first, what);
                            continue;
                        }
                        assertTrue(first >= 0 && first < st.expandedRows, what);
                        assertTrue(callsFrom(st, first) <= callsFrom(st, 0), what);
                    }
                    for (Step st : ExecutionPlan.build(cfg, ExecutionMode.LAYERWISE).steps()) {
                        assertEquals(0, st.ringFirstSlot(), cfg + " layer by layer " + st);
                    }
                }
            }
        }
    }

    private static long callsFrom(Step st, int first) {
        return ExecutionPlan.expandCalls(st.inH, st.outH, st.stride, st.padTop, st.bandRows,
                st.expandedRows, first);
    }

    @Test
    void fusedNeedsLessMemory() {
        ExecutionPlan plan = ExecutionPlan.build(ModelConfig.standard());
        assertTrue(plan.fusedWorkingBytes() * 2 < plan.layerwiseWorkingBytes(),
                plan.fusedWorkingBytes() + " vs " + plan.layerwiseWorkingBytes());
        String table = plan.toString();
        assertTrue(table.contains("bottleneck") && table.contains("total:"), table);
    }

    /**
     * Fused, block 1 computes the stem's rows into a padded ring and block 2 computes block 1's
     * rows: neither the stem's output nor block 1's has a buffer. Layer by layer, and where block
     * 1 has a residual (width multipliers whose stem and block 1 channels both round to 8), the
     * stem stays a step of its own.
     */
    @Test
    void theFusedPlanComputesTheStemInsideBlockOneAndBlockOneInsideBlockTwo() {
        ExecutionPlan fused = ExecutionPlan.build(ModelConfig.standard());
        Step stem = fused.steps().get(0), block1 = fused.steps().get(1);
        Step block2 = fused.steps().get(2);
        assertTrue(stem.fusedIntoNext() && !stem.computesInput(), stem.toString());
        assertTrue(block1.computesStem() && block1.fusedIntoNext(), block1.toString());
        assertTrue(block2.computesPreviousBlock() && !block2.computesStem()
                && !block2.fusedIntoNext(), block2.toString());
        assertEquals(-1, stem.outOffset());
        assertEquals(-1, block1.inOffset());
        assertEquals(-1, block1.outOffset());
        assertTrue(stem.writes().isEmpty(), stem.writes().toString());
        assertTrue(block1.writes().isEmpty() && block1.reads().isEmpty(), block1.toString());
        // block 2 reads the image and writes its scratch, block 1's, the staging rows, its output
        assertEquals("input", block2.reads().get(0).buffer());
        assertEquals(6, block2.writes().size(), block2.writes().toString());
        BufferUse expanded = fused.regions().get("expanded");
        assertTrue(block2.inOffset() >= expanded.offset() && block2.inOffset()
                + block2.expandedRows() * block2.inWidth() * block2.inChannels()
                <= expanded.offset() + expanded.length(), "staging rows in the worker scratch");
        assertTrue(block1.expandedRowsPadded() && block2.expandedRowsPadded());
        assertEquals(Math.min(block1.inHeight(), (block1.bandRows() - 1) * block1.stride() + 3),
                block1.expandedRows());
        assertEquals((block1.inWidth() + 2) * block1.inChannels(), block1.expandedRowFloats());
        assertNotEquals(block1.expandedOffset(), block2.expandedOffset());
        assertNotEquals(block1.depthwiseOffset(), block2.depthwiseOffset());
        assertTrue(fused.steps().stream().skip(3)
                .noneMatch(s -> s.fusedIntoNext() || s.computesInput()));
        // the stem's 112x112x32 output was the largest activation, then block 1's 112x112x16:
        // act0 and act1 now hold block 2's
        assertEquals(56 * 56 * 24, fused.regions().get("act0").length());
        String table = fused.toString();
        assertTrue(table.contains("fused into the next step")
                && table.contains("computes block 1's rows"), table);

        ExecutionPlan layerwise =
                ExecutionPlan.build(ModelConfig.standard(), ExecutionMode.LAYERWISE);
        assertTrue(layerwise.steps().stream()
                .noneMatch(s -> s.fusedIntoNext() || s.computesInput()));
        assertEquals(112 * 112 * 32, layerwise.regions().get("act0").length());

        ExecutionPlan narrow = ExecutionPlan.build(new ModelConfig(0.2, 96, 10, Padding.TF_SAME));
        assertTrue(narrow.steps().get(1).hasResidual(), narrow.steps().get(1).toString());
        assertTrue(narrow.steps().stream().noneMatch(s -> s.fusedIntoNext() || s.computesInput()));
    }

    @Test
    void batchGroupsAreCappedByTheMemoryTheySetAside() {
        assertEquals(1, ExecutionPlan.batchGroup(0), "nothing past the split: image by image");
        assertEquals(8, ExecutionPlan.batchGroup(7 * 7 * 1280));
        assertEquals(5, ExecutionPlan.batchGroup(3_000_000)); // 12 MB each, 64 MB in all
        assertEquals(1, ExecutionPlan.batchGroup(20_000_000)); // one is over the cap already
    }
}
