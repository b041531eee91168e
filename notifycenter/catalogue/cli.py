"""Errors of the command line's own commands: the demo, contexts and output formats."""

from notifycenter.model.errors import ErrorSpec

DEMO_NOT_DELIVERED = ErrorSpec(
    code="notifycenter-1800",
    name="ErrDemoNotDelivered",
    severity="ERROR",
    short="The demo's events did not reach the hub",
    long="notifycenter demo --no-tui sent simulated events that the hub did not acknowledge.",
    causes=(
        "The hub stopped or became unreachable while the demo was running",
        "The hub refused the events (a token without the producer role, a rate limit)",
    ),
    remedies=(
        "Check that the hub runs and answers: `notifycenter config view`, then `notifycenter events list`",
        "Run the demo again; the undelivered events wait in the data folder's demo spools",
    ),
)

NO_CURRENT_CONTEXT = ErrorSpec(
    code="notifycenter-1801",
    name="ErrNoCurrentContext",
    severity="ERROR",
    short="No context is current",
    long="The configuration file sets no current-context, so commands use the default hub.",
    causes=(
        "No context was ever created, or the current one was deleted",
        "The configuration file was written by hand without current-context",
    ),
    remedies=(
        "List the contexts with `notifycenter config get-contexts`",
        "Pick one with `notifycenter config use-context NAME`, or create one with `notifycenter config set-context NAME --server URL`",
    ),
)
