#include "twitchwatch/signal/recording.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numbers>

#include "test_recording_edf_builder.hpp"
#include "twitchwatch/errors.hpp"

namespace tws = twitchwatch::signal;
using tw_test::RawHeader;
using tw_test::RawSignal;

namespace {

// Every frame of the chosen channels, and the start time each read call reported.
struct Frames {
    std::vector<float> values;
    std::vector<double> call_starts;
    std::vector<std::size_t> call_sizes;
};

Frames read_all(const std::filesystem::path& file, std::vector<std::size_t> channels = {},
                std::size_t block = 3) {
    auto reader = tws::SampleReader::open(file, std::move(channels));
    Frames frames;
    std::vector<float> buffer(block * reader->channel_count());
    double start_s = -1;
    while (const auto got = reader->read(buffer, block, start_s)) {
        frames.values.insert(
            frames.values.end(), buffer.begin(),
            buffer.begin() + static_cast<std::ptrdiff_t>(got * reader->channel_count()));
        frames.call_starts.push_back(start_s);
        frames.call_sizes.push_back(got);
    }
    return frames;
}

double physical(std::int32_t digital, double pmin, double pmax, double dmin, double dmax) {
    return (digital - dmin) * (pmax - pmin) / (dmax - dmin) + pmin;
}

std::string error_of(const std::filesystem::path& file) {
    try {
        tws::read_recording_info(file);
    } catch (const twitchwatch::InputError& error) {
        return error.what();
    }
    return "no error";
}

std::string plain_edf(const RawHeader& header, const std::vector<std::int32_t>& samples) {
    std::string bytes = tw_test::edf_header(header);
    for (const auto value : samples) tw_test::append_sample(bytes, value, header.bdf);
    return bytes;
}

RawHeader one_signal_header() {
    RawHeader header;
    header.signals.push_back(RawSignal{});
    return header;
}

const std::vector<std::int32_t> kEightSamples = {-32768, -1, 0, 1, 100, 32767, -200, 5};

}  // namespace

TEST(Recording, MissingFileIsInputError) {
    EXPECT_THROW(tws::read_recording_info("/nonexistent/file.edf"), twitchwatch::InputError);
}

TEST(Recording, PlainEdfPhysicalValuesFollowTheHeaderScaling) {
    auto header = one_signal_header();
    header.signals[0].physical_min = "-500";
    header.signals[0].physical_max = "1500";
    header.signals[0].digital_min = "-2048";
    header.signals[0].digital_max = "2047";
    const auto file = tw_test::write_file("plain.edf", plain_edf(header, kEightSamples));
    const auto info = tws::read_recording_info(file);
    EXPECT_EQ(info.format, "EDF");
    EXPECT_EQ(info.start, "2003-02-01T04:05:06");
    ASSERT_EQ(info.channels.size(), 1u);
    EXPECT_EQ(info.channels[0].label, "EMG1");
    EXPECT_EQ(info.channels[0].physical_unit, "uV");
    EXPECT_EQ(info.channels[0].transducer, "AgAgCl");
    EXPECT_DOUBLE_EQ(info.channels[0].sample_rate_hz, 4.0);
    EXPECT_EQ(info.channels[0].sample_count, 8);
    EXPECT_DOUBLE_EQ(info.duration_s, 2.0);
    EXPECT_TRUE(info.warnings.empty());
    const auto frames = read_all(file);
    ASSERT_EQ(frames.values.size(), kEightSamples.size());
    for (std::size_t i = 0; i < kEightSamples.size(); ++i) {
        EXPECT_NEAR(frames.values[i], physical(kEightSamples[i], -500, 1500, -2048, 2047), 1e-3);
    }
    EXPECT_EQ(frames.call_starts, (std::vector<double>{0.0, 0.75, 1.5}));
}

TEST(Recording, InvertedPolarityIsLegal) {
    auto header = one_signal_header();
    header.signals[0].physical_min = "1000";
    header.signals[0].physical_max = "-1000";
    const auto file = tw_test::write_file("inverted.edf", plain_edf(header, kEightSamples));
    const auto info = tws::read_recording_info(file);
    EXPECT_GT(info.channels[0].physical_min, info.channels[0].physical_max);
    const auto frames = read_all(file);
    ASSERT_EQ(frames.values.size(), kEightSamples.size());
    EXPECT_NEAR(frames.values[0], 1000.0, 1e-3);   // digital minimum -> physical minimum
    EXPECT_NEAR(frames.values[5], -1000.0, 1e-3);  // digital maximum -> physical maximum
    for (std::size_t i = 0; i < kEightSamples.size(); ++i) {
        EXPECT_NEAR(frames.values[i], physical(kEightSamples[i], 1000, -1000, -32768, 32767), 1e-3);
    }
}

TEST(Recording, BdfDecodesTwentyFourBitSamples) {
    auto header = one_signal_header();
    header.bdf = true;
    header.reserved = "24BIT";
    header.signals[0].digital_min = "-8388608";
    header.signals[0].digital_max = "8388607";
    const std::vector<std::int32_t> samples = {-8388608, -1, 0, 1, 8388607, -65536, 65535, 123456};
    const auto file = tw_test::write_file("plain.bdf", plain_edf(header, samples));
    EXPECT_EQ(tws::read_recording_info(file).format, "BDF");
    const auto frames = read_all(file);
    ASSERT_EQ(frames.values.size(), samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i) {
        EXPECT_NEAR(frames.values[i], physical(samples[i], -1000, 1000, -8388608, 8388607), 1e-4);
    }
}

TEST(Recording, RecordCountMinusOneUsesWhatTheFileHolds) {
    auto header = one_signal_header();
    header.record_count = "-1";
    const auto file = tw_test::write_file("minus_one.edf", plain_edf(header, kEightSamples));
    const auto info = tws::read_recording_info(file);
    EXPECT_DOUBLE_EQ(info.duration_s, 2.0);
    ASSERT_EQ(info.warnings.size(), 1u);
    EXPECT_NE(info.warnings[0].find("-1"), std::string::npos);
    EXPECT_EQ(read_all(file).values.size(), 8u);
}

