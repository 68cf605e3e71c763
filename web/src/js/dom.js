// Small DOM helpers. Text is always set as text (never parsed as HTML), so nothing a client or a
// therapist typed can run as script, and no style attribute is ever written (CSP: default-src 'self').

/** h('p', {class: 'x'}, 'text', child) -> element; null/false children are skipped. */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces the content of `element` with `children`. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`page is missing #${id}`);
  return element;
}

/** Shows a message in the page's status area (role=alert in the HTML). */
export function showPageError(message) {
  const box = byId('page-error');
  box.textContent = message;
  box.hidden = false;
}

/**
 * The page address's second path segment, decoded ("/c/<token>", "/sessions/<id>"); null when
 * the address is garbled (a stray "%" cannot be decoded).
 */
export function addressId() {
  try {
    return decodeURIComponent(location.pathname.split('/')[2] ?? '');
  } catch {
    return null;
  }
}
