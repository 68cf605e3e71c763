// browser.scenario: the loop of issue 4 in a real browser against the real server.
// A therapist signs in and records a session; the client opens the link on a phone, first sends an
// out-of-range value (the field error appears next to the field), then a report with new weakness;
// the therapist's dashboard then lists that client first, flagged see_doctor. Every page is
// checked for console errors, CSP violations and requests to other origins. Screenshots go to
// $SCREENSHOT_DIR.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, screenshotDir, startServer, watchPage } from './harness.mjs';

const phone = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const laptop = { viewport: { width: 1280, height: 900 } };
const clientName = `Browser Test ${Date.now().toString(36)}`;

let server;
let browser;
let shots;
let therapist; // {context, page, watch}
let clientLink;
let sessionPage;

async function shoot(page, name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

before(async () => {
  shots = await screenshotDir();
  server = await startServer();
  browser = await launchBrowser();
  const context = await browser.newContext(laptop);
  const page = await context.newPage();
  const watch = watchPage(page, server.url);
  // The sign-in page asks whether this browser is signed in already: signed out, /api/me is 401.
  watch.allowFailure('/api/me', 401);
  await watch.recordCspViolations();
  therapist = { context, page, watch };
});

after(async () => {
  await browser?.close();
  if (server) {
    const { code, signal } = await server.stop();
    // SIGTERM is a clean shutdown: exit code 0.
    assert.equal(code, 0, `serve exited with ${code ?? signal}; log:\n${server.log()}`);
  }
});

test('the therapist signs in and records a session, and gets the client link', async () => {
  const { page } = therapist;
  await page.goto(`${server.url}/`);
  await shoot(page, '01-login');
  await page.getByLabel('Email').fill(server.email);
  await page.getByLabel('Password').fill(server.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${server.url}/dashboard`);
  await page.locator('.clients li').first().waitFor();
  await shoot(page, '02-dashboard-demo');

  const form = page.locator('#session-form');
  await form.getByLabel('Who').selectOption('');
  await form.getByLabel('Name of the new client').fill(clientName);
  await form.getByLabel('Technique').selectOption('deep_tissue');
  await form.getByLabel('Pressure').selectOption('deep');
  await form.getByLabel('Minutes').fill('60');
  await form.getByLabel('Regions worked').fill('left calf');
  await form.getByLabel('Worked on knots or trigger points').check();
  await form.getByRole('button', { name: 'Save and create link' }).click();

  const link = page.getByLabel('Private link for the client');
  await link.waitFor();
  clientLink = await link.inputValue();
  assert.match(clientLink, new RegExp(`^${server.url}/c/[A-Za-z0-9_-]{20,}$`));
  await shoot(page, '03-dashboard-link');
});

test('on a phone, the client sees aftercare and the form names an out-of-range field', async () => {
  assert.ok(clientLink, 'the previous test made the link');
  const context = await browser.newContext(phone);
  const page = await context.newPage();
  const watch = watchPage(page, server.url);
  await watch.recordCspViolations();
  // The 400 answer below is expected; Chromium logs every 4xx fetch as a failed resource.
  watch.allow(/status of 400/);
  await page.goto(clientLink);
  await page.getByRole('heading', { name: 'What to expect' }).waitFor();
  await page.getByRole('button', { name: 'Send my report' }).waitFor();
  assert.deepEqual(watch.apiRequests, [`GET /api/c/${new URL(clientLink).pathname.split('/')[2]}`], 'one round trip for the page');
  await shoot(page, '04-client-page');

  // Nothing overflows the 375 px screen sideways.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the phone`);

  const pain = page.getByLabel(/^Pain where you were massaged/);
  await pain.fill('11');
  await page.getByRole('button', { name: 'Send my report' }).click();
  const painField = page.locator('[data-field="symptoms.pain_0_10"]');
  await painField.locator('.field-error').waitFor();
  assert.equal(await pain.getAttribute('aria-invalid'), 'true');
  assert.ok(await pain.evaluate((input) => input === document.activeElement), 'the field with the error has the focus');
  const describedBy = await pain.getAttribute('aria-describedby');
  const errorText = await page.locator(`#${describedBy.split(' ').at(-1)}`).textContent();
  assert.match(errorText, /10/, `the message says the limit: ${errorText}`);
  await painField.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shots, '05-client-field-error.png') });

  // A valid report with new weakness: the answer is "see a doctor", level first.
  await pain.fill('3');
  await page.getByRole('group', { name: 'Have you had muscle twitching since the massage?' }).getByLabel('Yes').check();
  await page.getByLabel('About how many times a day?').fill('15');
  await page.getByRole('group', { name: 'A muscle that is newly weak' }).getByLabel('Yes').check();
  await page.getByRole('button', { name: 'Send my report' }).click();
  const result = page.locator('#result .result');
  await result.waitFor();
  assert.match(await result.getAttribute('class'), /level-see_doctor/);
  assert.match(await result.locator('.result-level').textContent(), /doctor/i);
  assert.ok((await page.locator('#result .reasons li').count()) > 0, 'the answer gives its reasons');
  assert.equal(await page.locator('#timeline-list li').count(), 1);
  await page.screenshot({ path: path.join(shots, '06-client-result.png') });
  await shoot(page, '07-client-after-report');

  assert.deepEqual(await watch.cspViolations(), []);
  assert.deepEqual(watch.problems, []);
  await context.close();
});

