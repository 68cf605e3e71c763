#pragma once
// Files a command writes. Each is written under a hidden temporary name beside its target and
// renamed into place by commit() once the whole command has succeeded, or removed: a failed
// command leaves no half-written file, and no earlier output replaces a file while a later one
// may still fail. A command ended by SIGINT, SIGTERM or SIGHUP removes its temporary files and
// dies of the signal (output_file.cpp says how). A target that names the command's own stdout or
// stderr is copied into that stream by commit(); another device, a pipe or a link of /proc is
// written in place; a symbolic link to a file is followed, and the file it leads to replaced.

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace twitchwatch::cli {

class OutputFile {
  public:
    // `option` names the file in messages ("--events-csv"); an empty `target` means none.
    // Throws InputError when the target's folder does not exist.
    OutputFile(std::string option, std::filesystem::path target);
    ~OutputFile();
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    bool wanted() const { return !target_.empty(); }
    const std::filesystem::path& target() const { return target_; }
    // Where to write now.
    const std::filesystem::path& writing_path() const { return writing_; }
    // Writes `content` as the whole file at writing_path(); throws InputError naming the option
    // and the target when it cannot (a full disk shows only when the file is closed).
    void write(std::string_view content) const;
    // Moves the written file into place; throws InputError naming the option when it cannot.
    void commit();
    // `message` with the temporary name replaced by the target's: errors of the writers name
    // the file they were given, which the user never asked for.
    std::string name_target_in(std::string message) const;

  private:
    void copy_into_stream() const;

    std::string option_;
    std::filesystem::path target_, writing_;
    std::filesystem::path renamed_onto_;  // the file the target's links lead to
    int stream_ = -1;                     // STDOUT_FILENO or STDERR_FILENO when the target is one
    bool pending_ = false;                // a temporary file to rename or remove
};

// Throws InputError when two of the named files are the same file by any name (a path, another
// spelling of it, a link to it): writing one would destroy the other. Empty paths are skipped.
void refuse_same_files(const std::vector<std::pair<std::string, std::filesystem::path>>& files);

}  // namespace twitchwatch::cli
