"""Short, readable names of event attributes, shared by every place that shows a source."""

from __future__ import annotations


def short_source(source: str) -> str:
    """A readable name: the last URN parts, name first (`urn:meshery:server:meshery` is
    `meshery/server`, `urn:meshery:adapter:istio` is `istio/adapter`); a URL's host and
    last path part; anything else as it is. The text is not sanitised here."""
    if source.lower().startswith("urn:"):
        parts = [part for part in source[4:].split(":") if part]
        if len(parts) >= 2:
            return f"{parts[-1]}/{parts[-2]}"
        return parts[0] if parts else source
    if "://" in source:
        host, _, path = source.split("://", 1)[1].partition("/")
        last = [part for part in path.split("/") if part]
        return f"{host}/{last[-1]}" if last else host
    return source
