#pragma once

#include <QList>
#include <QString>

#include <algorithm>

namespace agency::bench {

/// Latency samples in microseconds and the summary the README tables show.
struct LatencyStats
{
    QList<qint64> samplesUs;

    double percentileMs(double p) const
    {
        if (samplesUs.isEmpty())
            return 0;
        QList<qint64> sorted = samplesUs;
        std::sort(sorted.begin(), sorted.end());
        const auto index = static_cast<qsizetype>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
        return static_cast<double>(sorted.at(std::min(index, sorted.size() - 1))) / 1000.0;
    }
    double meanMs() const
    {
        double sum = 0;
        for (qint64 s : samplesUs)
            sum += static_cast<double>(s);
        return samplesUs.isEmpty() ? 0 : sum / static_cast<double>(samplesUs.size()) / 1000.0;
    }
    /// "| name | n | p50 | p99 | max |" as a Markdown table row.
    QString row(const QString &name) const
    {
        return QStringLiteral("| %1 | %2 | %3 | %4 | %5 |")
            .arg(name)
            .arg(samplesUs.size())
            .arg(percentileMs(50), 0, 'f', 3)
            .arg(percentileMs(99), 0, 'f', 3)
            .arg(percentileMs(100), 0, 'f', 3);
    }
    static QString header()
    {
        return QStringLiteral(
            "| operation | samples | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|");
    }
};

} // namespace agency::bench
