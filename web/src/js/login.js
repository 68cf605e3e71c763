// /: therapist sign-in. The answer carries the CSRF token that later changes send.
import { get, postAsClient, rememberCsrf } from './api.js';
import { byId } from './dom.js';
import { clearErrors, showError, showFieldError, whileSending } from './forms.js';
import { waitInWords } from './words.js';

/**
 * Only a page of this site may follow the sign-in (never another origin). Browsers read `/\host`
 * and `/<tab>/host` as `//host`, so the value is resolved as the browser would and kept only when
 * it stays on this origin. What is followed is the resolved absolute address: its path alone
 * could itself read as another site (`/.//host` resolves to the path `//host`).
 */
function nextPage() {
  const next = new URLSearchParams(location.search).get('next');
  if (!next?.startsWith('/')) return '/dashboard';
  let target;
  try {
    target = new URL(next, location.origin);
  } catch {
    return '/dashboard';
  }
  const onThisSite = target.origin === location.origin && !target.pathname.startsWith('//');
  return onThisSite && target.pathname !== '/' ? target.href : '/dashboard';
}

const form = byId('login-form');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  const email = form.elements.email.value.trim();
  const password = form.elements.password.value;
  if (!email) showFieldError(form, 'email', 'Please enter your email address.');
  if (!password) showFieldError(form, 'password', 'Please enter your password.');
  if (!email || !password) {
    form.querySelector('[aria-invalid="true"]').focus();
    return;
  }
  await whileSending(form, async () => {
    try {
      // Signing in needs no CSRF token: there is no session yet to ride on.
      const answer = await postAsClient('/api/login', { email, password });
      rememberCsrf(answer.csrf_token);
      location.assign(nextPage());
    } catch (error) {
      if (error.status === 429) error.message = `Too many attempts. Please wait ${waitInWords(error.retryAfter)} and try again.`;
      else if (error.status === 401) error.field = null;
      showError(form, error);
      form.elements.password.value = '';
    }
  });
});

// Already signed in (a bookmark of /, the back button): no second sign-in, go where it would lead.
async function leaveWhenSignedIn() {
  try {
    const me = await get('/api/me');
    rememberCsrf(me.csrf_token);
    location.replace(nextPage());
  } catch {
    // 401: not signed in, which is what this page is for.
  }
}

leaveWhenSignedIn();
