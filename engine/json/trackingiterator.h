#pragma once

#include <cstddef>
#include <iterator>

namespace syncline::engine::json {

/// A byte iterator that publishes how far nlohmann's lexer has read, so a SAX handler can place
/// each event in the input (nlohmann reports positions only with errors). `furthest` must
/// outlive the iterators; it holds the furthest byte any copy has reached.
class TrackingIterator
{
public:
    using iterator_category = std::input_iterator_tag;
    using value_type = char;
    using difference_type = std::ptrdiff_t;
    using pointer = const char *;
    using reference = const char &;

    TrackingIterator(const char *at, const char **furthest)
        : m_at(at)
        , m_furthest(furthest)
    {}
    reference operator*() const { return *m_at; }
    TrackingIterator &operator++()
    {
        ++m_at;
        if (m_at > *m_furthest) {
            *m_furthest = m_at;
        }
        return *this;
    }
    TrackingIterator operator++(int)
    {
        TrackingIterator before = *this;
        ++*this;
        return before;
    }
    bool operator==(const TrackingIterator &other) const { return m_at == other.m_at; }
    bool operator!=(const TrackingIterator &other) const { return m_at != other.m_at; }

private:
    const char *m_at;
    const char **m_furthest;
};

} // namespace syncline::engine::json
