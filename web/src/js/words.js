// Plain words for the values the API speaks in, and the formatting of times and numbers.
import { h } from './dom.js';

export const levels = {
  urgent: {
    rank: 3,
    short: 'Urgent',
    title: 'Call emergency services now',
    first: 'Call your local emergency number now, before anything else. Do not wait for your therapist to answer.',
  },
  see_doctor: {
    rank: 2,
    short: 'See a doctor',
    title: 'Please see a doctor',
    first: 'Book an appointment with a doctor soon, and let your therapist know.',
  },
  tell_therapist: {
    rank: 1,
    short: 'Tell therapist',
    title: 'Tell your therapist',
    first: 'This is worth mentioning to your therapist. It is not an emergency.',
  },
  normal: {
    rank: 0,
    short: 'Normal',
    title: 'This looks like a normal reaction',
    first: 'What you describe is common after a massage and usually passes on its own.',
  },
};

/**
 * The server's Retry-After (seconds) in words, rounded up: "a minute", "15 minutes", "an hour",
 * "2 hours"; "a few minutes" when the server gave none.
 */
export function waitInWords(seconds) {
  if (seconds === null || seconds === undefined) return 'a few minutes';
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  if (minutes < 60) return minutes === 1 ? 'a minute' : `${minutes} minutes`;
  const hours = Math.ceil(minutes / 60);
  return hours === 1 ? 'an hour' : `${hours} hours`;
}

export function levelInfo(level) {
  return levels[level] ?? { rank: -1, short: 'No report', title: 'No report yet', first: '' };
}

/** A badge that says the level in words (colour only repeats what the words say). */
export function levelBadge(level) {
  return h('span', { class: `badge level-${level ?? 'none'}` }, levelInfo(level).short);
}

export const techniques = {
  swedish: 'Swedish',
  deep_tissue: 'Deep tissue',
  sports: 'Sports',
  myofascial_release: 'Myofascial release',
  trigger_point: 'Trigger point',
  other: 'Other',
};

export const pressures = { light: 'Light', medium: 'Medium', firm: 'Firm', deep: 'Deep' };

export function label(table, key) {
  return table[key] ?? String(key ?? '').replaceAll('_', ' ');
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function when(isoOrEpoch) {
  if (isoOrEpoch === undefined || isoOrEpoch === null) return '';
  const date = typeof isoOrEpoch === 'number' ? new Date(isoOrEpoch * 1000) : new Date(isoOrEpoch);
  return Number.isNaN(date.getTime()) ? String(isoOrEpoch) : dateTime.format(date);
}

/** "5 hours", "2 days and 3 hours" after the massage. */
export function sinceMassage(hours) {
  if (typeof hours !== 'number' || !Number.isFinite(hours)) return '';
  if (hours < 1) return 'less than an hour after the massage';
  const whole = Math.floor(hours);
  if (whole < 48) return `${whole} hour${whole === 1 ? '' : 's'} after the massage`;
  const days = Math.floor(whole / 24);
  const rest = whole % 24;
  return `${days} days${rest ? ` and ${rest} hour${rest === 1 ? '' : 's'}` : ''} after the massage`;
}

/** "No report yet", or "2 reports, the latest <when>". */
export function reportsInBrief(count, latestAt) {
  if (!count) return 'No report yet';
  return `${count} report${count === 1 ? '' : 's'}, the latest ${when(latestAt)}`;
}

export function percent(share) {
  return `${Math.round((share ?? 0) * 100)}%`;
}

/** Region names are free text; "left_calf" reads as "left calf". */
export function regionList(regions) {
  return (regions ?? []).map((region) => String(region).replaceAll('_', ' ')).join(', ');
}

/** The text of an assessment item, whether the engine gave a string or an object. */
export function itemText(item) {
  if (item === null || item === undefined) return '';
  if (typeof item !== 'object') return String(item);
  return item.text ?? item.sentence ?? item.explanation ?? item.why ?? item.label ?? item.summary ?? '';
}

/**
 * Whether the knowledge base found `finding` (e.g. "twitching_reported") in a check-in, from its
 * assessment's `findings`. Answers stored before `findings` existed have none: `fallback` then.
 */
function found(assessment, finding, fallback) {
  const findings = assessment?.findings;
  return Array.isArray(findings) ? findings.includes(finding) : fallback;
}

/**
 * The page's own title and first sentence above `assessment`, the answer to the check-in
 * `document`. A normal answer to a report of nothing felt (the knowledge base's `something_felt`
 * finding: no twitching, pain, soreness or symptom) does not speak of "what you describe".
 */
export function resultWords(assessment, document) {
  const level = assessment?.level;
  const info = levelInfo(level);
  if (level === 'normal' && (assessment?.reasons ?? []).length > 0) {
    // A rule of level normal fired: nothing urgent, but not the usual picture either; the
    // answer's summary says what.
    return { ...info, title: 'Nothing urgent, but worth watching', first: '' };
  }
  if (level !== 'normal' || found(assessment, 'something_felt', true)) return info;
  // "No twitching" only when the client said so: an unanswered question is not a "no".
  const said = document?.twitching?.present === false ? 'You report no twitching and nothing else' : 'Nothing in your report';
  return {
    ...info,
    title: 'Nothing of concern in your report',
    first: `${said} needs attention. If something starts or changes, send another report.`,
  };
}

/**
 * A rule's sources as a reader can take them: the readable titles of `source` ("; "-separated),
 * without the seed articles' file names ("001_5f606e41ca0e31e5.txt"), which say nothing to a reader.
 */
export function readableSources(source) {
  const texts = Array.isArray(source) ? source.map(itemText) : [itemText(source)];
  return texts
    .flatMap((text) => text.split(';'))
    .map((text) => text.trim())
    .filter((text) => text && !/^[\w-]+\.txt$/i.test(text))
    .join('; ');
}

/**
 * A short list of what a check-in document reports, for the therapist's view; whether it reports
 * twitching is the knowledge base's finding in its `assessment`.
 */
export function describeReport(document, assessment) {
  const parts = [];
  const twitching = document?.twitching ?? {};
  const symptoms = document?.symptoms ?? {};
  // Answers stored before `findings` existed: twitching when the client did not say it was gone
  // and said anything about it.
  const mentioned = twitching.present === true || (twitching.present === undefined && Object.keys(twitching).length > 0);
  if (found(assessment, 'twitching_reported', mentioned)) {
    let text = 'twitching';
    if (twitching.regions?.length) text += ` (${regionList(twitching.regions)})`;
    if (typeof twitching.episodes_per_day === 'number') text += `, ${twitching.episodes_per_day}/day`;
    if (twitching.painful === true) text += ', painful';
    if (twitching.trend && twitching.trend !== 'unknown') text += `, ${twitching.trend}`;
    parts.push(text);
  } else if (twitching.present === false) {
    parts.push('no twitching');
  }
  if (typeof symptoms.pain_0_10 === 'number') parts.push(`pain ${symptoms.pain_0_10}/10`);
  if (symptoms.soreness && symptoms.soreness !== 'none') parts.push(`${symptoms.soreness} soreness`);
  for (const [key, value] of Object.entries(symptoms)) {
    if (value === true) parts.push(key.replaceAll('_', ' '));
  }
  return parts.length ? parts.join('; ') : 'nothing reported';
}
