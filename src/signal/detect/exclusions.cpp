// Exclusions: voluntary contraction (a sustained run of active segments), movement artefacts
// and the filters' settling, padded on either side; segments become final here and pass their
// events on to merging (docs/detection.md, step 5).
#include <algorithm>
#include <cmath>

#include "detector_state.hpp"

namespace twitchwatch::signal::detail {
namespace {

void add_exclusion(DetectorState& s, double start, double end, const std::string& reason) {
    if (!s.exclusions.empty() && s.exclusions.back().reason == reason &&
        std::abs(s.exclusions.back().end_s - start) < 1e-9) {
        s.exclusions.back().end_s = end;
    } else {
        s.exclusions.push_back({start, end, reason});
    }
}

const SegmentRecord* find_segment(const DetectorState& s, std::int64_t index) {
    for (const auto& r : s.recent) {
        if (r.index == index) return &r;
    }
    return nullptr;
}

// Voluntary contraction is sustained: an active segment counts only within a run of at least
// voluntary_min_segments active ones (a single large twitch, or the ringing after it, is short).
// The first start_review_s are judged again once the floor has a history: a contraction at the
// very start of a recording lifts the floor it is first compared with.
bool in_review(const DetectorState& s, const SegmentRecord* r) {
    return r->index < static_cast<std::int64_t>(s.review_segments) && !r->settling;
}

bool active(const DetectorState& s, const SegmentRecord* r) {
    if (r == nullptr) return false;
    if (r->active) return true;
    if (!in_review(s, r)) return false;
    std::size_t raised = 0;
    for (std::size_t c = 0; c < s.channels; ++c) {
        if (r->flat_channels[c] != 0) continue;
        raised += r->sigma[c] > s.o.voluntary_level * s.noise_floor.value(c) ? 1 : 0;
    }
    return raised >= std::max<std::size_t>(1, s.o.voluntary_min_channels);
}

bool voluntary(const DetectorState& s, std::int64_t index) {
    if (!active(s, find_segment(s, index))) return false;
    const auto needed = static_cast<std::int64_t>(s.voluntary_min_segments);
    std::int64_t run = 1;
    for (std::int64_t i = index - 1; run < needed; --i, ++run) {
        if (!active(s, find_segment(s, i))) break;
    }
    for (std::int64_t i = index + 1; run < needed; ++i, ++run) {
        if (!active(s, find_segment(s, i))) break;
    }
    return run >= needed;
}

bool artefact(const DetectorState& s, const SegmentRecord* r) {
    if (r->artefact) return true;
    if (!in_review(s, r) || r->slow_rms.empty()) return false;
    for (std::size_t c = 0; c < s.channels; ++c) {
        if (r->flat_channels[c] != 0) continue;
        const float slow = r->slow_rms[c];
        if (slow > r->band_rms[c] && slow > s.o.artefact_level * s.noise_floor.value(c) &&
            slow > s.o.artefact_ratio * s.slow_floor.value(c)) {
            return true;
        }
    }
    return false;
}

const char* reason_of(const DetectorState& s, std::int64_t index) {
    const auto* r = find_segment(s, index);
    if (r == nullptr) return nullptr;
    // No channel's raw signal changed at all (a lead off): nothing could be seen.
    if (r->flat) return "flat";
    if (artefact(s, r)) return "artefact";
    return voluntary(s, index) ? "voluntary" : nullptr;
}

}  // namespace

// Makes segments final once the padding after them is known.
void finalize_segments(DetectorState& s, bool flush) {
    const auto P = static_cast<std::int64_t>(s.padding_segments);
    const std::int64_t last_known = s.recent.empty() ? -1 : s.recent.back().index;
    while (true) {
        auto it = std::find_if(s.recent.begin(), s.recent.end(), [&](const SegmentRecord& r) {
            return r.index == s.finalized_until;
        });
        if (it == s.recent.end()) break;
        if (!flush && s.finalized_until + static_cast<std::int64_t>(s.lag_segments) > last_known) {
            break;
        }
        // The start is held until it can be reviewed against an established floor.
        if (!flush && last_known < static_cast<std::int64_t>(s.review_segments)) break;
        const std::int64_t index = s.finalized_until;
        const char* reason = it->settling ? "settling" : reason_of(s, index);
        for (std::int64_t d = 1; d <= P && reason == nullptr; ++d) {
            reason = reason_of(s, index - d);
            if (reason == nullptr) reason = reason_of(s, index + d);
        }
        const double start = s.time_of(it->first);
        const double end = start + static_cast<double>(it->frames) / s.fs;
        if (reason != nullptr) {
            add_exclusion(s, start, end, reason);
            s.excluded_frames += static_cast<Frame>(it->frames);
        } else {
            s.merge_pool.insert(s.merge_pool.end(), it->events.begin(), it->events.end());
            for (std::size_t c = 0; c < s.channels; ++c) {
                if (it->flat_channels[c] != 0) {
                    s.flat_analysed_frames[c] += static_cast<Frame>(it->frames);
                    continue;
                }
                s.noise_sum[c] += it->sigma[c];
                ++s.noise_segments[c];
            }
        }
        it->events.clear();
        ++s.finalized_until;
        merge_events(s, it->first + static_cast<Frame>(it->frames), false);
        // Keep the final segments that later ones still look back at.
        while (!s.recent.empty() &&
               s.recent.front().index <
                   s.finalized_until - P - static_cast<std::int64_t>(s.voluntary_min_segments)) {
            s.recent.pop_front();
        }
    }
    while (s.anchors.size() > 1 && !s.recent.empty() &&
           s.anchors[1].first <= s.recent.front().first - s.max_frames) {
        s.anchors.pop_front();
    }
}

}  // namespace twitchwatch::signal::detail
