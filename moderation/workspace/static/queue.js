// The queue page: move with j/k, decide with a/r (on the selection, if any), undo with u,
// select with x, shift-click and "select all", load more rows, and hear of new comments
// without the list reordering under the editor's cursor.

import { request } from "./workspace.js";
import { Decisions, onShortcuts, pickReason, say, showShortcuts, tell } from "./desk.js";

const POLL_MS = 10000;
const FILTERS = ["status", "article", "q", "reason", "category", "score_min", "score_max",
                 "from", "to"];

const page = document.querySelector("[data-queue-page]");
const list = page.querySelector("[data-queue]");
const view = page.dataset.view;
const decisions = new Decisions();
let lastClicked = null;

const rows = () => (list ? [...list.querySelectorAll(".queue-item:not([hidden])")] : []);
const current = () => rows().find((row) => row.tabIndex === 0) || rows()[0];
const selected = () => rows().filter((row) => row.querySelector("[data-select]").checked);

/** Make `row` the one the keys act on: focused, in view, the only one in the tab order. */
function focusRow(row) {
  if (!row) return;
  for (const other of list.querySelectorAll(".queue-item")) other.tabIndex = -1;
  row.tabIndex = 0;
  row.focus();
  row.scrollIntoView({ block: "nearest" });
}

/** The next (1) or previous (-1) row; the first key press only focuses the current one. */
function move(step) {
  const all = rows();
  const here = document.activeElement?.closest(".queue-item");
  if (!here) {
    focusRow(current());
    return;
  }
  focusRow(all[Math.min(Math.max(all.indexOf(here) + step, 0), all.length - 1)]);
}

// --- counts ---------------------------------------------------------------------------------

function countOf(name) {
  return page.querySelector(`[data-count="${name}"]`);
}

function adjustCount(delta) {
  const count = countOf(view);
  if (count) count.textContent = String(Math.max(0, Number(count.textContent) + delta));
}

function filters() {
  const params = new URLSearchParams();
  const here = new URLSearchParams(window.location.search);
  for (const name of FILTERS) {
    for (const value of here.getAll(name)) if (value.trim()) params.append(name, value);
  }
  return params;
}

let announced = 0;

/** Ask the server how many comments each view holds and how many came in since the page
 * was drawn: counts are corrected (minus decisions still waiting), arrivals announced. */
async function refresh() {
  if (!page.dataset.drawnAt) return;
  const params = filters();
  params.set("since", page.dataset.drawnAt);
  let state;
  try {
    state = await request(`${page.dataset.stateUrl}?${params}`);
  } catch {
    return; // the next poll tries again
  }
  for (const [name, value] of Object.entries(state.counts)) {
    const count = countOf(name);
    const waiting = name === view ? decisions.waitingComments : 0;
    if (count) count.textContent = String(Math.max(0, value - waiting));
  }
  if (state.arrived > 0 && state.arrived !== announced) {
    announced = state.arrived;
    const notice = page.querySelector("[data-arrivals]");
    const link = document.createElement("a");
    const url = new URL(window.location.href);
    url.searchParams.delete("cursor");
    link.href = url.pathname + url.search;
    link.textContent = state.arrived === 1 ? say("arrived_one")
      : say("arrived_many", { n: state.arrived });
    notice.replaceChildren(link);
  }
}

// --- deciding -------------------------------------------------------------------------------

function decide(targets, action, details = {}) {
  if (targets.length === 0) {
    tell(say("nothing_selected"), { alert: true });
    return;
  }
  const all = rows();
  const after = all.slice(all.indexOf(targets[targets.length - 1]) + 1)
    .find((row) => !targets.includes(row));
  const before = all.slice(0, all.indexOf(targets[0])).reverse()
    .find((row) => !targets.includes(row));
  for (const row of targets) {
    row.hidden = true;
    row.querySelector("[data-select]").checked = false;
  }
  adjustCount(-targets.length);
  showSelection();
  const bulk = targets.length > 1;
  decisions.schedule({
    ids: targets.map((row) => row.dataset.id),
    bulk,
    action,
    details,
    label: bulk
      ? say(action === "approve" ? "approved_many" : "rejected_many", { n: targets.length })
      : say(action === "approve" ? "approved" : "rejected", { author: targets[0].dataset.author }),
    undo() {
      for (const row of targets) row.hidden = false;
      adjustCount(targets.length);
      focusRow(targets[0]);
      showEmpty();
    },
    done(answer) {
      if (bulk) settleBulk(targets, answer);
      else for (const row of targets) row.remove();
      refresh();
    },
    failed(message) {
      for (const row of targets) row.hidden = false;
      adjustCount(targets.length);
      tell(say("failed", { message }), { alert: true });
      showEmpty();
    },
  });
  focusRow(after || before);
  showEmpty();
}