TEST(Recording, RecordCountDisagreeingWithTheFileSizeIsOverruled) {
    auto header = one_signal_header();
    header.record_count = "7";
    auto bytes = plain_edf(header, kEightSamples);
    bytes += "\x01\x02\x03";  // and an incomplete fourth... third record
    const auto file = tw_test::write_file("count_mismatch.edf", bytes);
    const auto info = tws::read_recording_info(file);
    EXPECT_DOUBLE_EQ(info.duration_s, 2.0);
    EXPECT_EQ(info.warnings.size(), 2u);  // the count and the incomplete record
    EXPECT_EQ(read_all(file).values.size(), 8u);
}

TEST(Recording, NonAsciiHeaderBytesAreReplaced) {
    auto header = one_signal_header();
    header.signals[0].label = "M\xc3\xbcskel\xe9";  // UTF-8 u-umlaut, then a Latin-1 e-acute
    header.patient = "J\xf6rg";
    const auto file = tw_test::write_file("non_ascii.edf", plain_edf(header, kEightSamples));
    const auto info = tws::read_recording_info(file);
    EXPECT_EQ(info.channels[0].label, "M??skel?");
    EXPECT_EQ(read_all(file).values.size(), 8u);
}

namespace {

// EDF+D: one EMG signal (4 samples a record) and an annotation signal, three records whose
// time stamps are 0, 1 and 5 s: a gap of 3 s before the third.
std::filesystem::path discontinuous_file(const std::string& name, bool bdf,
                                         const std::string& third_record_stamp = "+5") {
    RawHeader header;
    header.bdf = bdf;
    header.reserved = bdf ? "BDF+D" : "EDF+D";
    header.record_count = "3";
    header.recording = "Startdate 01-FEB-2003 X X X";
    header.signals.push_back(RawSignal{});
    if (bdf) {
        header.signals[0].digital_min = "-8388608";
        header.signals[0].digital_max = "8388607";
    }
    // 30 samples: 60 bytes (EDF) or 90 (BDF).
    header.signals.push_back(
        tw_test::annotation_signal(bdf ? "BDF Annotations" : "EDF Annotations"));
    const std::size_t annotation_bytes = bdf ? 90 : 60;
    const std::vector<std::string> tals = {tw_test::time_keeping_tal("+0") +
                                               "+0.5\x15"
                                               "0.25\x14twitch\x14" +
                                               '\0',
                                           tw_test::time_keeping_tal("+1"),
                                           tw_test::time_keeping_tal(third_record_stamp) +
                                               "+5.75\x14"
                                               "cramp\x14"
                                               "second\x14" +
                                               '\0'};
    std::string bytes = tw_test::edf_header(header);
    std::int32_t value = 0;
    for (const auto& tal : tals) {
        for (int i = 0; i < 4; ++i) tw_test::append_sample(bytes, value++ * 100, bdf);
        bytes += tw_test::tal_bytes(tal, annotation_bytes);
    }
    return tw_test::write_file(name, bytes);
}

}  // namespace

TEST(Recording, AWrongSamplesPerRecordIsNamedWhenTheAnnotationsBreak) {
    // The header says 5 samples a record where the data has 4: the annotation bytes are read
    // two bytes late and the file's size no longer fits the header. The error said only
    // "malformed annotation"; now it says what else is wrong and what may be the cause.
    tw_test::RawHeader header;
    header.reserved = "EDF+C";
    header.record_count = "3";
    header.signals.push_back(RawSignal{});
    header.signals[0].samples_per_record = "5";
    header.signals.push_back(tw_test::annotation_signal());
    std::string bytes = tw_test::edf_header(header);
    for (int record = 0; record < 3; ++record) {
        for (int i = 0; i < 4; ++i) tw_test::append_sample(bytes, i * 100, false);
        bytes += tw_test::tal_bytes(tw_test::time_keeping_tal("+" + std::to_string(record)), 60);
    }
    const auto file = tw_test::write_file("wrong_samples_per_record.edf", bytes);
    try {
        (void)tws::read_recording_info(file);
        FAIL() << "read a file whose header does not match its data";
    } catch (const twitchwatch::InputError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("data record 0: malformed annotation"), std::string::npos)
            << message;
        EXPECT_NE(message.find("the header says 3 data records of 70 bytes, the file holds 2 and "
                               "64 bytes of an incomplete last data record: the header's samples "
                               "per record may not match the data"),
                  std::string::npos)
            << message;
    }
}

TEST(Recording, AnAnnotationSignalInAPlainEdfIsNoChannel) {
    // An EDF+ file whose reserved field was blanked: its "EDF Annotations" signal was analysed
    // as EMG at 57 Hz. It is left out with a warning, its bytes unread.
    RawHeader header;
    header.signals.push_back(RawSignal{});
    header.signals.push_back(tw_test::annotation_signal());
    std::string bytes = tw_test::edf_header(header);
    for (int record = 0; record < 2; ++record) {
        for (int i = 0; i < 4; ++i) tw_test::append_sample(bytes, i * 100, false);
        bytes += tw_test::tal_bytes("not a TAL at all", 60);
    }
    const auto file = tw_test::write_file("plain_with_annotations.edf", bytes);
    const auto info = tws::read_recording_info(file);
    ASSERT_EQ(info.channels.size(), 1u);
    EXPECT_EQ(info.channels[0].label, "EMG1");
    EXPECT_TRUE(info.annotations.empty());
    ASSERT_EQ(info.warnings.size(), 1u);
    EXPECT_NE(info.warnings[0].find("not marked EDF+ or BDF+"), std::string::npos);
    EXPECT_EQ(read_all(file).values.size(), 8u);
}

