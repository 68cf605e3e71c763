// The plain words of the therapist's pages (web/src/js/words.js), without a browser.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { readNumber, numberMessage } from '../../web/src/js/forms.js';
import { describeReport, levelInfo, readableSources, resultWords, waitInWords } from '../../web/src/js/words.js';

test('a report of episodes without `present` is described as twitching', () => {
  // It read "nothing reported" while the course chart counted its 20 episodes a day.
  assert.equal(
    describeReport({ twitching: { episodes_per_day: 20, regions: ['left_calf'] } }),
    'twitching (left calf), 20/day',
  );
  assert.equal(describeReport({ twitching: { present: false } }), 'no twitching');
  assert.equal(describeReport({ twitching: {}, symptoms: {} }), 'nothing reported');
  assert.equal(
    describeReport({ twitching: { present: true, painful: true }, symptoms: { pain_0_10: 3 } }),
    'twitching, painful; pain 3/10',
  );
});

test('a normal answer to a report without twitching does not speak of what the client describes', () => {
  for (const document of [{}, { twitching: { present: false } }, { twitching: { present: false }, symptoms: { relaxed: true }, context: { sleep_hours: 7 } }, { twitching: { episodes_per_day: 0 } }]) {
    const words = resultWords('normal', document);
    assert.doesNotMatch(`${words.title} ${words.first}`, /describe|twitching like this/i, JSON.stringify(document));
    // "No twitching" only where the client said so: an unanswered question is not a "no".
    if (document.twitching?.present === false) assert.match(words.first, /no twitching/);
    else assert.match(words.first, /^Nothing in your report needs attention/, JSON.stringify(document));
  }
  // Twitching, soreness or another symptom reported: the level's own words.
  assert.deepEqual(resultWords('normal', { twitching: { episodes_per_day: 4 } }), levelInfo('normal'));
  assert.deepEqual(resultWords('normal', { symptoms: { soreness: 'mild' } }), levelInfo('normal'));
  assert.deepEqual(resultWords('see_doctor', {}), levelInfo('see_doctor'));
});

test('a normal answer with a reason (twitching the massage does not explain) is not called a normal reaction', () => {
  const reasons = [{ rule: 'normal.twitching_beyond_the_massage', level: 'normal', text: '...' }];
  const words = resultWords('normal', { twitching: { present: true, regions: ['tongue'] } }, reasons);
  assert.doesNotMatch(`${words.title} ${words.first}`, /normal reaction|common after a massage/i);
  assert.equal(words.title, 'Nothing urgent, but worth watching');
  // Without a reason the level's own words stay.
  assert.deepEqual(resultWords('normal', { twitching: { present: true } }, []), levelInfo('normal'));
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
