// mailfetch web admin: talks only to the REST API (/api/...), with the browser's Basic credentials.
'use strict';

const $ = (sel, root = document) => root.querySelector(sel);
let editingId = null;      // id of the account in the editor, null when adding
let editing = null;        // the account in the editor as the server gave it, null when adding
let signInTimer = null;
let pollTimer = null;
const requested = new Map(); // account id -> its lastStart when "Download now" was pressed, until a session starts

async function api(method, path, body) {
  // X-Requested-With: the server refuses changes without it (or a JSON body), which a cross-site form cannot send
  const options = { method, credentials: 'same-origin',
    headers: { Accept: 'application/json', 'X-Requested-With': 'mailfetch-admin' } };
  if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = new Error((data && data.error) || response.statusText);
    error.status = response.status;
    error.field = data && data.field;
    throw error;
  }
  return data;
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text == null ? '' : text;
  if (className) td.className = className;
  return td;
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}

function button(label, className, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.className = className;
  b.addEventListener('click', onClick);
  return b;
}

// ---- account list -------------------------------------------------------------------------------

async function loadAccounts() {
  let accounts;
  try {
    accounts = await api('GET', '/api/accounts');
  } catch (e) {
    schedulePoll(5000);
    return;
  }
  const body = $('#accounts tbody');
  body.replaceChildren();
  let busy = false;
  for (const a of accounts) {
    const row = body.insertRow();
    row.dataset.id = a.id;
    cell(row, a.name, 'name');
    cell(row, a.enabled ? 'yes' : 'no', 'enabled');
    cell(row, `${a.protocol === 'imap' ? 'IMAP ' : ''}${a.user}@${a.host}:${a.port} (${a.security})`
      + (a.folders ? ` · ${a.folders.join(', ')}` : ''), 'server');
    cell(row, a.owner);
    if (a.auth === 'oauth2' && a.oauth2) {
      row.cells[2].textContent += ` · OAuth2 ${a.oauth2.provider}` + (a.oauth2.state ? ` (${a.oauth2.state})` : '');
    }
    if (a.running || (requested.has(a.id) && requested.get(a.id) !== a.lastStart)) requested.delete(a.id);
    const state = a.running ? 'downloading…' : requested.has(a.id) ? 'requested…' : a.idleLive ? 'IDLE live' : 'idle';
    busy = busy || a.running || requested.has(a.id);
    cell(row, state, 'status');
    const result = cell(row, a.lastResult || 'never run', 'result result-' + (a.lastResult || 'none'));
    if (a.lastError) result.title = a.lastError;
    const last = cell(row, a.lastEnd ? `${when(a.lastEnd)}${a.lastNode ? ' on ' + a.lastNode : ''}: ${a.downloaded} downloaded,`
        + ` ${a.delivered} delivered` + (a.lastError ? ` — ${a.lastError}` : '') : '—', 'last');
    last.title = `total ${a.totalDownloaded} messages, ${a.totalBytes} bytes`;
    cell(row, a.enabled ? when(a.backoffUntil || a.nextRun) : 'disabled', 'next');
    const actions = cell(row, '', 'actions');
    actions.append(
      button('Edit', 'edit', () => openEditor(a)),
      button('Download now', 'download', () => downloadNow(a)),
      button(a.enabled ? 'Disable' : 'Enable', 'toggle', () => setEnabled(a.id, !a.enabled)),
      button('Delete', 'delete', () => removeAccount(a)));
    if (a.auth === 'oauth2') {
      actions.append(button('Sign in', 'sign-in', () => signIn(a, 'device')),
        button('Sign in with browser', 'sign-in-browser', () => signIn(a, 'browser')));
    }
    if (editingId === a.id) showEditorStatus(a);
  }
  $('#no-accounts').hidden = accounts.length > 0;
  schedulePoll(busy ? 700 : 3000);
}

function schedulePoll(ms) {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(loadAccounts, ms);
}

