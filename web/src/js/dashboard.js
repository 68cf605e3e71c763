// /dashboard: clients with open aftercare (red flags first), discomfort by technique and pressure,
// and the form that records a session and makes the client link. Data: one GET /api/dashboard.
import { change, forgetCsrf, get, redirectWhenSignedOut } from './api.js';
import { chartFigure, shareBars } from './charts.js';
import { byId, fill, h, showPageError } from './dom.js';
import { clearErrors, focusFirstError, numberMessage, readList, readNumber, showError, showFieldError, whileSending } from './forms.js';
import { showLinkTools } from './linkbox.js';
import { label, levelBadge, levels, percent, pressures, reportsInBrief, sinceMassage, techniques, when } from './words.js';

function clientRow(row) {
  const latestRank = levels[row.latest_level]?.rank ?? -1;
  const highestRank = levels[row.highest_level]?.rank ?? -1;
  const reports = row.reports ?? 0;
  const flagged = row.red_flag ?? (highestRank >= levels.see_doctor.rank);
  return h(
    'li',
    { class: `client level-${row.highest_level ?? row.latest_level ?? 'none'}` },
    h(
      'a',
      { href: `/sessions/${encodeURIComponent(row.session_id)}` },
      h(
        'span',
        { class: 'client-head' },
        h('span', { class: 'client-name' }, row.client_name),
        levelBadge(row.highest_level ?? row.latest_level),
        flagged ? h('span', { class: 'flag' }, 'Red flag') : null,
      ),
      h(
        'span',
        { class: 'client-meta' },
        reportsInBrief(reports, row.latest_report_at),
        highestRank > latestRank && row.latest_level ? ` · latest: ${levels[row.latest_level].short.toLowerCase()}` : '',
      ),
      h('span', { class: 'client-meta' }, `Session ${when(row.session_started_at)}`, row.hours_since_massage != null ? `, ${sinceMassage(row.hours_since_massage).replace(' after the massage', ' ago')}` : ''),
    ),
  );
}

function renderClients(clients) {
  fill(
    byId('clients'),
    clients.length
      ? h('ol', { class: 'clients' }, clients.map(clientRow))
      : h('p', { class: 'empty' }, 'No client is in aftercare right now. Record a session below to start.'),
  );
}

function shareTable(what, rows, labels) {
  return h(
    'table',
    { class: 'numbers' },
    h('caption', { class: 'visually-hidden' }, `Reports with discomfort by ${what.toLowerCase()}`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, what), h('th', { scope: 'col' }, 'With discomfort'), h('th', { scope: 'col' }, 'Share'))),
    h(
      'tbody',
      {},
      rows.map((row) =>
        h('tr', {}, h('th', { scope: 'row' }, label(labels, row.key)), h('td', {}, `${row.with_discomfort} of ${row.reports}`), h('td', {}, percent(row.share))),
      ),
    ),
  );
}

/** Rows in the order of the form's choices (light to deep pressure), unknown keys last. */
function inOrderOf(labels, rows) {
  const order = Object.keys(labels);
  const rank = (key) => (order.includes(key) ? order.indexOf(key) : order.length);
  return [...rows].sort((a, b) => rank(a.key) - rank(b.key));
}

function renderDiscomfort(discomfort) {
  const box = byId('discomfort');
  const groups = [
    ['Technique', inOrderOf(techniques, discomfort?.by_technique ?? []), techniques],
    ['Pressure', inOrderOf(pressures, discomfort?.by_pressure ?? []), pressures],
  ];
  if (groups.every(([, rows]) => rows.length === 0)) {
    fill(box, h('p', { class: 'empty' }, 'No reports yet.'));
    return;
  }
  fill(box);
  for (const [what, rows, labels] of groups) {
    if (!rows.length) continue;
    const { figure, plot } = chartFigure(`By ${what.toLowerCase()}`, '(share of reports with discomfort)');
    box.append(h('div', { class: 'share-group' }, figure, shareTable(what, rows, labels)));
    shareBars(plot, rows, (key) => label(labels, key));
  }
}

