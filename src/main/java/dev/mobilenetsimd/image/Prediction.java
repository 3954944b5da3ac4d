package dev.mobilenetsimd.image;

/**
 * One class of a classification result.
 *
 * @param index       class index (an index into the labels; 0 is "background" for 1001-class
 *                    models)
 * @param label       class name
 * @param probability softmax probability, 0 to 1 (NaN when the logits were: see
 *                    {@link Classification#softmax})
 */
public record Prediction(int index, String label, float probability) {}