async function downloadNow(a) {
  requested.set(a.id, a.lastStart);
  try {
    await api('POST', `/api/accounts/${a.id}/download`);
  } catch (e) {
    requested.delete(a.id);
    alert(`Download now failed: ${e.message}`);
  }
  loadAccounts();
}

async function setEnabled(id, enabled) {
  try {
    await api('PUT', `/api/accounts/${id}`, { enabled });
  } catch (e) {
    alert(e.message);
  }
  loadAccounts();
}

async function removeAccount(a) {
  if (!confirm(`Delete the external account "${a.name}" and its download history?`)) return;
  try {
    await api('DELETE', `/api/accounts/${a.id}`);
  } catch (e) {
    alert(e.message);
  }
  if (editingId === a.id) closeEditor();
  loadAccounts();
}

// ---- add / edit form ----------------------------------------------------------------------------

const form = () => $('#account-form');

async function fillOwners(selected) {
  const select = form().elements.owner;
  const boxes = await api('GET', '/api/mailboxes');
  select.replaceChildren(...boxes.map(b => new Option(b.address, b.address)));
  if (selected) select.value = selected;
}

async function openEditor(a) {
  clearErrors();
  const f = form();
  f.reset();
  editingId = a ? a.id : null;
  editing = a;
  $('#editor-title').textContent = a ? `Edit external account ${a.id}` : 'Add external account';
  $('#editor-download').hidden = !a;
  $('#editor-status').textContent = '';
  await fillOwners(a && a.owner);
  if (a) {
    for (const name of ['name', 'host', 'port', 'user', 'intervalMinutes', 'recipientHeaders', 'envelopeHeaders',
      'security', 'protocol']) {
      f.elements[name].value = a[name];
    }
    for (const name of ['enabled', 'mimeRecipients', 'routeRecipients', 'receivedDate', 'antispam', 'antivirus']) {
      f.elements[name].checked = a[name];
    }
    const [mode, days] = a.delete.split(':');
    f.elements.deleteMode.value = mode;
    if (days) f.elements.deleteDays.value = days;
    f.elements.folders.value = (a.folders || ['INBOX']).join('\n');
    f.elements.moveTo.value = a.moveTo || '';
    f.elements.markSeen.checked = !!a.markSeen;
    f.elements.idle.checked = !!a.idle;
    f.elements.password.placeholder = a.auth === 'oauth2' ? '' : 'unchanged';
    f.elements.auth.value = a.auth === 'oauth2' ? 'oauth2' : 'password';
    const o = a.oauth2 || {};
    f.elements.oauth2.value = o.provider || '';
    f.elements.oauth2ClientId.value = o.clientId || '';
    f.elements.oauth2Scope.value = o.scope || '';
    f.elements.oauth2Tenant.value = o.tenant || '';
    f.elements.trustCertPem.placeholder = a.trustedCertificate ? 'a certificate is trusted; paste one to replace it'
      : '-----BEGIN CERTIFICATE-----';
  } else {
    f.elements.password.placeholder = '';
  }
  delete f.elements.port.dataset.default; // the port shown is the account's own
  showProtocol();
  showAuth();
  $('#editor').hidden = false;
  f.elements.name.focus();
}

/**
 * The IMAP options only for IMAP; the port's placeholder is the default of protocol and security,
 * and a port that was the old default becomes the new one (as on the command line).
 */
function showProtocol() {
  const f = form().elements;
  const imap = f.protocol.value === 'imap';
  $('#imap-options').hidden = !imap;
  const ssl = f.security.value === 'ssl';
  const port = String(imap ? (ssl ? 993 : 143) : (ssl ? 995 : 110));
  if (f.port.value !== '' && f.port.value === f.port.dataset.default) f.port.value = port;
  f.port.dataset.default = port;
  f.port.placeholder = `${port} (empty: the default)`;
}

/** The OAuth2 fields only for OAuth2, the password only for a password. */
function showAuth() {
  const oauth2 = form().elements.auth.value === 'oauth2';
  $('#oauth2-options').hidden = !oauth2;
  $('#password-row').hidden = oauth2;
}

