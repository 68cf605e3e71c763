// /sessions/<id>: one client's course after one session. Data: one GET /api/sessions/<id>.
import { ApiError, get, redirectWhenSignedOut } from './api.js';
import { chartFigure, courseChart, courseRange, levelChart } from './charts.js';
import { addressId, byId, fill, h, showPageError } from './dom.js';
import { showLinkTools } from './linkbox.js';
import { describeReport, label, regionList, levelBadge, levelInfo, pressures, reportsInBrief, sinceMassage, techniques, when } from './words.js';

const sessionId = addressId();

function sessionFacts(session) {
  const facts = [
    ['Massage ended', when(session.started_at)],
    ['Technique', label(techniques, session.technique)],
    ['Pressure', label(pressures, session.pressure)],
    ['Minutes', session.minutes],
    ['Regions', session.regions?.length ? regionList(session.regions) : '—'],
    ['Knots worked', session.knots_worked ? 'Yes' : 'No'],
  ];
  // The notes keep their line breaks (CSS white-space: pre-line on .notes; still set as text).
  if (session.notes) facts.push(['Your notes', session.notes, 'notes']);
  return h('dl', { class: 'facts' }, facts.map(([term, value, className]) => [h('dt', {}, term), h('dd', { class: className }, value ?? '—')]));
}

function courseTable(course) {
  return h(
    'details',
    { class: 'numbers-details' },
    h('summary', {}, 'The numbers behind the charts'),
    h(
      'table',
      { class: 'numbers' },
      h('thead', {}, h('tr', {}, ['Day', 'Episodes per day', 'Pain (0–10)', 'Level'].map((text) => h('th', { scope: 'col' }, text)))),
      h(
        'tbody',
        {},
        course.map((point) =>
          h('tr', {}, h('th', { scope: 'row' }, point.day), h('td', {}, point.episodes_per_day ?? '—'), h('td', {}, point.pain_0_10 ?? '—'), h('td', {}, levelInfo(point.level).short)),
        ),
      ),
    ),
  );
}

// The dotted line's caption: only a fit that shows a decline is drawn on to a return to baseline
// (the server ends any other curve at the latest report).
function fittedLineCaption(fit) {
  if (!(fit?.curve ?? []).length) return '';
  return fit.decline
    ? ' Dotted line: the fitted course of the episodes, drawn on to when they are expected back at baseline.'
    : ' Dotted line: the fitted course of the episodes up to the latest report; it shows no decline.';
}

// The fitted course of the reported episodes, in words: what the chart's dotted line says.
function courseVerdict(fit) {
  if (!fit?.verdict) return null;
  return h('p', { class: 'course-verdict', 'data-fitted': String(Boolean(fit.fitted)) }, h('strong', {}, 'Expected course: '), fit.verdict);
}

function reportItem(checkin) {
  const assessment = checkin.assessment ?? {};
  return h(
    'li',
    { class: `report level-${assessment.level}` },
    h('div', { class: 'timeline-head' }, levelBadge(assessment.level), h('span', {}, sinceMassage(checkin.hours_since_massage))),
    h('p', { class: 'quiet' }, when(checkin.received_at)),
    h('p', {}, describeReport(checkin.document, assessment)),
    assessment.summary ? h('p', { class: 'summary' }, assessment.summary) : null,
  );
}

/** One of the client's other sessions, drawn like a dashboard row: its latest level and reports. */
function otherSessionItem(other) {
  return h(
    'li',
    { class: `client level-${other.latest_level ?? 'none'}` },
    h(
      'a',
      { href: `/sessions/${encodeURIComponent(other.id)}` },
      h('span', { class: 'client-head' }, h('span', { class: 'client-name' }, `Session ${when(other.started_at)}`), levelBadge(other.latest_level)),
      h('span', { class: 'client-meta' }, `${label(techniques, other.technique)} · ${reportsInBrief(other.reports, other.latest_report_at)}`),
    ),
  );
}

// Reports sent on an earlier session's link belong to that session: its page is one click away.
function otherSessions(sessions) {
  if (!sessions.length) return null;
  return h(
    'section',
    { 'aria-labelledby': 'other-sessions-title' },
    h('h2', { id: 'other-sessions-title' }, 'Other sessions of this client'),
    h('ol', { class: 'clients other-sessions' }, sessions.map(otherSessionItem)),
  );
}

function render(data) {
  const { session = {}, client = {}, checkins = [], course = [], course_fit: courseFit = null, other_sessions: others = [] } = data;
  document.title = `${client.name ?? 'Client'} · twitchwatch`;
  const charts = h('div', { class: 'charts' });
  const linkTools = h('div', { class: 'link-box' });
  const reports = [...checkins].sort((a, b) => String(b.received_at).localeCompare(String(a.received_at)));
  fill(
    byId('session'),
    h('h1', {}, client.name ?? 'Client'),
    client.note ? h('p', { class: 'lead' }, client.note) : null,
    h(
      'section',
      { class: 'note card', 'aria-labelledby': 'note-title' },
      h('h2', { id: 'note-title' }, 'For the next session'),
      h('p', {}, data.next_session_note || 'Nothing to change so far.'),
    ),
    h('section', { 'aria-labelledby': 'course-title' }, h('h2', { id: 'course-title' }, 'Course since the massage'), charts),
    h(
      'section',
      { 'aria-labelledby': 'reports-title' },
      h('h2', { id: 'reports-title' }, `Reports (${data.checkins_total ?? checkins.length})`),
      checkins.length < (data.checkins_total ?? 0) ? h('p', { class: 'quiet' }, `The latest ${checkins.length} are listed.`) : null,
      reports.length ? h('ol', { class: 'timeline', reversed: true }, reports.map(reportItem)) : h('p', { class: 'empty' }, 'No report yet.'),
    ),
    otherSessions(others),
    h('section', { 'aria-labelledby': 'session-title' }, h('h2', { id: 'session-title' }, 'Session'), sessionFacts(session)),
    h('section', { 'aria-labelledby': 'link-title' }, h('h2', { id: 'link-title' }, 'Client link'), linkTools),
  );
  showLinkTools(linkTools, session.id ?? sessionId, null);

  if (!course.length) {
    charts.append(h('p', { class: 'empty' }, 'The charts appear with the first report.'));
    return;
  }
  const twitching = chartFigure(
    'Twitching and pain',
    'Solid line: the most twitching episodes per day reported each day (left scale). Dashed line: the highest pain from 0 to 10 (right scale).' +
      fittedLineCaption(courseFit),
  );
  const level = chartFigure('Level of each report', 'From normal to urgent.');
  charts.append(...[twitching.figure, courseVerdict(courseFit), level.figure, courseTable(course)].filter(Boolean));
  const range = courseRange(course, courseFit);
  courseChart(twitching.plot, course, courseFit, range);
  levelChart(level.plot, course, range);
}

/** Whether this browser is signed in (a 404 for an address that is no session says nothing about it). */
async function signedOut() {
  try {
    await get('/api/me');
    return false;
  } catch (error) {
    return redirectWhenSignedOut(error);
  }
}

async function start() {
  try {
    if (sessionId === null) throw new ApiError(404, null);
    render(await get(`/api/sessions/${encodeURIComponent(sessionId)}`));
  } catch (error) {
    if (redirectWhenSignedOut(error)) return;
    // The server answers an address that cannot be a session (/sessions/abc) 404 before it looks
    // at the sign-in: signed out, the sign-in page is the answer, as for any other session.
    if (error.status === 404 && (await signedOut())) return;
    fill(byId('session'));
    showPageError(error.status === 404 ? 'There is no such session in your clinic.' : error.message);
  }
}

start();