test("the therapist's dashboard lists that client first, flagged see_doctor, and the course page shows it", async () => {
  const { page, watch } = therapist;
  watch.apiRequests.length = 0;
  await page.goto(`${server.url}/dashboard`);
  const first = page.locator('.clients li').first();
  await first.waitFor();
  await page.locator('#discomfort canvas').first().waitFor();
  assert.deepEqual(watch.apiRequests, ['GET /api/dashboard'], 'one round trip for the dashboard');
  assert.equal(await first.locator('.client-name').textContent(), clientName);
  assert.match(await first.getAttribute('class'), /level-see_doctor/);
  assert.equal(await first.locator('.badge').textContent(), 'See a doctor');
  assert.equal(await first.locator('.flag').textContent(), 'Red flag');
  await page.locator('#discomfort canvas').first().waitFor();
  await shoot(page, '08-dashboard-flagged');

  await first.locator('a').click();
  await page.waitForURL(/\/sessions\/\d+$/);
  sessionPage = page.url();
  await page.getByRole('heading', { name: clientName }).waitFor();
  await page.locator('.charts canvas').first().waitFor();
  assert.equal(await page.locator('.report').count(), 1);
  assert.equal(watch.apiRequests.at(-1), `GET ${new URL(sessionPage).pathname.replace('/sessions/', '/api/sessions/')}`);
  assert.equal(watch.apiRequests.filter((request) => request.startsWith('GET /api/sessions/')).length, 1);
  assert.match(await page.locator('.report .badge').textContent(), /doctor/i);
  // One report: the page says the course cannot be judged yet, rather than draw a guess.
  assert.equal(await page.locator('.course-verdict').getAttribute('data-fitted'), 'false');
  assert.match(await page.locator('.course-verdict').textContent(), /Not enough reports .*at least 3/);
  await shoot(page, '09-session-course');

  // The same pages on a phone: readable without sideways scrolling.
  await page.setViewportSize(phone.viewport);
  await page.reload();
  await page.locator('.charts canvas').first().waitFor();
  await shoot(page, '10-session-course-phone');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the session page is ${overflow} px wider than the phone`);
  await page.goto(`${server.url}/dashboard`);
  await page.locator('#discomfort canvas').first().waitFor();
  await shoot(page, '11-dashboard-phone');
  const dashboardOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(dashboardOverflow <= 0, `the dashboard is ${dashboardOverflow} px wider than the phone`);

  assert.deepEqual(await watch.cspViolations(), []);
  assert.deepEqual(watch.problems, []);
});

test("a demo client's course page draws the fitted course and says when it is expected back at baseline", async () => {
  const { page, watch } = therapist;
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${server.url}/dashboard`);
  await page.locator('.clients li', { hasText: 'Maria K.' }).locator('a').click();
  await page.waitForURL(/\/sessions\/\d+$/);
  await page.locator('.charts canvas').first().waitFor();
  // Maria reported 12, 6, 2 and 1 episodes a day: a falling course, drawn as a fourth series.
  const verdict = page.locator('.course-verdict');
  assert.equal(await verdict.getAttribute('data-fitted'), 'true');
  assert.match(await verdict.textContent(), /falling: half-life \d+ h .*expected back within 1\.0\/day of the baseline/);
  const legend = await page.locator('.charts .u-legend').first().textContent();
  assert.match(legend, /Fitted course/);
  await shoot(page, '12-session-fitted-course');
  assert.deepEqual(watch.problems, []);
});

