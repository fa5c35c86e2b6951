#pragma once

#include "error.h"

#include <type_traits>
#include <utility>
#include <variant>

namespace agency::core {

/// An expected-style value-or-Error. Exceptions never cross module boundaries: every fallible
/// operation returns Result<T> (or a QFuture of one). Default-constructed only because QFuture's
/// internals need it; such a Result holds an Internal error.
template <typename T> class [[nodiscard]] Result
{
public:
    Result() : m_data(Error{ErrorCode::Internal, QStringLiteral("uninitialised result"), {}}) {}
    Result(T value) : m_data(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_data(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }

    const T &value() const & { return std::get<0>(m_data); }
    T &value() & { return std::get<0>(m_data); }
    T &&value() && { return std::get<0>(std::move(m_data)); }
    const T *operator->() const { return &std::get<0>(m_data); }
    const T &operator*() const & { return std::get<0>(m_data); }

    const Error &error() const { return std::get<1>(m_data); }

    T valueOr(T fallback) const { return ok() ? value() : std::move(fallback); }

private:
    std::variant<T, Error> m_data;
};

template <> class [[nodiscard]] Result<void>
{
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)), m_ok(false) {}

    bool ok() const { return m_ok; }
    explicit operator bool() const { return ok(); }
    const Error &error() const { return m_error; }

private:
    Error m_error;
    bool m_ok = true;
};

using Status = Result<void>;

} // namespace agency::core
