// The plain words of the therapist's pages (web/src/js/words.js), without a browser.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { describeReport } from '../../web/src/js/words.js';

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