TEST(Recording, AStartStampedJustBelowASecondKeepsItsFraction) {
    // +0.99999999 rounded to "1.0000000": the start ended in "06." or, cut off, was 1 s early.
    RawHeader header;
    header.reserved = "EDF+C";
    header.recording = "Startdate 01-FEB-2003 X X X";
    header.signals.push_back(RawSignal{});
    header.signals.push_back(tw_test::annotation_signal());
    std::string bytes = tw_test::edf_header(header);
    for (const char* stamp : {"+0.99999999", "+1.99999999"}) {
        for (int i = 0; i < 4; ++i) tw_test::append_sample(bytes, i * 100, false);
        bytes += tw_test::tal_bytes(tw_test::time_keeping_tal(stamp), 60);
    }
    const auto file = tw_test::write_file("late_stamp.edf", bytes);
    EXPECT_EQ(tws::read_recording_info(file).start, "2003-02-01T04:05:06.9999999");
}

TEST(Recording, EdfPlusDRecordsThatGoBackInTimeAreRefused) {
    // Records at 0, 1 and 1.5 s of 1 s each: the third starts before the second ends. It gave
    // negative or piled-up event times without a word.
    const auto file = discontinuous_file("overlap.edf", false, "+1.5");
    try {
        (void)read_all(file);
        FAIL() << "overlapping records were read";
    } catch (const twitchwatch::InputError& e) {
        EXPECT_NE(std::string(e.what()).find(
                      "data record 2 starts at 1.5 s, before the previous one ends (2 s)"),
                  std::string::npos)
            << e.what();
    }
}

TEST(Recording, EdfPlusDRecordTimesAndAnnotationsComeFromTheTals) {
    for (const bool bdf : {false, true}) {
        const auto file = discontinuous_file(bdf ? "gaps.bdf" : "gaps.edf", bdf);
        const auto info = tws::read_recording_info(file);
        EXPECT_EQ(info.format, bdf ? "BDF+D" : "EDF+D");
        EXPECT_EQ(info.start, "2003-02-01T04:05:06");
        ASSERT_EQ(info.channels.size(), 1u);  // the annotation signal is not a channel
        ASSERT_EQ(info.annotations.size(), 3u);
        EXPECT_DOUBLE_EQ(info.annotations[0].onset_s, 0.5);
        EXPECT_DOUBLE_EQ(info.annotations[0].duration_s, 0.25);
        EXPECT_EQ(info.annotations[0].text, "twitch");
        EXPECT_DOUBLE_EQ(info.annotations[1].onset_s, 5.75);
        EXPECT_EQ(info.annotations[1].text, "cramp");
        EXPECT_EQ(info.annotations[2].text, "second");

        // Reads of up to 100 frames: the first covers the two contiguous records, the second
        // starts after the gap.
        const auto frames = read_all(file, {}, 100);
        EXPECT_EQ(frames.call_sizes, (std::vector<std::size_t>{8, 4}));
        EXPECT_EQ(frames.call_starts, (std::vector<double>{0.0, 5.0}));
        ASSERT_EQ(frames.values.size(), 12u);
        EXPECT_NEAR(frames.values[11],
                    physical(1100, -1000, 1000, bdf ? -8388608 : -32768, bdf ? 8388607 : 32767),
                    1e-3);
    }
}

TEST(Recording, EdfPlusDRecordWithoutTimeStampIsInputError) {
    RawHeader header;
    header.reserved = "EDF+D";
    header.record_count = "1";
    header.signals.push_back(RawSignal{});
    RawSignal annotations;
    annotations.label = "EDF Annotations";
    annotations.samples_per_record = "10";
    header.signals.push_back(annotations);
    std::string bytes = tw_test::edf_header(header);
    for (int i = 0; i < 4; ++i) tw_test::append_sample(bytes, i, false);
    bytes += tw_test::tal_bytes(std::string("+0.5\x14text\x14") + '\0', 20);
    const auto file = tw_test::write_file("no_stamp.edf", bytes);
    EXPECT_THROW(read_all(file), twitchwatch::InputError);
}

// Bad input: each case must give InputError naming the file and the problem.
struct BadCase {
    std::string name;
    std::string bytes;
    std::string expected_words;
};

class RecordingBadInput : public testing::TestWithParam<BadCase> {};

TEST_P(RecordingBadInput, IsInputErrorNamingFileAndProblem) {
    const auto& bad = GetParam();
    const auto file = tw_test::write_file(bad.name, bad.bytes);
    const auto message = error_of(file);
    EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    EXPECT_NE(message.find(bad.expected_words), std::string::npos) << message;
    EXPECT_THROW(tws::SampleReader::open(file, {}), twitchwatch::InputError);
}

