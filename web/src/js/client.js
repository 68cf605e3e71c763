// /c/<token>: the client's page. One GET for everything shown (session, aftercare, own reports),
// one POST per report. No account: the private token in the address is the only credential.
import { ApiError, get, postAsClient } from './api.js';
import { addressId, byId, fill, h, showPageError } from './dom.js';
import { clearErrors, focusFirstError, numberMessage, readList, readNumber, setPath, showError, showFieldError, whileSending } from './forms.js';
import { itemText, label, levelBadge, pressures, readableSources, regionList, resultWords, sinceMassage, techniques, waitInWords, when } from './words.js';

const token = addressId();
const apiBase = `/api/c/${encodeURIComponent(token ?? '')}`;
const nothingAnswered = 'Nothing is answered yet, so there is nothing to send. Answer at least one question; your last report stays with your therapist as it is.';
const unknownLink = 'This link is not known. Check that you opened the whole address, or ask your therapist for a new one.';

const yesNo = (path, text, hint) => ({ path, kind: 'yesno', text, hint });
const number = (path, text, hint) => ({ path, kind: 'number', text, hint });
const list = (path, text, hint) => ({ path, kind: 'list', text, hint });
const choice = (path, text, options) => ({ path, kind: 'choice', text, options });

// Every question of contracts/checkin.schema.json that the client answers. The massage itself is
// known from the session, and the hours since the massage are computed by the server.
const sections = [
  {
    legend: 'Twitching',
    questions: [
      yesNo('twitching.present', 'Have you had muscle twitching since the massage?'),
      list('twitching.regions', 'Where do you feel it?', 'For example: left calf, neck'),
      number('twitching.episodes_per_day', 'About how many times a day?'),
      number('twitching.episode_seconds', 'How many seconds does one bout usually last?'),
      yesNo('twitching.painful', 'Does the twitching hurt?'),
      choice('twitching.trend', 'Compared with your last report, or with the first day, it is…', [
        ['better', 'Better'],
        ['same', 'About the same'],
        ['worse', 'Worse'],
        ['unknown', 'I can’t tell'],
      ]),
    ],
  },
  {
    legend: 'How you feel',
    questions: [
      number('symptoms.pain_0_10', 'Pain where you were massaged, from 0 (none) to 10 (the worst you can imagine)'),
      choice('symptoms.soreness', 'Soreness', [
        ['none', 'None'],
        ['mild', 'Mild'],
        ['moderate', 'Moderate'],
        ['severe', 'Severe'],
      ]),
      yesNo('symptoms.relaxed', 'Do you feel relaxed, looser or less tense than before?'),
      yesNo('symptoms.bruising', 'Bruising'),
      yesNo('symptoms.fatigue', 'Tiredness'),
      yesNo('symptoms.headache', 'Headache'),
      yesNo('symptoms.nausea', 'Feeling sick (nausea)'),
      yesNo('symptoms.dizziness', 'Dizziness'),
      yesNo('symptoms.numbness', 'Numbness'),
      yesNo('symptoms.weakness', 'A muscle that is newly weak'),
      yesNo('symptoms.loss_of_coordination', 'Clumsiness or loss of coordination'),
      yesNo('symptoms.muscle_wasting', 'A muscle that looks smaller or thinner than before'),
      yesNo('symptoms.fainted', 'Fainting or passing out'),
      yesNo('symptoms.breathing_difficulty', 'Difficulty breathing'),
      yesNo('symptoms.trouble_swallowing_or_speaking', 'Trouble swallowing or speaking'),
      yesNo('symptoms.dark_urine', 'Dark or tea-coloured urine'),
      yesNo('symptoms.sudden_severe_headache', 'A sudden, severe headache'),
    ],
  },
  {
    legend: 'The last day or two',
    questions: [
      number('context.water_liters_24h', 'Water you drank in the last 24 hours, in litres'),
      number('context.sleep_hours', 'Hours of sleep last night'),
      number('context.stress_0_10', 'Stress, from 0 (none) to 10 (extreme)'),
      number('context.caffeine_drinks_24h', 'Coffee, tea, cola or energy drinks in the last 24 hours'),
      yesNo('context.anxiety', 'Have you been feeling anxious?'),
      yesNo('context.intense_exercise_48h', 'Hard exercise in the last two days?'),
      yesNo('context.low_mineral_diet', 'Is your diet low in magnesium, calcium or potassium?', 'For example few greens, nuts, dairy or bananas'),
      list('context.medications', 'Medicines you take', 'Separate with commas'),
      yesNo('context.nerve_damage_history', 'Have you ever had nerve damage?'),
      yesNo('context.neuromuscular_disease', 'Do you have a diagnosed neuromuscular disease, such as ALS or muscular dystrophy?'),
    ],
  },
];