/** Folder names one per line or, in a single line, separated by commas. */
function folderList(text) {
  const parts = text.includes('\n') ? text.split('\n') : text.split(',');
  return parts.map(s => s.trim()).filter(Boolean);
}

function closeEditor() {
  editingId = null;
  editing = null;
  $('#editor').hidden = true;
}

function showEditorStatus(a) {
  $('#editor-status').textContent = a.running ? 'downloading…'
    : `last result: ${a.lastResult || 'never run'}${a.lastError ? ' — ' + a.lastError : ''}`;
}

function formJson() {
  const f = form().elements;
  const json = {
    name: f.name.value,
    enabled: f.enabled.checked,
    owner: f.owner.value,
    protocol: f.protocol.value,
    host: f.host.value,
    security: f.security.value,
    user: f.user.value,
    intervalMinutes: Number(f.intervalMinutes.value),
    mimeRecipients: f.mimeRecipients.checked,
    routeRecipients: f.routeRecipients.checked,
    receivedDate: f.receivedDate.checked,
    antispam: f.antispam.checked,
    antivirus: f.antivirus.checked,
    delete: f.deleteMode.value === 'after-days' ? `after-days:${f.deleteDays.value}` : f.deleteMode.value,
  };
  if (f.port.value !== '') json.port = Number(f.port.value);
  if (f.protocol.value === 'imap') {
    const folders = folderList(f.folders.value);
    if (folders.length > 0) json.folders = folders;
    json.moveTo = f.moveTo.value.trim() || null;
    json.markSeen = f.markSeen.checked;
    json.idle = f.idle.checked;
  }
  if (f.recipientHeaders.value.trim() !== '') json.recipientHeaders = f.recipientHeaders.value;
  if (f.envelopeHeaders.value.trim() !== '') json.envelopeHeaders = f.envelopeHeaders.value;
  if (f.auth.value === 'oauth2') {
    const was = editing && editing.auth === 'oauth2' && editing.oauth2 ? editing.oauth2.provider : null;
    // the provider only when it changes: saving the same one again must not cost the account its sign-in
    if (f.oauth2.value.trim() !== was) json.oauth2 = f.oauth2.value.trim();
    for (const name of ['oauth2ClientId', 'oauth2Scope', 'oauth2Tenant']) json[name] = f[name].value.trim();
    if (f.oauth2ClientSecret.value !== '') json.oauth2ClientSecret = f.oauth2ClientSecret.value;
    if (f.host.value.trim() === '') delete json.host; // gmail and microsoft bring their host
  } else if (f.password.value !== '' || editingId === null || (editing && editing.auth === 'oauth2')) {
    json.password = f.password.value; // back from OAuth2 to a password: one is needed
  }
  if (f.dropTrustCert.checked) json.trustCertPem = null;
  else if (f.trustCertPem.value.trim() !== '') json.trustCertPem = f.trustCertPem.value;
  return json;
}

function clearErrors() {
  $('#form-error').hidden = true;
  document.querySelectorAll('.invalid').forEach(e => e.classList.remove('invalid'));
}

function showError(e) {
  const target = e.field && (form().elements[e.field] || $(`[data-field="${e.field}"]`));
  if (target && target.classList) target.classList.add('invalid');
  const p = $('#form-error');
  p.textContent = (e.field ? `${e.field}: ` : '') + e.message;
  p.hidden = false;
}

async function save(event) {
  event.preventDefault();
  clearErrors();
  try {
    if (editingId === null) {
      await api('POST', '/api/accounts', formJson());
    } else {
      await api('PUT', `/api/accounts/${editingId}`, formJson());
    }
    closeEditor();
    loadAccounts();
  } catch (e) {
    showError(e);
  }
}

// ---- OAuth2 sign-in -----------------------------------------------------------------------------

