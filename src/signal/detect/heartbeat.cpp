#include "heartbeat.hpp"

#include <algorithm>
#include <cmath>
#include <deque>

namespace twitchwatch::signal::detail {
namespace {

constexpr std::size_t kRhythmIntervals = 5;  // the interval followed: median of the last five

double median(std::vector<double> values) {
    const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
    std::nth_element(values.begin(), middle, values.end());
    return *middle;
}

// The intervals between consecutive beats (ascending times).
std::vector<double> intervals_of(const std::vector<double>& beats) {
    std::vector<double> intervals;
    for (std::size_t i = 1; i < beats.size(); ++i) intervals.push_back(beats[i] - beats[i - 1]);
    return intervals;
}

// Whether an event at `onset_s` lies in the window of one of the beats (ascending): part of its
// complex, which the caller takes out.
bool in_beat_window(std::span<const double> beats, double onset_s, const HeartbeatRule& rule) {
    const auto after = std::lower_bound(beats.begin(), beats.end(), onset_s - rule.after_s);
    return after != beats.end() && *after <= onset_s + rule.before_s;
}

class Search {
  public:
    Search(std::span<const double> t, std::span<const double> peak, const HeartbeatRule& rule)
        : t_(t), peak_(peak), rule_(rule) {}

    // One interval may stray beyond the rates looked for by the tolerance (breathing moves a
    // heart at 40 a minute past 1.5 s now and then); the median interval may not (see seeds).
    bool within_rates(double interval) const {
        return interval >= rule_.min_interval_s * (1 - rule_.seed_tolerance) &&
               interval <= rule_.max_interval_s * (1 + rule_.seed_tolerance);
    }

    bool similar(double a, double b) const {
        return std::max(a, b) <= rule_.peak_ratio * std::min(a, b);
    }

    // Of the events within `window` of `expected` whose peak is like `peak`, the one that fits
    // best: nearest in time and in size together, each measured against what it may be off by.
    // (Time alone would take a later phase of the same QRS complex, size alone a random twitch
    // of the right size at the window's edge.)
    std::size_t closest(double expected, double window, double peak) const {
        const auto from = std::lower_bound(t_.begin(), t_.end(), expected - window);
        std::size_t best = t_.size();
        double best_misfit = 0;
        for (auto k = static_cast<std::size_t>(from - t_.begin());
             k < t_.size() && t_[k] <= expected + window; ++k) {
            if (!similar(peak, peak_[k])) continue;
            // With peak_ratio 1 only equal peaks pass, and size adds nothing (not 0 / 0).
            const double size_misfit =
                rule_.peak_ratio > 1
                    ? std::log(std::max(peak, peak_[k]) / std::min(peak, peak_[k])) /
                          std::log(rule_.peak_ratio)
                    : 0;
            const double misfit = std::abs(t_[k] - expected) / window + size_misfit;
            if (best == t_.size() || misfit < best_misfit) {
                best = k;
                best_misfit = misfit;
            }
        }
        return best;
    }

    // Events in a row from `first` and `second` on, each one interval (the median of the last
    // few) after the previous. No beat may be missing: allowing one let random twitches at 120 a
    // minute form seeds in 8 of 12 recordings.
    std::vector<std::size_t> seed(std::size_t first, std::size_t second) const {
        std::vector<std::size_t> members{first, second};
        std::deque<double> recent{t_[second] - t_[first]};
        while (true) {
            const std::size_t last = members.back();
            const double interval = median({recent.begin(), recent.end()});
            const auto next =
                closest(t_[last] + interval, rule_.seed_tolerance * interval, peak_[last]);
            if (next == t_.size() || next <= last) break;
            const double seen = t_[next] - t_[last];
            if (!within_rates(seen)) break;
            recent.push_back(seen);
            if (recent.size() > kRhythmIntervals) recent.pop_front();
            members.push_back(next);
        }
        return members;
    }