namespace {

std::vector<BadCase> bad_cases() {
    std::vector<BadCase> cases;
    const auto good = plain_edf(one_signal_header(), kEightSamples);
    cases.push_back({"empty.edf", "", "empty"});
    cases.push_back({"text.edf", "hello, this is not a recording at all", "not an EDF"});
    cases.push_back({"short_header.edf", good.substr(0, 100), "truncated"});
    cases.push_back({"short_signal_header.edf", good.substr(0, 300), "truncated"});
    cases.push_back({"no_records.edf", good.substr(0, 512 + 5), "no complete data record"});
    auto with = [&](const std::string& name, auto change, const std::string& words) {
        auto header = one_signal_header();
        change(header);
        cases.push_back({name, plain_edf(header, kEightSamples), words});
    };
    with(
        "header_size.edf", [](RawHeader& h) { h.header_bytes = "768"; }, "wrong header size");
    with(
        "zero_signals.edf", [](RawHeader& h) { h.signal_count = "0"; }, "number of signals");
    with(
        "many_signals.edf", [](RawHeader& h) { h.signal_count = "9999"; }, "number of signals");
    with(
        "bad_count.edf", [](RawHeader& h) { h.signal_count = "x1"; }, "not a number");
    with(
        "zero_samples.edf", [](RawHeader& h) { h.signals[0].samples_per_record = "0"; },
        "samples per record");
    with(
        "negative_samples.edf", [](RawHeader& h) { h.signals[0].samples_per_record = "-4"; },
        "samples per record");
    with(
        "huge_samples.edf", [](RawHeader& h) { h.signals[0].samples_per_record = "99999999"; },
        "MiB");
    with(
        "absurd_rate.edf",
        [](RawHeader& h) {
            h.record_duration = "0.00001";
            h.signals[0].samples_per_record = "1000";
        },
        "absurd sample rate");
    // A corrupt duration of 1e-300 s gave a rate printed with 300 digits.
    with(
        "tiny_duration.edf", [](RawHeader& h) { h.record_duration = "1e-300"; },
        "absurd sample rate 4e+300 Hz");
    // Samples are decoded to floats: +-1e300 gave infinities ("saturated"), +-1e-300 zeros.
    // Both ends of the signal's physical or digital range.
    using Field = std::string RawSignal::*;
    const auto with_range = [&](const std::string& name, Field low_field, Field high_field,
                                const std::string& low, const std::string& high,
                                const std::string& words) {
        with(
            name,
            [&](RawHeader& h) {
                h.signals[0].*low_field = low;
                h.signals[0].*high_field = high;
            },
            words);
    };
    with_range("huge_range.edf", &RawSignal::physical_min, &RawSignal::physical_max, "-1e300",
               "1e300", "beyond what 32-bit samples can hold");
    with_range("tiny_range.edf", &RawSignal::physical_min, &RawSignal::physical_max, "-1e-300",
               "1e-300", "beyond what 32-bit samples can hold");
    with(
        "zero_duration.edf", [](RawHeader& h) { h.record_duration = "0"; }, "duration");
    with_range("digital_equal.edf", &RawSignal::digital_min, &RawSignal::digital_max, "100", "100",
               "digital minimum equals maximum");
    with_range("digital_reversed.edf", &RawSignal::digital_min, &RawSignal::digital_max, "100",
               "-100", "above maximum");
    with(
        "digital_too_wide.edf", [](RawHeader& h) { h.signals[0].digital_max = "70000"; },
        "does not fit");
    with(
        "physical_equal.edf", [](RawHeader& h) { h.signals[0].physical_max = "-1000"; },
        "physical minimum equals maximum");
    with(
        "physical_text.edf", [](RawHeader& h) { h.signals[0].physical_max = "lots"; },
        "not a number");
    return cases;
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Cases, RecordingBadInput, testing::ValuesIn(bad_cases()),
                         [](const testing::TestParamInfo<BadCase>& info) {
                             std::string name =
                                 info.param.name.substr(0, info.param.name.find('.'));
                             return name;
                         });

TEST(Recording, ChannelChoiceIsChecked) {
    const auto file =
        tw_test::write_file("choice.edf", plain_edf(one_signal_header(), kEightSamples));
    EXPECT_THROW(tws::SampleReader::open(file, {1}), twitchwatch::InputError);
    EXPECT_EQ(tws::SampleReader::open(file, {0})->channel_count(), 1u);
}

namespace {

std::vector<tws::WriteChannel> two_channels(double rate) {
    return {{"EMG left", "uV", rate, -2000, 2000, "surface"},
            {"EMG right", "uV", rate, -2000, 2000, "surface"}};
}

std::vector<float> sine_frames(std::size_t frames, double rate) {
    std::vector<float> values;
    for (std::size_t f = 0; f < frames; ++f) {
        const double t = static_cast<double>(f) / rate;
        values.push_back(static_cast<float>(1500 * std::sin(2 * std::numbers::pi * 7 * t)));
        values.push_back(static_cast<float>(-800 + 300 * std::cos(2 * std::numbers::pi * 3 * t)));
    }
    return values;
}

}  // namespace

TEST(Recording, EdfPlusAndBdfPlusRoundTripThroughTheWriter) {
    for (const bool bdf : {false, true}) {
        const auto file = tw_test::temp_file(bdf ? "round.bdf" : "round.edf");
        constexpr double kRate = 256;
        constexpr std::size_t kFrames = 256 * 3 + 100;  // the last record is padded
        const auto written = sine_frames(kFrames, kRate);
        {
            tws::EdfPlusWriter writer(file, two_channels(kRate), 1.0, bdf);
            writer.set_start("2026-11-20T09:30:00");
            writer.write(std::span<const float>(written).first(200 * 2), 200);
            writer.write(std::span<const float>(written).subspan(200 * 2), kFrames - 200);
            writer.annotate(1.25, 0.5, "twitch");
            writer.annotate(2.5, 0, "massage");
            writer.close();
            writer.close();  // idempotent
        }
        const auto info = tws::read_recording_info(file);
        EXPECT_EQ(info.format, bdf ? "BDF+C" : "EDF+C");
        EXPECT_EQ(info.start, "2026-11-20T09:30:00");
        EXPECT_DOUBLE_EQ(info.duration_s, 4.0);
        ASSERT_EQ(info.channels.size(), 2u);
        EXPECT_EQ(info.channels[1].label, "EMG right");
        EXPECT_EQ(info.channels[1].physical_unit, "uV");
        EXPECT_EQ(info.channels[1].transducer, "surface");
        EXPECT_DOUBLE_EQ(info.channels[0].sample_rate_hz, kRate);
        ASSERT_EQ(info.annotations.size(), 2u);
        EXPECT_NEAR(info.annotations[0].onset_s, 1.25, 1e-4);
        EXPECT_NEAR(info.annotations[0].duration_s, 0.5, 1e-4);
        EXPECT_EQ(info.annotations[0].text, "twitch");
        EXPECT_EQ(info.annotations[1].text, "massage");

        const auto frames = read_all(file, {}, 1000);
        ASSERT_EQ(frames.values.size(), 4u * 256 * 2);
        const double step = 4000.0 / (bdf ? 16777215.0 : 65535.0);
        for (std::size_t i = 0; i < written.size(); ++i) {
            // Half a digital step, plus the rounding of the value read to float.
            const double float_ulp = std::abs(written[i]) * 1.2e-7;
            ASSERT_NEAR(frames.values[i], written[i], step * (0.5 + 1e-6) + 2 * float_ulp) << i;
        }
        EXPECT_NEAR(frames.values.back(), 0.0, step);  // padding
    }
}

TEST(Recording, WriterHandlesMixedRatesAndInvertedPolarity) {
    const auto file = tw_test::temp_file("mixed.edf");
    {
        tws::EdfPlusWriter writer(
            file, {{"EMG", "uV", 200, 500, -500, ""}, {"ACC", "g", 50, -8, 8, ""}}, 0.2);
        std::vector<std::vector<double>> record = {std::vector<double>(40),
                                                   std::vector<double>(10)};
        for (int r = 0; r < 5; ++r) {
            for (int i = 0; i < 40; ++i) record[0][i] = r * 40 + i;
            for (int i = 0; i < 10; ++i) record[1][i] = -0.5 * r;
            writer.write_record(record);
        }
        std::vector<float> frames(2);
        EXPECT_THROW(writer.write(frames, 1), std::invalid_argument);  // rates differ
    }
    const auto info = tws::read_recording_info(file);
    EXPECT_DOUBLE_EQ(info.duration_s, 1.0);
    EXPECT_GT(info.channels[0].physical_min, info.channels[0].physical_max);
    EXPECT_THROW(tws::SampleReader::open(file, {}), twitchwatch::InputError);
    const auto emg = read_all(file, {0}, 64);
    ASSERT_EQ(emg.values.size(), 200u);
    for (std::size_t i = 0; i < 200; ++i) ASSERT_NEAR(emg.values[i], i, 0.02) << i;
    const auto acc = read_all(file, {1}, 64);
    ASSERT_EQ(acc.values.size(), 50u);
    EXPECT_NEAR(acc.values[49], -2.0, 1e-3);
}

TEST(Recording, WriterRejectsWhatEdfCannotHold) {
    const auto file = tw_test::temp_file("refused.edf");
    EXPECT_THROW(tws::EdfPlusWriter(file, {}), twitchwatch::InputError);
    EXPECT_THROW(tws::EdfPlusWriter(file, {{"A", "uV", 100.5, -1, 1, ""}}),
                 twitchwatch::InputError);
    EXPECT_THROW(tws::EdfPlusWriter(file, {{"A", "uV", 100, 1, 1, ""}}), twitchwatch::InputError);
    EXPECT_THROW(tws::EdfPlusWriter("/nonexistent/dir/x.edf", {{"A", "uV", 100, -1, 1, ""}}),
                 twitchwatch::InputError);
    // What is wrong, in words: EDFlib's error number, or "disk full?" for a record too large.
    const auto message_of = [](const std::filesystem::path& path,
                               std::vector<tws::WriteChannel> channels) {
        try {
            tws::EdfPlusWriter writer(path, std::move(channels));
        } catch (const twitchwatch::InputError& e) {
            return std::string(e.what());
        }
        return std::string("(written)");
    };
    const auto folder = tw_test::temp_file("a_folder.edf");
    std::filesystem::create_directories(folder);
    EXPECT_NE(message_of(folder, {{"A", "uV", 100, -1, 1, ""}}).find("Is a directory"),
              std::string::npos);
    const std::vector<tws::WriteChannel> wide(64, {"A", "uV", 100000, -1, 1, ""});
    EXPECT_NE(message_of(file, wide)
                  .find("a data record of 12800000 bytes is more than EDFlib "
                        "writes (10485760)"),
              std::string::npos);
}

TEST(Recording, WriterWidensARangeToWhatTheHeaderHolds) {
    // A range in volts (a CSV's own data range): EDFlib cut 0.0000478 to "0.000047" in the
    // 8-character field while the samples were digitised against the exact range, so values
    // came back up to 58 uV off. The range is now widened to "-0.00003" .. "0.000048".
    const auto file = tw_test::temp_file("volts.edf");
    const std::vector<float> values = {-2.5697e-05f, 0.0f, 6e-09f, 1.2e-05f, 4.7867e-05f};
    {
        tws::EdfPlusWriter writer(file, {{"emg", "V", 5, -2.5697e-05, 4.7867e-05, ""}});
        writer.write(values, values.size());
    }
    const auto info = tws::read_recording_info(file);
    EXPECT_DOUBLE_EQ(info.channels[0].physical_min, -0.00003);
    EXPECT_DOUBLE_EQ(info.channels[0].physical_max, 0.000048);
    const double half_step = (0.000048 + 0.00003) / 65535 / 2;
    const auto read = read_all(file);
    ASSERT_EQ(read.values.size(), values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        EXPECT_NEAR(read.values[i], values[i], half_step * 1.01) << i;
    }
    // An inverted range stays inverted, widened outwards; a range no 8 characters hold is
    // refused naming the channel.
    {
        tws::EdfPlusWriter writer(file, {{"inv", "uV", 5, 1234.5678, -0.0004, ""}});
        writer.write(values, values.size());
    }
    const auto inverted = tws::read_recording_info(file);
    EXPECT_DOUBLE_EQ(inverted.channels[0].physical_min, 1234.568);
    EXPECT_DOUBLE_EQ(inverted.channels[0].physical_max, -0.0004);
    // Widened beyond recognition: +-1e-9 V would become +-0.000001 V (six sample values left).
    EXPECT_THROW(tws::EdfPlusWriter(file, {{"tiny", "V", 5, -1e-9, 1e-9, ""}}),
                 twitchwatch::InputError);
    try {
        tws::EdfPlusWriter writer(file, {{"huge", "uV", 5, -1e9, 1e9, ""}});
        FAIL() << "a range of +-1e9 was written";
    } catch (const twitchwatch::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("channel 'huge': physical range -1e+09 to 1e+09 uV "
                                             "does not fit the 8 characters of an EDF header"),
                  std::string::npos)
            << e.what();
    }
}