test('revoking closes the client link; a new link opens the same session', async () => {
  // A new tab has no CSRF token in its sessionStorage: the page fetches it from /api/me first.
  const page = await therapist.context.newPage();
  const watch = watchPage(page, server.url);
  await page.goto(sessionPage);
  await page.getByRole('button', { name: 'Revoke links' }).click();
  await page.getByText('Revoked: the links of this session no longer open.').waitFor();
  assert.deepEqual(watch.apiRequests.slice(-2), ['GET /api/me', `DELETE ${new URL(sessionPage).pathname.replace('/sessions/', '/api/sessions/')}/link`]);

  const context = await browser.newContext(phone);
  const client = await context.newPage();
  const clientWatch = watchPage(client, server.url);
  // The API answers a revoked link 410 and an unknown one 404; the page explains each.
  clientWatch.allow(/status of 410/);
  clientWatch.allow(/status of 404/);
  await client.goto(clientLink);
  await client.getByText('Your therapist has revoked this link').waitFor();
  assert.equal(await client.locator('#checkin-form button').count(), 0, 'no form on a revoked link');
  await client.screenshot({ path: path.join(shots, '12-client-revoked.png') });
  await client.goto(new URL('/c/never-made-token', server.url).href);
  await client.getByText('This link is not known').waitFor();
  assert.equal(await client.locator('#checkin-form button').count(), 0, 'no form on an unknown link');

  await page.getByRole('button', { name: 'Make a new link' }).click();
  await page.getByText('New link made.').waitFor();
  const newLink = await page.getByLabel('Private link for the client').inputValue();
  assert.notEqual(newLink, clientLink);
  await client.goto(newLink);
  await client.locator('#timeline-list li').first().waitFor();
  assert.equal(await client.locator('#timeline-list li').count(), 1, 'the new link shows the same session and its report');
  assert.deepEqual(clientWatch.problems, []);
  assert.deepEqual(watch.problems, []);
  await context.close();
  await page.close();
});

test('after sign-in, a next address that a browser reads as another site leads to the dashboard', async () => {
  // Browsers read `/\host` and `/<tab>/host` as `//host`: an open redirect to another site; and
  // `/.//host` resolves to the path `//host`, which read as an address leads there too.
  for (const next of ['/%5Cevil.example/x', '/%09/evil2.example/x', '//evil3.example/x',
    '/.//evil4.example/x', '/a/..//evil5.example/x']) {
    const context = await browser.newContext(laptop);
    const page = await context.newPage();
    await page.goto(`${server.url}/?next=${next}`);
    await page.getByLabel('Email').fill(server.email);
    await page.getByLabel('Password').fill(server.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname !== '/');
    assert.equal(page.url(), `${server.url}/dashboard`, `next=${next}`);
    await context.close();
  }
});

test('keyboard only: the sign-in form works with Tab and Enter; signing out ends the session', async () => {
  const context = await browser.newContext(laptop);
  const page = await context.newPage();
  const watch = watchPage(page, server.url);
  watch.allowFailure('/api/me', 401); // the sign-in page asks whether this browser is signed in
  await page.goto(`${server.url}/`);
  await page.keyboard.press('Tab'); // the skip link
  await page.keyboard.press('Tab');
  await page.keyboard.type(server.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(server.password);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${server.url}/dashboard`);
  await page.locator('.clients li').first().waitFor();

  // Signing out ends the session: the dashboard then sends back to the sign-in page.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${server.url}/`);
  watch.allow(/status of 401/); // the dashboard's API answer once signed out, which the page follows
  await page.goto(`${server.url}/dashboard`);
  await page.waitForURL(`${server.url}/?next=%2Fdashboard`);
  assert.deepEqual(watch.problems, []);
  await context.close();
});