// A session typed while the sign-in ran out is kept in this tab (sessionStorage) across the new
// sign-in and filled in again, but only for the same therapist: on a shared clinic computer one
// therapist's client must not appear in the next one's form. It is read once and dropped.
const draftKey = 'twitchwatch.session-draft';

function keepDraft(form, therapistId) {
  const values = {};
  for (const element of form.elements) {
    if (element.name) values[element.name] = element.type === 'checkbox' ? element.checked : element.value;
  }
  const select = form.elements.client_id;
  const clientName = select.value ? select.selectedOptions[0].textContent : null;
  sessionStorage.setItem(draftKey, JSON.stringify({ therapist: therapistId, clientName, values }));
}

function restoreDraft(form, therapistId, showNewClientFields) {
  const text = sessionStorage.getItem(draftKey);
  sessionStorage.removeItem(draftKey);
  let draft = null;
  try {
    draft = JSON.parse(text);
  } catch {
    return;
  }
  if (draft?.therapist !== therapistId || typeof draft.values !== 'object' || draft.values === null) return;
  const { values } = draft;
  if (values.client_id && draft.clientName) addClientOption(form.elements.client_id, { id: values.client_id, name: draft.clientName });
  for (const [name, value] of Object.entries(values)) {
    const element = form.elements.namedItem(name);
    if (!element || element instanceof RadioNodeList) continue;
    if (element.type === 'checkbox') element.checked = value === true;
    else element.value = String(value);
  }
  showNewClientFields();
  const note = byId('draft-note');
  note.textContent = 'You were signed out before this session was saved. What you typed is filled in again: check it and save.';
  note.hidden = false;
  byId('new-session').scrollIntoView();
  note.focus();
}

function addClientOption(select, client) {
  if ([...select.options].some((option) => option.value === String(client.id))) return;
  select.append(h('option', { value: client.id }, client.name));
}

/** Existing clients for the form: those on the dashboard now, all of them once the list is opened. */
function setUpClientChoice(form, dashboardClients) {
  const select = form.elements.client_id;
  for (const row of dashboardClients) addClientOption(select, { id: row.client_id, name: row.client_name });
  let loaded = false;
  const loadAll = async () => {
    if (loaded) return;
    loaded = true;
    try {
      const answer = await get('/api/clients');
      for (const client of answer.clients ?? answer ?? []) addClientOption(select, client);
    } catch (error) {
      loaded = false;
      redirectWhenSignedOut(error);
    }
  };
  select.addEventListener('focus', loadAll);
  select.addEventListener('pointerdown', loadAll);
  const showNewClientFields = () => {
    for (const field of form.querySelectorAll('.new-client')) field.hidden = select.value !== '';
  };
  select.addEventListener('change', showNewClientFields);
  return showNewClientFields;
}

