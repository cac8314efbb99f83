// Copy buttons for what is shown once (a signing secret, an API key): the button copies
// the text of the element it names; where the clipboard is not available, the text is
// selected for Ctrl+C. Without the script the text is there to select by hand.

for (const button of document.querySelectorAll("[data-copy]")) {
  const source = document.getElementById(button.dataset.copy);
  const status = button.parentElement.querySelector("[data-copy-status]");
  if (!source) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(source.textContent.trim());
      status.textContent = button.dataset.copied;
    } catch {
      const range = document.createRange();
      range.selectNodeContents(source);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
      status.textContent = button.dataset.copyFailed;
    }
  });
}