    // The beats after (direction +1) or before (-1) the seed, up to `limit_s`. The next beat is
    // looked for n intervals (the median of the last few) from the last one seen, n - 1 beats
    // not seen in between, within a window that grows as the square root of n (beat-to-beat
    // changes add up like a random walk); the beats not seen are placed evenly between the two
    // seen around them, and after more than `max_missed` in a row the rhythm is lost. (A phase
    // taken as the median of the last few beats resisted an event taken in error but lagged
    // behind breathing's swing of the interval and lost the rhythm sooner.)
    std::vector<double> follow(const std::vector<std::size_t>& seed, int direction,
                               double limit_s) const {
        std::deque<double> recent;
        std::vector<double> peaks;
        for (std::size_t i = 1; i < seed.size(); ++i) {
            recent.push_back(t_[seed[i]] - t_[seed[i - 1]]);
        }
        while (recent.size() > kRhythmIntervals) recent.pop_front();
        for (auto member : seed) peaks.push_back(peak_[member]);
        const double peak = median(peaks);
        double last_seen = direction > 0 ? t_[seed.back()] : t_[seed.front()];
        std::vector<double> beats;
        std::size_t span = 1;  // intervals from the last beat seen to the one looked for
        while (span <= rule_.max_missed + 1) {
            const double interval = median({recent.begin(), recent.end()});
            const double expected = last_seen + direction * static_cast<double>(span) * interval;
            if (direction > 0 ? expected > limit_s : expected < limit_s) break;
            const double window = rule_.tolerance * interval * std::sqrt(static_cast<double>(span));
            const auto seen = closest(expected, window, peak);
            if (seen == t_.size()) {
                ++span;
                continue;
            }
            const double step = (t_[seen] - last_seen) / static_cast<double>(span);
            for (std::size_t k = 1; k < span; ++k) {
                beats.push_back(last_seen + step * static_cast<double>(k));
            }
            beats.push_back(t_[seen]);
            recent.push_back(std::abs(step));
            if (recent.size() > kRhythmIntervals) recent.pop_front();
            last_seen = t_[seen];
            span = 1;
        }
        return beats;
    }

    // A rhythm followed at a whole fraction of the heart's, every second or third beat (its
    // seed's window, twice or three times as wide in seconds, lets it through beats missed
    // that stop the heart's own), leaves events like the beats between them. Where most gaps
    // hold them at their halves (or thirds), the heart's interval is the median of those parts,
    // and every gap of n such intervals gets the n - 1 beats between: the events, or the
    // places where they should be.
    std::vector<double> between(const std::vector<double>& beats, double peak) const {
        const double shortest = rule_.min_interval_s * (1 - rule_.seed_tolerance);
        for (const int parts : {2, 3}) {
            std::size_t gaps = 0;
            std::vector<double> held_parts;
            for (std::size_t i = 1; i < beats.size(); ++i) {
                const double part = (beats[i] - beats[i - 1]) / parts;
                if (part < shortest) continue;
                ++gaps;
                bool all = true;
                for (int k = 1; k < parts && all; ++k) {
                    all =
                        closest(beats[i - 1] + k * part, rule_.tolerance * part, peak) != t_.size();
                }
                if (all) held_parts.push_back(part);
            }
            if (gaps == 0 || 2 * held_parts.size() < gaps) continue;
            const double interval = median(held_parts);
            std::vector<double> refined{beats.front()};
            for (std::size_t i = 1; i < beats.size(); ++i) {
                const double gap = beats[i] - beats[i - 1];
                const double n = std::round(gap / interval);
                for (double k = 1; k < n; ++k) {
                    const double expected = beats[i - 1] + gap * k / n;
                    const auto seen = closest(expected, rule_.tolerance * gap / n, peak);
                    refined.push_back(seen == t_.size() ? expected : t_[seen]);
                }
                refined.push_back(beats[i]);
            }
            return refined;
        }
        return beats;
    }

