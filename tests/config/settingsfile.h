#pragma once

// Writing a settings file (config file or .env) for a settings test.

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

namespace agency::test {

/// Writes `content` to `name` in `dir` and returns its path. A file that cannot be written fails
/// the current test (an unwritten file would read as "no such file", which a test might accept).
inline QString writeSettingsFile(const QTemporaryDir &dir, const QString &name, const QByteArray &content)
{
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(content) != content.size())
        QTest::qFail(qPrintable(QStringLiteral("cannot write %1: %2").arg(path, file.errorString())),
                     __FILE__, __LINE__);
    return path;
}

} // namespace agency::test
