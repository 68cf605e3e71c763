#include "output_file.hpp"

#include <unistd.h>

#include <system_error>
#include <utility>

#include "twitchwatch/errors.hpp"

namespace twitchwatch::cli {
namespace fs = std::filesystem;

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
    pending_ = true;
}

OutputFile::~OutputFile() {
    if (!pending_) return;
    std::error_code ignored;
    fs::remove(writing_, ignored);
}

void OutputFile::commit() {
    if (!pending_) return;
    std::error_code error;
    fs::rename(writing_, target_, error);
    if (error) {
        throw InputError(option_ + " " + target_.string() + ": cannot be written (" +
                         error.message() + ")");
    }
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
