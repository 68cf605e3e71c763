// `twitchwatch simulate`: an EDF+ recording of resting sEMG with known twitches, and its truth.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "output_file.hpp"
#include "progress_bar.hpp"
#include "twitchwatch/errors.hpp"
#include "twitchwatch/signal/recording.hpp"
#include "twitchwatch/signal/simulate.hpp"

namespace twitchwatch::cli {
namespace {

struct SimulateArgs {
    std::string output, truth;
    std::string twitch_channels;
    bool no_progress = false;
    signal::SimulationOptions options;
};

std::vector<std::size_t> parse_channel_list(const std::string& text) {
    std::vector<std::size_t> channels;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        try {
            std::size_t used = 0;
            const long value = std::stol(item, &used);
            if (used != item.size() || value < 1) throw std::invalid_argument(item);
            channels.push_back(static_cast<std::size_t>(value - 1));
        } catch (const std::exception&) {
            throw UsageError("--twitch-channels: '" + item + "' is not a channel number (1-based)");
        }
        if (std::count(channels.begin(), channels.end(), channels.back()) > 1) {
            throw UsageError("--twitch-channels: channel " + item + " is named twice");
        }
    }
    return channels;
}

// Physical range of the EMG channels: wide enough for every component the options add.
double emg_range_uv(const signal::SimulationOptions& o) {
    const double twitch = o.snr * o.noise_rms_uv * o.amplitude_spread * 1.5;
    const double burst = o.bursts_per_min > 0 ? o.burst_rms_ratio * o.noise_rms_uv * 6 : 0;
    const double artefact = o.artefacts_per_min > 0 ? o.artefact_amplitude_uv : 0;
    const double total = 10 * o.noise_rms_uv + twitch * 2 + burst + artefact +
                         2 * o.mains_amplitude_uv * (o.mains_hz > 0) + o.drift_amplitude_uv +
                         1.1 * o.ecg_amplitude_uv;
    // Rounded up to two significant digits: a coarse step (it was 100 uV) left the twitches of
    // a quiet recording (--noise-uv 1e-4) below one digital step of the file.
    const double step = std::pow(10.0, std::floor(std::log10(total)) - 1);
    return std::ceil(total / step) * step;
}

int run_simulate(const SimulateArgs& args) {
    signal::SimulationOptions options = args.options;
    if (!args.twitch_channels.empty())
        options.twitch_channels = parse_channel_list(args.twitch_channels);
    if (options.sample_rate_hz != std::floor(options.sample_rate_hz)) {
        throw UsageError("--sample-rate must be a whole number of hertz for EDF+ records");
    }
    // The file holds whole data records of 1 s; a last partial one would be padded with zeros
    // that the truth knows nothing of (0.5 s became a 1 s file whose second half is flat).
    if (options.duration_s != std::floor(options.duration_s)) {
        throw UsageError("--duration must be a whole number of seconds (EDF+ data records of 1 s)");
    }
    signal::Simulator simulator(options);
    const auto labels = simulator.channel_labels();
    const auto units = simulator.channel_units();
    const double range = emg_range_uv(options);
    std::vector<signal::WriteChannel> channels;
    for (std::size_t c = 0; c < labels.size(); ++c) {
        const bool emg = c < options.emg_channels;
        channels.push_back({labels[c], units[c], options.sample_rate_hz, emg ? -range : -2.0,
                            emg ? range : 2.0,
                            emg ? "simulated surface EMG" : "simulated accelerometer"});
    }
    const std::string truth_path = args.truth.empty() ? args.output + ".truth.csv" : args.truth;
    refuse_same_files({{"OUTPUT", args.output}, {"--truth", truth_path}});
    OutputFile recording("OUTPUT", args.output);
    OutputFile truth_file("--truth", truth_path);
    try {
        signal::EdfPlusWriter writer(recording.writing_path(), channels);
        const auto block = static_cast<std::size_t>(options.sample_rate_hz);
        std::vector<float> frames(block * simulator.channel_count());
        ProgressBar bar(!args.no_progress);
        const auto progress = bar.callback();
        std::size_t done = 0;
        while (const std::size_t n = simulator.generate(frames, block)) {
            writer.write(frames, n);
            done += n;
            if (progress) {
                progress(static_cast<double>(done) / static_cast<double>(simulator.frame_count()));
            }
        }
        writer.close();
    } catch (const InputError& e) {
        throw InputError(recording.name_target_in(e.what()));
    }

    std::ofstream truth(truth_file.writing_path());
    if (!truth) throw InputError(truth_path + ": cannot write the truth file");
    truth << "kind,onset_s,peak_s,end_s,channel,label,peak,unit,second_of_doublet\n";
    truth.precision(10);
    for (const auto& e : simulator.truth().events) {
        truth << "twitch," << e.onset_s << ',' << e.peak_s << ",," << e.channel + 1 << ','
              << labels[e.channel] << ',' << e.peak_uv << ",uV," << (e.second_of_doublet ? 1 : 0)
              << '\n';
    }
    for (const auto& s : simulator.truth().stretches) {
        truth << s.reason << ',' << s.start_s << ",," << s.end_s << ",,,,,\n";
    }
    for (const double beat : simulator.truth().heartbeats_s) {
        truth << "heartbeat,," << beat << ",,,,,,\n";  // the R peak's time
    }
    truth.close();  // a full disk shows only when the buffer is written
    if (!truth) throw InputError(truth_path + ": writing the truth file failed");
    recording.commit();
    truth_file.commit();
    std::cerr << "wrote " << args.output << " (" << simulator.channel_count() << " channels, "
              << options.duration_s << " s) and " << truth_path << " ("
              << simulator.truth().events.size() << " twitches, "
              << simulator.truth().stretches.size() << " excluded stretches)\n";
    return kExitOk;
}

}  // namespace

