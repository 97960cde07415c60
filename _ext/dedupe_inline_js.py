"""Drop duplicate <script> entries from each page's script list.

Sphinx 7.4 (the last series Jupyter Book 1 allows) emits an inline script that an extension adds
after the builder started twice (sphinx-doc/sphinx#13402, fixed in Sphinx 8.2); sphinx-thebe's
``const THEBE_JS_URL = ...`` then throws "Identifier 'THEBE_JS_URL' has already been declared".
"""

from __future__ import annotations

from typing import Any


def _dedupe_scripts(
    app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for js in scripts:
        attributes = getattr(js, "attributes", None) or {}
        key = (
            getattr(js, "filename", str(js)) or "",
            getattr(js, "priority", 500),
            *sorted(attributes.items()),
        )
        if key not in seen:
            seen.add(key)
            unique.append(js)
    scripts[:] = unique


def setup(app: Any) -> dict[str, Any]:
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