function localNow() {
  const now = new Date();
  now.setSeconds(0, 0);
  return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function readSession(form) {
  const session = {
    technique: form.elements.technique.value,
    pressure: form.elements.pressure.value,
    knots_worked: form.elements.knots_worked.checked,
  };
  let valid = true;
  const started = form.elements.started_at.value;
  if (!started || Number.isNaN(new Date(started).getTime())) {
    showFieldError(form, 'started_at', 'Please give the date and time the massage ended.');
    valid = false;
  } else {
    session.started_at = new Date(started).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  const minutes = readNumber(form.elements.minutes);
  if (Number.isNaN(minutes)) {
    showFieldError(form, 'minutes', numberMessage(form.elements.minutes, 'Please write the minutes as a number, for example 60.'));
    valid = false;
  } else if (minutes !== undefined) {
    session.minutes = minutes;
  }
  session.regions = readList(form.elements.regions) ?? [];
  const notes = form.elements.notes.value.trim();
  if (notes) session.notes = notes;
  return valid ? session : null;
}

/** The form's first state: a new client, the massage ending now, the default minutes. */
function resetSessionForm(form, showNewClientFields) {
  form.reset();
  clearErrors(form);
  form.elements.started_at.value = localNow();
  showNewClientFields();
}

function setUpSessionForm(dashboardClients, therapistId, refreshDashboard) {
  const form = byId('session-form');
  form.elements.started_at.value = localNow();
  const showNewClientFields = setUpClientChoice(form, dashboardClients);
  restoreDraft(form, therapistId, showNewClientFields);
  const linkBox = byId('link-box');

  // After a save the form is put away and the link shown, so a second click cannot record the
  // session twice; "Record another session" brings the form back, emptied.
  const recordAnother = () => {
    linkBox.hidden = true;
    fill(linkBox);
    resetSessionForm(form, showNewClientFields);
    form.hidden = false;
    form.elements.client_id.focus();
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (form.hidden) return;
    clearErrors(form);
    byId('draft-note').hidden = true;
    const select = form.elements.client_id;
    const name = form.elements.name.value.trim();
    if (!select.value && !name) showFieldError(form, 'client.name', 'Please enter the client’s name, or choose an existing client.');
    const session = readSession(form);
    if (!session || (!select.value && !name)) {
      focusFirstError(form);
      return;
    }
    // A new client is created with the session, in one request: a refused session leaves no
    // client behind, and what was typed stays in the form.
    const note = form.elements.note.value.trim();
    const body = select.value ? { client_id: Number(select.value), ...session } : { client: note ? { name, note } : { name }, ...session };
    await whileSending(form, async () => {
      let made;
      try {
        made = await change('POST', '/api/sessions', body);
      } catch (error) {
        if (error.status === 401) keepDraft(form, therapistId);
        if (!redirectWhenSignedOut(error)) showError(form, error);
        return;
      }
      let clientName;
      if (made.client) {
        addClientOption(select, made.client);
        clientName = made.client.name;
      } else {
        clientName = select.selectedOptions[0].textContent;
      }
      form.hidden = true;
      const tools = h('div');
      fill(
        linkBox,
        h('h3', {}, `Session saved for ${clientName}`),
        tools,
        h('p', {}, h('a', { href: `/sessions/${encodeURIComponent(made.session.id)}` }, 'Open the session page')),
        h('button', { type: 'button', class: 'another', onclick: recordAnother }, 'Record another session'),
      );
      showLinkTools(tools, made.session.id, made.link);
      linkBox.hidden = false;
      linkBox.focus();
      refreshDashboard();
    });
  });
}

async function start() {
  byId('sign-out').addEventListener('click', async () => {
    try {
      await change('POST', '/api/logout');
    } catch (error) {
      if (error.status !== 401) {
        showPageError(error.message);
        return;
      }
    }
    forgetCsrf();
    location.assign('/');
  });

  let data;
  try {
    data = await get('/api/dashboard');
  } catch (error) {
    if (!redirectWhenSignedOut(error)) showPageError(error.message);
    return;
  }
  renderClients(data.clients ?? []);
  renderDiscomfort(data.discomfort);
  const select = byId('session-form').elements.client_id;
  // After a save, the new session (and a new client) joins the list without a reload. A new
  // session has no report yet, so the discomfort charts stay as they are.
  const refreshDashboard = async () => {
    try {
      const fresh = await get('/api/dashboard');
      renderClients(fresh.clients ?? []);
      for (const row of fresh.clients ?? []) addClientOption(select, { id: row.client_id, name: row.client_name });
    } catch (error) {
      if (!redirectWhenSignedOut(error)) showPageError(error.message);
    }
  };
  setUpSessionForm(data.clients ?? [], data.therapist.id, refreshDashboard);
  if (location.pathname === '/new-session') byId('new-session').scrollIntoView();
}

start();
