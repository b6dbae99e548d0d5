"""YAML from files labwatch does not control (corpus sidecars, labs.yaml, versions.yaml, registry).

``load_untrusted_yaml`` is ``yaml.safe_load`` made safe against the two ways such a file took a
run down:

* **aliases** (``*name``) are refused while the document is composed, before any value is built
  or stringified, so a "billion laughs" file costs microseconds, not minutes and gigabytes; corpus
  and registry files never need them;
* **timestamps** are not converted by the loader (an impossible date such as ``2025-13-45`` made
  PyYAML raise ``ValueError``, outside ``YAMLError``): they stay strings, and the caller's date
  check names the file and the key.

Files over ``MAX_BYTES`` are refused too. Every failure is a ``ValueError`` whose message is one
line; callers wrap it in their own error naming the file.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import yaml

MAX_BYTES = 1_000_000  # a sidecar or registry file is a few hundred bytes


class _Loader(yaml.SafeLoader):
    """SafeLoader without aliases and without the timestamp type."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in labwatch files", event.start_mark
            )
        return super().compose_node(parent, index)


# the timestamp resolver is dropped: dates stay strings, checked by the caller
_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_untrusted_yaml(text: str) -> Any:
    """Parse ``text`` as YAML (see the module doc); raises ValueError with a one-line reason."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ValueError(f"larger than {MAX_BYTES:,} bytes")
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ValueError(" ".join(str(exc).split())) from None
    except RecursionError:
        raise ValueError("nested too deeply") from None


def iso_date(text: str) -> date:
    """A date from ``YYYY-MM-DD`` (a time after it, as YAML timestamps allow, is ignored);
    ValueError for anything else, impossible dates such as ``2025-13-45`` included."""
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
