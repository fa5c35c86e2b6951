#include "cpujitter.h"

#include <QElapsedTimer>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace agency::bench {

namespace {

/// `iterations` steps of a linear congruential generator: pure arithmetic the compiler cannot drop.
std::uint64_t work(std::uint64_t iterations)
{
    std::uint64_t x = 88172645463325252ULL;
    for (std::uint64_t i = 0; i < iterations; ++i)
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return x;
}

volatile std::uint64_t g_sink = 0;

} // namespace

LatencyStats measureCpuJitter(double targetMs, int slices)
{
    // Calibrate on the median of short runs, so one slowed run does not size the work.
    constexpr std::uint64_t kProbe = 200000;
    std::vector<qint64> probeNs;
    for (int i = 0; i < 21; ++i) {
        QElapsedTimer timer;
        timer.start();
        g_sink = g_sink + work(kProbe);
        probeNs.push_back(timer.nsecsElapsed());
    }
    std::nth_element(probeNs.begin(), probeNs.begin() + 10, probeNs.end());
    const double nsPerStep = std::max<double>(1.0, static_cast<double>(probeNs[10])) / kProbe;
    const auto steps = static_cast<std::uint64_t>(std::max(1.0, targetMs * 1e6 / nsPerStep));

    LatencyStats stats;
    for (int i = 0; i < slices; ++i) {
        QElapsedTimer timer;
        timer.start();
        g_sink = g_sink + work(steps);
        stats.samplesUs.append(timer.nsecsElapsed() / 1000);
    }
    return stats;
}

} // namespace agency::bench
