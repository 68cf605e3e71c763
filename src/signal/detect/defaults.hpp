#pragma once
// The detector's defaults as data: knowledge/detection.toml, read into DetectOptions per kind of
// channel, with each option's one-line description.

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "twitchwatch/signal/detect.hpp"

namespace twitchwatch::signal::detail {

struct DetectDefaults {
    DetectOptions emg{DetectOptions::Blank{}};
    DetectOptions accelerometer{DetectOptions::Blank{}};
    std::map<std::string, std::string, std::less<>> descriptions;  // option name -> one line
};

// Reads a defaults file's text. Every option needs a table with a value and a description, and
// every table must name an option; otherwise throws InputError naming `source`, the option and
// what is wrong.
DetectDefaults parse_detect_defaults(std::string_view toml_text, const std::string& source);

// The file compiled into the library, read at first use.
const DetectDefaults& detect_defaults();

}  // namespace twitchwatch::signal::detail
