/* The readers' comment widget.

   <script src="https://kommentare.example/widget.js" data-article="ki-im-alltag" async></script>
   <div id="kommentare"></div>

   Plain DOM in an open Shadow DOM: reader text only ever goes in as text (textContent,
   Text nodes), never as markup. Styles come as a constructable stylesheet, so the host
   page's style-src policy need not allow inline styles. Nothing global, no cookies; the
   author's and reporter's tokens stay in this browser's localStorage. */
(function () {
  "use strict";
  const S = /*SETTINGS*/null;
  const script = document.currentScript;
  if (!script) return;
  const api = new URL(script.src).origin;
  const options = script.dataset;
  const PAGE_SIZE = 20;
  const REPLIES = 3;
  const STORE_KEY = "kommentare:" + api;
  // data- attributes of the script, else of the element the widget fills.
  const option = (host, name) => options[name] || host.dataset[name];

  const CSS = `
:host{--bg:var(--kommentare-background,#fff);--fg:var(--kommentare-text,#1b1b1b);
--muted:var(--kommentare-muted,#595959);--line:var(--kommentare-border,#c8c8c8);
--accent:var(--kommentare-accent,#0b5cad);--on-accent:var(--kommentare-on-accent,#fff);
--error:var(--kommentare-error,#b00020);--radius:var(--kommentare-radius,6px);
display:block;min-height:16rem;color:var(--fg);background:var(--bg);
font-family:var(--kommentare-font,inherit);font-size:var(--kommentare-font-size,1rem);line-height:1.5}
:host([data-theme=dark]){--bg:var(--kommentare-background,#16181c);--fg:var(--kommentare-text,#ececec);
--muted:var(--kommentare-muted,#b0b0b0);--line:var(--kommentare-border,#4a4d55);
--accent:var(--kommentare-accent,#8cc2ff);--on-accent:var(--kommentare-on-accent,#0b1a2a);
--error:var(--kommentare-error,#ff9b8f)}
@media (prefers-color-scheme:dark){:host([data-theme=auto]){--bg:var(--kommentare-background,#16181c);
--fg:var(--kommentare-text,#ececec);--muted:var(--kommentare-muted,#b0b0b0);
--line:var(--kommentare-border,#4a4d55);--accent:var(--kommentare-accent,#8cc2ff);
--on-accent:var(--kommentare-on-accent,#0b1a2a);--error:var(--kommentare-error,#ff9b8f)}}
*{box-sizing:border-box}
[hidden]{display:none!important}
section{padding:.5rem 0}
h2{font-size:1.4em;margin:0 0 .75rem}h3{font-size:1.1em;margin:.5rem 0}
ol{list-style:none;margin:0;padding:0}
ol ol{margin-inline-start:1.25rem;padding-inline-start:.75rem;border-inline-start:2px solid var(--line)}
ol ol ol ol ol{margin-inline-start:0}
li{margin:.75rem 0}
article,.panel,form{border:1px solid var(--line);border-radius:var(--radius);padding:.75rem 1rem}
.panel{margin:.75rem 0}
.meta{color:var(--muted);font-size:.9em}
.author{font-weight:700;color:var(--fg)}
.body{white-space:pre-wrap;overflow-wrap:anywhere;margin:.35rem 0}
.erased{color:var(--muted);font-style:italic}
button,input,select,textarea{font:inherit;color:inherit}
button{cursor:pointer;border-radius:var(--radius);padding:.35rem .8rem;border:1px solid var(--accent);
background:var(--accent);color:var(--on-accent)}
button.link{background:none;border:0;color:var(--accent);padding:.2rem .3rem;text-decoration:underline}
button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
button[disabled]{opacity:.7;cursor:progress}
label{display:block;font-weight:600;margin-top:.6rem}
label.check{display:flex;gap:.5rem;align-items:flex-start;font-weight:400}
input[type=text],input[type=email],select,textarea{display:block;width:100%;margin-top:.2rem;
padding:.45rem .55rem;border:1px solid var(--muted);border-radius:var(--radius);background:var(--bg)}
textarea{min-height:7rem;resize:vertical}
[aria-invalid=true]{border-color:var(--error);border-width:2px}
.hint{color:var(--muted);font-size:.9em;margin:.2rem 0 0}
.over{color:var(--error);font-weight:600}
.error{color:var(--error);font-weight:600}
.ok{font-weight:600}
.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin-top:.75rem}
.bar{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.5rem;align-items:end;margin:1rem 0 .5rem}
.bar label{margin:0}.bar select{display:inline-block;width:auto;margin-inline-start:.4rem}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
`;

  /* --- words ------------------------------------------------------------------------- */

  function pickLanguage(host) {
    const named = option(host, "lang") || (host.closest("[lang]") || {}).lang || "";
    return named.toLowerCase().startsWith("en") ? "en" : "de";
  }

  let lang = "de";
  function t(key, params) {
    return S.messages[lang][key].replace(/\{(\w+)\}/g, (_, name) => String(params[name]));
  }
  function formatDate(iso, withTime) {
    const locale = lang === "en" ? "en-GB" : "de-DE";
    const style = withTime ? { dateStyle: "medium", timeStyle: "short" } : { dateStyle: "long" };
    return new Intl.DateTimeFormat(locale, style).format(new Date(iso));
  }
  function waitText(seconds) {
    if (seconds < 60) return seconds === 1 ? t("second") : t("seconds", { n: seconds });
    const minutes = Math.ceil(seconds / 60);
    return minutes === 1 ? t("minute") : t("minutes", { n: minutes });
  }
  function length(text) {
    // As the server counts: code points of the NFC text with \n line breaks.
    return Array.from(text.replace(/\r\n?/g, "\n").normalize("NFC")).length;
  }

  /* --- the DOM, text only ---------------------------------------------------------------- */

  let ids = 0;
  function uid(prefix) { ids += 1; return "k" + prefix + ids; }

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  /* --- what this browser remembers ------------------------------------------------------- */

  const memory = { comments: [], reports: [] };
  function load() {
    try {
      const stored = JSON.parse(localStorage.getItem(STORE_KEY) || "{}");
      memory.comments = Array.isArray(stored.comments) ? stored.comments : [];
      memory.reports = Array.isArray(stored.reports) ? stored.reports : [];
    } catch (error) { /* storage off: remember for this visit only */ }
  }
  function save() {
    try { localStorage.setItem(STORE_KEY, JSON.stringify(memory)); } catch (error) { /* as above */ }
  }

  /* --- talking to the service ------------------------------------------------------------ */

  class Problem extends Error {
    constructor(message, fields, status) {
      super(message);
      this.fields = fields || [];
      this.status = status || 0;
    }
  }

  async function call(method, path, body, headers) {
    if (!navigator.onLine) throw new Problem(t("error.offline"));
    let response;
    try {
      // "no-cache": the browser asks again each time (a 304 where nothing changed), never
      // serves a stale copy: the public answers let shared caches revalidate in the
      // background (stale-while-revalidate), which browsers would do too.
      response = await fetch(api + path, {
        method, credentials: "omit", referrerPolicy: "no-referrer", cache: "no-cache",
        headers: Object.assign(body ? { "Content-Type": "application/json" } : {}, headers || {}),
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (error) {
      throw new Problem(t(navigator.onLine ? "error.network" : "error.offline"));
    }
    let answer = null;
    try { answer = await response.json(); } catch (error) { /* no JSON body */ }
    if (response.ok) return answer;
    throw problem(response, answer || {});
  }

  function problem(response, answer) {
    const status = response.status;
    const fields = Object.keys(answer.errors || {});
    if (status === 429) {
      const seconds = Math.max(1, parseInt(response.headers.get("Retry-After"), 10) || 60);
      return new Problem(t("error.429", { wait: waitText(seconds) }));
    }
    if (status === 413) return new Problem("", ["_long"]);
    if (status === 422 || status === 400) return new Problem("", fields.length ? fields : ["_schema"]);
    if (answer.code === "comments_closed") return new Problem(t("error.comments_closed"));
    if (["not_appealable", "appeal_period_over", "already_appealed"].includes(answer.code)) {
      return new Problem(t("error.appeal"));
    }
    if (status === 404) return new Problem(t("error.not_found"), [], 404);
    return new Problem(t("error.server"));
  }

  /* --- forms ------------------------------------------------------------------------------ */

  /* A field: its label, its control and, if wanted, a hint below it. */
  function field(label, control, hint) {
    control.id = uid("f");
    const nodes = [el("label", { for: control.id }, label), control];
    if (hint) {
      hint.id = uid("h");
      control.setAttribute("aria-describedby", hint.id);
      nodes.push(hint);
    }
    return nodes;
  }

  /* A form's own error line, its fields by the server's names, and how it says what failed. */
  function formParts(fields, labels) {
    const alert = el("p", { class: "error", role: "alert" });
    function clear() {
      alert.textContent = "";
      for (const control of Object.values(fields)) control.removeAttribute("aria-invalid");
    }
    function fail(error) {
      clear();
      let message = error.message;
      const named = error.fields.filter((name) => fields[name]);
      if (error.fields.includes("_long")) {
        const longest = fields[labels._long];
        longest.setAttribute("aria-invalid", "true");
        message = t("error.413", { field: labels[labels._long] });
      } else if (named.length) {
        for (const name of named) fields[name].setAttribute("aria-invalid", "true");
        message = named.map((name) => t("error.422", { field: labels[name] })).join(" ");
        fields[named[0]].focus();
      } else if (!message) {
        message = t("error.form");
      }
      alert.textContent = message;
    }
    /* Client-side checks with the server's limits; the server checks again. */
    function check(rules) {
      const wrong = rules.filter(([name, ok]) => !ok).map(([name]) => name);
      if (wrong.length) fail(new Problem("", wrong));
      return !wrong.length;
    }
    return { alert, clear, fail, check };
  }

  async function submitting(button, work) {
    const label = button.textContent;
    button.disabled = true;
    button.textContent = t("sending");
    try { await work(); } finally { button.disabled = false; button.textContent = label; }
  }

  /* --- the widget ------------------------------------------------------------------------- */

  // The page the widget is on, for an article that has no title or link yet: data-title and
  // data-url, else what the page says of itself (Open Graph, canonical link, address).
  function pageDetails(host) {
    const meta = (name) => (document.querySelector(`meta[property="og:${name}"]`) || {}).content;
    const canonical = (document.querySelector('link[rel="canonical"]') || {}).href;
    const title = (option(host, "title") || meta("title") || document.title || "").trim();
    const details = {};
    if (title) details.article_title = title.slice(0, S.limits.title);
    try {
      const url = new URL(option(host, "url") || meta("url") || canonical || location.href, location.href);
      url.hash = "";
      if (/^https?:$/.test(url.protocol) && url.href.length <= S.limits.url) details.article_url = url.href;
    } catch (_) { /* not a link: the article keeps none */ }
    return details;
  }

  function start(host) {
    if (host.shadowRoot) return;
    lang = pickLanguage(host);
    const article = option(host, "article");
    if (!article) return;
    const page = pageDetails(host);
    const theme = option(host, "theme");
    host.dataset.theme = ["dark", "auto"].includes(theme) ? theme : "light";
    load();

    const root = host.attachShadow({ mode: "open" });
    if ("adoptedStyleSheets" in root && typeof CSSStyleSheet.prototype.replaceSync === "function") {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } else {
      root.append(el("style", {}, CSS)); // needs style-src 'unsafe-inline' on the page
    }

    const state = { order: "newest", cursor: null, closed: false, byId: new Map(), timer: 0 };
    const articlePath = "/v1/articles/" + encodeURIComponent(article) + "/comments";
    const headingId = uid("h");
    const heading = el("h2", { id: headingId }, t("heading"));
    const status = el("p", { role: "status", class: "hint" }, t("loading"));
    const ownPanel = el("div", { class: "panel", hidden: true });
    const reportPanel = el("div", { class: "panel", hidden: true });
    const thread = el("ol", { "aria-labelledby": headingId, "aria-busy": "true" });
    const more = el("button", { type: "button", hidden: true, onclick: () => loadThread(false) },
      t("more"));
    const orderSelect = el("select", {
      onchange: () => { state.order = orderSelect.value; loadThread(true); },
    }, el("option", { value: "newest" }, t("newest")), el("option", { value: "oldest" }, t("oldest")));
    const orderId = uid("o");
    orderSelect.id = orderId;
    const bar = el("div", { class: "bar" }, el("span", { class: "meta" }),
      el("label", { for: orderId }, t("order"), orderSelect));
    const compose = composeForm();
    const composeHome = el("div", {}, compose.form);
    root.append(el("section", { "aria-labelledby": headingId, lang },
      heading, ownPanel, reportPanel, composeHome, bar, status, thread, more));

    /* ----- the public thread ----- */

    function commentNode(comment) {
      const item = el("li", { "data-id": comment.id });
      const box = el("article", {});
      if (comment.erased) {
        box.append(el("p", { class: "erased" }, t("erased")));
      } else {
        box.append(
          el("p", { class: "meta" }, el("span", { class: "author" }, comment.author_name), " · ",
            el("time", { datetime: comment.created_at }, formatDate(comment.created_at, true))),
          el("p", { class: "body" }, comment.body),
          el("div", { class: "row" },
            state.closed ? null : el("button", {
              type: "button", class: "link", "aria-label": t("reply") + ": " + comment.author_name,
              onclick: () => compose.replyTo(comment, item),
            }, t("reply")),
            el("button", {
              type: "button", class: "link", "aria-label": t("report") + ": " + comment.author_name,
              "aria-expanded": "false", onclick: (event) => toggleReport(comment, box, event.currentTarget),
            }, t("report"))));
      }
      item.append(box);
      state.byId.set(comment.id, item);
      return item;
    }

    function place(comment) {
      if (state.byId.has(comment.id)) return state.byId.get(comment.id);
      const node = commentNode(comment);
      const parent = comment.parent_id && state.byId.get(comment.parent_id);
      if (!parent) { thread.append(node); return node; }
      let list = parent.querySelector(":scope > ol");
      if (!list) {
        list = el("ol");
        const button = parent.querySelector(":scope > .more-replies");
        parent.insertBefore(list, button);
      }
      list.append(node);
      return node;
    }

    function moreReplies(root, count, cursor) {
      const item = state.byId.get(root.id);
      const old = item.querySelector(":scope > .more-replies");
      if (old) old.remove();
      if (!count || !cursor) return;
      const button = el("button", { type: "button", class: "link more-replies", onclick: async () => {
        await submitting(button, async () => {
          try {
            const page = await call("GET", articlePath + "/" + encodeURIComponent(root.id)
              + "/replies?" + new URLSearchParams({ cursor, limit: 50 }));
            for (const reply of page.comments) place(reply);
            moreReplies(root, page.more_replies, page.next_cursor);
          } catch (error) { status.textContent = error.message; }
        });
      } }, t("more_replies", { n: count }));
      item.append(button);
    }

    async function loadThread(reset) {
      thread.setAttribute("aria-busy", "true");
      const query = { limit: PAGE_SIZE, replies: REPLIES, order: state.order };
      if (!reset && state.cursor) query.cursor = state.cursor;
      let page;
      try {
        page = await call("GET", articlePath + "?" + new URLSearchParams(query));
      } catch (error) {
        status.textContent = error.message;
        thread.setAttribute("aria-busy", "false");
        return;
      }
      if (reset) {
        if (thread.contains(compose.form)) compose.home(); // the text stays, the reply target goes
        thread.replaceChildren();
        state.byId.clear();
      }
      state.closed = page.article ? !page.article.comments_open : false;
      compose.form.hidden = state.closed;
      if (state.closed) compose.home();
      for (const comment of page.comments) {
        place(comment);
        if (comment.parent_id === null) {
          moreReplies(comment, comment.more_replies, comment.replies_cursor);
        }
      }
      state.cursor = page.next_cursor;
      more.hidden = !page.next_cursor;
      bar.firstChild.textContent = page.total === 1 ? t("total_one") : t("total", { n: page.total });
      status.textContent = state.closed ? t("closed") : page.total ? "" : t("empty");
      thread.setAttribute("aria-busy", "false");
      host.dataset.state = "ready";
    }

    /* ----- writing ----- */

    function composeForm() {
      const name = el("input", { type: "text", name: "author_name", autocomplete: "name",
        maxlength: S.limits.name, required: true });
      const email = el("input", { type: "email", name: "author_email", autocomplete: "email",
        maxlength: S.limits.email });
      const notify = el("input", { type: "checkbox", name: "notify" });
      const notifyRow = el("label", { class: "check", hidden: true }, notify, t("notify"));
      const offersNotify = S.notifications;
      const body = el("textarea", { name: "body", required: true, rows: 5 });
      const counter = el("p", { class: "hint" });
      const website = el("input", { type: "text", name: "website", tabindex: "-1", autocomplete: "off" });
      const replying = el("p", { class: "meta", hidden: true });
      const cancel = el("button", { type: "button", class: "link", hidden: true,
        onclick: () => home() }, t("cancel_reply"));
      const send = el("button", { type: "submit" }, t("send"));
      const done = el("p", { class: "ok", tabindex: "-1", hidden: true });
      const fields = { author_name: name, author_email: email, body, notify, parent_id: body };
      const labels = { author_name: t("name"), author_email: t("email"), body: t("body"),
        notify: t("notify"), parent_id: t("body"), _schema: t("body"), _long: "body" };
      const titleId = uid("t");
      const form = el("form", { novalidate: true, "aria-labelledby": titleId });
      const parts = formParts(fields, labels);
      let parent = null;

      function count() {
        const n = length(body.value);
        const over = n > S.limits.body;
        counter.textContent = t(over ? "chars_over" : "chars", { n, max: S.limits.body });
        counter.className = over ? "hint over" : "hint";
      }
      function showNotify() {
        notifyRow.hidden = !(offersNotify && email.value.trim());
        if (notifyRow.hidden) notify.checked = false;
      }
      function home() {
        parent = null;
        replying.hidden = cancel.hidden = true;
        if (form.parentNode !== composeHome) composeHome.append(form);
      }
      function replyTo(comment, item) {
        parent = comment;
        replying.textContent = t("replying_to", { name: comment.author_name });
        replying.hidden = cancel.hidden = false;
        done.hidden = true;
        item.insertBefore(form, item.querySelector(":scope > ol, :scope > .more-replies"));
        body.focus();
      }

      form.append(
        el("h3", { id: titleId }, t("write")), replying,
        ...field(t("name"), name),
        ...field(t("email"), email, el("p", { class: "hint" }, t("email_note"))),
        notifyRow,
        ...field(t("body"), body, counter),
        el("div", { class: "hp", "aria-hidden": "true" }, ...field(t("website"), website)),
        parts.alert,
        el("div", { class: "row" }, send, cancel),
        done);
      count();
      body.addEventListener("input", () => { count(); done.hidden = true; });
      email.addEventListener("input", showNotify);
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        parts.clear();
        const ok = parts.check([
          ["author_name", name.value.trim().length > 0],
          ["author_email", !email.value.trim() || email.checkValidity()],
          ["body", body.value.trim().length > 0 && length(body.value) <= S.limits.body],
        ]);
        if (!ok) return;
        const data = { author_name: name.value.trim(), body: body.value, website: website.value || null };
        if (email.value.trim()) data.author_email = email.value.trim();
        if (parent) data.parent_id = parent.id;
        data.language = lang;
        if (offersNotify && notify.checked) data.notify = true;
        Object.assign(data, page);
        await submitting(send, async () => {
          try {
            const answer = await call("POST", articlePath, data);
            memory.comments.push({ id: answer.id, token: answer.author_token, article });
            save();
            body.value = "";
            count();
            home();
            const told = ["confirmation_sent", "subscribed", "suppressed"];
            done.textContent = t("sent") + (told.includes(answer.notification)
              ? " " + t(answer.notification) : "");
            done.hidden = false;
            done.focus();
            await refreshOwn();
            if (answer.status === "approved") await loadThread(true);
          } catch (error) {
            parts.fail(error);
          }
        });
      });
      return { form, replyTo, home };
    }

    /* ----- the author's own comments: status, reasons, appeal (DSA Art. 17, 20) ----- */

    async function refreshOwn() {
      const mine = memory.comments.filter((entry) => entry.article === article);
      const views = [];
      let waiting = false;
      for (const entry of mine) {
        let view;
        try {
          view = await call("GET", "/v1/comments/" + encodeURIComponent(entry.id), null,
            { "X-Author-Token": entry.token });
        } catch (error) {
          if (error.status === 404) forget(entry); // erased, or the data deleted
          continue;
        }
        const appeal = view.appeal && view.appeal.status;
        if (view.status === "approved" && entry.shown === "approved") { forget(entry); continue; }
        if (view.status !== entry.shown) {
          if (view.status === "approved" && entry.shown) loadThread(true);
          entry.shown = view.status;
          save();
        }
        waiting = waiting || ["pending", "review"].includes(view.status) || appeal === "open";
        views.push([entry, view]);
      }
      ownPanel.replaceChildren();
      ownPanel.hidden = !views.length;
      if (views.length) {
        const list = el("ol");
        for (const [entry, view] of views) list.append(ownNode(entry, view));
        ownPanel.append(el("h3", {}, t("own")), list);
      }
      schedule(waiting);
    }

    function forget(entry) {
      memory.comments = memory.comments.filter((other) => other !== entry);
      save();
    }

    function ownNode(entry, view) {
      const waiting = ["pending", "review"].includes(view.status);
      const item = el("li", { "data-own": view.id, "data-status": view.status },
        el("p", { class: "ok" }, t("status." + view.status)),
        el("p", { class: "body" }, view.body),
        waiting ? el("p", { class: "hint" }, t("only_you")) : null);
      // The statement of reasons (DSA Art. 17) as the server wrote it.
      const statement = view.statement_of_reasons;
      if (view.status === "rejected" && statement) {
        item.append(el("h4", {}, t("statement")),
          el("p", {}, statement.summary), el("p", {}, statement.facts),
          el("p", {}, statement.ground ? statement.ground.explanation : ""),
          el("p", { class: "hint" }, statement.redress.out_of_court, " ", statement.redress.courts));
      }
      if (view.appeal) {
        item.append(el("p", { class: "ok", "data-appeal": view.appeal.status }, t("appeal." + view.appeal.status)));
      } else if (view.appealable_until) {
        item.append(appealForm(entry, view));
      }
      return item;
    }

    function appealForm(entry, view) {
      const explanation = el("textarea", { name: "explanation", required: true, rows: 4,
        maxlength: S.limits.appeal });
      const send = el("button", { type: "submit" }, t("appeal_send"));
      const titleId = uid("t");
      const form = el("form", { novalidate: true, "aria-labelledby": titleId });
      const parts = formParts({ explanation }, {
        explanation: t("appeal_explanation"), _schema: t("appeal_explanation"), _long: "explanation" });
      form.append(el("h4", { id: titleId }, t("appeal_heading")),
        el("p", {}, t("appeal_intro", { date: formatDate(view.appealable_until, false) })),
        ...field(t("appeal_explanation"), explanation), parts.alert, el("div", { class: "row" }, send));
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        if (!parts.check([["explanation", explanation.value.trim().length > 0]])) return;
        await submitting(send, async () => {
          try {
            await call("POST", "/v1/comments/" + encodeURIComponent(entry.id) + "/appeal",
              { explanation: explanation.value }, { "X-Author-Token": entry.token });
            await refreshOwn();
          } catch (error) { parts.fail(error); }
        });
      });
      return form;
    }

    /* ----- reports (DSA Art. 16) ----- */

    function toggleReport(comment, box, button) {
      const open = box.querySelector("form");
      if (open) { open.remove(); button.setAttribute("aria-expanded", "false"); return; }
      button.setAttribute("aria-expanded", "true");
      box.append(reportForm(comment, button));
      box.querySelector("select").focus();
    }

    function reportForm(comment, opener) {
      const category = el("select", { name: "category", required: true },
        el("option", { value: "" }, t("choose")),
        ...S.categories.map((code) => el("option", { value: code }, t("category." + code))));
      const provision = el("input", { type: "text", name: "legal_provision", maxlength: S.limits.provision });
      const explanation = el("textarea", { name: "explanation", required: true, rows: 4,
        maxlength: S.limits.report });
      const contact = el("input", { type: "email", name: "reporter_email", autocomplete: "email" });
      const faith = el("input", { type: "checkbox", name: "good_faith", required: true });
      const send = el("button", { type: "submit" }, t("report_send"));
      const cancel = el("button", { type: "button", class: "link", onclick: () => {
        form.remove(); opener.setAttribute("aria-expanded", "false"); opener.focus();
      } }, t("report_cancel"));
      const titleId = uid("t");
      const form = el("form", { novalidate: true, "aria-labelledby": titleId });
      const fields = { category, legal_provision: provision, explanation, reporter_email: contact,
        good_faith: faith };
      const parts = formParts(fields, { category: t("category"), legal_provision: t("provision"),
        explanation: t("explanation"), reporter_email: t("contact"), good_faith: t("good_faith"),
        _schema: t("explanation"), _long: "explanation" });
      form.append(el("h4", { id: titleId }, t("report_heading")), el("p", { class: "hint" }, t("report_intro")),
        ...field(t("category"), category), ...field(t("provision"), provision),
        ...field(t("explanation"), explanation), ...field(t("contact"), contact),
        el("label", { class: "check" }, faith, t("good_faith")),
        parts.alert, el("div", { class: "row" }, send, cancel));
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const text = explanation.value.trim();
        if (!parts.check([["category", category.value !== ""],
          ["explanation", length(text) >= S.limits.report_min && length(text) <= S.limits.report],
          ["reporter_email", !contact.value.trim() || contact.checkValidity()],
          ["good_faith", faith.checked]])) return;
        const data = { category: category.value, explanation: explanation.value, good_faith: true };
        if (provision.value.trim()) data.legal_provision = provision.value.trim();
        if (contact.value.trim()) data.reporter_email = contact.value.trim();
        await submitting(send, async () => {
          try {
            const answer = await call("POST", "/v1/comments/" + encodeURIComponent(comment.id) + "/reports", data);
            memory.reports.push({ id: answer.id, token: answer.report_token, article,
              category: category.value, author: comment.author_name });
            save();
            const thanks = el("p", { class: "ok", tabindex: "-1" }, t("report_sent"));
            form.replaceWith(thanks);
            opener.setAttribute("aria-expanded", "false");
            thanks.focus();
            await refreshReports();
          } catch (error) { parts.fail(error); }
        });
      });
      return form;
    }

    async function refreshReports() {
      const mine = memory.reports.filter((entry) => entry.article === article);
      const list = el("ol");
      let waiting = false;
      for (const entry of mine) {
        let view;
        try {
          view = await call("GET", "/v1/reports/" + encodeURIComponent(entry.id), null,
            { "X-Report-Token": entry.token });
        } catch (error) { continue; }
        waiting = waiting || view.status === "open";
        list.append(el("li", { "data-report": view.id, "data-status": view.status },
          el("p", { class: "meta" }, t("category." + view.category), " · ", entry.author || "",
            " · ", el("time", { datetime: view.created_at }, formatDate(view.created_at, true))),
          el("p", { class: "ok" }, view.decision ? t("report." + view.decision.outcome) : t("report.open"))));
      }
      reportPanel.replaceChildren();
      reportPanel.hidden = !list.children.length;
      if (list.children.length) reportPanel.append(el("h3", {}, t("reports")), list);
      schedule(waiting);
    }

    /* ----- while something waits for a decision, look again now and then ----- */

    function schedule(waiting) {
      if (!waiting || state.timer) return;
      const seconds = Math.max(2, parseInt(option(host, "refresh"), 10) || 30);
      state.timer = setTimeout(async () => {
        state.timer = 0;
        if (document.visibilityState !== "visible") return;
        await refreshOwn();
        await refreshReports();
      }, seconds * 1000);
    }
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && !state.timer) { refreshOwn(); refreshReports(); }
    });

    loadThread(true);
    refreshOwn();
    refreshReports();
  }

  function begin() {
    const host = document.getElementById(options.target || "kommentare");
    if (host) start(host);
  }
  if (document.getElementById(options.target || "kommentare") || document.readyState !== "loading") begin();
  else document.addEventListener("DOMContentLoaded", begin);
})();
