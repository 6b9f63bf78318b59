package io.myelin.spark;

import java.io.Serializable;

/**
 * What one barrier task sends back to the driver. Rank 0's carries the trained parameters and the
 * history; the others' only their rank (their parameters are the same).
 *
 * @param epochs one row per epoch: epoch, seconds, learning rate, loss, metric, samples
 * @param stopped a non-finite loss ended the run: the message, else null
 * @param resumedAt global step of the checkpoint this attempt resumed from, -1 if none
 * @param device the device this replica ran on ({@code cpu}, {@code cuda:1}, ...)
 * @param refused why a rank could not use its device (every rank returns the first rank's reason,
 *     untrained), else null
 */
record TaskResult(
    int rank,
    int stageAttempt,
    float[] parameters,
    double[][] epochs,
    long bytesSentPerStep,
    int stepsPerEpoch,
    long resumedAt,
    String stopped,
    String device,
    String refused)
    implements Serializable {}
