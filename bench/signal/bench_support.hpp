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

// User and system CPU seconds of the process so far: system time (reading files, fresh pages)
// is reported apart, since it varies more from run to run than the computation.
struct CpuTimes {
    double user_s = 0, system_s = 0;
};
inline CpuTimes cpu_times() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
    };
    return {seconds(usage.ru_utime), seconds(usage.ru_stime)};
}

}  // namespace twitchwatch::bench
