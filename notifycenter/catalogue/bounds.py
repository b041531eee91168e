"""Errors and notices of the hub's bounded work: a list that stopped at its time budget."""

from notifycenter.model.errors import ErrorSpec

QUERY_CUT_OFF = ErrorSpec(
    code="notifycenter-2110",
    name="ErrQueryCutOff",
    severity="WARNING",
    short="The list stopped at its time budget; this page holds what was found so far",
    long="Checking every stored event against this filter takes longer than one request may (about 100 ms), so the hub answered with the matches it found down to the cursor in `next`.",
    causes=(
        "The filter cannot be answered from the hub's indexes (it reads attributes such as subject, data or extensions) and matches few events",
        "The query searches a large log for rare text",
    ),
    remedies=(
        "Continue with before=<next> (the CLI and the TUI do it for you) until next is null",
        "Narrow the query with what the hub indexes: bucket, severity, status, source, type, operation, or a time range",
    ),
    http_status=200,
)
