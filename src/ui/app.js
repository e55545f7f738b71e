// chatrelay's chat page (DESIGN.md §1 "The page at /"): the conversation on the left, the answer's
// code on the right, HTML and SVG running in a sandboxed preview. No framework and no build step:
// marked (Markdown) and DOMPurify (which cleans what marked makes before it reaches the DOM) come
// from Debian's packages and are bundled in front of this file at build time (src/ui/embed_ui.py).
(() => {
  'use strict';

  const byId = (id) => document.getElementById(id);
  const ui = {
    layout: byId('layout'), messages: byId('messages'), empty: byId('empty'), model: byId('model'),
    form: byId('composer'), prompt: byId('prompt'), send: byId('send'), stop: byId('stop'),
    newChat: byId('new-chat'), announce: byId('announce'),
    panel: byId('artifact'), pick: byId('artifact-pick'), title: byId('artifact-title'),
    truncated: byId('artifact-truncated'), tabPreview: byId('tab-preview'), tabCode: byId('tab-code'),
    codeWrap: byId('artifact-code-wrap'), code: byId('artifact-code'),
    previewWrap: byId('artifact-preview-wrap'), preview: byId('artifact-preview'),
    copy: byId('artifact-copy'), download: byId('artifact-download'), close: byId('artifact-close'),
    tokenDialog: byId('token-dialog'), tokenForm: byId('token-form'), tokenInput: byId('token-input'),
    tokenRemember: byId('token-remember'), tokenWhy: byId('token-why'),
  };

  // ---------------------------------------------------------------- storage, session, token

  // Storage throws where the browser blocks it: the page then works and forgets on reload.
  const store = {
    get(area, key) { try { return window[area].getItem(key); } catch { return null; } },
    set(area, key, value) { try { window[area].setItem(key, value); } catch { /* memory only */ } },
    remove(area, key) { try { window[area].removeItem(key); } catch { /* nothing kept */ } },
  };
  const SESSION_KEY = 'chatrelay.session_id';
  const USED_KEY = 'chatrelay.session_used';  // the id, once a message went out with it
  const TOKEN_KEY = 'chatrelay.token';

  // Whoever knows a session id can read the conversation: 128 random bits. crypto.randomUUID()
  // exists only in secure contexts, and the page is often opened over plain http on a LAN address;
  // getRandomValues() exists everywhere.
  function randomId() {
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  }
  let sessionId = store.get('localStorage', SESSION_KEY);
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(sessionId || '')) newSessionId();
  function newSessionId() {
    sessionId = randomId();
    store.set('localStorage', SESSION_KEY, sessionId);
  }
  // A session the server may know: one a message was sent in (the server has nothing of one that
  // never was, and a 404 is a console error for nothing).
  const sessionUsed = () => store.get('localStorage', USED_KEY) === sessionId;

  // The bearer token (server.auth_tokens), asked for on the first 401. It stays in this tab
  // (sessionStorage: gone with the tab) unless the user asks to keep it in this browser.
  let token = store.get('sessionStorage', TOKEN_KEY) || store.get('localStorage', TOKEN_KEY) || '';
  let tokenAsked = null;  // the dialog's promise while it is open
  ui.tokenDialog.addEventListener('cancel', (event) => event.preventDefault());  // nothing works without one
  function askForToken(why) {
    tokenAsked = tokenAsked || new Promise((resolve) => {
      ui.tokenWhy.textContent = why;
      ui.tokenInput.value = '';
      ui.tokenDialog.showModal();
      ui.tokenInput.focus();
      const submitted = (event) => {
        event.preventDefault();
        const value = ui.tokenInput.value.trim();
        if (!value) return;
        token = value;
        store.remove('localStorage', TOKEN_KEY);
        store.remove('sessionStorage', TOKEN_KEY);
        store.set(ui.tokenRemember.checked ? 'localStorage' : 'sessionStorage', TOKEN_KEY, value);
        ui.tokenForm.removeEventListener('submit', submitted);
        ui.tokenDialog.close();
        tokenAsked = null;
        resolve();
      };
      ui.tokenForm.addEventListener('submit', submitted);
    });
    return tokenAsked;
  }

  // fetch() with the token; a 401 asks for a token (again) and sends the request once more.
  async function api(path, init = {}) {
    for (;;) {
      const headers = {...init.headers};
      if (token) headers.Authorization = 'Bearer ' + token;
      const response = await fetch(path, {...init, headers, cache: 'no-store'});
      if (response.status !== 401) return response;
      response.body?.cancel();
      await askForToken(token ? 'That token was not accepted. Check it and enter it again.'
                              : 'This chatrelay asks for an access token.');
      if (init.signal?.aborted) throw new DOMException('The request was stopped.', 'AbortError');
    }
  }

  // What a refusal says, in the user's terms: {message, retryAfter}.
  async function refusal(response) {
    let detail = '';
    try {
      const body = await response.json();
      detail = typeof body.detail === 'string' ? body.detail
             : Array.isArray(body.detail) ? body.detail.map((d) => d.msg).join('; ') : '';
    } catch { /* not JSON */ }
    if (response.status === 409) {
      return {message: 'This conversation is still answering an earlier message (in another tab?). ' +
                       'Wait until it has finished, then send again.'};
    }
    detail = detail.slice(0, 300).replace(/\.$/, '');
    return {message: `chatrelay answered ${response.status}${detail ? ': ' + detail : ''}.`,
            retryAfter: Number(response.headers.get('Retry-After')) || 0};
  }

  // ---------------------------------------------------------------- Markdown and code

  marked.setOptions({gfm: true, headerIds: false, mangle: false});
  // The page's policy forbids inline styles; links open elsewhere; remote images would leak what
  // the conversation says to whoever serves them (and the policy blocks them): their alt text shows.
  const PURIFY = {FORBID_TAGS: ['style', 'form', 'button', 'textarea', 'select'], FORBID_ATTR: ['style'],
                  RETURN_TRUSTED_TYPE: true};
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A' && node.hasAttribute('href')) {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer');
    }
    if (node.tagName === 'IMG' && !/^data:image\//i.test(node.getAttribute('src') || '')) {
      node.removeAttribute('src');
      node.removeAttribute('srcset');
    }
  });

  // A small highlighter: comments, strings, numbers and keywords (tags and attributes in markup).
  const HASH_COMMENTS = new Set(['python', 'py', 'bash', 'sh', 'shell', 'zsh', 'console', 'ruby', 'rb', 'perl',
    'pl', 'r', 'yaml', 'yml', 'toml', 'ini', 'dockerfile', 'make', 'makefile', 'cmake', 'powershell', 'elixir']);
  const DASH_COMMENTS = new Set(['sql', 'lua', 'haskell', 'hs']);
  const MARKUP = new Set(['html', 'xml', 'svg', 'vue', 'xhtml']);
  const KEYWORDS = new Set(('as async await break case catch class const continue def default del do elif else ' +
    'enum export extends false False finally fn for from func function go if impl import in interface let ' +
    'match mut new nil None null package pass pub raise return self static struct switch this throw true True ' +
    'try type use var void while with yield int float double char bool string auto echo then fi done local').split(' '));
  function tokenPattern(language) {
    if (MARKUP.has(language)) return /(<!--[\s\S]*?-->)|(<\/?[A-Za-z][\w:.-]*|\/?>)|("[^"]*"|'[^']*')|([A-Za-z_:][\w:.-]*)(?==)/g;
    const comment = HASH_COMMENTS.has(language) ? '#[^\\n]*' : DASH_COMMENTS.has(language) ? '--[^\\n]*'
                  : '\\/\\/[^\\n]*|\\/\\*[\\s\\S]*?\\*\\/';
    return new RegExp(`(${comment})|("(?:\\\\[\\s\\S]|[^"\\\\\\n])*"|'(?:\\\\[\\s\\S]|[^'\\\\\\n])*'|` +
                      '`(?:\\\\[\\s\\S]|[^`\\\\])*`)|\\b(0[xX][\\da-fA-F]+|\\d[\\d_]*(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)\\b|' +
                      '\\b([A-Za-z_]\\w*)\\b', 'g');
  }
  function highlight(codeEl, text, language) {
    codeEl.replaceChildren();
    if (text.length > 200000) {  // plain beats slow
      codeEl.textContent = text;
      return;
    }
    const markup = MARKUP.has(language);
    const classes = markup ? ['c', 't', 's', 'a'] : ['c', 's', 'n', 'k'];
    const out = document.createDocumentFragment();
    let last = 0;
    for (const m of text.matchAll(tokenPattern(language))) {
      const group = m.findIndex((g, i) => i > 0 && g !== undefined);
      if (!markup && group === 4 && !KEYWORDS.has(m[0])) continue;
      if (m.index > last) out.append(text.slice(last, m.index));
      const span = document.createElement('span');
      span.className = 'tok-' + classes[group - 1];
      span.textContent = m[0];
      out.append(span);
      last = m.index + m[0].length;
    }
    out.append(text.slice(last));
    codeEl.append(out);
  }
  const languageOf = (className) => ((/(?:^|\s)language-(\S+)/.exec(className) || [])[1] || 'text').toLowerCase();

  function renderMarkdown(el, text) {
    el.innerHTML = DOMPurify.sanitize(marked.parse(text), PURIFY);
    for (const code of el.querySelectorAll('pre > code')) highlight(code, code.textContent, languageOf(code.className));
  }

  // The code blocks of a stored answer, as the server finds them in a live one (DESIGN.md §1,
  // Artifacts): fenced blocks in order, the language the info string's first word, a block the
  // answer never closed marked truncated.
  function codeBlocks(text) {
    const blocks = [];
    marked.walkTokens(marked.lexer(text), (t) => {
      if (t.type !== 'code' || t.codeBlockStyle === 'indented') return;
      const block = {language: ((t.lang || '').split(/\s/)[0] || 'text').toLowerCase(),
                     code: t.text ? t.text + '\n' : ''};
      if (!/\n {0,3}(`{3,}|~{3,})[ \t]*\n*$/.test(t.raw)) block.truncated = true;
      blocks.push(block);
    });
    return blocks;
  }
  const CARD_LINES = 12;
  const lineCount = (code) => code.replace(/\n$/, '').split('\n').length;
  // What a card calls its block: an HTML page's title, else the language's name.
  function titleOf(a) {
    const title = /<title[^>]*>([^<]{1,80})<\/title>/i.exec(a.code);
    if (title && title[1].trim()) return title[1].trim();
    return {html: 'HTML page', svg: 'SVG image'}[a.language] || `${a.language} code`;
  }

  // The artifact: the largest block, the last of equals.
  function mainIndex(list) {
    let best = 0;
    list.forEach((a, i) => { if (a.code.length >= list[best].code.length) best = i; });
    return best;
  }

  // ---------------------------------------------------------------- the conversation

  function say(text) { ui.announce.textContent = text; }

  // Keeps the newest text in view while it grows, unless the user scrolled up to read.
  function keepInView(change) {
    const m = ui.messages;
    const atEnd = m.scrollHeight - m.scrollTop - m.clientHeight < 80;
    change();
    if (atEnd) m.scrollTop = m.scrollHeight;
  }

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function addQuestion(text) {
    ui.empty.hidden = true;
    const el = element('article', 'msg user');
    el.setAttribute('aria-label', 'You');
    el.append(element('div', 'bubble', text));
    keepInView(() => ui.messages.append(el));
    return el;
  }

  // One answer: its Markdown rendered as it streams, thoughts folded away, its artifacts, and
  // an error or a stop in place.
  class Answer {
    constructor() {
      this.text = '';
      this.thoughts = '';
      this.artifacts = [];
      this.main = 0;
      this.el = element('article', 'msg assistant');
      this.el.setAttribute('aria-label', 'chatrelay');
      this.body = element('div', 'md');
      this.meta = element('div', 'meta');
      this.el.append(this.body, this.meta);
      keepInView(() => ui.messages.append(this.el));
    }

    streaming(on) {
      this.el.classList.toggle('streaming', on);
      // Screen readers hear the answer once it is whole, not a word at a time.
      this.el.setAttribute('aria-busy', String(on));
    }

    token(text) {
      this.text += text;
      this.later();
    }

    thinking(text) {
      if (!this.thoughtsEl) {
        this.thoughtsEl = element('details', 'thinking');
        this.thoughtsEl.append(element('summary', '', 'Thinking'), element('div', 'md'));
        this.el.prepend(this.thoughtsEl);
      }
      this.thoughts += text;
      this.later();
    }

    // Renders once per frame, however many chunks arrived in it.
    later() {
      if (this.frame) return;
      this.frame = requestAnimationFrame(() => this.render());
    }

    render() {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
      keepInView(() => {
        renderMarkdown(this.body, this.text);
        if (this.thoughtsEl) renderMarkdown(this.thoughtsEl.lastChild, this.thoughts);
      });
    }

    complete(chunk) {
      this.text = chunk.content;
      this.render();
      if (this.thoughtsEl) this.thoughtsEl.firstChild.textContent = 'Thoughts';
      const list = Array.isArray(chunk.artifacts) ? chunk.artifacts : chunk.artifact ? [chunk.artifact] : [];
      const details = [];
      if (chunk.model) {
        details.push(chunk.model);
        ui.model.textContent = chunk.model;
      }
      if (chunk.usage && chunk.usage.total_tokens) details.push(chunk.usage.total_tokens.toLocaleString() + ' tokens');
      if (chunk.finish_reason && chunk.finish_reason !== 'STOP') details.push('ended early: ' + chunk.finish_reason);
      this.meta.append(element('span', '', details.join(' · ')));
      this.setArtifacts(list, true);
      say('Answer complete.');
    }

    restore(text) {
      this.text = text;
      this.render();
      this.setArtifacts(codeBlocks(text), false);
    }

    setArtifacts(list, open) {
      this.artifacts = list;
      if (!list.length) return;
      this.main = mainIndex(list);
      if (!this.cards()) {
        const button = element('button', 'quiet open-artifact',
                               list.length === 1 ? `Open ${list[0].language} code` : `Open ${list.length} code blocks`);
        button.type = 'button';
        button.addEventListener('click', () => showArtifacts(list, this.main, button));
        this.meta.prepend(button);
      }
      if (open) showArtifacts(list, this.main);
    }

    // Long blocks become cards that open them in the panel, so that the conversation stays
    // readable; short ones stay in the text. Returns how many became cards.
    cards() {
      const bare = (code) => code.replace(/\n$/, '');
      let next = 0;
      let made = 0;
      for (const code of this.body.querySelectorAll('pre > code')) {
        const text = bare(code.textContent);
        const i = this.artifacts.findIndex((a, k) => k >= next && bare(a.code) === text);
        if (i < 0) continue;
        next = i + 1;
        const a = this.artifacts[i];
        if (lineCount(a.code) < CARD_LINES) continue;
        const card = element('button', 'artifact-card');
        card.type = 'button';
        card.append(element('span', 'card-icon', '</>'), element('span', 'card-title', titleOf(a)),
                    element('span', 'card-sub', `${a.language}, ${lineCount(a.code)} lines${a.truncated ? ', truncated' : ''}`));
        card.addEventListener('click', () => showArtifacts(this.artifacts, i, card));
        code.parentElement.replaceWith(card);
        ++made;
      }
      return made;
    }

    stopped() {
      this.render();
      this.el.append(element('p', 'note', 'Stopped. This answer is not kept in the conversation.'));
      say('Stopped.');
    }

    // An error in place: its message, a countdown when the server said when to try again, and a
    // button that sends the same message again (a failed turn is not kept: DESIGN.md §1).
    fail(message, {retryAfter = 0, retry} = {}) {
      this.render();
      const box = element('div', 'error');
      box.setAttribute('role', 'alert');
      box.append(element('p', '', message));
      if (retryAfter > 0) box.append(countdown(retryAfter));
      if (retry) {
        const again = element('button', '', 'Send again');
        again.type = 'button';
        again.addEventListener('click', retry);
        box.append(again);
      }
      this.el.append(box);
    }
  }

  function countdown(seconds) {
    const el = element('p', 'countdown');
    const end = Date.now() + seconds * 1000;
    let first = true;
    const tick = () => {
      if (!first && !el.isConnected) return;  // the conversation was cleared
      first = false;
      const left = Math.max(Math.ceil((end - Date.now()) / 1000), 0);
      el.dataset.left = String(left);
      el.textContent = left > 0 ? `You can send again in ${left} s.` : 'You can send again now.';
      if (left > 0) setTimeout(tick, 250);
    };
    tick();
    return el;
  }

  // ---------------------------------------------------------------- sending and streaming

  let current = null;  // {controller} while an answer streams

  function setStreaming(on) {
    const stopHadFocus = document.activeElement === ui.stop;
    ui.send.hidden = on;
    ui.stop.hidden = !on;
    if (stopHadFocus) ui.prompt.focus();  // not lost with the button
  }

  async function send(text) {
    if (current || !text.trim()) return;
    const question = addQuestion(text);
    const answer = new Answer();
    const retry = () => {
      if (current) return;
      question.remove();
      answer.el.remove();
      send(text);
    };
    const controller = new AbortController();
    current = {controller};
    store.set('localStorage', USED_KEY, sessionId);
    answer.streaming(true);
    setStreaming(true);
    try {
      const response = await api('/api/chat/stream', {
        method: 'POST', headers: {'Content-Type': 'application/json'}, signal: controller.signal,
        body: JSON.stringify({session_id: sessionId, messages: [{role: 'user', content: text}]}),
      });
      if (response.status !== 200) {
        const why = await refusal(response);
        answer.fail(why.message, {retryAfter: why.retryAfter, retry});
      } else if (!await read(response, answer, retry)) {
        answer.fail('The answer was cut off: the connection closed before it ended.', {retry});
      }
    } catch (e) {
      if (e.name === 'AbortError') answer.stopped();
      else answer.fail(`chatrelay could not be reached (${e.message}). Check that it is running, then send again.`, {retry});
    } finally {
      answer.streaming(false);
      current = null;
      setStreaming(false);
    }
  }

  // Reads the NDJSON stream into `answer` (DESIGN.md §1): token and thinking chunks, then one
  // complete or error chunk. Returns whether that last chunk came.
  async function read(response, answer, retry) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let pending = '';
    let ended = false;
    const chunk = (line) => {
      if (!line.trim()) return;
      const c = JSON.parse(line);
      if (c.type === 'token') answer.token(c.content);
      else if (c.type === 'thinking') answer.thinking(c.content);
      else if (c.type === 'complete') {
        ended = true;
        answer.complete(c);
      } else if (c.type === 'error') {
        ended = true;
        answer.fail(c.content, {retryAfter: c.code === 'quota_exceeded' ? c.retry_after || 0 : 0, retry});
      }
    };
    for (;;) {
      const {value, done} = await reader.read();
      if (done) break;
      pending += decoder.decode(value, {stream: true});
      let end;
      while ((end = pending.indexOf('\n')) >= 0) {
        chunk(pending.slice(0, end));
        pending = pending.slice(end + 1);
      }
    }
    chunk(pending + decoder.decode());
    return ended;
  }

  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = ui.prompt.value;
    if (current || !text.trim()) return;
    ui.prompt.value = '';
    fitPrompt();
    send(text);
  });
  ui.prompt.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    ui.form.requestSubmit();
  });
  function fitPrompt() {
    ui.prompt.style.height = 'auto';
    ui.prompt.style.height = Math.min(ui.prompt.scrollHeight + 2, 240) + 'px';
  }
  ui.prompt.addEventListener('input', fitPrompt);
  // Closing the fetch closes chatrelay's call to Gemini: a client that goes away ends the upstream
  // call (DESIGN.md §3), and nothing of the turn is kept.
  ui.stop.addEventListener('click', () => current && current.controller.abort());

  ui.newChat.addEventListener('click', () => {
    if (current) current.controller.abort();
    const old = sessionId;
    newSessionId();
    forget(old, 2);
    for (const el of [...ui.messages.children]) if (el !== ui.empty) el.remove();
    ui.empty.hidden = false;
    ui.model.textContent = '';
    closePanel();
    ui.prompt.focus();
    say('New chat.');
  });
  // Deletes the old conversation from the server; one still streaming (just stopped) gets a moment.
  async function forget(id, tries) {
    try {
      const r = await api('/api/sessions/' + encodeURIComponent(id), {method: 'DELETE'});
      if (r.status === 409 && tries > 1) setTimeout(() => forget(id, tries - 1), 1000);
    } catch { /* the server forgets it when its time is up */ }
  }

  async function restore() {
    if (!sessionUsed()) return;
    let response;
    try {
      response = await api('/api/sessions/' + encodeURIComponent(sessionId));
    } catch (e) {
      notice(`chatrelay could not be reached (${e.message}). Check that it is running, then reload.`);
      return;
    }
    if (response.status === 404) return;  // a new conversation
    if (!response.ok) {
      notice('This conversation could not be loaded: ' + (await refusal(response)).message);
      return;
    }
    const session = await response.json();
    let last = null;
    for (const m of session.messages) {
      if (m.role === 'user') {
        addQuestion(m.content);
      } else {
        const answer = new Answer();
        answer.restore(m.content);
        if (answer.artifacts.length) last = answer;
      }
    }
    if (last) showArtifacts(last.artifacts, last.main);
    ui.messages.scrollTop = ui.messages.scrollHeight;
  }
  function notice(text) {
    const box = element('div', 'error', text);
    box.setAttribute('role', 'alert');
    ui.messages.append(box);
  }

  // ---------------------------------------------------------------- the artifact panel

  let shown = null;     // {list, index, opener}
  let previewed = null; // the artifact the preview frame is to show
  let frames = 0;

  function showArtifacts(list, index, opener) {
    shown = {list, index, opener};
    ui.pick.replaceChildren(...list.map((a, i) => new Option(
      `${i + 1}. ${a.language}, ${lineCount(a.code)} lines${a.truncated ? ' (truncated)' : ''}`, String(i))));
    ui.pick.value = String(index);
    ui.pick.hidden = list.length < 2;
    ui.panel.hidden = false;
    ui.layout.classList.add('with-artifact');
    showArtifact();
    if (opener) (ui.pick.hidden ? ui.tabCode : ui.pick).focus();
  }
  const canPreview = (a) => a.language === 'html' || a.language === 'svg';

  function showArtifact() {
    const a = shown.list[shown.index];
    ui.title.textContent = ui.pick.hidden ? `${a.language}, ${lineCount(a.code)} lines` : '';
    ui.truncated.hidden = !a.truncated;
    highlight(ui.code.firstElementChild, a.code, a.language);
    ui.tabPreview.hidden = !canPreview(a);
    showTab(canPreview(a) ? 'preview' : 'code');
    if (canPreview(a)) {
      previewed = a;
      // A fresh document for each artifact: the last one's scripts and listeners go with it.
      ui.preview.src = '/ui/preview?n=' + (++frames);
    } else if (previewed) {
      previewed = null;
      ui.preview.removeAttribute('src');
    }
  }
  // The preview says when it listens; only this frame's window is answered, and only with the
  // artifact. Its origin is opaque ("null"), which no targetOrigin can name: hence '*'.
  window.addEventListener('message', (event) => {
    if (!previewed || event.source !== ui.preview.contentWindow) return;
    if (!event.data || event.data.type !== 'chatrelay-preview-ready') return;
    event.source.postMessage({type: 'chatrelay-artifact', language: previewed.language, code: previewed.code}, '*');
  });

  function showTab(name) {
    const preview = name === 'preview';
    ui.tabPreview.setAttribute('aria-selected', String(preview));
    ui.tabCode.setAttribute('aria-selected', String(!preview));
    ui.previewWrap.hidden = !preview;
    ui.codeWrap.hidden = preview;
  }
  ui.tabPreview.addEventListener('click', () => showTab('preview'));
  ui.tabCode.addEventListener('click', () => showTab('code'));
  ui.pick.addEventListener('change', () => {
    shown.index = Number(ui.pick.value);
    showArtifact();
  });

  function closePanel() {
    ui.panel.hidden = true;
    ui.layout.classList.remove('with-artifact');
    previewed = null;
    ui.preview.removeAttribute('src');
    const opener = shown && shown.opener;
    shown = null;
    return opener;
  }
  ui.close.addEventListener('click', () => {
    const opener = closePanel();
    (opener && opener.isConnected ? opener : ui.prompt).focus();
  });

  // navigator.clipboard exists only in secure contexts (not plain http on a LAN address): then the
  // old way, and failing that the code is selected for Ctrl+C.
  async function copyText(text) {
    if (window.isSecureContext && navigator.clipboard) {
      try {
        await navigator.clipboard.writeText(text);
        return true;
      } catch { /* not allowed here: the old way */ }
    }
    const area = element('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    let copied = false;
    try { copied = document.execCommand('copy'); } catch { copied = false; }
    area.remove();
    return copied;
  }
  ui.copy.addEventListener('click', async () => {
    const a = shown.list[shown.index];
    if (await copyText(a.code)) {
      flash(ui.copy, 'Copied');
      return;
    }
    showTab('code');
    getSelection().selectAllChildren(ui.code);
    ui.code.focus();
    flash(ui.copy, 'Press Ctrl+C');
  });
  function flash(button, text) {
    const was = button.dataset.label || button.textContent;
    button.dataset.label = was;
    button.textContent = text;
    say(text);
    setTimeout(() => { button.textContent = was; }, 1800);
  }

  const EXTENSIONS = {html: 'html', htm: 'html', svg: 'svg', xml: 'xml', css: 'css', scss: 'scss',
    javascript: 'js', js: 'js', jsx: 'jsx', typescript: 'ts', ts: 'ts', tsx: 'tsx', json: 'json',
    python: 'py', py: 'py', bash: 'sh', sh: 'sh', shell: 'sh', zsh: 'zsh', powershell: 'ps1', c: 'c', h: 'h',
    cpp: 'cpp', 'c++': 'cpp', cc: 'cc', hpp: 'hpp', csharp: 'cs', cs: 'cs', java: 'java', kotlin: 'kt',
    go: 'go', golang: 'go', rust: 'rs', rs: 'rs', ruby: 'rb', rb: 'rb', php: 'php', swift: 'swift',
    sql: 'sql', yaml: 'yaml', yml: 'yaml', toml: 'toml', ini: 'ini', markdown: 'md', md: 'md', lua: 'lua',
    perl: 'pl', r: 'r', scala: 'scala', dart: 'dart', haskell: 'hs', elixir: 'ex', vue: 'vue', text: 'txt'};
  function fileName(a) {
    if (a.language === 'dockerfile') return 'Dockerfile';
    if (a.language === 'makefile' || a.language === 'make') return 'Makefile';
    return 'artifact.' + (EXTENSIONS[a.language] || 'txt');
  }
  ui.download.addEventListener('click', () => {
    const a = shown.list[shown.index];
    const type = a.language === 'html' ? 'text/html' : a.language === 'svg' ? 'image/svg+xml' : 'text/plain';
    const link = element('a');
    link.href = URL.createObjectURL(new Blob([a.code], {type: type + ';charset=utf-8'}));
    link.download = fileName(a);
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 30000);
  });

  restore();
})();
