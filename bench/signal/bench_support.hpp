#pragma once
// What every signal benchmark reports besides time.

#include <sys/resource.h>

namespace twitchwatch::bench {

// The process's peak resident memory so far, in MiB (Linux reports ru_maxrss in KiB).
inline double peak_rss_mib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace twitchwatch::bench