const idOf = (path) => `q-${path.replaceAll('.', '-')}`;

function hintFor(question) {
  return question.hint ? h('p', { class: 'hint', id: `${idOf(question.path)}-hint` }, question.hint) : null;
}

function renderQuestion(question) {
  const id = idOf(question.path);
  const describedBy = question.hint ? `${id}-hint` : undefined;
  if (question.kind === 'yesno') {
    const option = (value, text) =>
      h('label', { class: 'choice' }, h('input', { type: 'radio', name: question.path, value }), h('span', {}, text));
    return h(
      'fieldset',
      { class: 'field yesno', 'data-field': question.path, 'aria-describedby': describedBy },
      h('legend', {}, question.text),
      hintFor(question),
      h('div', { class: 'segments' }, option('yes', 'Yes'), option('no', 'No'), option('', 'Not sure')),
    );
  }
  if (question.kind === 'choice') {
    return h(
      'div',
      { class: 'field', 'data-field': question.path },
      h('label', { for: id }, question.text),
      h(
        'select',
        { id, name: question.path },
        h('option', { value: '' }, 'Not answered'),
        question.options.map(([value, text]) => h('option', { value }, text)),
      ),
    );
  }
  return h(
    'div',
    { class: 'field', 'data-field': question.path },
    h('label', { for: id }, question.text),
    h('input', {
      id,
      name: question.path,
      type: 'text',
      inputmode: question.kind === 'number' ? 'decimal' : undefined,
      autocomplete: 'off',
      class: question.kind === 'number' ? 'number' : undefined,
      'aria-describedby': describedBy,
    }),
    hintFor(question),
  );
}

function buildForm(form) {
  fill(
    form,
    sections.map((section) => h('fieldset', { class: 'group' }, h('legend', {}, section.legend), section.questions.map(renderQuestion))),
    h('p', { class: 'form-error', role: 'alert', tabindex: '-1', hidden: true }),
    h('button', { type: 'submit', class: 'primary' }, 'Send my report'),
  );
}

/** The check-in document from the form; questions left empty are not sent at all. */
function readForm(form) {
  const document = {};
  let valid = true;
  for (const question of sections.flatMap((section) => section.questions)) {
    let value;
    if (question.kind === 'yesno') {
      const checked = form.querySelector(`input[name="${question.path}"]:checked`);
      value = checked?.value === 'yes' ? true : checked?.value === 'no' ? false : undefined;
    } else if (question.kind === 'choice') {
      value = form.elements[question.path].value || undefined;
    } else if (question.kind === 'list') {
      value = readList(form.elements[question.path]);
    } else {
      value = readNumber(form.elements[question.path]);
      if (Number.isNaN(value)) {
        showFieldError(form, question.path, numberMessage(form.elements[question.path], 'Please write a number, for example 3 or 2.5.'));
        valid = false;
        continue;
      }
    }
    setPath(document, question.path, value);
  }
  return valid ? document : null;
}

function listOf(value) {
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && !('text' in value || 'label' in value || 'sentence' in value)) {
    return Object.values(value).flat();
  }
  return [value];
}

function bulletList(items, className) {
  const texts = listOf(items).map(itemText).filter(Boolean);
  return texts.length ? h('ul', { class: className }, texts.map((text) => h('li', {}, text))) : null;
}

/**
 * The signs that need help, the urgent ones (call now) first, then those for a doctor. Each sign
 * is whole sentences ("You have difficulty breathing. Breathing problems ..."), so the headings
 * name the signs rather than begin a sentence ("... now if") that the sign cannot finish.
 */
