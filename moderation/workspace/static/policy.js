// The starter list page: a filter that narrows the list of terms as one types. Without this
// script every term is shown; hidden rows keep their ticks and are saved with the rest.

const filter = document.querySelector("[data-term-filter]");

function fold(text) {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLocaleLowerCase("de");
}

if (filter) {
  const input = filter.querySelector("[data-filter-input]");
  const count = filter.querySelector("[data-filter-count]");
  const rows = [...document.querySelectorAll("[data-term-row]")];
  const words = filter.dataset;

  function apply() {
    const wanted = fold(input.value.trim());
    let shown = 0;
    for (const row of rows) {
      const visible = !wanted || fold(row.textContent).includes(wanted);
      row.hidden = !visible;
      if (visible) shown += 1;
    }
    count.textContent = wanted
      ? (words.shown || "{shown} of {total} terms shown")
          .replace("{shown}", String(shown))
          .replace("{total}", String(rows.length))
      : "";
  }

  filter.hidden = false;
  input.addEventListener("input", apply);
}
