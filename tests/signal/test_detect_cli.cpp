// The simulate, detect and course commands as a user runs them: files written, JSON schema of
// docs/detect-output.md, exit codes. Skipped when the twitchwatch executable is not built.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path kExe = fs::path(TW_BINARY_DIR) / "src" / "cli" / "twitchwatch";

struct Result {
    int code;
    std::string out;
};

// Runs twitchwatch with its standard output, or with `redirect` what it captures.
Result run(const std::string& arguments, const std::string& redirect = "2>/dev/null") {
    const std::string command = kExe.string() + " " + arguments + " " + redirect;
    Result result{0, {}};
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return {-1, {}};
    char buffer[4096];
    while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) {
        result.out.append(buffer, n);
    }
    const int status = ::pclose(pipe);
    result.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

// What a run says on its standard error.
std::string error_of(const std::string& arguments) { return run(arguments, "2>&1 >/dev/null").out; }

// Starts twitchwatch with `arguments` without waiting for it, its output thrown away; its id, or
// -1 when it cannot be started.
pid_t start(std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), kExe.string());
    std::vector<char*> argv;
    for (auto& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    const int error = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    return error == 0 ? pid : -1;
}

// Waits up to a minute for `path` to hold data; false if it does not.
bool wait_for_data(const fs::path& path) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    while (std::chrono::steady_clock::now() < give_up) {
        std::error_code error;
        if (fs::file_size(path, error) > 0 && !error) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}

// Signals `pid` and returns the signal it died of (0 when it exited instead).
int signal_and_reap(pid_t pid, int signal_number) {
    ::kill(pid, signal_number);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

class SignalCli : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!fs::exists(kExe)) GTEST_SKIP() << kExe << " not built";
        dir_ = fs::temp_directory_path() / ("tw_cli_" + std::to_string(::getpid()));
        fs::create_directories(dir_);
    }
    void TearDown() override {
        if (!dir_.empty()) fs::remove_all(dir_);
    }
    fs::path dir_;
};

}  // namespace

TEST_F(SignalCli, SimulateDetectAndCourse) {
    const auto edf = dir_ / "sim.edf";
    ASSERT_EQ(run("simulate " + edf.string() +
                  " --duration 40 --channels 3 --rate 60 --snr 8 --mains 50 --seed 5")
                  .code,
              0);
    ASSERT_TRUE(fs::exists(edf));
    std::ifstream truth_file(edf.string() + ".truth.csv");
    std::string header;
    std::getline(truth_file, header);
    EXPECT_EQ(header, "kind,onset_s,peak_s,end_s,channel,label,peak,unit,second_of_doublet");
    std::size_t twitches = 0;
    for (std::string line; std::getline(truth_file, line);)
        twitches += line.rfind("twitch,", 0) == 0;
    ASSERT_GT(twitches, 20u);

    const auto csv = dir_ / "events.csv";
    const auto annotated = dir_ / "annotated.edf";
    const auto r = run("detect " + edf.string() + " --json --events-csv " + csv.string() +
                       " --annotate " + annotated.string());
    ASSERT_EQ(r.code, 0);
    const auto report = nlohmann::json::parse(r.out);
    for (const char* key :
         {"file", "duration_s", "analysed_s", "excluded_s", "rate_per_min", "channels", "events"}) {
        EXPECT_TRUE(report.contains(key)) << key;
    }
    EXPECT_NEAR(report["duration_s"].get<double>(), 40, 1e-9);
    ASSERT_EQ(report["channels"].size(), 3u);
    EXPECT_EQ(report["channels"][0]["label"], "EMG1");
    EXPECT_EQ(report["channels"][0]["kind"], "emg");
    EXPECT_EQ(report["channels"][0]["sample_rate_hz"], 2048.0);
    // Every twitch found once, give or take a few.
    EXPECT_NEAR(static_cast<double>(report["events"].size()), static_cast<double>(twitches),
                0.1 * static_cast<double>(twitches) + 2);
    EXPECT_NEAR(report["mains_notches_hz"][0].get<double>(), 50.0, 0.05);
    EXPECT_TRUE(fs::exists(annotated));
    std::ifstream events_csv(csv);
    std::getline(events_csv, header);
    EXPECT_EQ(header, "onset_s,duration_s,channel,peak,unit,snr,channels_seen");

    // Only one channel, by label.
    const auto one =
        nlohmann::json::parse(run("detect " + edf.string() + " --json --channels EMG2").out);
    ASSERT_EQ(one["channels"].size(), 1u);
    EXPECT_EQ(one["channels"][0]["label"], "EMG2");

    // The human summary names what a person wants to know.
    const auto text = run("detect " + edf.string()).out;
    EXPECT_NE(text.find("analysed"), std::string::npos);
    EXPECT_NE(text.find("per minute"), std::string::npos);

    // The course from detect results at given times, and from plain points.
    const auto json_path = dir_ / "day1.json";
    const auto json_path2 = dir_ / "day2.json";
    std::ofstream(json_path) << r.out;
    std::ofstream(json_path2) << r.out;
    auto course = run("course --json " + json_path.string() + "@2h " + json_path2.string() +
                      "@30h --point 60:1");
    ASSERT_EQ(course.code, 0) << course.out;
    const auto fit = nlohmann::json::parse(course.out);
    EXPECT_EQ(fit["points"].size(), 3u);
    EXPECT_TRUE(fit.contains("verdict"));
    course = run("course --point 2:40 --point 24:20 --point 48:10 --point 72:5 --baseline 0");
    EXPECT_EQ(course.code, 0);
    EXPECT_NE(course.out.find("half-life"), std::string::npos) << course.out;
}

