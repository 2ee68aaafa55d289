#include "engine/core/threadname.h"

#include <pthread.h>

#include <cstring>

namespace syncline::engine {

void nameThisThread(const char *name)
{
    char shortName[16] = {};
    std::strncpy(shortName, name, sizeof shortName - 1);
    (void) pthread_setname_np(pthread_self(), shortName);
}

} // namespace syncline::engine