/** A bulk decision's answer: changed rows go, the others come back and say why. */
function settleBulk(targets, answer) {
  const outcomes = new Map(answer.results.map((result) => [result.id, result.outcome]));
  for (const row of targets) {
    if (outcomes.get(row.dataset.id) === "refused") row.hidden = false;
    else row.remove();
  }
  tell(say("bulk_result", answer.summary));
  showEmpty();
}

async function reject(targets) {
  if (targets.length === 0) {
    tell(say("nothing_selected"), { alert: true });
    return;
  }
  const subject = targets.length === 1 ? targets[0].dataset.author : String(targets.length);
  const choice = await pickReason(subject);
  if (choice) decide(targets, "reject", choice);
  else focusRow(targets[0]);
}

const targets = () => (selected().length ? selected() : [current()].filter(Boolean));

// --- selecting ------------------------------------------------------------------------------

function showSelection() {
  const count = page.querySelector("[data-selected-count]");
  const n = selected().length;
  if (count) count.textContent = n ? say("selected", { n }) : "";
  const all = page.querySelector("[data-select-all]");
  if (all) all.checked = n > 0 && n === rows().length;
}

function toggle(row) {
  const box = row.querySelector("[data-select]");
  box.checked = !box.checked;
  lastClicked = row;
  showSelection();
}

function showEmpty() {
  let empty = page.querySelector("[data-empty]");
  if (rows().length === 0 && list) {
    if (!empty) {
      empty = document.createElement("p");
      empty.className = "notice notice-ok";
      empty.dataset.empty = "";
      empty.textContent = say("empty");
      list.after(empty);
    }
  } else {
    empty?.remove();
  }
}

// --- loading more ---------------------------------------------------------------------------

async function loadMore(link) {
  link.textContent = say("loading");
  const response = await fetch(link.href, { headers: { Accept: "text/html" },
                                             credentials: "same-origin" });
  // Our own server-rendered rows, parsed inertly (no script runs) and moved in as nodes.
  const next = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const row of next.querySelectorAll("[data-queue] > .queue-item")) {
    list.append(document.adoptNode(row));
  }
  const further = next.querySelector("[data-more]");
  if (further) {
    link.href = further.getAttribute("href");
    link.textContent = further.textContent;
  } else {
    link.parentElement.replaceChildren(say("all_loaded"));
  }
}

// --- wiring ---------------------------------------------------------------------------------

if (list) {
  list.addEventListener("submit", (event) => {
    const row = event.target.closest(".queue-item");
    if (!row || !event.target.matches("[data-approve-form]")) return;
    event.preventDefault();
    decide([row], "approve");
  });
  list.addEventListener("click", (event) => {
    const row = event.target.closest(".queue-item");
    if (!row) return;
    if (event.target.closest("[data-reject-link]")) {
      event.preventDefault();
      reject([row]);
    }
    const box = event.target.closest("[data-select]");
    if (box) {
      if (event.shiftKey && lastClicked && lastClicked !== row) {
        const all = rows();
        const [from, to] = [all.indexOf(lastClicked), all.indexOf(row)].sort((a, b) => a - b);
        for (const inRange of all.slice(from, to + 1)) {
          inRange.querySelector("[data-select]").checked = box.checked;
        }
      }
      lastClicked = row;
      showSelection();
    }
  });
  list.addEventListener("focusin", (event) => {
    const row = event.target.closest(".queue-item");
    if (row && row.tabIndex !== 0) {
      for (const other of list.querySelectorAll(".queue-item")) other.tabIndex = -1;
      row.tabIndex = 0;
    }
  });
  list.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.matches(".queue-item")) {
      event.preventDefault();
      window.location.assign(event.target.querySelector("[data-open]").href);
    }
  });
  const first = rows()[0];
  if (first) first.tabIndex = 0;
}

page.querySelector("[data-select-all]")?.addEventListener("change", (event) => {
  for (const row of rows()) row.querySelector("[data-select]").checked = event.target.checked;
  showSelection();
});
for (const button of page.querySelectorAll("[data-bulk-action]")) {
  button.addEventListener("click", () => {
    if (button.dataset.bulkAction === "approve") decide(selected(), "approve");
    else reject(selected());
  });
}
page.querySelector("[data-more]")?.addEventListener("click", (event) => {
  event.preventDefault();
  loadMore(event.currentTarget);
});

onShortcuts({
  j: () => move(1),
  k: () => move(-1),
  x: () => { const row = current(); if (row) { toggle(row); focusRow(row); } },
  a: () => decide(targets(), "approve"),
  r: () => reject(targets()),
  u: () => decisions.undo(),
  "/": () => document.getElementById("queue-search")?.focus(),
  "?": showShortcuts,
});

window.setInterval(() => {
  if (document.visibilityState === "visible") refresh();
}, POLL_MS);