TEST_F(SignalCli, BadInputExitsTwo) {
    EXPECT_EQ(run("detect " + (dir_ / "missing.edf").string()).code, 2);
    const auto junk = dir_ / "junk.edf";
    std::ofstream(junk) << "this is not an EDF file";
    EXPECT_EQ(run("detect " + junk.string()).code, 2);
    EXPECT_EQ(run("detect " + junk.string() + " --set no_such_option=1").code, 2);
    EXPECT_EQ(run("simulate " + (dir_ / "x.edf").string() + " --mains 55").code, 2);
    EXPECT_EQ(run("course --point nonsense").code, 2);
    EXPECT_EQ(run("course").code, 2);
}

TEST_F(SignalCli, NoOutputDestroysAnInputOrIsLeftHalfWritten) {
    const auto edf = dir_ / "sim.edf";
    ASSERT_EQ(run("simulate " + edf.string() + " --duration 10 --channels 2 --seed 3").code, 0);
    const auto size = fs::file_size(edf);
    const auto file_count = [&] {
        return std::distance(fs::directory_iterator(dir_), fs::directory_iterator{});
    };
    const auto before = file_count();
    // An output that is the input, by the same name, another spelling or a link: refused.
    fs::create_symlink(edf, dir_ / "link.edf");
    const std::string in = " " + edf.string();
    EXPECT_EQ(run("detect" + in + " --annotate" + in).code, 2);
    EXPECT_EQ(run("detect" + in + " --events-csv " + (dir_ / "." / "sim.edf").string()).code, 2);
    EXPECT_EQ(run("detect " + (dir_ / "link.edf").string() + " --annotate" + in).code, 2);
    EXPECT_EQ(run("detect" + in + " --events-csv " + (dir_ / "same").string() + " --annotate " +
                  (dir_ / "same").string())
                  .code,
              2);
    EXPECT_EQ(
        run("simulate " + (dir_ / "t.edf").string() + " --truth " + (dir_ / "t.edf").string()).code,
        2);
    EXPECT_EQ(fs::file_size(edf), size);
    // A later output that fails leaves no earlier one behind, and a full disk is an error.
    EXPECT_EQ(run("detect" + in + " --events-csv " + (dir_ / "ok.csv").string() +
                  " --annotate /nonexistent/a.edf")
                  .code,
              2);
    EXPECT_EQ(run("detect" + in + " --events-csv /dev/full").code, 2);
    EXPECT_EQ(run("simulate " + (dir_ / "y.edf").string() + " --truth /nonexistent/t.csv").code, 2);
    EXPECT_EQ(run("simulate " + (dir_ / "z.edf").string() + " --truth /dev/full").code, 2);
    EXPECT_EQ(file_count(), before + 1);  // the link; no output and no temporary file
}

TEST_F(SignalCli, ANewOutputNamedTwiceByAnySpellingIsRefusedBeforeAnythingIsWritten) {
    const auto edf = dir_ / "sim.edf";
    ASSERT_EQ(run("simulate " + edf.string() + " --duration 10 --channels 2 --seed 3").code, 0);
    const auto before = std::distance(fs::directory_iterator(dir_), fs::directory_iterator{});
    // Relative names from the folder itself: "new.edf" was not resolved as "./new.edf" was, so
    // both outputs were written to one temporary file, and a new.edf was left behind.
    const auto here = fs::current_path();
    fs::current_path(dir_);
    EXPECT_EQ(run("detect sim.edf --annotate new.edf --events-csv ./new.edf").code, 2);
    EXPECT_EQ(run("detect sim.edf --annotate ./new.edf --events-csv new.edf").code, 2);
    EXPECT_EQ(run("simulate n9.edf --truth ./n9.edf").code, 2);
    EXPECT_NE(error_of("simulate n9.edf --truth ./n9.edf").find("is the same file as"),
              std::string::npos);
    fs::current_path(here);
    EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator{}), before);
}

