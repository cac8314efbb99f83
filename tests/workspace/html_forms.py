"""A page's forms read the way a browser reads them, to post one back as a person would:
text and hidden fields with their values, checked boxes and radios, selected options,
textareas."""

from __future__ import annotations

from html.parser import HTMLParser

from werkzeug.datastructures import MultiDict


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, str, MultiDict[str, str]]] = []
        self._form: MultiDict[str, str] | None = None
        self._select: str | None = None
        self._first_option: str | None = None
        self._selected = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = MultiDict()
            self.forms.append((found.get("method", "get").lower(), found.get("action", ""),
                               self._form))
        if self._form is None:
            return
        if tag == "input" and "name" in found:
            kind = found.get("type", "text")
            if kind not in {"checkbox", "radio"}:
                self._form.add(found["name"], found.get("value", ""))
            elif "checked" in found:
                self._form.add(found["name"], found.get("value", "on"))
        elif tag == "select":
            self._select, self._first_option, self._selected = found.get("name"), None, False
        elif tag == "option" and self._select is not None:
            if self._first_option is None:
                self._first_option = found.get("value", "")
            if "selected" in found:
                self._form.add(self._select, found.get("value", ""))
                self._selected = True
        elif tag == "textarea":
            self._textarea, self._text = found.get("name"), []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._form is None:
            return
        if tag == "select" and self._select is not None:
            if not self._selected and self._first_option is not None:
                self._form.add(self._select, self._first_option)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form.add(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None
        elif tag == "form":
            self._form = None


def form_of(html: str, action: str, method: str = "post") -> MultiDict[str, str]:
    """What the page's (first) form sending to ``action`` would send as it stands."""
    reader = _Forms()
    reader.feed(html)
    for sends, target, values in reader.forms:
        if (sends, target) == (method, action):
            return values
    raise AssertionError(f"no form sends to {action} by {method}")
