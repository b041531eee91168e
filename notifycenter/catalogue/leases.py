"""Errors of background work that runs once across hub replicas (hub/leases.py)."""

from notifycenter.model.errors import ErrorSpec

LEASE_LOST = ErrorSpec(
    code="notifycenter-2140",
    name="ErrLeaseLost",
    severity="WARNING",
    short="A replica stopped background work it could no longer prove it held",
    long="Background work (retention, ack expiry, a source, sink delivery, Alertmanager write-back) runs on the replica holding its lease in the database. A replica that cannot renew a lease before its term ends, or finds another replica holding it, stops that work; the replica that takes the lease next resumes it from the database.",
    causes=(
        "The replica cannot reach the database (network partition, database restart or fail-over)",
        "The replica was paused longer than the lease term (a stopped container, a long garbage-collection pause)",
    ),
    remedies=(
        "Nothing, when another replica took the work over: its log names the lease it took",
        "Check the replica's connection to the database (GET /healthz names the failing part)",
    ),
)

LEASE_RENEWAL_FAILED = ErrorSpec(
    code="notifycenter-2141",
    name="ErrLeaseRenewalFailed",
    severity="WARNING",
    short="A replica could not take or renew a lease in the database",
    long="Leases are taken and renewed every few seconds in a short transaction; a failed attempt is retried at the next renewal. The work keeps running until the lease's term would end, then stops (notifycenter-2140).",
    causes=(
        "The database is unreachable or restarting",
        "The hub's database user may not write the leases table",
    ),
    remedies=("Check that the database answers and that the hub's user owns the schema",),
)
