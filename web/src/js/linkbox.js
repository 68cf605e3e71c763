// The client link of a session: shown once after it is made (only its hash is stored), with
// buttons to copy it, revoke every link of the session, and make a new one.
import { change } from './api.js';
import { fill, h } from './dom.js';

async function copy(input, status) {
  const url = input.value;
  try {
    await navigator.clipboard.writeText(url);
  } catch {
    // Clipboard API needs a secure context; fall back to selecting the text for the user.
    input.select();
    status.textContent = 'Selected: press Ctrl+C (or Cmd+C) to copy.';
    return;
  }
  status.textContent = 'Copied. Paste it into a message to your client.';
}

/**
 * Fills `box` with the link tools for session `sessionId`. `link` is {token, path} when a link was
 * just made (its address is shown), or null (only "make a new link" and "revoke" are offered).
 */
export function showLinkTools(box, sessionId, link) {
  const status = h('p', { class: 'status', role: 'status' });
  const input = h('input', { id: `client-link-${sessionId}`, type: 'text', readonly: true, value: link ? new URL(link.path, location.origin).href : '' });
  const addressRow = h('div', { class: 'field', hidden: !link }, h('label', { for: input.id }, 'Private link for the client'), input);
  const copyButton = h('button', { type: 'button', class: 'primary', hidden: !link, onclick: () => copy(input, status) }, 'Copy link');
  const revokeButton = h('button', { type: 'button', class: 'danger' }, 'Revoke links');
  const newButton = h('button', { type: 'button', hidden: Boolean(link) }, 'Make a new link');

  revokeButton.addEventListener('click', async () => {
    revokeButton.disabled = true;
    try {
      await change('DELETE', `/api/sessions/${sessionId}/link`);
      input.value = '';
      addressRow.hidden = true;
      copyButton.hidden = true;
      newButton.hidden = false;
      status.textContent = 'Revoked: the links of this session no longer open.';
    } catch (error) {
      status.textContent = error.message;
    } finally {
      revokeButton.disabled = false;
    }
  });
  newButton.addEventListener('click', async () => {
    newButton.disabled = true;
    try {
      const made = await change('POST', `/api/sessions/${sessionId}/link`);
      input.value = new URL(made.path ?? `/c/${made.token}`, location.origin).href;
      addressRow.hidden = false;
      copyButton.hidden = false;
      newButton.hidden = true;
      status.textContent = 'New link made. Older links still work until you revoke them.';
      input.focus();
      input.select();
    } catch (error) {
      status.textContent = error.message;
    } finally {
      newButton.disabled = false;
    }
  });

  fill(
    box,
    link ? h('p', {}, 'Send this private link to your client. Anyone who has it can read this session’s aftercare and send reports, so share it only with them.') : null,
    addressRow,
    h('div', { class: 'actions' }, copyButton, newButton, revokeButton),
    status,
  );
  box.hidden = false;
}
