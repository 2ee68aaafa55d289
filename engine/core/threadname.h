#pragma once

namespace syncline::engine {

/// Names the calling thread as `top -H`, `ps -L`, perf and debuggers show it. Linux keeps the
/// first 15 bytes; names start with "sl-" so the engine's threads stand out from the libraries'.
void nameThisThread(const char *name);

} // namespace syncline::engine
