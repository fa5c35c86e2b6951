#pragma once

#include "stats.h"

namespace agency::bench {

/// How steady the machine itself is: one fixed piece of single-thread CPU work, about `targetMs`
/// long, timed `slices` times in a row on the calling thread. It touches no memory beyond a few
/// registers and makes no system call, so its p99 above its p50 is time the CPU was not ours (a
/// virtual machine's host, an interrupt, another process). A 1-client turn, mostly a chain of CPU
/// work of about the same length, is exposed to the same.
LatencyStats measureCpuJitter(double targetMs, int slices);

} // namespace agency::bench
