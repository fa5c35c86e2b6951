#include "document.h"

#include <array>

namespace agency::core {

namespace {
constexpr std::array kStatusNames{"queued", "extracting", "embedding", "ready", "failed"};
} // namespace

QString documentStatusName(DocumentStatus status)
{
    return QString::fromLatin1(kStatusNames.at(static_cast<size_t>(status)));
}

std::optional<DocumentStatus> documentStatusFromName(const QString &name)
{
    for (size_t i = 0; i < kStatusNames.size(); ++i) {
        if (name == QLatin1String(kStatusNames[i]))
            return static_cast<DocumentStatus>(i);
    }
    return std::nullopt;
}

} // namespace agency::core
