package dev.mobilenetsimd.cli;

import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.plan.BufferUse;
import dev.mobilenetsimd.plan.ExecutionMode;
import dev.mobilenetsimd.plan.ExecutionPlan;
import dev.mobilenetsimd.plan.Layer;
import dev.mobilenetsimd.plan.Step;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code plan}: prints the static execution plan of one MobileNetV2 variant. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Print the static execution plan: every step's shapes, MACs, parameters"
                + " and buffers.")
final class PlanCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--mode", defaultValue = "fused", paramLabel = Main.MODE_LABEL,
            description = Main.MODE_HELP)
    String mode;

    @Option(names = "--json", description = "Machine-readable output.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ModelConfig config = options.toConfig();
        ExecutionPlan plan = ExecutionPlan.build(config, ExecutionMode.parse(mode));
        spec.commandLine().getOut().print(json ? Json.write(toJson(plan)) : plan.toString());
        spec.commandLine().getOut().flush();
        return 0;
    }

    static Map<String, Object> configJson(ModelConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("alpha", c.alpha());
        m.put("resolution", c.resolution());
        m.put("classes", c.classes());
        m.put("padding", c.padding().name().toLowerCase(Locale.ROOT));
        return m;
    }

    static Map<String, Object> toJson(ExecutionPlan plan) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("config", configJson(plan.config()));
        root.put("mode", plan.mode().name().toLowerCase(Locale.ROOT));
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("macs", plan.totalMacs());
        totals.put("params", plan.totalParams());
        totals.put("arenaBytes", (long) plan.arenaFloats() * Float.BYTES);
        totals.put("fusedWorkingBytes", plan.fusedWorkingBytes());
        totals.put("layerwiseWorkingBytes", plan.layerwiseWorkingBytes());
        root.put("totals", totals);
        root.put("weightsTooLarge", plan.weightsTooLarge().orElse(null));
        Map<String, Object> batch = new LinkedHashMap<>();
        batch.put("splitStep", plan.batchSplitStep());
        batch.put("group", plan.batchGroup());
        batch.put("carryBytesPerImage", (long) plan.batchCarryFloats() * Float.BYTES);
        root.put("batch", batch);
        List<Object> steps = new ArrayList<>();
        for (Step s : plan.steps()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", s.index());
            m.put("name", s.name());
            m.put("kind", s.kind().name().toLowerCase(Locale.ROOT));
            m.put("input", List.of(s.inHeight(), s.inWidth(), s.inChannels()));
            m.put("output", List.of(s.outHeight(), s.outWidth(), s.outChannels()));
            m.put("t", s.expansion());
            m.put("stride", s.stride());
            m.put("padTop", s.padTop());
            m.put("padLeft", s.padLeft());
            m.put("expand", s.hasExpand());
            m.put("residual", s.hasResidual());
            if (s.kind() == Step.Kind.BOTTLENECK) {
                m.put("expandedChannels", s.expandedChannels());
                m.put("bandRows", s.bandRows());
                m.put("expandedRows", s.expandedRows());
                m.put("ringFirstSlot", s.ringFirstSlot());
            }
            m.put("splitsChannels", s.splitsChannels());
            m.put("macs", s.macs());
            m.put("params", s.params());
            m.put("bufferBytes", s.bufferFloats() * Float.BYTES);
            List<Object> layers = new ArrayList<>();
            for (Layer l : s.layers()) {
                layers.add(l.name());
            }
            m.put("layers", layers);
            m.put("reads", buffers(s.reads()));
            m.put("writes", buffers(s.writes()));
            steps.add(m);
        }
        root.put("steps", steps);
        return root;
    }

    private static List<Object> buffers(List<BufferUse> uses) {
        List<Object> out = new ArrayList<>();
        for (BufferUse b : uses) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("buffer", b.buffer());
            m.put("offset", b.offset());
            m.put("floats", b.length());
            out.add(m);
        }
        return out;
    }
}
