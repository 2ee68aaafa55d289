#pragma once

#include <condition_variable>
#include <mutex>

namespace syncline::engine::runtime {

/// Keeps a node's calls in flight within its concurrency. A worker takes what is free — waiting
/// only while nothing is — sends that many, and gives them back once they are answered. It never
/// waits while it holds any, so workers sharing a gate cannot hold each other up.
class CallGate
{
public:
    explicit CallGate(int capacity);

    /// Waits until a call is free, then takes up to `wanted` of them (at least one).
    int take(int wanted);
    void give(int calls);

private:
    std::mutex m_mutex;
    std::condition_variable m_freed;
    int m_free;
};

} // namespace syncline::engine::runtime
