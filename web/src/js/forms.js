// Field errors shown next to the field they name: the server answers a bad request with
// {"error": "...", "field": "symptoms.pain_0_10"}, and every form wrapper carries data-field="<path>".
import { h } from './dom.js';

function candidates(field) {
  // Accept "a.b", "/a/b" (JSON pointer) and "a.b[2]"; fall back to the nearest named parent.
  const path = String(field).replace(/^\//, '').replaceAll('/', '.').replace(/\[(\d+)\]/g, '.$1');
  const parts = path.split('.').filter(Boolean);
  const names = [];
  for (let n = parts.length; n > 0; n -= 1) names.push(parts.slice(0, n).join('.'));
  return names;
}

export function findField(form, field) {
  if (!field) return null;
  for (const name of candidates(field)) {
    const wrapper = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    if (wrapper) return wrapper;
  }
  return null;
}

export function clearErrors(form) {
  for (const message of form.querySelectorAll('.field-error')) message.remove();
  for (const control of form.querySelectorAll('[aria-invalid]')) {
    control.removeAttribute('aria-invalid');
    const describedBy = (control.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .filter((id) => id && !id.endsWith('-error'));
    if (describedBy.length) control.setAttribute('aria-describedby', describedBy.join(' '));
    else control.removeAttribute('aria-describedby');
  }
  for (const wrapper of form.querySelectorAll('.has-error')) wrapper.classList.remove('has-error');
  const formError = form.querySelector('.form-error');
  if (formError) {
    formError.hidden = true;
    formError.textContent = '';
  }
}

/** Puts `message` next to the field named `field`; returns false when the form has no such field. */
export function showFieldError(form, field, message) {
  const wrapper = findField(form, field);
  if (!wrapper) return false;
  const errorId = `${wrapper.dataset.field.replaceAll('.', '-')}-error`;
  wrapper.classList.add('has-error');
  const note = h('p', { class: 'field-error', id: errorId }, message);
  const legendOrLabel = wrapper.querySelector(':scope > legend, :scope > label');
  if (legendOrLabel) legendOrLabel.after(note);
  else wrapper.prepend(note);
  for (const control of wrapper.querySelectorAll('input, select, textarea')) {
    control.setAttribute('aria-invalid', 'true');
    const describedBy = control.getAttribute('aria-describedby');
    control.setAttribute('aria-describedby', describedBy ? `${describedBy} ${errorId}` : errorId);
  }
  return true;
}

/** "symptoms.pain_0_10: 11 is above the maximum" -> "11 is above the maximum": the place says which. */
function withoutFieldName(message, field) {
  const text = String(message);
  const cut = text.startsWith(`${field}: `) ? text.slice(field.length + 2) : text;
  return cut.charAt(0).toUpperCase() + cut.slice(1);
}

/** Shows an API error on the form: next to its field when it names one, else above the button. */
export function showError(form, error) {
  if (error?.field && showFieldError(form, error.field, withoutFieldName(error.message, error.field))) {
    focusFirstError(form);
    return;
  }
  const formError = form.querySelector('.form-error');
  formError.textContent = error?.message ?? String(error);
  formError.hidden = false;
  formError.focus();
}

export function focusFirstError(form) {
  const control = form.querySelector('[aria-invalid="true"]');
  if (control) control.focus();
}

// "1,000" or "12,500": a comma followed by exactly three digits may group thousands (1000) or be a
// decimal comma (1.0), so it is not guessed. "0,125" can only be a decimal.
const groupedThousands = /^-?[1-9]\d*(,\d{3})+$/;

/**
 * Reads a number typed by a person ("2,5" is 2.5); undefined when empty, NaN when not a number or
 * when it is ambiguous ("1,000": see numberMessage).
 */
export function readNumber(input) {
  const typed = input.value.trim();
  if (typed === '') return undefined;
  if (groupedThousands.test(typed)) return Number.NaN;
  const text = typed.replace(',', '.');
  return /^-?\d*\.?\d+$/.test(text) || /^-?\d+\.$/.test(text) ? Number(text) : Number.NaN;
}

/** What to say when readNumber(input) is NaN: `otherwise` unless the comma is ambiguous. */
export function numberMessage(input, otherwise) {
  const typed = input.value.trim();
  if (!groupedThousands.test(typed)) return otherwise;
  return `Please write ${typed.replaceAll(',', '')} without the comma, or use a point for decimals (for example 2.5).`;
}

/** "left calf, neck" -> ["left calf", "neck"]; undefined when empty. */
export function readList(input) {
  const items = input.value
    .split(/[,;\n]/)
    .map((item) => item.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}

/** Sets obj[a][b] = value for path "a.b", skipping undefined values. */
export function setPath(obj, path, value) {
  if (value === undefined) return;
  const keys = path.split('.');
  let target = obj;
  for (const key of keys.slice(0, -1)) target = target[key] ??= {};
  target[keys.at(-1)] = value;
}

/** Disables the submit button while a request is on its way, so a report is sent once. */
export async function whileSending(form, work) {
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    button.disabled = false;
    form.removeAttribute('aria-busy');
  }
}