TEST(Recording, AnnotatedCopyKeepsSignalsAndAddsAnnotations) {
    const auto in = tw_test::temp_file("copy_in.edf");
    const auto out = tw_test::temp_file("copy_out.edf");
    const auto written = sine_frames(512, 256);
    {
        tws::EdfPlusWriter writer(in, two_channels(256));
        writer.write(written, 512);
        writer.annotate(0.5, 0, "original");
    }
    std::vector<tws::Annotation> added;
    for (int i = 0; i < 10; ++i) added.push_back({0.1 * i + 0.05, 0.02, "twitch"});
    tws::write_annotated_copy(in, out, added);
    const auto info = tws::read_recording_info(out);
    EXPECT_EQ(info.annotations.size(), 11u);  // more than one per data record
    EXPECT_EQ(info.annotations[5].text, "original");
    EXPECT_EQ(read_all(in).values, read_all(out).values);
}

TEST(Recording, AnnotationTextsAreCutBetweenCharacters) {
    // EDFlib keeps 40 bytes; its cut went through the 'ü' of "prüfen" (the 40th and 41st), and
    // MNE refused the file as invalid UTF-8.
    const std::string german =
        "Elektrode am Unterarm gel\xc3\xb6st, Kabel pr\xc3\xbc"
        "fen";
    const auto file = tw_test::temp_file("german.edf");
    {
        tws::EdfPlusWriter writer(file, two_channels(256));
        writer.reserve_annotations(3, 2.0);
        writer.write(sine_frames(512, 256), 512);
        EXPECT_TRUE(writer.annotate(0.5, 0, german));
        EXPECT_FALSE(writer.annotate(1.0, 0, "short"));
        EXPECT_FALSE(writer.annotate(1.5, 0, german.substr(0, 39)));  // up to the 'ü': whole
    }
    const auto info = tws::read_recording_info(file);
    ASSERT_EQ(info.annotations.size(), 3u);
    EXPECT_EQ(info.annotations[0].text, german.substr(0, 39));
    EXPECT_EQ(info.annotations[1].text, "short");
    // The copy says so, once for any number of texts.
    const auto copy = tw_test::temp_file("german_copy.edf");
    const auto warnings =
        tws::write_annotated_copy(file, copy, std::vector<tws::Annotation>{{0.2, 0, german}});
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0],
              "1 annotation text(s) longer than the 40 bytes EDFlib writes were shortened, at a "
              "character boundary");
}

