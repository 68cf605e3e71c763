// The record-level decoder of SampleReader checked against EDFlib, the reference reader, on the
// same files: EDF+ and BDF+ written through EdfPlusWriter, and plain EDF/BDF built byte by byte
// with inverted polarity and unusual digital ranges.
#include <edflib.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "test_recording_edf_builder.hpp"
#include "twitchwatch/signal/recording.hpp"

namespace tws = twitchwatch::signal;

namespace {

struct EdflibFile {
    edf_hdr_struct header{};
    int handle = -1;
    explicit EdflibFile(const std::filesystem::path& file) {
        const int result =
            edfopen_file_readonly(file.c_str(), &header, EDFLIB_READ_ALL_ANNOTATIONS);
        handle = result == 0 ? header.handle : -1;
    }
    ~EdflibFile() {
        if (handle >= 0) edfclose_file(handle);
    }
    EdflibFile(const EdflibFile&) = delete;
    EdflibFile& operator=(const EdflibFile&) = delete;
};

std::vector<float> read_channel(const std::filesystem::path& file, std::size_t channel) {
    auto reader = tws::SampleReader::open(file, {channel});
    std::vector<float> values, block(777);  // a block size that is no divisor of the records
    double start_s = 0;
    while (const auto got = reader->read(block, block.size(), start_s)) {
        values.insert(values.end(), block.begin(),
                      block.begin() + static_cast<std::ptrdiff_t>(got));
    }
    return values;
}

void expect_equal_to_edflib(const std::filesystem::path& file) {
    EdflibFile reference(file);
    ASSERT_GE(reference.handle, 0) << "EDFlib cannot open " << file;
    const auto info = tws::read_recording_info(file);
    ASSERT_EQ(info.channels.size(), static_cast<std::size_t>(reference.header.edfsignals));
    EXPECT_EQ(info.annotations.size(),
              static_cast<std::size_t>(reference.header.annotations_in_file));
    // EDFlib lists annotations in file order, twitchwatch by onset.
    std::vector<tws::Annotation> expected_annotations;
    for (int a = 0; a < reference.header.annotations_in_file; ++a) {
        edf_annotation_struct annotation{};
        ASSERT_EQ(edf_get_annotation(reference.handle, a, &annotation), 0);
        expected_annotations.push_back(
            {static_cast<double>(annotation.onset) / EDFLIB_TIME_DIMENSION, 0,
             annotation.annotation});
    }
    std::stable_sort(expected_annotations.begin(), expected_annotations.end(),
                     [](const auto& a, const auto& b) { return a.onset_s < b.onset_s; });
    for (std::size_t a = 0; a < info.annotations.size(); ++a) {
        EXPECT_NEAR(info.annotations[a].onset_s, expected_annotations[a].onset_s, 1e-7);
        EXPECT_EQ(info.annotations[a].text, expected_annotations[a].text);
    }
    for (std::size_t c = 0; c < info.channels.size(); ++c) {
        const auto& param = reference.header.signalparam[c];
        const auto& channel = info.channels[c];
        EXPECT_EQ(
            channel.label,
            std::string(param.label).substr(0, std::string(param.label).find_last_not_of(' ') + 1));
        EXPECT_EQ(channel.sample_count, param.smp_in_file);
        EXPECT_EQ(channel.digital_min, param.dig_min);
        EXPECT_EQ(channel.digital_max, param.dig_max);
        EXPECT_DOUBLE_EQ(channel.physical_min, param.phys_min);
        EXPECT_DOUBLE_EQ(channel.physical_max, param.phys_max);

        std::vector<double> expected(static_cast<std::size_t>(param.smp_in_file));
        ASSERT_EQ(edfread_physical_samples(reference.handle, static_cast<int>(c),
                                           static_cast<int>(expected.size()), expected.data()),
                  static_cast<int>(expected.size()));
        const auto ours = read_channel(file, c);
        ASSERT_EQ(ours.size(), expected.size());
        // Same digital value, same scaling: equal up to the rounding to float (and EDFlib's
        // different but equivalent arrangement of the formula).
        const double step =
            std::abs(param.phys_max - param.phys_min) / (param.dig_max - param.dig_min);
        for (std::size_t i = 0; i < ours.size(); ++i) {
            ASSERT_NEAR(ours[i], expected[i], 1e-6 * step + std::abs(expected[i]) * 1.2e-7)
                << file << " channel " << c << " sample " << i;
        }
    }
}

std::filesystem::path written_file(const std::string& name, bool bdf) {
    const auto file = tw_test::temp_file(name);
    tws::EdfPlusWriter writer(file,
                              {{"EMG 1", "uV", 512, -3000, 3000, "surface"},
                               {"EMG 2", "mV", 512, 5, -5, "surface"},
                               {"ACC", "g", 128, -16, 16, "accelerometer"}},
                              0.5, bdf);
    std::mt19937 random(bdf ? 11 : 7);
    std::normal_distribution<double> noise(0, 1);
    std::vector<std::vector<double>> record = {std::vector<double>(256), std::vector<double>(256),
                                               std::vector<double>(64)};
    for (int r = 0; r < 21; ++r) {
        for (auto& v : record[0]) v = 800 * noise(random);
        for (auto& v : record[1]) v = 2 * noise(random);
        for (auto& v : record[2]) v = 20 * noise(random);  // clips at the range
        writer.write_record(record);
        if (r % 4 == 0) writer.annotate(0.5 * r + 0.1, 0.05, "event " + std::to_string(r));
    }
    writer.close();
    return file;
}

std::filesystem::path built_file(const std::string& name, bool bdf) {
    tw_test::RawHeader header;
    header.bdf = bdf;
    header.record_count = "5";
    tw_test::RawSignal inverted;
    inverted.label = "EMG inverted";
    inverted.physical_min = "250.5";
    inverted.physical_max = "-249.5";
    inverted.digital_min = bdf ? "-100000" : "-2000";
    inverted.digital_max = bdf ? "100001" : "2047";
    inverted.samples_per_record = "10";
    tw_test::RawSignal offset = inverted;
    offset.label = "EMG offset";
    offset.physical_min = "0";
    offset.physical_max = "4095";
    offset.digital_min = "0";
    offset.digital_max = "4095";
    offset.samples_per_record = "3";
    header.signals = {inverted, offset};
    std::string bytes = tw_test::edf_header(header);
    std::mt19937 random(3);
    for (int r = 0; r < 5; ++r) {
        std::uniform_int_distribution<int> first(bdf ? -100000 : -2000, bdf ? 100001 : 2047);
        for (int i = 0; i < 10; ++i) tw_test::append_sample(bytes, first(random), bdf);
        std::uniform_int_distribution<int> second(0, 4095);
        for (int i = 0; i < 3; ++i) tw_test::append_sample(bytes, second(random), bdf);
    }
    return tw_test::write_file(name, bytes);
}

}  // namespace