function worryBox(signs) {
  if (!signs.length) return null;
  const now = signs.filter((sign) => sign?.level === 'urgent');
  const doctor = signs.filter((sign) => sign?.level !== 'urgent');
  return h(
    'div',
    { class: 'worry' },
    h('h3', {}, 'When to get help'),
    now.length ? [h('h4', {}, 'Call emergency services now for any of these'), bulletList(now)] : null,
    doctor.length ? [h('h4', {}, 'See a doctor for any of these'), bulletList(doctor)] : null,
  );
}

function renderAftercare(aftercare) {
  const box = byId('aftercare-body');
  fill(
    box,
    h('h3', {}, 'What is normal'),
    listOf(aftercare.normal).map((text) => h('p', {}, itemText(text))),
    h('h3', {}, 'How long it usually lasts'),
    listOf(aftercare.how_long).map((text) => h('p', {}, itemText(text))),
    h('h3', {}, 'What helps'),
    bulletList(listOf(aftercare.what_to_do)),
    worryBox(listOf(aftercare.when_to_worry)),
  );
  byId('aftercare').hidden = false;
}

function causeItem(cause) {
  if (typeof cause !== 'object' || cause === null) return h('li', {}, String(cause));
  const why = cause.why ?? cause.because ?? cause.explanation;
  return h('li', {}, h('strong', {}, cause.label ?? label({}, cause.id)), why ? ` — ${why}` : '');
}

function reasonItem(reason) {
  if (typeof reason !== 'object' || reason === null) return h('li', {}, String(reason));
  const sourceText = readableSources(reason.source ?? reason.sources ?? reason.references ?? []);
  return h('li', {}, itemText(reason), sourceText ? h('span', { class: 'source' }, ` (source: ${sourceText})`) : '');
}

/**
 * The answer to a report at the top of the page: just sent (`document` is what was sent; the page
 * moves to it), or the latest stored one on opening the page (`receivedAt`; the page stays put),
 * so that a result such as "see a doctor" is still there after a reload or a return visit.
 */
function renderResult(answer, document, receivedAt = null) {
  const assessment = answer.assessment ?? {};
  const causes = listOf(assessment.causes);
  const reasons = listOf(assessment.reasons);
  const info = resultWords(assessment, document);
  const section = byId('result');
  fill(
    byId('result-body'),
    h(
      'div',
      { class: `result level-${assessment.level}` },
      h('p', { class: 'result-kicker' }, receivedAt ? 'What your latest report means' : 'What your report means'),
      h('p', { class: 'result-level' }, info.title),
      info.first ? h('p', { class: 'result-first' }, info.first) : null,
      assessment.summary ? h('p', { class: 'summary' }, assessment.summary) : null,
    ),
    causes.length ? [h('h3', {}, 'What may be behind it'), h('ul', {}, causes.map(causeItem))] : null,
    listOf(assessment.advice).length ? [h('h3', {}, 'What you can do'), bulletList(assessment.advice)] : null,
    // When help is needed now, the usual course of things is beside the point.
    assessment.level !== 'urgent' && listOf(assessment.course).length ? [h('h3', {}, 'What to expect from here'), bulletList(assessment.course)] : null,
    assessment.level !== 'urgent' && listOf(assessment.benefits).length ? [h('h3', {}, 'The good side'), bulletList(assessment.benefits)] : null,
    reasons.length
      ? h('details', { class: 'reasons', open: true }, h('summary', {}, 'Why we say this'), h('ul', {}, reasons.map(reasonItem)))
      : null,
    h(
      'p',
      { class: 'quiet' },
      `Report received ${sinceMassage(answer.hours_since_massage)}${receivedAt ? ` (${when(receivedAt)})` : ''}. Your therapist can see it.`,
    ),
    assessment.disclaimer ? h('p', { class: 'quiet' }, itemText(assessment.disclaimer)) : null,
  );
  section.hidden = false;
  // The general aftercare below is for any massage; after a report that needs more, it says so.
  byId('aftercare-general').hidden = !['tell_therapist', 'see_doctor', 'urgent'].includes(assessment.level);
  if (receivedAt) return;
  section.focus();
  section.scrollIntoView({ block: 'start' });
}

