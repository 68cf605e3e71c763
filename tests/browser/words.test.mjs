// The plain words of the therapist's pages (web/src/js/words.js), without a browser.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { readNumber, numberMessage } from '../../web/src/js/forms.js';
import { describeReport, levelInfo, readableSources, resultWords, waitInWords } from '../../web/src/js/words.js';

// The answers' findings, as the engine gives them (knowledge/rules.toml, `finding = true`).
const twitchingFelt = { level: 'normal', reasons: [], findings: ['something_felt', 'twitching_reported'] };
const nothingFelt = { level: 'normal', reasons: [], findings: [] };

test('whether a report is described as twitching is the knowledge base\'s finding', () => {
  // It read "nothing reported" while the course chart counted its 20 episodes a day.
  assert.equal(
    describeReport({ twitching: { episodes_per_day: 20, regions: ['left_calf'] } }, twitchingFelt),
    'twitching (left calf), 20/day',
  );
  // The finding decides, not the page: episodes of 0 and no `present` are not twitching.
  assert.equal(describeReport({ twitching: { episodes_per_day: 0 } }, nothingFelt), 'nothing reported');
  assert.equal(describeReport({ twitching: { present: false } }, nothingFelt), 'no twitching');
  assert.equal(describeReport({ twitching: {}, symptoms: {} }, nothingFelt), 'nothing reported');
  assert.equal(
    describeReport({ twitching: { present: true, painful: true }, symptoms: { pain_0_10: 3 } }, twitchingFelt),
    'twitching, painful; pain 3/10',
  );
});

test('answers stored before findings existed: twitching when the client said anything of it and not that it was gone', () => {
  assert.equal(describeReport({ twitching: { episodes_per_day: 20 } }, { level: 'normal' }), 'twitching, 20/day');
  assert.equal(describeReport({ twitching: { present: true } }, {}), 'twitching');
  assert.equal(describeReport({ twitching: { present: false, regions: ['calf'] } }, {}), 'no twitching');
  assert.equal(describeReport({ twitching: {} }, undefined), 'nothing reported');
});

test('a normal answer to a report of nothing felt does not speak of what the client describes', () => {
  for (const document of [{}, { twitching: { present: false } }, { twitching: { present: false }, symptoms: { relaxed: true }, context: { sleep_hours: 7 } }, { twitching: { episodes_per_day: 0 } }]) {
    const words = resultWords(nothingFelt, document);
    assert.doesNotMatch(`${words.title} ${words.first}`, /describe|twitching like this/i, JSON.stringify(document));
    // "No twitching" only where the client said so: an unanswered question is not a "no".
    if (document.twitching?.present === false) assert.match(words.first, /no twitching/);
    else assert.match(words.first, /^Nothing in your report needs attention/, JSON.stringify(document));
  }
  // Something felt (the finding): the level's own words.
  assert.deepEqual(resultWords(twitchingFelt, { twitching: { episodes_per_day: 4 } }), levelInfo('normal'));
  assert.deepEqual(resultWords({ ...nothingFelt, findings: ['something_felt'] }, { symptoms: { soreness: 'mild' } }), levelInfo('normal'));
  assert.deepEqual(resultWords({ level: 'see_doctor', reasons: [{ rule: 'x' }], findings: [] }, {}), levelInfo('see_doctor'));
  // Without findings the page does not guess "nothing felt".
  assert.deepEqual(resultWords({ level: 'normal', reasons: [] }, {}), levelInfo('normal'));
});

test('a normal answer with a reason (twitching the massage does not explain) is not called a normal reaction', () => {
  const reasons = [{ rule: 'normal.twitching_beyond_the_massage', level: 'normal', text: '...' }];
  const words = resultWords({ ...twitchingFelt, reasons }, { twitching: { present: true, regions: ['tongue'] } });
  assert.doesNotMatch(`${words.title} ${words.first}`, /normal reaction|common after a massage/i);
  assert.equal(words.title, 'Nothing urgent, but worth watching');
  // Without a reason the level's own words stay.
  assert.deepEqual(resultWords(twitchingFelt, { twitching: { present: true } }), levelInfo('normal'));
});

test('a wait from Retry-After is said in whole minutes or hours, rounded up', () => {
  assert.equal(waitInWords(null), 'a few minutes');
  assert.equal(waitInWords(30), 'a minute');
  assert.equal(waitInWords(900), '15 minutes');
  assert.equal(waitInWords(901), '16 minutes');
  assert.equal(waitInWords(3600), 'an hour');
  assert.equal(waitInWords(3601), '2 hours');
});

test('sources are shown by their titles, not by the file names of the seed articles', () => {
  assert.equal(
    readableSources('001_5f606e41ca0e31e5.txt; NHS, Twitching eyes and muscles (reviewed 30 Oct 2023)'),
    'NHS, Twitching eyes and muscles (reviewed 30 Oct 2023)',
  );
  assert.equal(readableSources('000_a411700d9baee785.txt; 001_5f606e41ca0e31e5.txt'), '');
});

test('a comma followed by exactly three digits is ambiguous; other decimal commas are read', () => {
  const input = (value) => ({ value });
  assert.equal(readNumber(input('2,5')), 2.5);
  assert.equal(readNumber(input('12,5000')), 12.5);
  assert.equal(readNumber(input('0,125')), 0.125);
  assert.equal(readNumber(input('1000')), 1000);
  assert.equal(readNumber(input('')), undefined);
  for (const typed of ['1,000', '12,500', '1,000,000']) {
    assert.ok(Number.isNaN(readNumber(input(typed))), typed);
    assert.match(numberMessage(input(typed), 'otherwise'), new RegExp(`${typed.replaceAll(',', '')} without the comma`));
  }
  assert.equal(numberMessage(input('abc'), 'otherwise'), 'otherwise');
});
