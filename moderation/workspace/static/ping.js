// The ping's result: asks the service where the ping's delivery stands until the receiver
// has answered (or the delivery has failed), and says so in the page's status line.

import { request } from "./workspace.js";

const POLL_MS = 500;
const GIVE_UP_AFTER_MS = 60_000;

const box = document.querySelector("[data-ping]");
const outcome = box?.querySelector("[data-ping-outcome]");

async function poll(started) {
  try {
    const answer = await request(box.dataset.url);
    outcome.textContent = answer.outcome;
    if (answer.done) {
      box.dataset.done = "true";
      return;
    }
  } catch {
    outcome.textContent = box.dataset.failed;
    return;
  }
  if (Date.now() - started > GIVE_UP_AFTER_MS) {
    outcome.textContent = box.dataset.timeout;
    return;
  }
  window.setTimeout(() => poll(started), POLL_MS);
}

if (box && box.dataset.done === "false") poll(Date.now());
