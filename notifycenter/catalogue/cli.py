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
