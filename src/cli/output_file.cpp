#include "output_file.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
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

// The standard stream (stdout or stderr) that `path` names, by any name (/dev/stdout,
// /proc/self/fd/1, the file or terminal it was redirected to), or -1.
int standard_stream_named(const fs::path& path) {
    struct stat named {};
    if (::stat(path.c_str(), &named) != 0) return -1;
    for (const int stream : {STDOUT_FILENO, STDERR_FILENO}) {
        struct stat open {};
        if (::fstat(stream, &open) == 0 && open.st_dev == named.st_dev &&
            open.st_ino == named.st_ino) {
            return stream;
        }
    }
    return -1;
}

struct FollowedLinks {
    fs::path file;       // the name the last link points at (it may not exist yet)
    bool magic = false;  // a link of /proc on the way: not a name that can be renamed onto
};

// Follows `path` while it is a symbolic link. A link in /proc (/proc/self/fd/N, which /dev/stdout
// points at) is no name of a file but a handle on an open one: its text ("/tmp/report.txt",
// "pipe:[123]") cannot be trusted as a place to rename onto.
FollowedLinks follow_links(const fs::path& path, const std::string& named) {
    constexpr int kMaxLinks = 40;  // Linux's own limit (ELOOP)
    FollowedLinks followed{path};
    for (int hops = 0;; ++hops) {
        std::error_code error;
        if (!fs::is_symlink(fs::symlink_status(followed.file, error))) return followed;
        if (hops == kMaxLinks) throw InputError(named + ": too many levels of symbolic links");
        const fs::path folder =
            followed.file.has_parent_path() ? followed.file.parent_path() : fs::path(".");
        struct statfs where {};
        if (::statfs(folder.c_str(), &where) == 0 && where.f_type == PROC_SUPER_MAGIC) {
            followed.magic = true;
            return followed;
        }
        const auto points_at = fs::read_symlink(followed.file, error);
        if (error) throw InputError(named + ": cannot read the link (" + error.message() + ")");
        followed.file = points_at.is_absolute() ? points_at : folder / points_at;
    }
}

// ".NAME.partial-PID.EXT" in `folder`: hidden, unique to this process, and with the target's
// extension (the EDF writer looks at it).
fs::path partial_name(const fs::path& folder, const fs::path& target) {
    std::string name = target.stem().string();
    name.insert(0, 1, '.');  // built in place: "." + stem drew a false GCC 12 -Wrestrict at -O3
    name += ".partial-" + std::to_string(::getpid()) + target.extension().string();
    return folder / name;
}

}  // namespace

OutputFile::OutputFile(std::string option, fs::path target)
    : option_(std::move(option)), target_(std::move(target)), writing_(target_) {
    if (target_.empty()) return;
    const std::string named = option_ + " " + target_.string();
    std::error_code error;
    const auto folder = target_.parent_path();
    if (!folder.empty() && !fs::is_directory(folder, error)) {
        throw InputError(named + ": there is no folder " + folder.string());
    }
    // Where the data go (docs/detect-output.md, "Where an output goes"):
    // - the command's own stdout or stderr, by any name: copied into that stream by commit().
    //   Opened again by name, a redirected `> report.txt` was truncated and then overwritten at
    //   the stream's own position; renamed onto, /dev/stdout itself was replaced by a file.
    // - a device, a pipe, or a link of /proc: written in place, through the name.
    // - a regular file, or a name that does not exist yet, through any symbolic links: written
    //   beside the file the links lead to and renamed onto it, so the links stay links and the
    //   file is whole or untouched. Written through instead, a failed run would leave it
    //   half-written.
    stream_ = standard_stream_named(target_);
    fs::path partial;
    if (stream_ >= 0) {
        partial = partial_name(fs::temp_directory_path(error), target_);
        if (error)
            throw InputError(named + ": no folder for temporary files (" + error.message() + ")");
    } else {
        const auto followed = follow_links(target_, named);
        if (followed.magic) return;
        const auto status = fs::status(followed.file, error);
        if (fs::exists(status) && !fs::is_regular_file(status)) return;  // a device or a pipe
        const auto resolved_folder = followed.file.parent_path();
        if (!resolved_folder.empty() && !fs::is_directory(resolved_folder, error)) {
            throw InputError(named + ": it links to " + followed.file.string() +
                             ", in a folder that does not exist");
        }
        renamed_onto_ = followed.file;
        partial = partial_name(resolved_folder, target_);
    }
    writing_ = partial;
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
    if (stream_ >= 0) {
        copy_into_stream();
        fs::remove(writing_, error);
    } else {
        fs::rename(writing_, renamed_onto_, error);
        if (error) {
            throw InputError(option_ + " " + target_.string() + ": cannot be written (" +
                             error.message() + ")");
        }
    }
    forget_pending(writing_.c_str());
    pending_ = false;
}

void OutputFile::copy_into_stream() const {
    // What the command printed before goes first, in the order it was printed.
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    const auto fail = [&](int error_number) {
        throw InputError(option_ + " " + target_.string() + ": cannot be written (" +
                         std::generic_category().message(error_number) + ")");
    };
    const int in = ::open(writing_.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) fail(errno);
    std::array<char, 1 << 16> buffer{};
    while (true) {
        const ssize_t got = ::read(in, buffer.data(), buffer.size());
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            const int error_number = got < 0 ? errno : 0;
            ::close(in);
            if (error_number != 0) fail(error_number);
            return;
        }
        for (ssize_t done = 0; done < got;) {
            const ssize_t wrote =
                ::write(stream_, buffer.data() + done, static_cast<std::size_t>(got - done));
            if (wrote < 0 && errno == EINTR) continue;
            if (wrote < 0) {
                const int error_number = errno;
                ::close(in);
                fail(error_number);
            }
            done += wrote;
        }
    }
}

void OutputFile::write(std::string_view content) const {
    const std::string named = option_ + " " + target_.string();
    std::ofstream out(writing_, std::ios::binary);
    if (!out) throw InputError(named + ": cannot be written");
    out << content;
    out.close();
    if (!out) throw InputError(named + ": writing it failed");
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