TEST(Recording, ABdfCopyNotNamedBdfIsSaid) {
    const auto in = tw_test::temp_file("copy_in.bdf");
    {
        tws::EdfPlusWriter writer(in, two_channels(256), 1.0, true);
        writer.write(sine_frames(512, 256), 512);
    }
    const std::vector<tws::Annotation> none;
    const auto as_edf = tws::write_annotated_copy(in, tw_test::temp_file("bdf_copy.edf"), none);
    ASSERT_EQ(as_edf.size(), 1u);
    EXPECT_EQ(as_edf[0],
              "the input is BDF, so the copy is BDF+ (24-bit samples) although not named .bdf");
    EXPECT_TRUE(tws::write_annotated_copy(in, tw_test::temp_file("bdf_copy.BDF"), none).empty());
}

TEST(Recording, AnnotatedCopyOfDiscontinuousFileClosesTheGaps) {
    // Records at 0, 1 and 5 s: the copy is 3 s long, and the annotations move with the data
    // (they kept the recording's times, so those after the gap pointed 3 s too late).
    const auto in = discontinuous_file("copy_gaps.edf", false);
    const auto out = tw_test::temp_file("copy_gaps_out.edf");
    tws::write_annotated_copy(
        in, out,
        std::vector<tws::Annotation>{
            {0.25, 0, "added"}, {5.25, 0.5, "after the gap"}, {3.0, 0, "in the gap"}});
    const auto info = tws::read_recording_info(out);
    EXPECT_EQ(info.format, "EDF+C");
    EXPECT_DOUBLE_EQ(info.duration_s, 3.0);
    EXPECT_EQ(read_all(in).values, read_all(out).values);
    std::map<std::string, tws::Annotation> by_text;
    for (const auto& a : info.annotations) by_text[a.text] = a;
    ASSERT_EQ(by_text.size(), 6u);
    EXPECT_NEAR(by_text["twitch"].onset_s, 0.5, 1e-4);
    EXPECT_NEAR(by_text["twitch"].duration_s, 0.25, 1e-4);
    EXPECT_NEAR(by_text["added"].onset_s, 0.25, 1e-4);
    EXPECT_NEAR(by_text["cramp"].onset_s, 2.75, 1e-4);
    EXPECT_NEAR(by_text["second"].onset_s, 2.75, 1e-4);
    EXPECT_NEAR(by_text["after the gap"].onset_s, 2.25, 1e-4);
    EXPECT_NEAR(by_text["after the gap"].duration_s, 0.5, 1e-4);
    EXPECT_NEAR(by_text["in the gap"].onset_s, 2.0, 1e-4);
}