/** The API's time `hours` before now, to the second: 2026-11-26T09:30:00Z. */
function isoHoursAgo(hours) {
  return new Date(Date.now() - hours * 3600e3).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A session recorded through the API as the signed-in therapist; {session, link, client}. */
async function recordSession(fields) {
  const { request } = therapist.context;
  const me = await (await request.get(`${server.url}/api/me`)).json();
  const startedAt = isoHoursAgo(3);
  const answer = await request.post(`${server.url}/api/sessions`, {
    headers: { 'X-CSRF-Token': me.csrf_token },
    data: { started_at: startedAt, technique: 'swedish', pressure: 'medium', minutes: 60, ...fields },
  });
  assert.equal(answer.status(), 201, await answer.text());
  return answer.json();
}

async function sidewaysOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

test('a number written with a thousands comma is not guessed; a decimal comma is read', async () => {
  const made = await recordSession({ client: { name: `Comma ${clientName}` } });
  const context = await browser.newContext(phone);
  const page = await context.newPage();
  const watch = watchPage(page, server.url);
  await page.goto(new URL(made.link.path, server.url).href);
  await page.getByRole('button', { name: 'Send my report' }).waitFor();
  watch.apiRequests.length = 0;
  const episodes = page.getByLabel('About how many times a day?');
  await episodes.fill('1,000');
  await page.getByLabel('Water you drank in the last 24 hours, in litres').fill('1,5');
  await page.getByRole('button', { name: 'Send my report' }).click();
  const error = page.locator('[data-field="twitching.episodes_per_day"] .field-error');
  await error.waitFor();
  assert.match(await error.textContent(), /1000 without the comma.*point for decimals/);
  assert.equal(await episodes.getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('[data-field="context.water_liters_24h"] .field-error').count(), 0, '1,5 is 1.5');
  assert.deepEqual(watch.apiRequests, [], 'nothing is sent while a number is ambiguous');

  // Written without the separator, it is sent as it was meant; nothing but water: no twitching.
  await episodes.fill('');
  const sent = page.waitForRequest((request) => request.method() === 'POST');
  await page.getByRole('button', { name: 'Send my report' }).click();
  assert.deepEqual((await sent).postDataJSON(), { context: { water_liters_24h: 1.5 } });
  await page.locator('#result .result').waitFor();
  // A report without twitching is not answered as if it described some, nor as "no twitching":
  // the question was not answered.
  const first = await page.locator('#result .result-first').textContent();
  assert.doesNotMatch(first, /What you describe|no twitching/);
  assert.match(first, /^Nothing in your report needs attention/);
  assert.deepEqual(watch.problems, []);
  await context.close();
});

test('after a reload the latest answer stays at the top, and an empty report is not sent', async () => {
  // A client told "call emergency services now" who reloads or comes back met only the general
  // "usual response to a massage" text; a tap on "Send" with nothing answered filed a "normal"
  // report on top of the urgent one.
  const made = await recordSession({ client: { name: `Reload ${clientName}` } });
  const context = await browser.newContext(phone);
  const page = await context.newPage();
  const watch = watchPage(page, server.url);
  await page.goto(new URL(made.link.path, server.url).href);
  await page.getByRole('button', { name: 'Send my report' }).waitFor();
  assert.equal(await page.locator('#result').isHidden(), true, 'no report yet, no answer');
  await page.locator('[data-field="symptoms.breathing_difficulty"] input[value="yes"]').check();
  await page.getByRole('button', { name: 'Send my report' }).click();
  await page.locator('#result .result').waitFor();

  await page.reload();
  const kicker = page.locator('#result .result-kicker');
  await kicker.waitFor();
  assert.equal(await kicker.textContent(), 'What your latest report means');
  assert.match(await page.locator('#result .summary').textContent(), /^Call emergency services now/);
  assert.equal(await page.locator('#aftercare-general').isVisible(), true, 'the general text says it is general');
  const resultTop = (await page.locator('#result').boundingBox()).y;
  const aftercareTop = (await page.locator('#aftercare').boundingBox()).y;
  assert.ok(resultTop < aftercareTop, 'the answer comes before the general aftercare');

  watch.apiRequests.length = 0;
  await page.getByRole('button', { name: 'Send my report' }).click();
  const formError = page.locator('#checkin-form .form-error');
  await formError.waitFor();
  assert.match(await formError.textContent(), /Nothing is answered yet/);
  assert.deepEqual(watch.apiRequests, [], 'an empty report is not sent');
  assert.match(await page.locator('#result .summary').textContent(), /^Call emergency services now/);
  assert.deepEqual(watch.problems, []);
  await context.close();
});

test('before any report, the client page speaks of no report; its emergency list reads under its heading', async () => {
  const made = await recordSession({ client: { name: `Words ${clientName}` } });
  const context = await browser.newContext(phone);
  const page = await context.newPage();
  await page.goto(new URL(made.link.path, server.url).href);
  await page.getByRole('heading', { name: 'What helps' }).waitFor();
  const helps = await page.locator('#aftercare-body > ul').first().textContent();
  assert.doesNotMatch(helps, /you reported/i, 'no report yet');
  assert.match(helps, /Drink water/);
  for (const heading of await page.locator('.worry h4').allTextContents()) {
    // Each sign is whole sentences ("You have difficulty breathing. ..."): no heading ends in "if".
    assert.doesNotMatch(heading, /\bif$/, heading);
  }
  await context.close();
});

test('a garbled client link says the link is not known', async () => {
  const made = await recordSession({ client: { name: `Garbled ${clientName}` } });
  const context = await browser.newContext(phone);
  const page = await context.newPage();
  const watch = watchPage(page, server.url);
  await page.goto(`${server.url}/c/%ZZ${made.link.token}`);
  await page.getByText('This link is not known').waitFor({ timeout: 5000 });
  assert.equal(await page.locator('#checkin-form button').count(), 0);
  assert.deepEqual(watch.problems, []);
  await context.close();
});

test('a long name without spaces scrolls nothing sideways, on the dashboard and the session page', async () => {
  const word = 'Wolfeschlegelsteinhausenbergerdorff';
  const longName = `Maximilian-Alexander ${word.repeat(5)}`;
  const made = await recordSession({
    client: { name: longName, note: `Note ${word.repeat(4)}` },
    regions: [`left_${word}_${word.slice(0, 20)}`],
    notes: `Notes ${word.repeat(4)}`,
  });
  const page = await therapist.context.newPage();
  for (const viewport of [{ width: 390, height: 844 }, laptop.viewport]) {
    await page.setViewportSize(viewport);
    await page.goto(`${server.url}/dashboard`);
    await page.locator('.client-name', { hasText: word }).first().waitFor();
    assert.ok((await sidewaysOverflow(page)) <= 0, `the dashboard is ${await sidewaysOverflow(page)} px wider than ${viewport.width} px`);
    await page.goto(`${server.url}/sessions/${made.session.id}`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.locator('.facts').waitFor();
    assert.ok((await sidewaysOverflow(page)) <= 0, `the session page is ${await sidewaysOverflow(page)} px wider than ${viewport.width} px`);
    await shoot(page, `13-session-long-name-${viewport.width}`);
  }
  await page.close();
});

test("the session page keeps the line breaks of the therapist's notes, as text", async () => {
  const made = await recordSession({ client: { name: `Notes ${clientName}` }, notes: 'First line\nSecond <b>line</b>' });
  const page = await therapist.context.newPage();
  await page.goto(`${server.url}/sessions/${made.session.id}`);
  const notes = page.locator('.facts dd').last();
  await notes.waitFor();
  assert.equal(await notes.innerText(), 'First line\nSecond <b>line</b>');
  assert.equal(await notes.locator('b').count(), 0);
  await page.close();
});

/** A check-in through the API, as the client's phone sends it. */
async function sendCheckin(link, document) {
  const answer = await therapist.context.request.post(`${server.url}/api${link.path}/checkins`, { data: document });
  assert.equal(answer.status(), 201, await answer.text());
  return answer.json();
}

test("a client's earlier session is listed on the newer one's page, and a report sent there leads the dashboard to it", async () => {
  const name = `Returning ${clientName}`;
  const first = await recordSession({ client: { name }, started_at: isoHoursAgo(50), technique: 'deep_tissue', pressure: 'deep' });
  const painful = { twitching: { present: true, painful: true } };
  await sendCheckin(first.link, painful);
  const second = await recordSession({ client_id: first.client.id, started_at: isoHoursAgo(2) });

  const { page, watch } = therapist;
  await page.goto(`${server.url}/sessions/${second.session.id}`);
  const others = page.locator('.other-sessions li');
  await page.getByRole('heading', { name: 'Other sessions of this client' }).waitFor();
  assert.equal(await others.count(), 1);
  assert.match(await others.first().textContent(), /Deep tissue · 1 report, the latest /);
  assert.equal(await others.first().locator('.badge').textContent(), 'Tell therapist');
  await shoot(page, '14-session-other-sessions');
  await others.first().locator('a').click();
  await page.waitForURL(`${server.url}/sessions/${first.session.id}`);
  await page.locator('.report').first().waitFor();
  assert.equal(await page.locator('.report').count(), 1);
  assert.match(await page.locator('.other-sessions li').first().textContent(), /Swedish · No report yet/);

  // Reported again on the first session's link: the dashboard's row is that session now.
  await sendCheckin(first.link, painful);
  await page.goto(`${server.url}/dashboard`);
  const row = page.locator('.clients li', { hasText: name });
  await row.waitFor();
  assert.match(await row.textContent(), /2 reports/);
  assert.equal(await row.locator('a').getAttribute('href'), `/sessions/${first.session.id}`);
  assert.deepEqual(watch.problems, []);
});

test('a course that fell and rose again is said to have come back, and its dotted line promises no return', async () => {
  const made = await recordSession({ client: { name: `Again ${clientName}` }, started_at: isoHoursAgo(130) });
  let hours = 4;
  for (const episodes of [10, 8, 4, 2, 10, 15]) {
    await sendCheckin(made.link, { hours_since_massage: hours, twitching: { present: true, episodes_per_day: episodes } });
    hours += 24;
  }
  const page = await therapist.context.newPage();
  const watch = watchPage(page, server.url);
  await page.goto(`${server.url}/sessions/${made.session.id}`);
  await page.locator('.charts canvas').first().waitFor();
  assert.match(await page.locator('.course-verdict').textContent(), /The twitching has come back: the latest report, 5 days and 4 hours after the massage, gives 15 episodes a day/);
  const caption = await page.locator('.chart-figure figcaption').first().textContent();
  assert.match(caption, /Dotted line: the fitted course of the episodes up to the latest report; it shows no decline\./);
  assert.doesNotMatch(caption, /back at baseline/);
  assert.deepEqual(watch.problems, []);
  await page.close();
});

test('a refused session creates no client and keeps what was typed; a saved one cannot be saved twice', async () => {
  const page = await therapist.context.newPage();
  const watch = watchPage(page, server.url);
  watch.allow(/status of 400/); // the refused session below
  await page.setViewportSize(laptop.viewport);
  await page.goto(`${server.url}/dashboard`);
  await page.locator('.clients li').first().waitFor();
  const form = page.locator('#session-form');
  const name = `New ${clientName}`;
  await form.getByLabel('Name of the new client').fill(name);
  await form.getByLabel('Note about the client').fill('Prefers light pressure');
  await form.getByLabel('Minutes').fill('9999');
  await form.getByRole('button', { name: 'Save and create link' }).click();
  const minutesError = form.locator('[data-field="minutes"] .field-error');
  await minutesError.waitFor();
  assert.match(await minutesError.textContent(), /600/);
  assert.equal(await form.getByLabel('Name of the new client').inputValue(), name);
  assert.equal(await form.getByLabel('Note about the client').inputValue(), 'Prefers light pressure');
  const clients = await (await page.request.get(`${server.url}/api/clients`)).json();
  assert.ok(!JSON.stringify(clients).includes(name), 'no client was created by the refused session');
  assert.ok(!(await form.getByLabel('Who').textContent()).includes(name), 'no choice for a client that does not exist');

  watch.apiRequests.length = 0;
  await form.getByLabel('Minutes').fill('60');
  await form.getByRole('button', { name: 'Save and create link' }).click();
  await page.getByLabel('Private link for the client').waitFor();
  assert.match(await page.locator('#link-box h3').textContent(), new RegExp(`Session saved for ${name}`));
  // The form is put away: there is no second click that records the session again.
  assert.equal(await form.isVisible(), false);
  // The new client is listed in aftercare without a reload.
  await page.locator('.clients .client-name', { hasText: name }).waitFor();
  assert.deepEqual(watch.apiRequests.filter((request) => request.startsWith('POST')), ['POST /api/sessions']);
  await shoot(page, '14-dashboard-saved');

  // "Record another session" brings back an empty form, the new client among the choices.
  await page.getByRole('button', { name: 'Record another session' }).click();
  assert.equal(await form.isVisible(), true);
  assert.equal(await page.locator('#link-box').isVisible(), false);
  assert.equal(await form.getByLabel('Name of the new client').inputValue(), '');
  assert.equal(await form.getByLabel('Minutes').inputValue(), '60');
  assert.ok((await form.getByLabel('Who').textContent()).includes(name));
  assert.deepEqual(watch.problems, []);
  await page.close();
});

test('a session typed while the sign-in ran out is filled in again after signing in, for the same therapist only', async () => {
  const context = await browser.newContext(laptop);
  const page = await context.newPage();
  const watch = watchPage(page, server.url);
  watch.allowFailure('/api/me', 401); // the sign-in page asks whether this browser is signed in
  watch.allowFailure('/api/sessions', 401); // the save after the sign-in ran out
  const signIn = async () => {
    await page.getByLabel('Email').fill(server.email);
    await page.getByLabel('Password').fill(server.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };
  await page.goto(`${server.url}/`);
  await signIn();
  await page.waitForURL(`${server.url}/dashboard`);
  await page.locator('.clients li').first().waitFor();
  const form = page.locator('#session-form');
  const name = `Kept ${clientName}`;
  await form.getByLabel('Name of the new client').fill(name);
  await form.getByLabel('Note about the client').fill('Sore left knee');
  await form.getByLabel('Technique').selectOption('sports');
  await form.getByLabel('Pressure').selectOption('firm');
  await form.getByLabel('Minutes').fill('45');
  await form.getByLabel('Regions worked').fill('left calf, lower back');
  await form.getByLabel('Worked on knots or trigger points').check();
  await form.getByLabel('Notes').fill('Tender at the left hamstring.');
  const ended = await form.getByLabel('When the massage ended').inputValue();

  await context.clearCookies(); // the sign-in runs out while the form is being typed
  await form.getByRole('button', { name: 'Save and create link' }).click();
  await page.waitForURL(`${server.url}/?next=%2Fdashboard`);
  await signIn();
  await page.waitForURL(`${server.url}/dashboard`);
  const note = page.locator('#draft-note');
  await note.waitFor();
  assert.match(await note.textContent(), /signed out before this session was saved/);
  assert.equal(await form.getByLabel('Name of the new client').inputValue(), name);
  assert.equal(await form.getByLabel('Note about the client').inputValue(), 'Sore left knee');
  assert.equal(await form.getByLabel('Technique').inputValue(), 'sports');
  assert.equal(await form.getByLabel('Pressure').inputValue(), 'firm');
  assert.equal(await form.getByLabel('Minutes').inputValue(), '45');
  assert.equal(await form.getByLabel('Regions worked').inputValue(), 'left calf, lower back');
  assert.equal(await form.getByLabel('Worked on knots or trigger points').isChecked(), true);
  assert.equal(await form.getByLabel('Notes').inputValue(), 'Tender at the left hamstring.');
  assert.equal(await form.getByLabel('When the massage ended').inputValue(), ended);
  await shoot(page, '15-dashboard-kept-draft');
  await form.getByRole('button', { name: 'Save and create link' }).click();
  await page.getByLabel('Private link for the client').waitFor();
  assert.match(await page.locator('#link-box h3').textContent(), new RegExp(`Session saved for ${name}`));
  assert.equal(await note.isVisible(), false);

  // A draft is read once; one kept for another therapist (a shared computer) is dropped unread.
  await page.reload();
  await page.locator('.clients li').first().waitFor();
  assert.equal(await note.isVisible(), false);
  assert.equal(await form.getByLabel('Name of the new client').inputValue(), '');
  await page.evaluate(() =>
    sessionStorage.setItem('twitchwatch.session-draft', JSON.stringify({ therapist: -1, clientName: null, values: { name: 'Someone else\'s client' } })),
  );
  await page.reload();
  await page.locator('.clients li').first().waitFor();
  assert.equal(await note.isVisible(), false);
  assert.equal(await form.getByLabel('Name of the new client').inputValue(), '');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('twitchwatch.session-draft')), null);
  assert.deepEqual(watch.problems, []);
  await context.close();
});

test('signed in, / leads to the dashboard; signed out, a session address leads to sign-in', async () => {
  const page = await therapist.context.newPage();
  await page.goto(`${server.url}/`);
  await page.waitForURL(`${server.url}/dashboard`);
  await page.close();

  const context = await browser.newContext(laptop);
  const stranger = await context.newPage();
  await stranger.goto(`${server.url}/sessions/abc`);
  await stranger.waitForURL(`${server.url}/?next=%2Fsessions%2Fabc`);
  await context.close();
});

test('the Not sure choice has room on both sides on a wide screen', async () => {
  const made = await recordSession({ client: { name: `Segments ${clientName}` } });
  const context = await browser.newContext(laptop);
  const page = await context.newPage();
  await page.goto(new URL(made.link.path, server.url).href);
  const notSure = page.locator('.choice span', { hasText: 'Not sure' }).first();
  await notSure.waitFor();
  const room = await notSure.evaluate((span) => {
    const range = document.createRange();
    range.selectNodeContents(span);
    const text = range.getBoundingClientRect();
    const box = span.getBoundingClientRect();
    return Math.min(text.left - box.left, box.right - text.right);
  });
  assert.ok(room >= 6, `${room} px between "Not sure" and its border`);
  await context.close();
});

test('the sign-in lockout says how long to wait, from the Retry-After of the answer', async () => {
  const context = await browser.newContext(laptop);
  const page = await context.newPage();
  const watch = watchPage(page, server.url);
  watch.allowFailure('/api/me', 401);
  watch.allow(/status of 401/); // the wrong passwords below
  watch.allow(/status of 429/);
  await page.goto(`${server.url}/`);
  const formError = page.locator('#login-form .form-error');
  let retryAfter = null;
  page.on('response', (response) => {
    if (response.status() === 429) retryAfter = Number(response.headers()['retry-after']);
  });
  for (let attempt = 0; attempt < 10 && retryAfter === null; attempt += 1) {
    await page.getByLabel('Email').fill('nobody@example.org');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#login-form button:not([disabled])').waitFor();
  }
  assert.ok(retryAfter > 60, `Retry-After ${retryAfter}`);
  assert.equal(await formError.textContent(), `Too many attempts. Please wait ${Math.ceil(retryAfter / 60)} minutes and try again.`);
  assert.deepEqual(watch.problems, []);
  await context.close();
});

test("past the hourly limit, the client hears when to send the report again, and keeps it", async () => {
  const limited = await startServer(['--max-checkins-per-hour', '1']);
  try {
    // A session and its link, through the API as the therapist.
    const login = await fetch(`${limited.url}/api/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: limited.email, password: limited.password }),
    });
    const cookie = login.headers.get('set-cookie').split(';')[0];
    const { csrf_token: csrf } = await login.json();
    const made = await fetch(`${limited.url}/api/sessions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrf },
      body: JSON.stringify({
        client: { name: 'Limit Test' },
        started_at: isoHoursAgo(1),
        technique: 'swedish',
        pressure: 'light',
        minutes: 30,
      }),
    });
    assert.equal(made.status, 201, await made.clone().text());
    const { link } = await made.json();

    const context = await browser.newContext(phone);
    const page = await context.newPage();
    const watch = watchPage(page, limited.url);
    watch.allow(/status of 429/);
    await page.goto(`${limited.url}${link.path}`);
    const twitching = page.getByRole('group', { name: 'Have you had muscle twitching since the massage?' });
    await twitching.getByLabel('Yes').check();
    await page.getByRole('button', { name: 'Send my report' }).click();
    await page.locator('#result .result').waitFor();

    await page.getByLabel('About how many times a day?').fill('7');
    await page.getByRole('button', { name: 'Send my report' }).click();
    const formError = page.locator('#checkin .form-error');
    await formError.waitFor();
    assert.equal(
      await formError.textContent(),
      'You have sent many reports in the last hour. Please send this one in an hour; what you typed stays here.',
    );
    assert.equal(await page.getByLabel('About how many times a day?').inputValue(), '7');
    assert.deepEqual(watch.problems, []);
    await context.close();
  } finally {
    await limited.stop();
  }
});
