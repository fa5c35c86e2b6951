#pragma once

#include "core/result.h"
#include "sql/connectionparams.h"

#include <QStringList>

namespace agency::bench {

/// Shape of the synthetic dataset (the seed's claimed scale by default).
struct DatasetShape
{
    qint64 messages = 10'000'000;
    qint64 conversations = 1'000'000;
    int tenants = 1'000;

    /// Conversations whose index is a multiple of this hold kLongLength messages, so every
    /// tenant has some 100+ message histories to load.
    static constexpr qint64 kLongEvery = 101;
    static constexpr qint64 kLongLength = 150;

    qint64 messagesIn(qint64 conversation) const;
    QString tenantOf(qint64 conversation) const
    {
        return QStringLiteral("tenant-%1").arg(conversation % tenants);
    }
    static QString conversationUuid(qint64 conversation);
    static QString word(int rank); ///< the vocabulary word of the given frequency rank (0 = most common)
};

/// Connects to `params` and applies the migrations: a benchmark's cluster starts empty.
core::Status migrate(const sql::ConnectionParams &params);

/// Loads the dataset with COPY (libpq), dropping secondary indexes and the messages FK first and
/// rebuilding them afterwards, then ANALYZE + VACUUM. Reuses an existing dataset of the same shape.
/// Prints progress to stderr.
core::Status ensureDataset(const sql::ConnectionParams &params, const DatasetShape &shape, bool regenerate);

/// One long conversation `conversationUuid` of `messages` messages in tenant `tenantId` (created if
/// missing): user questions and Markdown answers, every twentieth message an assistant get_weather
/// call followed by its result. Loaded with COPY unless it already holds that many messages. The
/// thread of `./dev bench ui`.
core::Status ensureThread(const sql::ConnectionParams &params, const QString &tenantId,
                          const QString &conversationUuid, int messages);

} // namespace agency::bench
