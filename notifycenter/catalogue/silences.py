"""Errors of hub-side silences (maintenance windows): `/api/silences` and the commands
and views that create, list and expire them."""

from notifycenter.model.errors import ErrorSpec

INVALID_SILENCE = ErrorSpec(
    code="notifycenter-2050",
    name="ErrInvalidSilence",
    severity="ERROR",
    short="The silence request is not valid; no silence was created",
    long="POST /api/silences takes a JSON object with a CESQL filter, an end (ends or duration), and optionally starts and comment.",
    causes=(
        "The body is not a JSON object, or has a key the hub does not know",
        "filter is missing or empty, or comment is not text",
        "Neither ends nor duration was given, or both were",
    ),
    remedies=(
        'Send {"filter": "source = \'urn:meshery:adapter:istio\'", "duration": "2h", "comment": "upgrade"}',
        "See the silences section of docs/api.md for every field",
    ),
    http_status=400,
)

INVALID_SILENCE_FILTER = ErrorSpec(
    code="notifycenter-2051",
    name="ErrInvalidSilenceFilter",
    severity="ERROR",
    short="The silence's filter is not a CESQL expression the hub can run",
    long="A silence matches events with a CESQL filter; one that does not compile would silence nothing, so it is refused.",
    causes=(
        "A syntax error in the filter (a missing quote, an unknown operator)",
        "A function or attribute spelling CESQL does not have",
    ),
    remedies=(
        "Check the filter with GET /api/events?filter=... first: it lists what it would silence",
        "Quote strings with single quotes: source = 'urn:meshery:adapter:istio'",
    ),
    http_status=400,
)

INVALID_SILENCE_TIME = ErrorSpec(
    code="notifycenter-2052",
    name="ErrInvalidSilenceTime",
    severity="ERROR",
    short="The silence's start, end or duration is not usable",
    long="starts and ends are RFC 3339 times with a zone, duration a length such as 2h; the window must end after it starts and after now.",
    causes=(
        "A time without a zone, or a duration such as 2 hours instead of 2h",
        "ends is not after starts, or already in the past",
        "The window is longer than the hub allows (366 days)",
    ),
    remedies=(
        "Give ends as 2026-11-28T12:00:00Z, or duration as 30m, 2h or 1d",
        "Leave starts out to start the silence now",
    ),
    http_status=400,
)

SILENCE_NOT_FOUND = ErrorSpec(
    code="notifycenter-2053",
    name="ErrSilenceNotFound",
    severity="ERROR",
    short="No silence has this id",
    long="The silence asked for does not exist on this hub.",
    causes=(
        "A typo in the id, or an id of another hub",
        "Only a prefix of the id was given and it matches no silence",
    ),
    remedies=(
        "List the silences with notifycenter silences list (or GET /api/silences?state=all)",
    ),
    http_status=404,
)

SILENCE_ALREADY_EXPIRED = ErrorSpec(
    code="notifycenter-2054",
    name="ErrSilenceAlreadyExpired",
    severity="WARNING",
    short="The silence has already ended; nothing changed",
    long="Expiring a silence that was expired before, or whose end has passed, records nothing.",
    causes=(
        "Someone else expired it first",
        "Its end time has passed",
    ),
    remedies=(
        "Nothing to do; notifycenter silences list --state all shows when and by whom it ended",
    ),
    http_status=409,
)

INVALID_SILENCE_QUERY = ErrorSpec(
    code="notifycenter-2055",
    name="ErrInvalidSilenceQuery",
    severity="ERROR",
    short="A query parameter of GET /api/silences is not valid",
    long="state takes active, pending, expired or all (comma-separated for several).",
    causes=("A misspelt state",),
    remedies=("Use state=active,pending (the default) or state=all",),
    http_status=400,
)

SILENCE_NO_TARGET = ErrorSpec(
    code="notifycenter-2056",
    name="ErrSilenceNoTarget",
    severity="ERROR",
    short="There is no highlighted event to silence",
    long=":silence silences the highlighted event's source and type; the list has no event highlighted.",
    causes=(
        "The list is empty or filtered to nothing",
        "The operations view or another screen has the focus",
    ),
    remedies=(
        "Highlight an event in the list, then type :silence 2h [comment]",
        "Or silence any filter from the command line: notifycenter silences add --filter ... --for 2h",
    ),
    http_status=400,
)

INVALID_SILENCE_COMMAND = ErrorSpec(
    code="notifycenter-2057",
    name="ErrInvalidSilenceCommand",
    severity="ERROR",
    short=":silence needs a duration first, such as :silence 2h upgrade",
    long="The TUI's :silence command takes a duration (30m, 2h, 1d) and an optional comment.",
    causes=("The duration is missing or not a duration such as 2h",),
    remedies=("Type :silence 2h maintenance of the istio adapter",),
    http_status=400,
)