/** Only http(s) URLs become links: what a provider sends is not trusted to be one. */
const safeUrl = u => (typeof u === 'string' && /^https?:\/\//i.test(u)) ? u : null;

function link(selector, url) {
  const a = $(selector);
  a.textContent = url || '';
  if (url) a.href = url; else a.removeAttribute('href');
}

async function signIn(a, flow) {
  showSignIn(a, { state: 'starting', flow });
  try {
    showSignIn(a, await api('POST', `/api/accounts/${a.id}/authorize`, { flow }));
  } catch (e) {
    if (e.status === 409) pollSignIn(a); // one is waiting already: show it
    else showSignIn(a, { state: 'failed', error: e.message });
  }
}

async function pollSignIn(a) {
  let p;
  try {
    p = await api('GET', `/api/accounts/${a.id}/authorize`);
  } catch (e) {
    p = { state: 'failed', error: e.message };
  }
  showSignIn(a, p);
}

/** The sign-in panel: what to open and type while pending, then authorized or the failure. */
function showSignIn(a, p) {
  clearTimeout(signInTimer);
  $('#sign-in').hidden = false;
  $('#sign-in').dataset.state = p.state;
  $('#sign-in-title').textContent = `Sign in: ${a.name}`;
  const pending = p.state === 'pending';
  const url = pending ? safeUrl(p.verificationUri) || safeUrl(p.authorizationUrl) : null;
  const complete = pending ? safeUrl(p.verificationUriComplete) : null;
  link('#sign-in-link', url);
  $('#sign-in-open').hidden = !url;
  $('#sign-in-code').textContent = pending && p.userCode ? p.userCode : '';
  $('#sign-in-code-row').hidden = !(pending && p.userCode);
  link('#sign-in-complete-link', complete);
  $('#sign-in-complete').hidden = !complete;
  const step = {
    starting: 'Starting the sign-in…',
    pending: p.authorizationUrl ? 'Open the link in a browser on the server\'s machine and sign in; waiting…'
      : 'Open the link on any device, enter the code and approve; waiting…',
    authorized: `authorized: account ${a.id} signs in with OAuth2 from now on`,
    failed: `failed: ${p.error || 'the sign-in did not complete'}`,
    none: 'No sign-in is running.',
  }[p.state] || p.state;
  $('#sign-in-step').textContent = step;
  if (pending) signInTimer = setTimeout(() => pollSignIn(a), 2000);
  if (p.state === 'authorized') loadAccounts();
}

// ---- local directory ----------------------------------------------------------------------------

async function loadDirectory() {
  const [domains, mailboxes, aliases, lists, routes] = await Promise.all(
    ['/api/domains', '/api/mailboxes', '/api/aliases', '/api/lists', '/api/routes'].map(path => api('GET', path)));
  const list = (ul, items, label, path) => {
    $(ul).replaceChildren(...items.map(item => {
      const li = document.createElement('li');
      li.textContent = label(item);
      li.append(button('Remove', 'remove', () => directoryCall('DELETE', path(item))));
      return li;
    }));
  };
  const at = (base, key) => item => `${base}/${encodeURIComponent(item[key])}`;
  list('#domains', domains, d => d.name + (d.catchAll ? ` · catch-all ${d.catchAll}` : '')
    + (d.lmtp ? ` · LMTP ${d.lmtp}` : ' · Maildir'), at('/api/domains', 'name'));
  list('#mailboxes', mailboxes, m => m.address, at('/api/mailboxes', 'address'));
  list('#aliases', aliases, a => `${a.address} → ${a.targets.join(', ')}`, at('/api/aliases', 'address'));
  list('#lists', lists, l => `${l.address} → ${l.members.join(', ')}`, at('/api/lists', 'address'));
  list('#routes', routes, r => `${r.domain} → ${r.tls ? 'smtps' : 'smtp'}://${r.host}:${r.port}`
    + (r.user ? ` as ${r.user}` : ''), at('/api/routes', 'domain'));
}

// ---- held mail: the outbox and the quarantine ---------------------------------------------------

async function loadHeld() {
  const [outbox, quarantine] = await Promise.all([api('GET', '/api/outbox'), api('GET', '/api/quarantine')]);
  const entries = (ul, items, label, buttons) => $(ul).replaceChildren(...items.map(item => {
    const li = document.createElement('li');
    li.dataset.id = item.id;
    li.textContent = label(item);
    li.append(...buttons(item));
    return li;
  }));
  entries('#outbox', outbox, e => `${e.id} · ${e.state} · ${e.route} → ${e.recipients.join(', ')} · attempts ${e.attempts}`
    + (e.state === 'waiting' ? ` · next ${when(e.nextAttemptAt)}` : '') + (e.lastError ? ` · ${e.lastError}` : ''),
    e => e.state === 'sent' ? [] : [button('Retry', 'retry', () => heldCall('POST', `/api/outbox/${e.id}/retry`))]);
  entries('#quarantine', quarantine, q => `${q.id} · ${when(q.quarantinedAt)} · ${q.kind} · ${q.reason}`
    + ` · from ${q.sender || '?'} · ${q.subject || '(no subject)'}`,
    q => [button('Release', 'release', () => heldCall('POST', `/api/quarantine/${q.id}/release`)),
          button('Delete', 'remove', () => heldCall('DELETE', `/api/quarantine/${q.id}`))]);
}

async function heldCall(method, path) {
  const p = $('#held-error');
  p.hidden = true;
  try {
    await api(method, path);
  } catch (e) {
    p.textContent = e.message;
    p.hidden = false;
  } finally {
    loadHeld();
  }
}

async function directoryCall(method, path, body) {
  const p = $('#directory-error');
  p.hidden = true;
  try {
    await api(method, path, body);
    return true;
  } catch (e) {
    p.textContent = (e.field ? `${e.field}: ` : '') + e.message;
    p.hidden = false;
    return false;
  } finally {
    loadDirectory();
  }
}

/** A directory form: request(elements) gives [method, path, body]; the form is cleared once it succeeds. */
function directoryForm(selector, request) {
  $(selector).addEventListener('submit', async event => {
    event.preventDefault();
    if (await directoryCall(...request(event.target.elements))) event.target.reset();
  });
}

const addresses = text => text.split(/[\s,;]+/).filter(Boolean);
const trimmed = input => input.value.trim();
/** Only the fields with a value (optional ones left empty are not sent). */
const given = fields => Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== ''));