TEST(Recording, AnnotatedCopyKeepsSamplesOutsideTheDeclaredRange) {
    // A 12-bit amplifier's file: digital -2048..2047 declared for +-1000 uV, but 16-bit samples
    // hold more, and some are beyond it. The copy declared the range of the header and clipped
    // them to +-1000 uV; inverted polarity (minimum above maximum) stays inverted.
    for (const bool inverted : {false, true}) {
        RawHeader header;
        RawSignal emg;
        emg.physical_min = inverted ? "1000" : "-1000";
        emg.physical_max = inverted ? "-1000" : "1000";
        emg.digital_min = "-2048";
        emg.digital_max = "2047";
        header.signals = {emg, RawSignal{}};  // the second: full 16-bit range, never read first
        std::string bytes = tw_test::edf_header(header);
        for (const std::int32_t extreme : {4000, -6000}) {
            for (const std::int32_t value : {extreme, 10, -10, 2047}) {
                tw_test::append_sample(bytes, value, false);
            }
            for (const std::int32_t value : {1, 2, 3, 4})
                tw_test::append_sample(bytes, value, false);
        }
        const auto in = tw_test::write_file("beyond_range.edf", bytes);
        const auto out = tw_test::temp_file("beyond_range_copy.edf");
        const auto warnings = tws::write_annotated_copy(in, out, std::vector<tws::Annotation>{});
        ASSERT_EQ(warnings.size(), 1u);
        EXPECT_NE(warnings[0].find("the copy's range was widened so that none is clipped: EMG1 ("),
                  std::string::npos)
            << warnings[0];
        const auto original = read_all(in).values;
        const auto copied = read_all(out).values;
        ASSERT_EQ(copied.size(), original.size());
        const double step = 2000.0 / 4095.0;
        for (std::size_t i = 0; i < original.size(); ++i) {
            EXPECT_NEAR(copied[i], original[i], step / 2) << "sample " << i;
        }
        EXPECT_GT(std::abs(original[0]), 1900.0);  // the test's premise: beyond +-1000 uV
        const auto copy_info = tws::read_recording_info(out);
        EXPECT_EQ(copy_info.channels[0].physical_min > copy_info.channels[0].physical_max,
                  inverted);
    }
}

// CSV
TEST(Recording, CsvWithTimeColumnAndUnits) {
    std::string text = "# exported by a wearable\ntime_s,emg1_uV,acc z [g],note\n";
    for (int i = 0; i < 50; ++i) {
        text += std::to_string(10 + i * 0.004) + "," + std::to_string(i) + "," +
                std::to_string(-i * 0.5) + ",3\r\n";
    }
    const auto file = tw_test::write_file("wearable.csv", text);
    const auto info = tws::read_recording_info(file);
    EXPECT_EQ(info.format, "CSV");
    ASSERT_EQ(info.channels.size(), 3u);
    EXPECT_EQ(info.channels[0].label, "emg1");
    EXPECT_EQ(info.channels[0].physical_unit, "uV");
    EXPECT_EQ(info.channels[1].label, "acc z");
    EXPECT_EQ(info.channels[1].physical_unit, "g");
    EXPECT_EQ(info.channels[2].label, "note");
    EXPECT_EQ(info.channels[2].physical_unit, "");
    EXPECT_NEAR(info.channels[0].sample_rate_hz, 250, 1e-6);
    EXPECT_EQ(info.channels[0].sample_count, 50);
    EXPECT_NEAR(info.duration_s, 0.2, 1e-9);
    const auto frames = read_all(file, {1, 0}, 20);
    ASSERT_EQ(frames.values.size(), 100u);
    EXPECT_FLOAT_EQ(frames.values[2 * 49], -24.5f);
    EXPECT_FLOAT_EQ(frames.values[2 * 49 + 1], 49.0f);
    EXPECT_NEAR(frames.call_starts[1], 20 / 250.0, 1e-9);
}

TEST(Recording, CsvTimeInMillisecondsRoundedToFewDecimals) {
    std::string text = "time_ms,emg_mV\n";
    for (int i = 0; i < 30; ++i) {
        text += std::to_string(static_cast<int>(std::lround(i * 1000.0 / 3.0))) + ",1\n";
    }
    const auto info = tws::read_recording_info(tw_test::write_file("ms.csv", text));
    EXPECT_NEAR(info.channels[0].sample_rate_hz, 3.0, 1e-3);
}

namespace {

// `rows` rows at `rate_hz`, the times printed with `decimals` decimals.
std::string csv_at(double rate_hz, int rows, int decimals) {
    std::string text = "time_s,emg\n";
    char row[64];
    for (int i = 0; i < rows; ++i) {
        std::snprintf(row, sizeof row, "%.*f,%d\n", decimals, i / rate_hz, i % 7);
        text += row;
    }
    return text;
}

}  // namespace

TEST(Recording, CsvRateRoundedByItsTimesIsTheWholeRate) {
    // 512 Hz with times in whole milliseconds read as 511.994 Hz, which no EDF data record
    // holds: `detect --annotate` failed. The rounding of the times explains the difference.
    const auto file = tw_test::write_file("ms512.csv", csv_at(512, 5120, 3));
    EXPECT_DOUBLE_EQ(tws::read_recording_info(file).channels[0].sample_rate_hz, 512.0);
    const auto copy = tw_test::temp_file("ms512.edf");
    tws::write_annotated_copy(file, copy, std::vector<tws::Annotation>{{1.0, 0, "mark"}});
    EXPECT_EQ(read_all(copy).values.size(), 5120u);
    // 400.5 Hz in microseconds measured 400.49999 Hz: a data record of 2 s holds 801 samples.
    const auto half_file = tw_test::write_file("us400_5.csv", csv_at(400.5, 4005, 6));
    EXPECT_DOUBLE_EQ(tws::read_recording_info(half_file).channels[0].sample_rate_hz, 400.5);
    const auto half_copy = tw_test::temp_file("us400_5.edf");
    tws::write_annotated_copy(half_file, half_copy, std::vector<tws::Annotation>{});
    EXPECT_EQ(read_all(half_copy).values.size(), 4005u);  // five records of 2 s
    // A rate the rounding does not explain stays as measured (2.5 Hz is no whole rate).
    std::string uneven = "time_s,emg\n0,1\n0.4,1\n0.8,1\n1.2,1\n";
    EXPECT_NEAR(tws::read_recording_info(tw_test::write_file("uneven.csv", uneven))
                    .channels[0]
                    .sample_rate_hz,
                2.5, 1e-9);
}

TEST(Recording, AnnotatedCopyOfACsvHasItsLengthAndItsRate) {
    // 12.3 s at 1 kHz was padded to 13 s of 1 s records with 0. Records of 1.025 s divide the
    // 12300 rows, but EDFlib printed that duration as "1.024999" and the copy read 1000.001 Hz.
    const auto file = tw_test::write_file("12_3s.csv", csv_at(1000, 12300, 3));
    const auto copy = tw_test::temp_file("12_3s.edf");
    EXPECT_TRUE(tws::write_annotated_copy(file, copy, std::vector<tws::Annotation>{}).empty());
    const auto info = tws::read_recording_info(copy);
    EXPECT_DOUBLE_EQ(info.record_duration_s, 1.025);
    EXPECT_DOUBLE_EQ(info.channels[0].sample_rate_hz, 1000.0);
    EXPECT_EQ(info.channels[0].sample_count, 12300);
    EXPECT_NEAR(info.duration_s, 12.3, 1e-9);
}

