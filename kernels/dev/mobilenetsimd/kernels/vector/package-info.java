/**
 * The Vector API kernels: one class per kernel family ({@code GemmMr5Nr5v} is the pointwise
 * microkernel of 5 pixels by 5 vectors; it, the 4x6 tile and their one-row tails are written by
 * {@code tools/gemm/gen_tiles.py}; {@code Depthwise3x3}, {@code Conv3x3}, {@code Head},
 * {@code Elementwise}), all at the width of {@code VectorWidth}.
 *
 * <h2>ReLU6</h2>
 * On x86 every kernel writes ReLU6 as two compares and two blends,
 * {@code v.blend(0f, v.compare(LE, 0f)).blend(6f, v.compare(GT, 6f))}. That is exactly
 * {@code Math.min(Math.max(v, 0f), 6f)} in every lane: NaN fails both compares and stays NaN, and
 * {@code -0.0 <= 0} maps it to {@code +0.0}, as {@code Math.max} does. The lanewise MAX/MIN of
 * the Vector API must honour those same rules, which x86's {@code vmaxps}/{@code vminps} do not,
 * so C2 wraps each in a fix-up sequence: 12 instructions per clamp at 512 bits against 4 here
 * (reports/LOWERING.md). On AArch64 the kernels keep {@code v.max(0f).min(6f)}: {@code fmax} and
 * {@code fmin} already follow Java, and JDK 17's SVE back end does not intrinsify the compare and
 * blend. The choice is the constant {@code VectorWidth.RELU6_BLEND}, so C2 compiles only one form.
 *
 * <p>The expression is repeated at each call site rather than put in a helper method: the JDK's
 * vector methods are force-inlined, but a helper of ours is not, and in a large microkernel C2
 * stops inlining it, which boxes every vector.
 */
package dev.mobilenetsimd.kernels.vector;