TEST_F(SignalCli, AnInterruptedRunRemovesItsPartialFilesAndDiesOfTheSignal) {
    // Ctrl-C during a long simulate left an 82 MB hidden .intr.partial-PID.edf behind. Ten hours
    // of one channel take far longer to write than the test waits.
    for (const int signal_number : {SIGINT, SIGTERM}) {
        const pid_t pid = start(
            {"simulate", (dir_ / "intr.edf").string(), "--duration", "36000", "--channels", "1"});
        ASSERT_GT(pid, 0);
        const auto partial = dir_ / (".intr.partial-" + std::to_string(pid) + ".edf");
        EXPECT_TRUE(wait_for_data(partial)) << partial;
        EXPECT_EQ(signal_and_reap(pid, signal_number), signal_number);
        EXPECT_TRUE(fs::is_empty(dir_)) << fs::directory_iterator(dir_)->path();
    }
    // detect writes its outputs after the detection: signalled while it copies the recording.
    const auto edf = dir_ / "long.edf";
    ASSERT_EQ(run("simulate " + edf.string() + " --duration 1200 --channels 4 --seed 2").code, 0);
    const pid_t pid = start({"detect", edf.string(), "--events-csv", (dir_ / "e.csv").string(),
                             "--annotate", (dir_ / "a.edf").string()});
    ASSERT_GT(pid, 0);
    EXPECT_TRUE(wait_for_data(dir_ / (".a.partial-" + std::to_string(pid) + ".edf")));
    EXPECT_EQ(signal_and_reap(pid, SIGINT), SIGINT);
    EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator{}), 2)
        << "only the recording and its truth";
}

TEST_F(SignalCli, AChannelChoiceThatIsNotClearExitsTwo) {
    const auto edf = dir_ / "sim.edf";
    ASSERT_EQ(run("simulate " + edf.string() + " --duration 10 --channels 2 --seed 3").code, 0);
    const std::string in = "detect " + edf.string();
    EXPECT_EQ(run(in + " --channels EMG1 --json").code, 0);
    EXPECT_EQ(run(in + " --channels EMG1,EMG1").code, 2);  // was: EMG1 twice, once with nothing
    EXPECT_EQ(run(in + " --channels ''").code, 2);         // was: ignored, every channel
    EXPECT_EQ(run(in + " --channels EMG1,").code, 2);
    // Two channels with one label: the label does not say which.
    const auto csv = dir_ / "twins.csv";
    {
        std::ofstream out(csv);
        out << "time_s,EMG,EMG\n";
        for (int i = 0; i < 5000; ++i)
            out << i / 1000.0 << ',' << (i % 7) << ',' << (i % 5) << '\n';
    }
    EXPECT_EQ(run("detect " + csv.string() + " --channels EMG").code, 2);
}

TEST_F(SignalCli, AChannelSampledTooSlowlyForItsBandIsSkippedWithAWarning) {
    // 10 Hz cannot hold a band from 20 Hz: before, the channel was analysed without its
    // high-pass and came out "flat" or empty; now it is skipped and the reason said.
    const auto csv = dir_ / "slow.csv";
    {
        std::ofstream out(csv);
        out << "time_s,EMG1\n";
        for (int i = 0; i < 3000; ++i) out << i / 10.0 << ',' << (i % 7) - 3 << '\n';
    }
    const auto r = run("detect " + csv.string() + " --json");
    ASSERT_EQ(r.code, 0);
    const auto report = nlohmann::json::parse(r.out);
    EXPECT_EQ(report["channels"][0]["skipped"], "sample rate too low");
    ASSERT_EQ(report["warnings"].size(), 2u);
    EXPECT_EQ(report["warnings"][1], "nothing analysed: every channel was skipped");
    EXPECT_NE(report["warnings"][0].get<std::string>().find("below the 500 Hz the detector needs"),
              std::string::npos);
    // Without the minimum rate, the band itself must still span an octave.
    const auto anyway = run("detect " + csv.string() + " --json --set min_sample_rate_hz=0");
    ASSERT_EQ(anyway.code, 0);
    EXPECT_NE(nlohmann::json::parse(anyway.out)["warnings"][0].get<std::string>().find(
                  "at least 89 Hz needed"),
              std::string::npos);
}

TEST_F(SignalCli, AFewRowsAreNotSaturatedAndNothingAnalysedIsSaid) {
    // Three rows of a CSV were called "saturated" (its range is its own data's, so two of the
    // three samples sat at the ends), and a recording wholly excluded reported 0 twitches per
    // minute without saying that nothing had been looked at.
    const auto csv = dir_ / "three.csv";
    {
        std::ofstream out(csv);
        out << "time_s,EMG1\n0,1\n0.001,2\n0.002,3\n";
    }
    const auto r = run("detect " + csv.string() + " --json");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto report = nlohmann::json::parse(r.out);
    EXPECT_FALSE(report["channels"][0].contains("skipped")) << r.out;
    EXPECT_EQ(report["analysed_s"], 0.0);
    ASSERT_EQ(report["warnings"].size(), 1u) << r.out;
    EXPECT_EQ(report["warnings"][0],
              "nothing analysed: the whole recording (0.003 s) is excluded (settling)");
}

