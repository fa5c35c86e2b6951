// An instant OpenAI-compatible provider as its own process, for `./dev bench server`: prints its
// base URL on the first line of stdout, then serves until killed.
#include "instantprovider.h"

#include <QCoreApplication>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    agency::bench::InstantProvider provider;
    const QString url = provider.start();
    if (url.isEmpty())
        return 1;
    std::printf("%s\n", qPrintable(url));
    std::fflush(stdout);
    return QCoreApplication::exec();
}
