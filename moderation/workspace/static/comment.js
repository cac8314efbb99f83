// The comment page: a approves, r rejects (reason picker), u undoes; the forms work the
// same way. A rejection, once saved, shows the statement of reasons the author receives.

import { Decisions, onShortcuts, pickReason, readReason, say, showShortcuts, tell } from "./desk.js";

const page = document.querySelector("[data-comment-page]");
const id = page.dataset.id;
const author = page.dataset.author;
const decisions = new Decisions();
const forms = [...page.querySelectorAll("[data-approve-form], [data-reject-form]")];

/** Show `statement` (a rejection's statement of reasons) as the author receives it. */
function showStatement(statement) {
  const box = page.querySelector("[data-statement]");
  const heading = document.createElement("h3");
  heading.textContent = say("statement");
  const summary = document.createElement("p");
  summary.dataset.statementSummary = "";
  const strong = document.createElement("strong");
  strong.textContent = statement.summary;
  summary.append(strong);
  const parts = [heading, summary];
  for (const text of [statement.facts, statement.ground?.explanation,
                      statement.redress?.appeal?.explanation]) {
    if (!text) continue;
    const paragraph = document.createElement("p");
    paragraph.textContent = text;
    parts.push(paragraph);
  }
  box.replaceChildren(...parts);
  box.hidden = false;
}

function setBusy(busy) {
  for (const form of forms) {
    for (const button of form.querySelectorAll("button")) button.disabled = busy;
  }
}

function decide(action, details = {}) {
  setBusy(true);
  decisions.schedule({
    ids: [id],
    action,
    details,
    label: say(action === "approve" ? "approved" : "rejected", { author }),
    undo() { setBusy(false); },
    done(answer) {
      setBusy(false);
      page.querySelector("[data-status-label]").textContent = answer.status_label;
      tell(`${say("saved")} ${say("status_now", { status: answer.status_label })}`);
      if (answer.statement) showStatement(answer.statement);
      else page.querySelector("[data-statement]").hidden = true;
    },
    failed(message) {
      setBusy(false);
      tell(say("failed", { message }), { alert: true });
    },
  });
}

async function reject() {
  const choice = await pickReason(author);
  if (choice) decide("reject", choice);
}

page.querySelector("[data-approve-form]")?.addEventListener("submit", (event) => {
  event.preventDefault();
  decide("approve");
});
page.querySelector("[data-reject-form]")?.addEventListener("submit", (event) => {
  event.preventDefault();
  const choice = readReason(event.target);
  if (choice.problem) {
    tell(choice.problem, { alert: true });
    choice.focus?.focus();
    return;
  }
  decide("reject", choice.value);
});

const canDecide = forms.length > 0;
onShortcuts({
  a: () => canDecide && decide("approve"),
  r: () => canDecide && reject(),
  u: () => decisions.undo(),
  "?": showShortcuts,
});
