#include "engine/runtime/callgate.h"

#include <algorithm>

namespace syncline::engine::runtime {

CallGate::CallGate(int capacity)
    : m_free(std::max(capacity, 1))
{}

int CallGate::take(int wanted)
{
    std::unique_lock lock(m_mutex);
    m_freed.wait(lock, [this] { return m_free > 0; });
    const int taken = std::clamp(wanted, 1, m_free);
    m_free -= taken;
    return taken;
}

void CallGate::give(int calls)
{
    {
        std::lock_guard lock(m_mutex);
        m_free += calls;
    }
    m_freed.notify_all();
}

} // namespace syncline::engine::runtime