TEST(Recording, CsvWithAByteOrderMarkIsRead) {
    // Spreadsheet programs start UTF-8 exports with EF BB BF: "not '???time_s'".
    const auto file = tw_test::write_file("bom.csv", "\xef\xbb\xbftime_s,emg\n0,1\n0.5,2\n1.0,3\n");
    const auto info = tws::read_recording_info(file);
    ASSERT_EQ(info.channels.size(), 1u);
    EXPECT_EQ(info.channels[0].label, "emg");
    EXPECT_DOUBLE_EQ(info.channels[0].sample_rate_hz, 2.0);
}

TEST(Recording, CsvUnitsWithAMicroSignAreMicrovolts) {
    // "EMG1 [µV]" gave the unit "??V": the micro sign U+00B5, and the Greek mu U+03BC.
    const auto file = tw_test::write_file(
        "micro.csv", "time_s,EMG1 [\xc2\xb5V],EMG2 (\xce\xbcV)\n0,1,2\n0.001,2,3\n0.002,3,4\n");
    const auto info = tws::read_recording_info(file);
    ASSERT_EQ(info.channels.size(), 2u);
    EXPECT_EQ(info.channels[0].physical_unit, "uV");
    EXPECT_EQ(info.channels[1].physical_unit, "uV");
}

namespace {

// 3 s at 1 kHz printed to the millisecond, without the rows of `missing` (0-based).
std::string csv_without_rows(std::initializer_list<int> missing) {
    std::string text = "time_s,emg\n";
    char row[64];
    for (int i = 0; i < 3000; ++i) {
        if (std::find(missing.begin(), missing.end(), i) != missing.end()) continue;
        std::snprintf(row, sizeof row, "%.3f,%d\n", i / 1000.0, i % 7);
        text += row;
    }
    return text;
}

}  // namespace

TEST(Recording, BadCsvIsInputError) {
    // Row i of csv_without_rows is on line i + 2 while no row before it is missing.
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"first column must be the time", "volts,emg\n1,2\n2,3\n"},
        {"no channel columns", "time_s\n1\n2\n"},
        {"not a finite number", "time_s,emg\n0,1\n0.1,abc\n"},
        {"not a finite number", "time_s,emg\n0,1\n0.1,nan\n"},
        {"fields", "time_s,emg\n0,1\n0.1,2,3\n"},
        {"does not increase", "time_s,emg\n0,1\n0,2\n"},
        {"line 4: time does not increase (0.1 s after 0.2 s)",
         "time_s,emg\n0,1\n0.2,1\n0.1,1\n0.3,1\n"},
        {"line 3: irregular sampling", "time_s,emg\n0,1\n0.1,1\n0.2,1\n0.9,1\n1.0,1\n"},
        // One row missing at 1 kHz passed as 999.9 Hz; two were reported on another line.
        {"line 2002: irregular sampling: the time steps 0.002 s from the row before",
         csv_without_rows({2000})},
        {"line 1502: irregular sampling: the time steps 0.003 s from the row before, where one "
         "sampling period at 999 Hz is 0.001001 s: rows are missing",
         csv_without_rows({1500, 1501})},
        {"line 502: irregular sampling", csv_without_rows({500, 501, 502, 503, 504})},
        // 2048 Hz printed to the millisecond: "time does not increase".
        {"line 3: the time repeats the row's before: the time column's resolution (0.001 s) is "
         "too coarse for its sample rate",
         csv_at(2048, 4096, 3)},
        {"at least two rows", "time_s,emg\n0,1\n"},
        {"empty", ""},
        {"absurd sample rate", "time_s,emg\n0,1\n0.00000000001,2\n"},
        // A time column reaching 1e308: a rate of 1e-308 Hz and a duration of infinity.
        {"absurd sample rate", "time_s,emg\n0,1\n1e308,2\n"},
        // Beyond a float: the channel became infinite and silent.
        {"beyond what a 32-bit sample holds", "time_s,emg\n0,1\n0.1,1e39\n0.2,1\n"},
        // Old Mac line ends: the whole file was one line of "more than 4096 columns".
        {"carriage return (CR) inside it", "time_s,emg\r0,1\r0.1,2\r"},
        {"longer than", "time_s," + std::string(2 * 1024 * 1024, 'x') + "\n"},
    };
    int i = 0;
    for (const auto& [words, text] : cases) {
        const auto file = tw_test::write_file("bad" + std::to_string(i++) + ".csv", text);
        const auto message = error_of(file);
        EXPECT_NE(message.find(words), std::string::npos) << words << " / " << message;
        EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    }
}

TEST(Recording, WriterRefusesToDropAnnotationsSilently) {
    const auto file = tw_test::temp_file("crowded.edf");
    std::vector<float> frames(20);
    {
        tws::EdfPlusWriter writer(file, {{"A", "uV", 10, -1, 1, ""}});
        writer.write(frames, 20);  // two data records: room for two annotations
        for (int i = 0; i < 5; ++i) writer.annotate(0.1 * i, 0, "event");
        EXPECT_THROW(writer.close(), twitchwatch::InputError);
    }
    {
        tws::EdfPlusWriter writer(file, {{"A", "uV", 10, -1, 1, ""}});
        writer.reserve_annotations(5, 2.0);
        writer.write(frames, 20);
        for (int i = 0; i < 5; ++i) writer.annotate(0.1 * i, 0, "event");
        writer.close();
    }
    EXPECT_EQ(tws::read_recording_info(file).annotations.size(), 5u);
}
