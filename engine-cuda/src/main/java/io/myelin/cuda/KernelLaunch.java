package io.myelin.cuda;

/**
 * A kernel name with its arguments, built apart from the launch so that tests without a GPU can
 * check names and argument types against the kernels' declarations.
 */
record KernelLaunch(String kernel, KernelArgs args) {}
