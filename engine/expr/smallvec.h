#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

namespace syncline::engine::expr {

/// A vector that keeps its first N elements inline, so the short sequences a path step produces
/// (usually one value) need no heap allocation. Only what the evaluator uses.
template<typename T, std::size_t N>
class SmallVec
{
public:
    SmallVec() = default;
    SmallVec(const SmallVec &) = delete;
    SmallVec &operator=(const SmallVec &) = delete;
    SmallVec(SmallVec &&other) noexcept { moveFrom(other); }
    SmallVec &operator=(SmallVec &&other) noexcept
    {
        if (this != &other) {
            clear();
            release();
            moveFrom(other);
        }
        return *this;
    }
    ~SmallVec()
    {
        clear();
        release();
    }

    T *data() { return m_data; }
    const T *data() const { return m_data; }
    std::size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    T &operator[](std::size_t i) { return m_data[i]; }
    const T &operator[](std::size_t i) const { return m_data[i]; }
    T *begin() { return m_data; }
    T *end() { return m_data + m_size; }
    const T *begin() const { return m_data; }
    const T *end() const { return m_data + m_size; }
    T &back() { return m_data[m_size - 1]; }
    std::span<const T> span() const { return {m_data, m_size}; }

    void reserve(std::size_t n)
    {
        if (n > m_capacity) {
            grow(n);
        }
    }
    void push_back(const T &v)
    {
        if (m_size == m_capacity) {
            grow(m_capacity * 2);
        }
        new (m_data + m_size) T(v);
        ++m_size;
    }
    void push_back(T &&v)
    {
        if (m_size == m_capacity) {
            grow(m_capacity * 2);
        }
        new (m_data + m_size) T(std::move(v));
        ++m_size;
    }
    template<typename... A>
    T &emplace_back(A &&...a)
    {
        if (m_size == m_capacity) {
            grow(m_capacity * 2);
        }
        new (m_data + m_size) T(std::forward<A>(a)...);
        return m_data[m_size++];
    }
    void clear()
    {
        for (std::size_t i = 0; i < m_size; ++i) {
            m_data[i].~T();
        }
        m_size = 0;
    }

private:
    T *inlineData() { return reinterpret_cast<T *>(m_inline); }
    void release()
    {
        if (m_data != inlineData()) {
            ::operator delete(m_data);
        }
        m_data = inlineData();
        m_capacity = N;
    }
    void grow(std::size_t n)
    {
        if (n < 4) {
            n = 4;
        }
        T *fresh = static_cast<T *>(::operator new(n * sizeof(T)));
        for (std::size_t i = 0; i < m_size; ++i) {
            new (fresh + i) T(std::move(m_data[i]));
            m_data[i].~T();
        }
        if (m_data != inlineData()) {
            ::operator delete(m_data);
        }
        m_data = fresh;
        m_capacity = n;
    }
    void moveFrom(SmallVec &other)
    {
        if (other.m_data != other.inlineData()) {
            m_data = other.m_data;
            m_capacity = other.m_capacity;
            m_size = other.m_size;
            other.m_data = other.inlineData();
            other.m_capacity = N;
            other.m_size = 0;
            return;
        }
        m_data = inlineData();
        m_capacity = N;
        m_size = 0;
        for (std::size_t i = 0; i < other.m_size; ++i) {
            new (m_data + i) T(std::move(other.m_data[i]));
        }
        m_size = other.m_size;
        other.clear();
    }

    alignas(T) unsigned char m_inline[sizeof(T) * N];
    T *m_data = reinterpret_cast<T *>(m_inline);
    std::size_t m_size = 0;
    std::size_t m_capacity = N;
};

} // namespace syncline::engine::expr