/** Reports newest first. */
function newestFirst(checkins) {
  return [...checkins].sort((a, b) => String(b.received_at).localeCompare(String(a.received_at)));
}

function latestReport(checkins) {
  return newestFirst(checkins)[0] ?? null;
}

function renderTimeline(checkins) {
  const items = newestFirst(checkins);
  fill(
    byId('timeline-list'),
    items.length
      ? items.map((checkin) =>
          h(
            'li',
            {},
            h('div', { class: 'timeline-head' }, levelBadge(checkin.assessment?.level), h('span', {}, sinceMassage(checkin.hours_since_massage))),
            h('p', { class: 'quiet' }, when(checkin.received_at)),
            checkin.assessment?.summary ? h('p', {}, checkin.assessment.summary) : null,
          ),
        )
      : h('li', { class: 'empty' }, 'No reports yet. Your first one will appear here.'),
  );
  byId('timeline').hidden = false;
}

function sessionLine(session, hours) {
  const technique = label(techniques, session.technique);
  const details = [];
  if (session.pressure) details.push(`${label(pressures, session.pressure).toLowerCase()} pressure`);
  if (session.minutes) details.push(`${session.minutes} minutes`);
  if (session.regions?.length) details.push(regionList(session.regions));
  const since = sinceMassage(hours).replace(' after the massage', ' ago');
  // Proper names (Swedish) keep their capital inside the sentence.
  const name = technique === 'Swedish' ? technique : technique.toLowerCase();
  return `Your ${name} massage${details.length ? ` (${details.join(', ')})` : ''}${since ? ` ended ${since}.` : '.'}`;
}

// What the client can do about a link the server refuses: 410 means the therapist revoked it,
// 404 that no such link exists (an address cut short or mistyped). Null for other errors.
function linkProblem(error) {
  if (!(error instanceof ApiError)) return null;
  if (error.status === 410) {
    return 'Your therapist has revoked this link, so it no longer opens your aftercare. Please ask your therapist for a new one.';
  }
  if (error.status === 404) return unknownLink;
  return null;
}

async function start() {
  if (token === null) {
    byId('session-line').textContent = '';
    showPageError(unknownLink);
    return;
  }
  let data;
  try {
    data = await get(apiBase);
  } catch (error) {
    byId('session-line').textContent = '';
    showPageError(linkProblem(error) ?? error.message);
    return;
  }
  byId('session-line').textContent = sessionLine(data.session ?? {}, data.hours_since_massage);
  if (data.aftercare) renderAftercare(data.aftercare);
  const checkins = [...(data.checkins ?? [])];
  renderTimeline(checkins);
  const latest = latestReport(checkins);
  if (latest?.assessment) renderResult(latest, null, latest.received_at);

  const form = byId('checkin-form');
  buildForm(form);
  byId('checkin').hidden = false;
  byId('jump-to-form').hidden = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const document = readForm(form);
    if (!document) {
      focusFirstError(form);
      return;
    }
    if (Object.keys(document).length === 0) {
      // Nothing answered (a tap to check that the last report went): sending it would file a
      // "normal" report on top of the last one.
      showError(form, new Error(nothingAnswered));
      return;
    }
    await whileSending(form, async () => {
      try {
        const answer = await postAsClient(`${apiBase}/checkins`, document);
        checkins.push({ received_at: new Date().toISOString(), hours_since_massage: answer.hours_since_massage, assessment: answer.assessment, ...answer.checkin });
        renderTimeline(checkins);
        form.reset();
        renderResult(answer, document);
      } catch (error) {
        const problem = linkProblem(error);
        if (problem) {
          // Revoked while the page was open: the form cannot be sent any more.
          byId('checkin').hidden = true;
          byId('jump-to-form').hidden = true;
          showPageError(problem);
          return;
        }
        if (error.status === 429) {
          error.message = `You have sent many reports in the last hour. Please send this one in ${waitInWords(error.retryAfter)}; what you typed stays here.`;
        }
        showError(form, error);
      }
    });
  });
}

start();
