"""Errors the hub's source runner reports for any kind of source (Meshery, NATS...): a source
that stopped or failed in a way its kind did not name, and an event it could not store."""

from notifycenter.model.errors import ErrorSpec

SOURCE_STOPPED = ErrorSpec(
    code="notifycenter-1940",
    name="ErrSourceStopped",
    severity="ERROR",
    short="A source stopped following its system without saying why",
    long="The source's connection ended without an error of its own; the hub starts it again after a growing pause.",
    causes=(
        "The origin closed the connection or the stream ended normally",
        "The origin restarted",
    ),
    remedies=(
        "Check that the origin is running (notifycenter sources shows the retries)",
        "Look at the hub's log around the time the source stopped",
    ),
    http_status=502,
)

SOURCE_FAILED = ErrorSpec(
    code="notifycenter-1941",
    name="ErrSourceFailed",
    severity="ERROR",
    short="A source failed unexpectedly; the hub restarts it",
    long="Something the source's kind did not foresee went wrong (the detail names it); the source is started again after a growing pause and resumes from its checkpoint.",
    causes=(
        "The origin answered in a way this hub does not understand",
        "A defect in the hub's code for this kind of source",
    ),
    remedies=(
        "Check the source's URL and the origin's own logs",
        "Report the detail shown by notifycenter sources with the origin's version",
    ),
    http_status=502,
)

SOURCE_EVENT_SKIPPED = ErrorSpec(
    code="notifycenter-1942",
    name="ErrSourceEventSkipped",
    severity="WARNING",
    short="An event from a source is not a valid event and was skipped",
    long="The event failed the same checks as a POST to /api/events; the source's other events are taken as usual and the skipped count in GET /api/sources grows.",
    causes=("The origin sent an event without an id, or with fields of the wrong type",),
    remedies=(
        "Report the event as the origin shows it, with the origin's version",
        "See notifycenter sources for how many events were skipped",
    ),
)
