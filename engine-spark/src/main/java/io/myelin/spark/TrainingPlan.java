package io.myelin.spark;

import java.io.Serializable;

/**
 * Everything a barrier task needs besides its rows and the factories; shipped to every task, so
 * every replica runs the same loop.
 *
 * @param runId identifies the run in its checkpoints: a retried stage resumes only from a file this
 *     run wrote, never from a stale one of an earlier run
 * @param checkpoint the checkpoint file (on storage every executor reaches), or null for none
 * @param checkpointEvery optimizer steps between mid-epoch checkpoints (0: epoch ends only)
 * @param shuffleSeed each rank visits its partition in the order of a permutation drawn from (seed,
 *     epoch, rank); {@code null} keeps the partition's order
 * @param failRank test hook: this rank throws once, in the stage's first attempt, before global
 *     step {@code failStep} (-1: never)
 * @param device the replicas' device spec ({@link ReplicaDevice}), resolved on each executor; null
 *     for the executor's configured one
 * @param refuseRank test hook: this rank's device counts as unusable (-1: none)
 */
record TrainingPlan(
    String runId,
    int batchSize,
    int epochs,
    SparkTrainer.Mode mode,
    int averageEvery,
    boolean classIndices,
    double clipNorm,
    double clipValue,
    String checkpoint,
    int checkpointEvery,
    Long shuffleSeed,
    int failRank,
    long failStep,
    String device,
    int refuseRank)
    implements Serializable {}
