// aiagency docs add|list|show|search|rm|reindex: a tenant's documents, through AgencyService
// (docs/design.md#knowledge). `add` indexes in this process while it waits, so it works without
// a server running; with --no-wait it only stores and queues.
#include "commands.h"
#include "runtime/backend.h"

#include "core/text.h"
#include "knowledge/knowledgebase.h"
#include "service/agencyservice.h"

#include <QCommandLineParser>
#include <QDirIterator>
#include <QEventLoop>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QTimer>

#include <unistd.h>

namespace agency::app {

namespace {

/// Runs the event loop until `future` finishes (the command's steps are sequential).
template <typename T> core::Result<T> await(const core::Async<T> &future)
{
    QFutureWatcher<core::Result<T>> watcher;
    QEventLoop loop;
    QObject::connect(&watcher, &QFutureWatcherBase::finished, &loop, &QEventLoop::quit);
    watcher.setFuture(future);
    if (!future.isFinished())
        loop.exec();
    if (future.resultCount() == 0)
        return core::makeError(core::ErrorCode::Cancelled, QStringLiteral("interrupted"));
    return future.result();
}

/// Stops this process's indexing; documents still in progress go back to the queue.
void stopIndexing(runtime::Backend &backend)
{
    QFuture<void> stopped = backend.knowledge().stopIngestion();
    QFutureWatcher<void> watcher;
    QEventLoop loop;
    QObject::connect(&watcher, &QFutureWatcherBase::finished, &loop, &QEventLoop::quit);
    watcher.setFuture(stopped);
    if (!stopped.isFinished())
        loop.exec();
}

void sleepMs(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

QString id(const QUuid &uuid)
{
    return uuid.toString(QUuid::WithoutBraces);
}

QString statusText(const core::Document &d)
{
    QString text = core::documentStatusName(d.status);
    if (!d.isFinal())
        text += QStringLiteral(" %1%").arg(qRound(d.progress * 100));
    if (d.status == core::DocumentStatus::Failed && !d.error.isEmpty())
        text += QStringLiteral(": ") + d.error;
    return text;
}

QString describe(const core::Document &d)
{
    QString out;
    auto line = [&out](const char *label, const QString &value) {
        out += QStringLiteral("%1 %2\n").arg(QString(QLatin1String(label) + u':'), -12).arg(value);
    };
    line("document", id(d.documentId));
    line("title", d.title);
    line("file", d.fileName);
    line("collection", d.collection);
    line("type", d.mimeType);
    line("size", QStringLiteral("%1 bytes").arg(d.sizeBytes));
    line("status", statusText(d));
    line("pages", QString::number(d.pageCount));
    line("chunks", QString::number(d.chunkCount));
    line("model", d.embeddingModel.isEmpty() ? QStringLiteral("-") : d.embeddingModel);
    line("sha256", d.contentSha256);
    line("created", d.createdAt.toUTC().toString(Qt::ISODate));
    line("updated", d.updatedAt.toUTC().toString(Qt::ISODate));
    return out;
}

/// The files named: files as they are, directories walked recursively (sorted, hidden skipped).
QStringList collectFiles(const QStringList &paths, QStringList *missing)
{
    QStringList files;
    for (const QString &path : paths) {
        const QFileInfo info(path);
        if (info.isFile()) {
            files.append(info.filePath());
        } else if (info.isDir()) {
            QStringList found;
            QDirIterator it(path, QDir::Files | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
            while (it.hasNext())
                found.append(it.next());
            found.sort();
            files += found;
        } else {
            missing->append(path);
        }
    }
    return files;
}

QString bar(double fraction, int width = 24)
{
    const int full = qBound(0, qRound(fraction * width), width);
    return QStringLiteral("[") + QString(full, u'#') + QString(width - full, u'-') + QStringLiteral("]");
}

int addDocuments(runtime::Backend &backend, const QString &tenantId, const QString &collection,
                 const QStringList &paths, bool wait)
{
    service::AgencyService &service = backend.service();
    QStringList missing;
    const QStringList files = collectFiles(paths, &missing);
    int failed = 0;
    for (const QString &path : missing) {
        printErr(QStringLiteral("%1: no such file or directory\n").arg(path));
        ++failed;
    }
    if (files.isEmpty()) {
        printErr(QStringLiteral("aiagency docs add: no files to add\n"));
        return ExitUsage;
    }
    // Indexing runs here while we wait (the queue is shared: a server may take some too).
    if (wait)
        backend.knowledge().startIngestion();
    // Off a terminal a waiting add prints one line per document, when it is finished, so a
    // script reads each document's id and outcome from one line.
    const bool terminal = ::isatty(STDOUT_FILENO) == 1;
    struct Added
    {
        QString path;
        QUuid documentId;
        bool duplicate = false;
    };
    QList<Added> added;
    for (const QString &path : files) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            printErr(QStringLiteral("%1: %2\n").arg(path, file.errorString()));
            ++failed;
            continue;
        }
        core::NewDocument document;
        document.tenantId = tenantId;
        document.collection = collection;
        document.fileName = QFileInfo(path).fileName();
        document.bytes = file.readAll();
        auto result = await(service.addDocument(document));
        if (!result) {
            printErr(QStringLiteral("%1: %2\n").arg(path, result.error().message));
            ++failed;
            continue;
        }
        const core::Document &d = result->document;
        if (!wait || terminal)
            printOut(QStringLiteral("%1  %2  %3%4\n")
                         .arg(id(d.documentId), path, core::documentStatusName(d.status),
                              result->duplicate ? QStringLiteral(" (already there)") : QString()));
        added.append({path, d.documentId, result->duplicate});
    }
    if (!wait || added.isEmpty()) {
        if (wait)
            stopIndexing(backend);
        return failed > 0 ? ExitFailure : ExitOk;
    }
    // By file, not by document: the same bytes named twice are one document and two lines.
    QList<bool> reported(added.size(), false);
    for (;;) {
        double progress = 0;
        int done = 0;
        for (qsizetype i = 0; i < added.size(); ++i) {
            const auto &[path, documentId, duplicate] = added.at(i);
            if (reported.at(i)) {
                ++done;
                progress += 1;
                continue;
            }
            auto d = await(service.getDocument(tenantId, id(documentId)));
            if (!d) {
                // Deleted meanwhile, or the database is gone: count it as failed, once.
                printErr(QStringLiteral("%1: %2\n").arg(path, d.error().message));
                reported[i] = true;
                ++failed;
                ++done;
                progress += 1;
                continue;
            }
            progress += d->isFinal() ? 1.0 : d->progress;
            if (!d->isFinal())
                continue;
            ++done;
            reported[i] = true;
            if (d->status == core::DocumentStatus::Failed)
                ++failed;
            const QString line = QStringLiteral("%1  %2  %3%4\n")
                                     .arg(id(documentId), path, statusText(d.value()),
                                          duplicate ? QStringLiteral(" (already there)") : QString());
            printOut(terminal ? QStringLiteral("\r\033[K") + line : line);
        }
        if (terminal) {
            printOut(QStringLiteral("\r\033[K%1 %2/%3 documents indexed")
                         .arg(bar(progress / added.size()))
                         .arg(done)
                         .arg(added.size()));
        }
        if (done == added.size())
            break;
        sleepMs(250);
    }
    if (terminal)
        printOut(QStringLiteral("\n"));
    stopIndexing(backend);
    return failed > 0 ? ExitFailure : ExitOk;
}

int listDocuments(service::AgencyService &service, const QString &tenantId, const QString &collection)
{
    core::DocumentQuery query;
    query.tenantId = tenantId;
    query.collection = collection;
    query.limit = 200;
    QString out = QStringLiteral("%1  %2  %3  %4\n")
                      .arg(QStringLiteral("DOCUMENT"), -36)
                      .arg(QStringLiteral("COLLECTION"), -12)
                      .arg(QStringLiteral("STATUS"), -14)
                      .arg(QStringLiteral("TITLE"));
    for (;;) {
        auto page = await(service.listDocuments(query));
        if (!page)
            return reportError(page.error());
        for (const core::Document &d : page->items) {
            out += QStringLiteral("%1  %2  %3  %4\n")
                       .arg(id(d.documentId), -36)
                       .arg(d.collection, -12)
                       .arg(core::documentStatusName(d.status), -14)
                       .arg(d.title);
        }
        if (page->nextCursor.isEmpty())
            break;
        query.cursor = page->nextCursor;
    }
    printOut(out);
    return ExitOk;
}

int searchDocuments(service::AgencyService &service, const core::DocumentSearchQuery &query)
{
    auto result = await(service.searchDocuments(query));
    if (!result)
        return reportError(result.error());
    QString out;
    int n = 0;
    for (const core::DocumentHit &hit : result->hits) {
        out += QStringLiteral("[%1] %2%3  (score %4, document %5, chunk %6)\n    %7\n")
                   .arg(++n)
                   .arg(hit.title, hit.page > 0 ? QStringLiteral(", p. %1").arg(hit.page) : QString())
                   .arg(hit.score, 0, 'f', 4)
                   .arg(id(hit.documentId))
                   .arg(hit.chunkId)
                   .arg(core::truncateGraphemes(hit.text.simplified(), 300));
    }
    if (result->hits.isEmpty())
        out += QStringLiteral("no passage found\n");
    if (result->documentsIndexing > 0)
        out += QStringLiteral("note: %1 still being indexed; results may be incomplete\n")
                   .arg(result->documentsIndexing == 1
                            ? QStringLiteral("1 document is")
                            : QStringLiteral("%1 documents are").arg(result->documentsIndexing));
    printOut(out);
    return ExitOk;
}

} // namespace

int runDocsCommand(CliContext &ctx)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(
        QStringLiteral("action"),
        QStringLiteral("add FILE|DIR… | list | show ID | search QUERY | rm ID | reindex"));
    const QCommandLineOption tenant(QStringLiteral("tenant"), QStringLiteral("Tenant id (required)."),
                                    QStringLiteral("id"));
    const QCommandLineOption collection(
        QStringLiteral("collection"),
        QStringLiteral("The collection (add: default \"default\"; others: all)."), QStringLiteral("name"));
    const QCommandLineOption k(QStringList{QStringLiteral("k")}, QStringLiteral("search: passages (1-20)."),
                               QStringLiteral("n"), QStringLiteral("5"));
    const QCommandLineOption noWait(QStringLiteral("no-wait"),
                                    QStringLiteral("add: store and queue only; do not wait for indexing."));
    parser.addOptions({tenant, collection, k, noWait});
    const QString description = QStringLiteral(
        "A tenant's documents: add files, list, show, search, remove, index again.\n\n"
        "  add     --tenant T [--collection C] [--no-wait] FILE|DIR…   directories recursively; waits\n"
        "          until each is ready or failed (exit 1 if any failed)\n"
        "  list    --tenant T [--collection C]\n"
        "  show    --tenant T ID\n"
        "  search  --tenant T [--collection C] [-k N] QUERY\n"
        "  rm      --tenant T ID\n"
        "  reindex --tenant T [--collection C]   queued again with the tenant's embedding model");
    int exitCode = ExitOk;
    if (!parseSubcommand(parser, ctx.args, description, &exitCode))
        return exitCode;
    const QStringList positional = parser.positionalArguments();
    const QString action = positional.value(0);
    const bool byId = action == QLatin1String("show") || action == QLatin1String("rm");
    const bool known =
        (action == QLatin1String("add") && positional.size() >= 2) ||
        (action == QLatin1String("search") && positional.size() >= 2) ||
        ((action == QLatin1String("list") || action == QLatin1String("reindex")) && positional.size() == 1) ||
        (byId && positional.size() == 2);
    if (!known || !parser.isSet(tenant)) {
        printErr(QStringLiteral("aiagency docs: expected `add --tenant T FILE|DIR…`, `list --tenant T`, "
                                "`show --tenant T ID`, `search --tenant T QUERY`, `rm --tenant T ID` or "
                                "`reindex --tenant T`\n"));
        return ExitUsage;
    }
    bool kOk = false;
    const int hits = parser.value(k).toInt(&kOk);
    if (!kOk || hits < 1 || hits > 20) {
        printErr(QStringLiteral("aiagency docs search: -k expects a whole number from 1 to 20\n"));
        return ExitUsage;
    }
    auto backend = runtime::Backend::create(ctx.config);
    if (!backend)
        return reportError(backend.error());
    service::AgencyService &service = backend.value()->service();
    const QString tenantId = parser.value(tenant);
    if (action == QLatin1String("add"))
        return addDocuments(*backend.value(), tenantId, parser.value(collection), positional.mid(1),
                            !parser.isSet(noWait));
    if (action == QLatin1String("list"))
        return listDocuments(service, tenantId, parser.value(collection));
    if (action == QLatin1String("show")) {
        auto d = await(service.getDocument(tenantId, positional.at(1)));
        if (!d)
            return reportError(d.error());
        printOut(describe(d.value()));
        return ExitOk;
    }
    if (action == QLatin1String("rm")) {
        auto removed = await(service.deleteDocument(tenantId, positional.at(1)));
        if (!removed)
            return reportError(removed.error());
        printOut(QStringLiteral("deleted %1\n").arg(positional.at(1)));
        return ExitOk;
    }
    if (action == QLatin1String("reindex")) {
        auto queued = await(service.reindexDocuments(tenantId, parser.value(collection)));
        if (!queued)
            return reportError(queued.error());
        printOut(QStringLiteral("%1 documents queued for indexing\n").arg(queued.value()));
        return ExitOk;
    }
    core::DocumentSearchQuery query;
    query.tenantId = tenantId;
    query.query = positional.mid(1).join(u' ');
    query.collection = parser.value(collection);
    query.k = hits;
    return searchDocuments(service, query);
}

} // namespace agency::app