  private:
    std::span<const double> t_, peak_;
    const HeartbeatRule& rule_;
};

// A heart does not beat sooner than this after the last beat.
double shortest_interval(const HeartbeatRule& rule) {
    return rule.min_interval_s * (1 - rule.seed_tolerance);
}

// An event of the class of `centre`: peak within sqrt(peak_ratio) (so any two within peak_ratio,
// as in a seed), duration within irregular_duration_ratio and channels seen within peak_ratio
// (a beat is seen on many channels at once, a twitch on one or a few), on any channel (where
// the heart is seen about equally well on two, either may show it best).
bool like(const HeartbeatRule& rule, const BeatCandidate& centre, const BeatCandidate& e) {
    const auto within = [](double a, double b, double factor) {
        return a * factor >= b && a <= factor * b;
    };
    return within(e.peak, centre.peak, std::sqrt(rule.peak_ratio)) &&
           within(e.duration_s, centre.duration_s, rule.irregular_duration_ratio) &&
           within(static_cast<double>(e.channels_seen), static_cast<double>(centre.channels_seen),
                  rule.peak_ratio);
}

// A class of events alike (`like`) and the event it was found around.
struct BeatClass {
    std::vector<double> beats;
    BeatCandidate centre;
};

// The step between the events tried as a class's centre: every one, or of many only every n-th,
// spread evenly in time, so that at most irregular_max_centres are tried.
std::size_t centre_step(std::size_t events, const HeartbeatRule& rule) {
    return std::max<std::size_t>(
        1, (events + rule.irregular_max_centres - 1) / rule.irregular_max_centres);
}

// The beats of one kind in an irregular rhythm (find_irregular_heartbeat), or none. Each event
// (of many, every n-th) is tried as the centre of a class of the events `like` it; of the classes
// that pass, the one with the most beats.
BeatClass irregular_beats(const std::vector<BeatCandidate>& events, double duration,
                          const HeartbeatRule& rule) {
    // The class's events in time; one that follows a beat sooner than the heart can (a twitch
    // of the beats' kind just after one) is no beat, and such strays must be few: random events
    // of one kind thinned to the shortest interval would look regular.
    const double shortest = shortest_interval(rule);
    BeatClass best;
    std::vector<double> beats;
    const std::size_t step = centre_step(events.size(), rule);
    for (std::size_t c = 0; c < events.size(); c += step) {
        const auto& centre = events[c];
        beats.clear();
        std::size_t strays = 0;
        for (const auto& e : events) {
            if (!like(rule, centre, e)) continue;
            if (!beats.empty() && e.onset_s - beats.back() < shortest) {
                ++strays;
            } else {
                beats.push_back(e.onset_s);
            }
        }
        const auto count = static_cast<double>(beats.size());
        if (beats.size() < rule.irregular_min_beats || beats.size() <= best.beats.size() ||
            static_cast<double>(strays) > rule.irregular_stray_share * count ||
            duration / count < rule.min_interval_s ||
            duration / count > rule.irregular_min_interval_s) {
            continue;
        }
        // Most intervals near their median: a heart's vary by a fifth (atrial fibrillation) or
        // alternate with an ectopic beat's; random events' spread over the whole range.
        const auto intervals = intervals_of(beats);
        const double typical = median(intervals);
        const auto near = std::count_if(intervals.begin(), intervals.end(), [&](double interval) {
            return std::abs(interval - typical) <= rule.irregular_spread * typical;
        });
        if (static_cast<double>(near) >=
            rule.irregular_share * static_cast<double>(intervals.size())) {
            best = {beats, centre};
        }
    }
    return best;
}

// Premature (ectopic) beats among the events the heart's beats left (`beats` ascending): a class
// as in irregular_beats, of at least `ectopic_min_beats`, most of whose events follow the beat
// before at one lag (the coupling interval: a premature beat is triggered by the one before it),
// within `ectopic_lag_tolerance` of the median lag. Random events fall anywhere in the interval.
std::vector<double> ectopic_beats(const std::vector<BeatCandidate>& events,
                                  const std::vector<double>& beats, const HeartbeatRule& rule) {
    std::vector<double> best, members, lags;
    const std::size_t step = centre_step(events.size(), rule);
    for (std::size_t c = 0; c < events.size(); c += step) {
        const auto& centre = events[c];
        members.clear();
        lags.clear();
        for (const auto& e : events) {
            if (!like(rule, centre, e)) continue;
            const auto after = std::upper_bound(beats.begin(), beats.end(), e.onset_s);
            if (after == beats.begin()) continue;
            if (!members.empty() && e.onset_s - members.back() < shortest_interval(rule)) continue;
            members.push_back(e.onset_s);
            lags.push_back(e.onset_s - *std::prev(after));
        }
        if (members.size() < rule.ectopic_min_beats || members.size() <= best.size()) continue;
        const double typical = median(lags);
        const auto coupled = std::count_if(lags.begin(), lags.end(), [&](double lag) {
            return std::abs(lag - typical) <= rule.ectopic_lag_tolerance * typical;
        });
        if (static_cast<double>(coupled) >=
            rule.irregular_share * static_cast<double>(lags.size())) {
            best = members;
        }
    }
    return best;
}

}  // namespace

HeartbeatRule heartbeat_rule(const DetectOptions& o) {
    return {o.heartbeat_min_beats,
            o.heartbeat_chance_seeds,
            o.heartbeat_seed_tolerance,
            o.heartbeat_tolerance,
            o.heartbeat_max_missed,
            60.0 / o.heartbeat_max_rate_per_min,
            60.0 / o.heartbeat_min_rate_per_min,
            o.heartbeat_peak_ratio,
            o.heartbeat_before_s,
            o.heartbeat_after_s,
            o.heartbeat_irregular_min_beats,
            o.heartbeat_irregular_max_centres,
            60.0 / o.heartbeat_irregular_min_rate_per_min,
            o.heartbeat_irregular_duration_ratio,
            o.heartbeat_irregular_spread,
            o.heartbeat_irregular_share,
            o.heartbeat_irregular_stray_share,
            o.heartbeat_ectopic_min_beats,
            o.heartbeat_ectopic_lag_tolerance,
            o.heartbeat_hidden_after_s};
}

Heartbeat find_heartbeat(std::span<const double> onsets_s, std::span<const double> peaks,
                         const HeartbeatRule& rule) {
    Heartbeat heartbeat;
    if (rule.min_beats < 2 || onsets_s.empty()) return heartbeat;
    const Search search(onsets_s, peaks, rule);
    // How long a seed must be for random events at this recording's rate to form one by chance
    // less often than `chance_seeds` times: each next event falls into the window with
    // probability p = 1 - exp(-rate x window), so a run of k more has p^k, from any of the
    // pairs of events one interval apart.
    const double duration = onsets_s.back() - onsets_s.front();
    const double rate = duration > 0 ? static_cast<double>(onsets_s.size()) / duration : 0;
    const double pairs =
        static_cast<double>(onsets_s.size()) * rate * (rule.max_interval_s - rule.min_interval_s);
    const auto long_enough = [&](const std::vector<std::size_t>& members) {
        if (members.size() < rule.min_beats) return false;
        std::vector<double> intervals;
        for (std::size_t i = 1; i < members.size(); ++i) {
            intervals.push_back(onsets_s[members[i]] - onsets_s[members[i - 1]]);
        }
        const double interval = median(intervals);
        if (interval < rule.min_interval_s || interval > rule.max_interval_s) return false;
        const double p = 1 - std::exp(-rate * 2 * rule.seed_tolerance * interval);
        if (p <= 0 || pairs <= rule.chance_seeds) return true;
        const double more = std::log(rule.chance_seeds / pairs) / std::log(p);
        return static_cast<double>(members.size()) >= 2 + std::ceil(more);
    };
    std::vector<std::vector<std::size_t>> seeds;
    std::size_t searched_to = 0;  // a seed's events start no other
    for (std::size_t i = 0; i < onsets_s.size(); ++i) {
        if (i < searched_to) continue;
        const double longest = rule.max_interval_s * (1 + rule.seed_tolerance);
        for (std::size_t j = i + 1; j < onsets_s.size() && onsets_s[j] - onsets_s[i] <= longest;
             ++j) {
            if (!search.within_rates(onsets_s[j] - onsets_s[i]) ||
                !search.similar(peaks[i], peaks[j])) {
                continue;
            }
            auto members = search.seed(i, j);
            if (!long_enough(members)) continue;
            searched_to = members.back() + 1;
            seeds.push_back(std::move(members));
            break;
        }
    }
    if (seeds.empty()) return heartbeat;
    // Forward from each seed up to the next one, backward from the first to the start and from
    // each later one back to where the rhythm followed before it was lost (else the beats
    // between stayed counted: 20 s of a 40 uV ECG, 40 false twitches, on one recording).
    auto& beats = heartbeat.beats_s;
    beats = search.follow(seeds.front(), -1, onsets_s.front() - rule.max_interval_s);
    for (std::size_t s = 0; s < seeds.size(); ++s) {
        if (s > 0) {
            const auto before = search.follow(seeds[s], -1, beats.back() + rule.min_interval_s);
            beats.insert(beats.end(), before.rbegin(), before.rend());
        }
        for (auto member : seeds[s]) beats.push_back(onsets_s[member]);
        const double limit = s + 1 < seeds.size()
                                 ? onsets_s[seeds[s + 1].front()] - rule.min_interval_s
                                 : onsets_s.back() + rule.max_interval_s;
        const auto after = search.follow(seeds[s], +1, limit);
        beats.insert(beats.end(), after.begin(), after.end());
    }
    std::sort(beats.begin(), beats.end());
    std::vector<double> seed_peaks;
    for (const auto& seed : seeds) {
        for (auto member : seed) seed_peaks.push_back(peaks[member]);
    }
    beats = search.between(beats, median(seed_peaks));
    // One beat for times closer than a QRS complex (a seed's parts, a beat found twice).
    std::vector<double> distinct;
    for (double b : beats) {
        if (distinct.empty() || b - distinct.back() > rule.before_s + rule.after_s) {
            distinct.push_back(b);
        }
    }
    beats = std::move(distinct);
    if (beats.size() > 1) heartbeat.beats_per_min = 60.0 / median(intervals_of(beats));
    return heartbeat;
}

Heartbeat find_irregular_heartbeat(std::span<const BeatCandidate> events,
                                   const HeartbeatRule& rule) {
    Heartbeat heartbeat;
    // heartbeat_min_beats 0 switches every heartbeat search off, this one too.
    if (rule.min_beats < 2 || rule.irregular_min_beats < 2 ||
        events.size() < rule.irregular_min_beats) {
        return heartbeat;
    }
    const double duration = events.back().onset_s - events.front().onset_s;
    if (!(duration > 0)) return heartbeat;
    std::vector<BeatCandidate> left(events.begin(), events.end());
    // A kind of beat at a time: in bigeminy the normal beats and the ectopic ones (another
    // shape, size and channel) are two classes at half the heart's rate each.
    while (true) {
        // Named members rather than a structured binding: Clang 14 (the fuzz build) does not
        // let a lambda capture a binding.
        BeatClass kind = irregular_beats(left, duration, rule);
        auto& beats = kind.beats;
        const auto& centre = kind.centre;
        if (beats.empty()) break;
        // A twitch on top of a beat makes it larger than its class (a beat merged with a twitch
        // of SNR 20 stood at 37 where the class's were about 17): an event of the class's
        // duration and channels seen, larger, in a gap where a beat is missing (half as long
        // again as the median interval) and not closer than the shortest interval to a beat,
        // is one. (Without the gap, a class of small events took twitches of the same duration.)
        const double missing = 1.5 * median(intervals_of(beats));
        for (const auto& e : left) {
            BeatCandidate size_aside = e;
            size_aside.peak = centre.peak;
            if (!(e.peak > centre.peak) || !like(rule, centre, size_aside)) continue;
            const auto after = std::lower_bound(beats.begin(), beats.end(), e.onset_s);
            if (after == beats.begin() || after == beats.end()) continue;
            const double previous = *std::prev(after), next = *after;
            if (next - previous >= missing && next - e.onset_s >= shortest_interval(rule) &&
                e.onset_s - previous >= shortest_interval(rule)) {
                beats.insert(after, e.onset_s);
            }
        }
        // The events of these beats' complexes (the windows the caller takes out) are no
        // candidates for another kind.
        std::erase_if(
            left, [&](const BeatCandidate& e) { return in_beat_window(beats, e.onset_s, rule); });
        heartbeat.beats_s.insert(heartbeat.beats_s.end(), beats.begin(), beats.end());
    }
    if (heartbeat.beats_s.empty()) return heartbeat;
    std::sort(heartbeat.beats_s.begin(), heartbeat.beats_s.end());
    heartbeat.beats_per_min = 60.0 * static_cast<double>(heartbeat.beats_s.size()) / duration;
    heartbeat.irregular = true;
    return heartbeat;
}

void add_ectopic_beats(std::span<const BeatCandidate> events, Heartbeat& heartbeat,
                       const HeartbeatRule& rule) {
    if (rule.ectopic_min_beats < 2 || heartbeat.beats_s.empty() || events.empty()) return;
    const double duration = events.back().onset_s - events.front().onset_s;
    auto& beats = heartbeat.beats_s;
    std::vector<BeatCandidate> left;
    std::size_t added = 0;
    while (true) {
        left.clear();
        for (const auto& e : events) {
            if (!in_beat_window(beats, e.onset_s, rule)) left.push_back(e);
        }
        const auto ectopic = ectopic_beats(left, beats, rule);
        if (ectopic.empty()) break;
        added += ectopic.size();
        beats.insert(beats.end(), ectopic.begin(), ectopic.end());
        std::sort(beats.begin(), beats.end());
    }
    if (added == 0 || !(duration > 0)) return;
    heartbeat.beats_per_min = 60.0 * static_cast<double>(beats.size()) / duration;
    heartbeat.irregular = true;
}

std::vector<Hidden> hidden_by_beats(std::span<const HiddenCandidate> echoes,
                                    std::span<const double> beats,
                                    std::span<const BeatCandidate> counted,
                                    const HeartbeatRule& rule, const EchoRule& echo) {
    std::vector<Hidden> hidden;
    if (beats.empty()) return hidden;
    // Per channel the last event restored: the echo rule as it would have run without the beat
    // (a twitch's own ringing after it is still its echo).
    std::vector<const HiddenCandidate*> last;
    // Just after the window the QRS complex's band-passed tail crosses the threshold again on
    // channels where it lasts longest: such an event is the beat's echo indeed.
    HeartbeatRule later = rule;
    later.after_s = std::max(rule.after_s, rule.hidden_after_s);
    for (std::size_t i = 0; i < echoes.size(); ++i) {
        const auto& e = echoes[i];
        if (!in_beat_window(beats, e.after_onset_s, rule) ||
            in_beat_window(beats, e.onset_s, later)) {
            continue;
        }
        if (e.channel >= last.size()) last.resize(e.channel + 1, nullptr);
        const auto* before = last[e.channel];
        if (before != nullptr && echo.drops(e.onset_s - before->onset_s, e.peak, before->peak)) {
            continue;
        }
        last[e.channel] = &e;
        // Seen on another channel where no beat hid it: counted already.
        const auto near =
            std::lower_bound(counted.begin(), counted.end(), e.onset_s - echo.merge_s,
                             [](const BeatCandidate& c, double t) { return c.onset_s < t; });
        if (near != counted.end() && near->onset_s <= e.onset_s + echo.merge_s) {
            hidden.push_back({i, 1, static_cast<std::size_t>(near - counted.begin())});
            continue;
        }
        // Hidden on several channels: one twitch, on the channel where it is largest.
        if (!hidden.empty() && !hidden.back().joins &&
            e.onset_s - echoes[hidden.back().echo].onset_s <= echo.merge_s) {
            auto& previous = hidden.back();
            ++previous.channels_seen;
            if (e.peak > echoes[previous.echo].peak) previous.echo = i;
            continue;
        }
        hidden.push_back({i, 1, std::nullopt});
    }
    return hidden;
}

}  // namespace twitchwatch::signal::detail