TEST_F(SignalCli, ChannelsOutsideTheDetectorsRatesAreSkippedAndSaid) {
    // White noise at 60 Hz: squeezed into 20-27 Hz it rang and gave about 80 "twitches" a
    // minute. At 1 MHz the detector's buffers took gigabytes. Both are skipped with a reason.
    const auto write_noise = [&](const std::string& name, double rate, int rows) {
        const auto csv = dir_ / name;
        std::ofstream out(csv);
        out << "time_s,EMG1\n";
        std::uint32_t state = 7;
        for (int i = 0; i < rows; ++i) {
            state = state * 1664525u + 1013904223u;
            out << i / rate << ',' << static_cast<int>(state >> 24) - 128 << '\n';
        }
        return csv;
    };
    // 300 Hz passes the octave rule yet gave 4 false twitches a minute in noise.
    for (const double rate : {60.0, 300.0}) {
        const auto slow =
            run("detect " + write_noise("slow.csv", rate, static_cast<int>(rate) * 60).string() +
                " --json");
        ASSERT_EQ(slow.code, 0);
        const auto slow_report = nlohmann::json::parse(slow.out);
        EXPECT_EQ(slow_report["channels"][0]["skipped"], "sample rate too low") << rate;
        EXPECT_TRUE(slow_report["events"].empty()) << rate;
    }
    const auto fast = run("detect " + write_noise("fast.csv", 1e6, 20000).string() + " --json");
    ASSERT_EQ(fast.code, 0);
    const auto fast_report = nlohmann::json::parse(fast.out);
    EXPECT_EQ(fast_report["channels"][0]["skipped"], "sample rate too high");
    EXPECT_NE(fast_report["warnings"][0].get<std::string>().find("above the detector's 100000 Hz"),
              std::string::npos)
        << fast.out;
}

TEST_F(SignalCli, AccelerometerOptionsAreCheckedWithoutAnAccelerometer) {
    // --set-acc threshold=-1 was accepted when the file had no accelerometer channel.
    const auto edf = dir_ / "emg.edf";
    ASSERT_EQ(run("simulate " + edf.string() + " --duration 5 --channels 2").code, 0);
    EXPECT_EQ(run("detect " + edf.string() + " --set-acc threshold=-1").code, 2);
    EXPECT_EQ(run("detect " + edf.string() + " --set exclusion_padding_s=1e9").code, 2);
}

