// What the queue and the comment page share: the catalogue's words, keyboard shortcuts,
// decisions sent after a delay that undo can cancel, and the reason picker.
// Plain ES module; text goes into the page with textContent only.

import { request } from "./workspace.js";

/** How long a decision waits for an undo before it is sent. */
export const UNDO_MS = 5000;

const TEXTS = JSON.parse(document.getElementById("desk-texts")?.dataset.texts || "{}");

/** A text of the page's catalogue with its {placeholders} filled in. */
export function say(key, values = {}) {
  return (TEXTS[key] || key).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

const NOT_TYPED = new Set(["checkbox", "radio", "button", "submit", "reset"]);

/** Whether the key press lands in a field the editor types in. */
function typing(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.tagName === "TEXTAREA" || target.tagName === "SELECT") {
    return true;
  }
  return target.tagName === "INPUT" && !NOT_TYPED.has(target.type);
}

/**
 * Single-key shortcuts: `handlers` maps `event.key` to a function. Nothing fires while the
 * editor types in a field, while a dialog is open (dialogs have keys of their own) or with
 * Ctrl, Alt or Meta held (the browser's own shortcuts).
 */
export function onShortcuts(handlers) {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target) || document.querySelector("dialog[open]")) return;
    const handler = handlers[event.key];
    if (!handler) return;
    event.preventDefault();
    handler(event);
  });
}

/** Open the "?" dialog of every shortcut. */
export function showShortcuts() {
  document.getElementById("shortcuts")?.showModal();
}

/** One line for the screen and for screen readers: a status, or (`alert`) an error. */
export function tell(text, { alert = false } = {}) {
  const line = document.querySelector(alert ? "[data-messages]" : "[data-undo-text]");
  if (!line) return;
  if (!alert) document.querySelector("[data-undo-bar]").hidden = false;
  line.textContent = text;
}

/**
 * Decisions sent after UNDO_MS unless undone: the delayed commit behind "undo".
 *
 * A decision is `{ids, action, details, label, undo(), done(answer), failed(error)}`;
 * `schedule` shows it as taken at once and sends it later; `undo` cancels the newest one
 * still waiting (nothing reaches the server); a second decision on a comment sends the
 * first at once; `flush` sends every waiting one now (on `pagehide`, with keepalive, so
 * that leaving the page never loses a decision).
 */
export class Decisions {
  constructor() {
    this.waiting = [];
    this.bar = document.querySelector("[data-undo-bar]");
    this.bar?.querySelector("[data-undo]")?.addEventListener("click", () => this.undo());
    window.addEventListener("pagehide", () => this.flush());
  }

  schedule(decision) {
    for (const earlier of [...this.waiting]) {
      if (earlier.ids.some((id) => decision.ids.includes(id))) this.send(earlier);
    }
    decision.timer = window.setTimeout(() => this.send(decision), UNDO_MS);
    this.waiting.push(decision);
    tell(`${decision.label} ${say("sending_in", { seconds: UNDO_MS / 1000 })}`);
    this.showUndo();
  }

  /** Whether a decision was still waiting and is now undone. */
  undo() {
    const decision = this.waiting.pop();
    if (!decision) return false;
    window.clearTimeout(decision.timer);
    decision.undo();
    tell(say("undone"));
    this.showUndo();
    return true;
  }

  /** Send every waiting decision now. */
  flush() {
    for (const decision of [...this.waiting]) this.send(decision, { keepalive: true });
  }

  /** How many comments wait to be decided, for counts shown meanwhile. */
  get waitingComments() {
    return this.waiting.reduce((sum, decision) => sum + decision.ids.length, 0);
  }

  async send(decision, { keepalive = false } = {}) {
    window.clearTimeout(decision.timer);
    this.waiting = this.waiting.filter((other) => other !== decision);
    this.showUndo();
    const [first] = decision.ids;
    const single = decision.ids.length === 1 && !decision.bulk;
    const url = single
      ? `/redaktion/api/kommentare/${encodeURIComponent(first)}/entscheidung`
      : "/redaktion/api/entscheidungen";
    const body = { action: decision.action, ...decision.details };
    if (!single) body.ids = decision.ids;
    try {
      const answer = await request(url, { method: "POST", body, keepalive });
      decision.done(answer);
    } catch (error) {
      decision.failed(error.status ? error.message : say("offline"));
    }
  }

  showUndo() {
    const button = this.bar?.querySelector("[data-undo]");
    if (button) button.hidden = this.waiting.length === 0;
  }
}

/**
 * The reason picker: resolves to `{reason_code, ground, reason}`, or null when cancelled.
 * Digits pick a reason, arrows move between them, Enter rejects, Esc cancels.
 */
export function pickReason(subject) {
  const dialog = document.getElementById("reason-picker");
  const form = dialog.querySelector("form");
  const problem = dialog.querySelector("[data-picker-problem]");
  form.reset();
  problem.hidden = true;
  dialog.querySelector("[data-picker-subject]").textContent = subject;
  return new Promise((resolve) => {
    const choose = (radio) => {
      radio.checked = true;
      radio.focus();
      if (radio.value === "criminal_content") {
        dialog.querySelector('input[name="ground"][value="illegal"]').checked = true;
        dialog.querySelector('input[name="provision"]').focus();
      }
    };
    const keys = (event) => {
      const inField = typing(event.target);
      const radio = !inField && dialog.querySelector(`input[data-digit="${event.key}"]`);
      if (radio) {
        event.preventDefault();
        choose(radio);
      } else if (event.key === "Enter" && event.target.tagName !== "TEXTAREA"
                 && event.target.tagName !== "BUTTON") {
        event.preventDefault();
        form.requestSubmit(form.querySelector('button[value="reject"]'));
      }
    };
    const submitted = (event) => {
      if (event.submitter?.value !== "reject") return;
      const choice = readReason(form);
      if (choice.problem) {
        event.preventDefault();
        problem.textContent = choice.problem;
        problem.hidden = false;
        choice.focus?.focus();
      }
    };
    const closed = () => {
      dialog.removeEventListener("keydown", keys);
      form.removeEventListener("submit", submitted);
      const choice = dialog.returnValue === "reject" ? readReason(form) : null;
      resolve(choice && !choice.problem ? choice.value : null);
    };
    dialog.addEventListener("keydown", keys);
    form.addEventListener("submit", submitted);
    dialog.addEventListener("close", closed, { once: true });
    dialog.returnValue = "";
    dialog.showModal();
    dialog.querySelector('input[name="reason_code"]').focus();
  });
}

/**
 * A reason form's fields as the decision endpoint reads them, or the problem with them.
 * Used by the picker and by the comment page's own form.
 */
export function readReason(form) {
  const data = new FormData(form);
  const code = data.get("reason_code");
  const ground = data.get("ground") || "terms";
  const provision = (data.get("provision") || "").trim();
  const note = (data.get("reason") || "").trim();
  if (!code) {
    return { problem: TEXTS.choose_reason, focus: form.querySelector('input[name="reason_code"]') };
  }
  if ((ground === "illegal" || code === "criminal_content") && !provision) {
    return { problem: TEXTS.name_provision, focus: form.querySelector('input[name="provision"]') };
  }
  const value = { reason_code: code, ground: { type: "terms" } };
  if (ground === "illegal" || code === "criminal_content") {
    value.ground = { type: "illegal", provision };
  }
  if (note) value.reason = note;
  return { value };
}