Command add_simulate_command(CLI::App& app) {
    auto* sub = app.add_subcommand(
        "simulate",
        "Write an EDF+ recording of resting surface EMG with known twitches, and a "
        "CSV of their truth (model and sources: docs/simulator.md)");
    auto args = std::make_shared<SimulateArgs>();
    auto& o = args->options;
    sub->add_option("OUTPUT", args->output, "EDF+ file to write")->required()->check(kNotEmpty);
    sub->add_option("--truth", args->truth, "truth CSV (default OUTPUT.truth.csv)")
        ->check(kNotEmpty);
    sub->add_option("--duration", o.duration_s, "seconds")->capture_default_str();
    sub->add_option("--channels", o.emg_channels, "EMG channels")->capture_default_str();
    sub->add_option("--accelerometers", o.accelerometer_channels, "accelerometer channels (g)")
        ->capture_default_str();
    sub->add_option("--sample-rate", o.sample_rate_hz, "Hz")->capture_default_str();
    sub->add_option("--rate", o.rate_per_min, "twitches per minute (all channels together)")
        ->capture_default_str();
    sub->add_option("--twitch-channels", args->twitch_channels,
                    "channels that twitch, 1-based, e.g. 1,2,5 (default all)");
    sub->add_option("--units-per-channel", o.units_per_channel, "motor units per channel")
        ->capture_default_str();
    sub->add_option("--snr", o.snr, "twitch peak / noise RMS")->capture_default_str();
    sub->add_option("--amplitude-spread", o.amplitude_spread,
                    "units' peaks are snr x noise x U(1, spread)")
        ->capture_default_str();
    sub->add_option("--noise-uv", o.noise_rms_uv, "background noise RMS, uV")
        ->capture_default_str();
    sub->add_option("--doublets", o.doublet_probability, "chance of a second discharge")
        ->capture_default_str();
    sub->add_option("--neighbour-amplitude", o.neighbour_amplitude,
                    "amplitude on the adjacent channels, relative")
        ->capture_default_str();
    sub->add_option("--mains", o.mains_hz, "0, 50 or 60 Hz")->capture_default_str();
    sub->add_option("--mains-uv", o.mains_amplitude_uv, "mains amplitude, uV")
        ->capture_default_str();
    sub->add_option("--drift-uv", o.drift_amplitude_uv, "baseline drift amplitude, uV")
        ->capture_default_str();
    sub->add_option("--bursts", o.bursts_per_min, "voluntary contractions per minute")
        ->capture_default_str();
    sub->add_option("--burst-duration", o.burst_duration_s, "mean burst length, s")
        ->capture_default_str();
    sub->add_option("--burst-rms", o.burst_rms_ratio, "burst RMS / noise RMS")
        ->capture_default_str();
    sub->add_option("--artefacts", o.artefacts_per_min, "movement artefacts per minute")
        ->capture_default_str();
    sub->add_option("--artefact-uv", o.artefact_amplitude_uv, "artefact amplitude, uV")
        ->capture_default_str();
    sub->add_option("--ecg-uv", o.ecg_amplitude_uv,
                    "the heart's signal picked up by the electrodes: R peak, uV (0: none)")
        ->capture_default_str();
    sub->add_option("--heart-rate", o.heart_rate_per_min, "heart beats per minute")
        ->capture_default_str();
    // CLI11 read "-1" as 2^64 - 1 and clamped larger numbers to it: three seeds, one recording.
    const CLI::Validator whole_seed(
        [](const std::string& text) {
            std::uint64_t value = 0;
            const auto [end, error] =
                std::from_chars(text.data(), text.data() + text.size(), value);
            return error == std::errc() && end == text.data() + text.size()
                       ? std::string()
                       : std::string("must be a whole number from 0 to 18446744073709551615");
        },
        "", "seed");
    sub->add_option("--seed", o.seed, "random seed (same seed, same recording)")
        ->check(whole_seed)
        ->capture_default_str();
    sub->add_flag("--no-progress", args->no_progress, "no progress bar on a terminal");
    return {sub, [args] { return run_simulate(*args); }};
}

}  // namespace twitchwatch::cli