TEST_F(SignalCli, OutputsAreWholeAndNamedAsAsked) {
    const auto edf = dir_ / "labels.edf";
    ASSERT_EQ(run("simulate " + edf.string() + " --duration 20 --channels 2 --seed 4").code, 0);
    {
        // The first label becomes `EMG,1 "x"`: a comma and quotes, as EDF allows.
        std::fstream file(edf, std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(256);
        file << "EMG,1 \"x\"       ";
    }
    const auto events = dir_ / "events.csv";
    ASSERT_EQ(run("detect " + edf.string() + " --events-csv " + events.string()).code, 0);
    std::ifstream csv(events);
    std::string line;
    std::getline(csv, line);
    EXPECT_EQ(line, "onset_s,duration_s,channel,peak,unit,snr,channels_seen");
    std::size_t quoted = 0;
    while (std::getline(csv, line)) {
        // Written unquoted, this row split into nine fields under a seven-field header.
        if (line.find(",\"EMG,1 \"\"x\"\"\",") != std::string::npos) ++quoted;
        EXPECT_TRUE(line.find("EMG,1") == std::string::npos ||
                    line.find("\"EMG,1 \"\"x\"\"\"") != std::string::npos)
            << line;
    }
    EXPECT_GT(quoted, 0u);
    // An empty output name is a mistake, not "no file".
    EXPECT_EQ(run("detect " + edf.string() + " --events-csv ''").code, 2);
    EXPECT_EQ(run("detect " + edf.string() + " --annotate ''").code, 2);
    // A file name that is not UTF-8: the JSON says U+FFFD for its odd byte (the dump used to
    // throw, exit 1, after the outputs had been put in place).
    const auto odd = dir_ /
                     "a\xff"
                     "b.edf";
    fs::copy_file(edf, odd);
    const auto odd_events = dir_ / "odd.csv";
    const auto r = run("detect '" + odd.string() + "' --json --events-csv " + odd_events.string());
    ASSERT_EQ(r.code, 0);
    EXPECT_NE(nlohmann::json::parse(r.out)["file"].get<std::string>().find("a\xef\xbf\xbd"
                                                                           "b"),
              std::string::npos);
    EXPECT_TRUE(fs::exists(odd_events));
}

TEST_F(SignalCli, SimulateRefusesWhatAFileCannotHoldOrASeedCannotBe) {
    const auto edf = (dir_ / "s.edf").string();
    EXPECT_EQ(run("simulate " + edf + " --noise-uv 1e7").code, 2);  // wrote a corrupt header
    EXPECT_EQ(run("simulate " + edf + " --snr 1e30").code, 2);
    EXPECT_EQ(run("simulate " + edf + " --duration 0.5").code, 2);  // padded with zeros
    EXPECT_EQ(run("simulate " + edf + " --seed -1").code, 2);       // read as 2^64 - 1
    EXPECT_EQ(run("simulate " + edf + " --seed 18446744073709551616").code, 2);
    EXPECT_EQ(run("simulate " + edf + " --truth ''").code, 2);
    EXPECT_EQ(run("simulate " + edf + " --twitch-channels 1,1").code, 2);  // one channel twice
    EXPECT_FALSE(fs::exists(edf));
}

namespace {

// A `detect --json` result of the fields `course` reads.
void write_result(const fs::path& path, double rate_per_min, double analysed_s,
                  const std::string& start = "2026-11-21T09:00:00") {
    std::ofstream(path) << nlohmann::json{
        {"rate_per_min", rate_per_min},
        {"analysed_s", analysed_s},
        {"duration_s", 600},
        {"start", start}}.dump();
}

}  // namespace

TEST_F(SignalCli, CourseLeavesOutARecordingWithNothingAnalysed) {
    // It became a rate of 0 per minute, and the verdict said "back at baseline".
    const auto d1 = (dir_ / "d1.json").string(), d2 = (dir_ / "d2.json").string(),
               none = (dir_ / "none.json").string();
    write_result(d1, 40, 600);
    write_result(d2, 20, 600);
    write_result(none, 0, 0);
    const std::string args =
        "course --massage 2026-11-20T18:00 " + d1 + "@15h " + d2 + "@39h " + none + "@63h";
    const auto r = run(args + " --json");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto fit = nlohmann::json::parse(r.out);
    EXPECT_EQ(fit["points"].size(), 2u);
    EXPECT_FALSE(fit["fitted"].get<bool>());
    ASSERT_EQ(fit["warnings"].size(), 1u);
    EXPECT_EQ(fit["warnings"][0], none +
                                      "@63h: left out, nothing of it was analysed (analysed_s "
                                      "is 0), so it has no rate");
    EXPECT_NE(error_of(args).find("warning: " + none + "@63h: left out"), std::string::npos);
    EXPECT_EQ(run(args).out.find("back"), std::string::npos);
    // A rate with nothing analysed behind it is a contradiction, not a point.
    write_result(none, 56, 0);
    EXPECT_EQ(run(args).code, 2);
}

TEST_F(SignalCli, CourseRefusesTheSameRecordingTwice) {
    // It counted as two points and turned "no clear decline" into a confident half-life.
    const auto a = dir_ / "a.json";
    write_result(a, 40, 600);
    fs::create_symlink(a, dir_ / "link.json");
    const std::string tail = " --point 60:5 --point 80:4";
    EXPECT_EQ(
        run("course " + a.string() + "@2h " + (dir_ / "b.json").string() + "@30h" + tail).code,
        2);  // b.json does not exist: the usual error
    const auto message = error_of("course " + a.string() + "@2h " + a.string() + "@30h" + tail);
    EXPECT_NE(message.find(a.string() + " is given twice"), std::string::npos) << message;
    EXPECT_EQ(
        run("course " + a.string() + "@2h " + (dir_ / "." / "a.json").string() + "@30h" + tail)
            .code,
        2);
    EXPECT_EQ(
        run("course " + a.string() + "@2h " + (dir_ / "link.json").string() + "@30h" + tail).code,
        2);
    // --point duplicates are the user's numbers.
    EXPECT_EQ(run("course --point 2:40 --point 2:40 --point 26:20 --point 50:10").code, 0);
}

TEST_F(SignalCli, CourseTimesAreReadStrictlyAndStartAtTheMassage) {
    const auto a = (dir_ / "a.json").string();
    write_result(a, 40, 600);
    const std::string rest = " --point 30:10 --point 60:5";
    const auto course = [&](const std::string& massage, const std::string& input) {
        return run("course --massage " + massage + " " + input + rest);
    };
    EXPECT_EQ(course("2026-11-20T18:00", a + "@2026-11-21T09:00").code, 0);
    EXPECT_EQ(course("2026-11-20T18:00", a).code, 0);  // its start, 2026-11-21T09:00:00
    for (const std::string when :
         {"@2026-11-31T09:00", "@2026-02-30T09:00", "@2026-11-21T09:00junk",
          "@2026-11-21T09:00+02:00", "@", "@-5h", "@2026-11-19T09:00", "@1e308h", "@9000h"}) {
        EXPECT_EQ(course("2026-11-20T18:00", a + when).code, 2) << when;
    }
    EXPECT_EQ(course("2026-11-20T18:00x", a).code, 2);
    EXPECT_EQ(run("course --point -10:50" + rest).code, 2);
    // Each message names what was wrong.
    EXPECT_NE(error_of("course --point -10:50" + rest).find("--point -10:50: its time, -10 h"),
              std::string::npos);
    EXPECT_NE(error_of("course --massage 2026-11-20T18:00 " + a + "@" + rest)
                  .find(a + "@: no time after the '@'"),
              std::string::npos);
    EXPECT_NE(error_of("course --massage 2026-11-20T18:00x " + a + rest).find("--massage: "),
              std::string::npos);
    EXPECT_NE(error_of("course --massage 2026-11-20T18:00 " + a + "@2026-11-19T09:00" + rest)
                  .find(a + "@2026-11-19T09:00: its time, -33 h since the massage, is before it"),
              std::string::npos);
    write_result(a, 40, 600, "garbage");
    EXPECT_NE(error_of("course --massage 2026-11-20T18:00 " + a + rest)
                  .find(a + ": its start: 'garbage' is not a date-time"),
              std::string::npos);
}

TEST_F(SignalCli, CourseRefusesAStartThatIsMissingOrUnknown) {
    // EDF+'s 01.01.85, which `simulate` writes, gave -367170 hours.
    const auto edf = (dir_ / "sim.edf").string();
    ASSERT_EQ(run("simulate " + edf + " --duration 10 --channels 1 --seed 3").code, 0);
    const std::string rest = " --point 30:10 --point 60:5";
    const auto message = error_of("course --massage 2026-11-20T18:00 " + edf + rest);
    EXPECT_NE(message.find(edf +
                           ": the file's start date is 1985-01-01, EDF+'s date for an "
                           "unknown one; give it as " +
                           edf + "@2026-11-21T09:00 or " + edf + "@26h"),
              std::string::npos)
        << message;
    EXPECT_EQ(run("course --massage 2026-11-20T18:00 " + edf + "@2h" + rest).code, 0);
    const auto a = (dir_ / "a.json").string();
    write_result(a, 40, 600, "");
    EXPECT_NE(error_of("course --massage 2026-11-20T18:00 " + a + rest).find("no start time"),
              std::string::npos);
}

TEST_F(SignalCli, CourseRefusesAbsurdMagnitudes) {
    const auto a = (dir_ / "a.json").string();
    const std::string rest = " --point 30:10 --point 60:5";
    write_result(a, 1e308, 600);
    EXPECT_NE(error_of("course " + a + "@2h" + rest).find(a + "@2h: its rate, 1e+308"),
              std::string::npos);
    write_result(a, 40, 1e308);
    EXPECT_NE(error_of("course " + a + "@2h" + rest).find(a + ": analysed_s (1e+308) is more"),
              std::string::npos);
    EXPECT_EQ(run("course --point 2:1e7" + rest).code, 2);
    // Points 1e-10 h apart are one time: not fitted, rather than "fitted" with NaN.
    const auto r = run("course --json --point 1:30 --point 1.0000000001:20 --point 50:5");
    ASSERT_EQ(r.code, 0);
    EXPECT_FALSE(nlohmann::json::parse(r.out)["fitted"].get<bool>());
}

TEST_F(SignalCli, CourseTakesAFileWhoseNameHasAnAt) {
    // It was cut at the '@' ("we: cannot open the file").
    const auto weird = (dir_ / "we@ird.json").string();
    write_result(weird, 40, 600);
    EXPECT_EQ(
        run("course --massage 2026-11-20T18:00 " + weird + " --point 30:10 --point 60:5").code, 0);
    EXPECT_EQ(run("course " + weird + "@2h --point 30:10 --point 60:5").code, 0);
}

TEST_F(SignalCli, ExclusionReasonsHaveOneSpellingAndCourseBoundsItsOptions) {
    // Accelerometer and EMG stretches merged in either order gave both "voluntary+artefact" and
    // "artefact+voluntary" in one report.
    const auto edf = dir_ / "both.edf";
    ASSERT_EQ(run("simulate " + edf.string() +
                  " --duration 120 --accelerometers 2 --channels 4 --bursts 2 --artefacts 2 "
                  "--mains 50 --drift-uv 50")
                  .code,
              0);
    const auto r = run("detect " + edf.string() + " --json");
    ASSERT_EQ(r.code, 0);
    const auto report = nlohmann::json::parse(r.out);
    for (const auto& x : report["exclusions"]) {
        const auto reason = x["reason"].get<std::string>();
        EXPECT_EQ(reason.find("voluntary+artefact"), std::string::npos) << reason;
        EXPECT_EQ(reason.find("voluntary+settling"), std::string::npos) << reason;
    }
    // A baseline or margin of 1e300 printed 300-digit numbers.
    const std::string points = " --point 10:5 --point 20:3 --point 30:1";
    EXPECT_EQ(run("course" + points + " --baseline 1e300").code, 2);
    EXPECT_EQ(run("course" + points + " --margin 1e300").code, 2);
    EXPECT_EQ(run("course" + points + " --baseline 0.5 --margin 0.2").code, 0);
}

TEST_F(SignalCli, AHeartbeatOnTheMuscleChannelsIsSaidAndNotCounted) {
    // Two muscle channels that pick up the heart: a QRS-like spike at 72 beats a minute in noise.
    const auto csv = dir_ / "ecg_on_emg.csv";
    {
        std::ofstream out(csv);
        out << "time_s,EMG1,EMG2\n";
        unsigned state = 12345;
        const auto noise = [&] {  // uniform in [-1, 1), deterministic
            state = state * 1103515245u + 12345u;
            return static_cast<double>((state >> 8) & 0xFFFF) / 32768.0 - 1.0;
        };
        const double fs = 2048, period = 60.0 / 72;
        for (int i = 0; i < static_cast<int>(60 * fs); ++i) {
            const double t = i / fs;
            const double phase = std::fmod(t, period) - period / 2;
            const double beat = 60 * std::exp(-0.5 * (phase / 0.004) * (phase / 0.004));
            out << t << ',' << beat + 6 * noise() << ',' << -0.6 * beat + 6 * noise() << '\n';
        }
    }
    const auto r = run("detect " + csv.string() + " --json");
    ASSERT_EQ(r.code, 0);
    const auto report = nlohmann::json::parse(r.out);
    ASSERT_EQ(report["heartbeat"].size(), 1u);
    EXPECT_NEAR(report["heartbeat"][0]["beats_per_min"].get<double>(), 72, 1);
    EXPECT_GE(report["heartbeat"][0]["events"].get<int>(), 65);
    EXPECT_LE(report["events"].size(), 2u);
    // The time around the beats is not analysed, and the summary says why.
    EXPECT_NEAR(report["analysed_s"].get<double>() + report["excluded_s"].get<double>(),
                report["duration_s"].get<double>(), 1e-6);
    EXPECT_GT(report["heartbeat"][0]["excluded_s"].get<double>(), 10);
    const auto summary = run("detect " + csv.string(), "2>&1").out;
    EXPECT_NE(summary.find("heartbeat "), std::string::npos) << summary;
    EXPECT_NE(summary.find("with a heartbeat (about 72 beats/min) not counted"), std::string::npos)
        << summary;
    // Switched off, every beat is a twitch again.
    const auto off = run("detect " + csv.string() + " --json --set heartbeat_min_beats=0");
    EXPECT_GE(nlohmann::json::parse(off.out)["events"].size(), 65u);
}

TEST_F(SignalCli, AnOutputThatIsALinkIsWrittenThroughItAndTheLinkStays) {
    // `detect x.edf --events-csv /dev/stdout > report.txt` as root replaced /dev/stdout, a link
    // to /proc/self/fd/1, with a regular file holding the CSV, and report.txt had none of it.
    // Private links of the same kind stand in for /dev/stdout and /dev/stderr here.
    const auto edf = dir_ / "rec.edf";
    ASSERT_EQ(run("simulate " + edf.string() + " --duration 10 --channels 1 --seed 1").code, 0);
    const std::string header = "onset_s,duration_s,channel,peak,unit,snr,channels_seen\n";
    const auto text_of = [](const fs::path& path) {
        std::ifstream in(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    const auto my_stdout = dir_ / "my_stdout", my_stderr = dir_ / "my_stderr";
    fs::create_symlink("/proc/self/fd/1", my_stdout);
    fs::create_symlink("/proc/self/fd/2", my_stderr);
    const auto report = dir_ / "report.txt", errors = dir_ / "errors.txt";
    const std::string detect = "detect " + edf.string() + " --events-csv ";
    ASSERT_EQ(run(detect + my_stdout.string(), "> " + report.string() + " 2>/dev/null").code, 0);
    EXPECT_TRUE(fs::is_symlink(my_stdout));
    // The CSV, then the summary printed after it: neither overwrote the other.
    const auto written = text_of(report);
    EXPECT_EQ(written.rfind(header, 0), 0u) << written;
    EXPECT_NE(written.find("per minute"), std::string::npos) << written;
    // Into a pipe, and into a redirected stderr.
    EXPECT_EQ(run(detect + my_stdout.string()).out.find(header), 0u);
    ASSERT_EQ(run(detect + my_stderr.string(), "2> " + errors.string()).code, 0);
    EXPECT_TRUE(fs::is_symlink(my_stderr));
    EXPECT_EQ(text_of(errors).rfind(header, 0), 0u);

    // A link to a file (relative, through another folder), and a link to a file not there yet:
    // the file is written, the link stays a link, and nothing temporary is left in either folder.
    const auto elsewhere = dir_ / "elsewhere";
    fs::create_directory(elsewhere);
    std::ofstream(elsewhere / "events.csv") << "old\n";
    fs::create_symlink("elsewhere/events.csv", dir_ / "events.csv");
    fs::create_symlink("elsewhere/new.edf", dir_ / "annotated.edf");
    const auto before = std::distance(fs::directory_iterator(dir_), fs::directory_iterator{});
    ASSERT_EQ(run(detect + (dir_ / "events.csv").string() + " --annotate " +
                  (dir_ / "annotated.edf").string())
                  .code,
              0);
    EXPECT_TRUE(fs::is_symlink(dir_ / "events.csv"));
    EXPECT_TRUE(fs::is_symlink(dir_ / "annotated.edf"));
    EXPECT_EQ(text_of(elsewhere / "events.csv").rfind(header, 0), 0u);
    EXPECT_EQ(text_of(elsewhere / "new.edf").rfind("0       ", 0), 0u);
    EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator{}), before);
    EXPECT_EQ(std::distance(fs::directory_iterator(elsewhere), fs::directory_iterator{}), 2);
    // A failed run leaves the linked file as it was.
    std::ofstream(elsewhere / "events.csv") << "old\n";
    EXPECT_EQ(run(detect + (dir_ / "events.csv").string() + " --annotate /nonexistent/a.edf").code,
              2);
    EXPECT_EQ(text_of(elsewhere / "events.csv"), "old\n");
}

TEST_F(SignalCli, ChannelsAreInFileOrderAndALabelWithACommaCanBeChosen) {
    const auto edf = dir_ / "two.edf";
    ASSERT_EQ(run("simulate " + edf.string() + " --duration 10 --channels 2 --seed 1").code, 0);
    // In the order asked, although docs/detect-output.md says file order.
    const auto r = run("detect " + edf.string() + " --json --channels EMG2,EMG1");
    ASSERT_EQ(r.code, 0);
    const auto report = nlohmann::json::parse(r.out);
    ASSERT_EQ(report["channels"].size(), 2u);
    EXPECT_EQ(report["channels"][0]["label"], "EMG1");
    EXPECT_EQ(report["channels"][1]["label"], "EMG2");
    for (const auto& e : report["events"]) {
        EXPECT_EQ(report["channels"][e["channel_index"].get<std::size_t>()]["label"], e["channel"]);
    }
    {
        // The first label becomes `EMG,1 "x"`: it could not be chosen at all.
        std::fstream file(edf, std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(256);
        file << "EMG,1 \"x\"       ";
    }
    const auto quoted =
        run("detect " + edf.string() + " --json --channels '\"EMG,1 \"\"x\"\"\",EMG2'");
    ASSERT_EQ(quoted.code, 0);
    EXPECT_EQ(nlohmann::json::parse(quoted.out)["channels"][0]["label"], "EMG,1 \"x\"");
    const auto message = error_of("detect " + edf.string() + " --channels EMG");
    EXPECT_NE(message.find("no channel labelled 'EMG' (a channel is labelled 'EMG,1 \"x\"': a "
                           "label with a comma is given to --channels in double quotes"),
              std::string::npos)
        << message;
    EXPECT_EQ(run("detect " + edf.string() + " --channels '\"EMG,1'").code, 2);  // not closed
}

TEST_F(SignalCli, TheSummaryGivesAmplitudesInOneVoltageUnit) {
    // One channel in mV and one in uV: "amplitude 0.0688 to 238 uV".
    const auto edf = dir_ / "units.edf";
    ASSERT_EQ(run("simulate " + edf.string() + " --duration 60 --channels 2 --seed 2").code, 0);
    {
        // The second channel's unit field: 256 + signals x (16 + 80) + 8 bytes in.
        std::fstream file(edf, std::ios::in | std::ios::out | std::ios::binary);
        char count[5] = {};
        file.seekg(252);
        file.read(count, 4);
        file.seekp(256 + std::stoi(count) * 96 + 8);
        file << "mV      ";
    }
    const auto report = nlohmann::json::parse(run("detect " + edf.string() + " --json").out);
    ASSERT_EQ(report["channels"][1]["unit"], "mV");
    double low = 1e300, high = 0;
    for (const auto& channel : report["channels"]) {
        if (channel["events"] == 0) continue;
        const double scale = channel["unit"] == "mV" ? 1000 : 1;
        low = std::min(low, channel["peak_min"].get<double>() * scale);
        high = std::max(high, channel["peak_max"].get<double>() * scale);
    }
    ASSERT_GT(high, 0);
    char expected[128];
    std::snprintf(expected, sizeof expected, ", amplitude %.3g to %.3g uV\n", low, high);
    const auto text = run("detect " + edf.string()).out;
    EXPECT_NE(text.find(expected), std::string::npos) << expected << text;
}

TEST_F(SignalCli, CourseRefusesABaselineAboveEveryRate) {
    const auto message = error_of("course --point 15:24 --point 39:14 --point 63:7 --baseline 100");
    EXPECT_NE(message.find("the baseline, 100/min, is at or above every point's rate (the highest "
                           "is 24/min)"),
              std::string::npos)
        << message;
    EXPECT_EQ(run("course --point 15:24 --point 39:14 --point 63:7 --baseline 100").code, 2);
}
