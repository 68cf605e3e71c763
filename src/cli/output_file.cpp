#include "output_file.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <csignal>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "twitchwatch/errors.hpp"

namespace twitchwatch::cli {
namespace fs = std::filesystem;

namespace {

// An interrupted run (Ctrl-C, SIGTERM, a closed terminal) removes its temporary files. The handler
// does only what is safe in a signal handler: it unlinks the paths recorded below and dies of the
// same signal, as it would have without a handler (a shell reports 128 + the signal's number: 130
// for Ctrl-C, 143 for SIGTERM), so a shell or a script sees the interruption. A flag checked by the
// work instead would have to reach every long step, the detector in the library and EDFlib's writes
// among them; unlinking needs nothing from the interrupted code. The paths are C strings owned by
// live OutputFiles, published through lock-free atomics: the handler reads each whole or not at
// all, and neither allocates nor locks.
std::array<std::atomic<const char*>, 8> pending_paths{};
static_assert(std::atomic<const char*>::is_always_lock_free);

extern "C" void remove_pending_files(int signal_number) {
    for (auto& slot : pending_paths) {
        if (const char* path = slot.load()) ::unlink(path);
    }
    // SA_RESETHAND has put back the default action; the signal is blocked until this returns.
    ::raise(signal_number);
}

void remove_pending_files_on_interrupt() {
    static const bool installed = [] {
        for (const int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
            struct sigaction action {};
            ::sigaction(signal_number, nullptr, &action);
            // Ignored (nohup, a background job of a shell without job control): stays ignored.
            if (action.sa_handler == SIG_IGN) continue;
            action = {};
            action.sa_handler = remove_pending_files;
            action.sa_flags = SA_RESETHAND;
            ::sigemptyset(&action.sa_mask);
            ::sigaction(signal_number, &action, nullptr);
        }
        return true;
    }();
    (void)installed;
}

void record_pending(const char* path) {
    for (auto& slot : pending_paths) {
        const char* free = nullptr;
        if (slot.compare_exchange_strong(free, path)) return;
    }
    throw std::logic_error("more output files at once than OutputFile can remove on a signal");
}

void forget_pending(const char* path) {
    for (auto& slot : pending_paths) {
        const char* recorded = path;
        if (slot.compare_exchange_strong(recorded, nullptr)) return;
    }
}

}  // namespace

OutputFile::OutputFile(std::string option, fs::path target)
    : option_(std::move(option)), target_(std::move(target)), writing_(target_) {
    if (target_.empty()) return;
    std::error_code error;
    const auto folder = target_.parent_path();
    if (!folder.empty() && !fs::is_directory(folder, error)) {
        throw InputError(option_ + " " + target_.string() + ": there is no folder " +
                         folder.string());
    }
    const auto status = fs::status(target_, error);
    if (fs::exists(status) && !fs::is_regular_file(status)) return;  // a device or a pipe
    // ".NAME.partial-PID.EXT": hidden, unique to this process, and with the target's extension
    // (the EDF writer looks at it).
    std::string name = target_.stem().string();
    name.insert(0, 1, '.');  // built in place: "." + stem drew a false GCC 12 -Wrestrict at -O3
    name += ".partial-" + std::to_string(::getpid()) + target_.extension().string();
    writing_ = target_.parent_path() / name;
    remove_pending_files_on_interrupt();
    record_pending(writing_.c_str());
    pending_ = true;
}

OutputFile::~OutputFile() {
    if (!pending_) return;
    std::error_code ignored;
    fs::remove(writing_, ignored);
    forget_pending(writing_.c_str());  // after the removal: a signal between them finds nothing
}

void OutputFile::commit() {
    if (!pending_) return;
    std::error_code error;
    fs::rename(writing_, target_, error);
    if (error) {
        throw InputError(option_ + " " + target_.string() + ": cannot be written (" +
                         error.message() + ")");
    }
    forget_pending(writing_.c_str());
    pending_ = false;
}

std::string OutputFile::name_target_in(std::string message) const {
    if (!pending_) return message;
    const std::string temporary = writing_.string(), target = target_.string();
    for (auto at = message.find(temporary); at != std::string::npos;
         at = message.find(temporary, at + target.size())) {
        message.replace(at, temporary.size(), target);
    }
    return message;
}

namespace {

// One spelling per file: the file itself when it exists, else its folder's canonical path and
// its name. Made absolute first: weakly_canonical leaves a relative path whose first part does not
// exist as it was given ("new.edf"), which then differed from "./new.edf", resolved in full.
fs::path identity(const fs::path& path) {
    std::error_code error;
    const auto absolute = fs::absolute(path, error);
    if (error) return path.lexically_normal();
    auto resolved = fs::weakly_canonical(absolute, error);
    return error ? absolute.lexically_normal() : resolved;
}

bool same_file(const fs::path& a, const fs::path& b) {
    std::error_code error;
    if (fs::exists(a, error) && fs::exists(b, error)) {
        const bool same = fs::equivalent(a, b, error);
        if (!error) return same;
    }
    return identity(a) == identity(b);
}

}  // namespace

void refuse_same_files(const std::vector<std::pair<std::string, fs::path>>& files) {
    for (std::size_t i = 0; i < files.size(); ++i) {
        for (std::size_t j = i + 1; j < files.size(); ++j) {
            const auto& [first_name, first] = files[i];
            const auto& [second_name, second] = files[j];
            if (first.empty() || second.empty() || !same_file(first, second)) continue;
            throw InputError(second_name + " " + second.string() + " is the same file as " +
                             first_name + " " + first.string() + ": writing it would destroy it");
        }
    }
}

}  // namespace twitchwatch::cli