TEST(RecordingEdflib, EdfPlusWrittenByTheWriterReadsAsEdflibReadsIt) {
    expect_equal_to_edflib(written_file("edflib_written.edf", false));
}

TEST(RecordingEdflib, BdfPlusWrittenByTheWriterReadsAsEdflibReadsIt) {
    expect_equal_to_edflib(written_file("edflib_written.bdf", true));
}

TEST(RecordingEdflib, PlainEdfWithInvertedPolarityReadsAsEdflibReadsIt) {
    expect_equal_to_edflib(built_file("edflib_built.edf", false));
}

TEST(RecordingEdflib, PlainBdfWithInvertedPolarityReadsAsEdflibReadsIt) {
    expect_equal_to_edflib(built_file("edflib_built.bdf", true));
}

TEST(RecordingEdflib, AnnotatedCopyReadsAsEdflibReadsIt) {
    const auto in = written_file("edflib_copy_in.edf", false);
    const auto out = tw_test::temp_file("edflib_copy_out.edf");
    const std::vector<tws::Annotation> added = {{1.0, 0.01, "twitch"}, {1.02, 0.01, "twitch"}};
    tws::write_annotated_copy(in, out, added);
    expect_equal_to_edflib(out);
}

TEST(RecordingEdflib, EdfPlusWithSubsecondStartReadsAsEdflibReadsIt) {
    // Record time stamps +0.5, +1.5, +2.5: the recording starts half a second after the header's
    // whole second, and annotation onsets count from the first sample.
    tw_test::RawHeader header;
    header.reserved = "EDF+C";
    header.record_count = "3";
    header.recording = "Startdate 01-FEB-2003 X X X";
    header.signals.push_back(tw_test::RawSignal{});
    header.signals.push_back(tw_test::annotation_signal());
    std::string bytes = tw_test::edf_header(header);
    const std::vector<std::string> tals = {
        tw_test::time_keeping_tal("+0.5") + "+1.25\x14twitch\x14" + '\0',
        tw_test::time_keeping_tal("+1.5"),
        tw_test::time_keeping_tal("+2.5") +
            "+3\x15"
            "0.5\x14massage\x14" +
            '\0'};
    for (const auto& tal : tals) {
        for (int i = 0; i < 4; ++i) tw_test::append_sample(bytes, i * 1000 - 1500, false);
        bytes += tw_test::tal_bytes(tal, 60);
    }
    const auto file = tw_test::write_file("edflib_subsecond.edf", bytes);
    expect_equal_to_edflib(file);
    const auto info = tws::read_recording_info(file);
    EXPECT_EQ(info.start, "2003-02-01T04:05:06.5");
    ASSERT_EQ(info.annotations.size(), 2u);
    EXPECT_DOUBLE_EQ(info.annotations[0].onset_s, 0.75);
    EXPECT_DOUBLE_EQ(info.annotations[1].onset_s, 2.5);
    EXPECT_DOUBLE_EQ(info.annotations[1].duration_s, 0.5);
}