document.addEventListener('DOMContentLoaded', () => {
  $('#add-account').addEventListener('click', () => openEditor(null));
  $('#cancel').addEventListener('click', closeEditor);
  $('#editor-download').addEventListener('click', async () => {
    if (editingId !== null) downloadNow(await api('GET', `/api/accounts/${editingId}`));
  });
  form().addEventListener('submit', save);
  form().elements.protocol.addEventListener('change', showProtocol);
  form().elements.security.addEventListener('change', showProtocol);
  form().elements.auth.addEventListener('change', showAuth);
  $('#sign-in-close').addEventListener('click', () => {
    clearTimeout(signInTimer);
    $('#sign-in').hidden = true;
  });
  directoryForm('#domain-form', f => ['POST', '/api/domains',
    given({ name: trimmed(f.name), catchAll: trimmed(f.catchAll), lmtp: trimmed(f.lmtp) })]);
  // an empty catch-all or LMTP field clears that option
  directoryForm('#domain-options-form', f => ['PUT', `/api/domains/${encodeURIComponent(trimmed(f.name))}`,
    { catchAll: trimmed(f.catchAll) || null, lmtp: trimmed(f.lmtp) || null }]);
  directoryForm('#mailbox-form', f => ['POST', '/api/mailboxes', { address: trimmed(f.address) }]);
  directoryForm('#alias-form', f => ['POST', '/api/aliases',
    { address: trimmed(f.address), targets: addresses(f.targets.value) }]);
  directoryForm('#list-form', f => ['POST', '/api/lists',
    { address: trimmed(f.address), members: addresses(f.members.value) }]);
  directoryForm('#route-form', f => ['POST', '/api/routes', {
    ...given({ domain: trimmed(f.domain), host: trimmed(f.host), user: trimmed(f.user), password: f.password.value }),
    port: Number(f.port.value), tls: f.tls.checked }]);
  loadAccounts();
  loadDirectory();
  loadHeld();
});
