"""`notifycenter demo`: an embedded hub, simulated Meshery producers, and the notification center."""

from __future__ import annotations

import asyncio
import tempfile
import threading
from pathlib import Path

import click

from notifycenter.commands.common import CliContext, pass_cli


@click.command("demo")
@click.option(
    "--rate", type=float, default=2.0, show_default=True, help="Simulated events per second."
)
@click.option("--no-tui", is_flag=True, help="Only run the simulated producers, against --server.")
@click.option(
    "--server", "demo_server", help="With --no-tui: the hub to post to (default: the context's)."
)
@click.option("--count", type=int, help="Stop the producers after this many events.")
@click.option("--seed", type=int, help="Repeat the same simulated traffic.")
@pass_cli
def command(
    cli: CliContext,
    rate: float,
    no_tui: bool,
    demo_server: str | None,
    count: int | None,
    seed: int | None,
) -> None:
    """Try the notification center with simulated traffic: adapters registering, an Istio
    provisioning that fails with a MeshKit error, policy violations, health warnings,
    design-save audit events and user signups. Every producer here is simulated."""
    from notifycenter.catalogue.tui import DEMO_RATE

    if rate <= 0:
        raise DEMO_RATE.error(f"--rate {rate}")
    if no_tui:
        run_headless(cli, demo_server, rate, count, seed)
        return
    run_with_tui(cli, rate, count, seed)


def run_headless(
    cli: CliContext, server: str | None, rate: float, count: int | None, seed: int | None
) -> None:
    from notifycenter.config import check_server_url, data_dir
    from notifycenter.demo.runner import run_producers

    target = cli.target()
    url = check_server_url(server, "--server") if server else target.server
    click.echo(f"Posting simulated Meshery events to {url} at {rate:g}/s; Ctrl-C stops.", err=True)
    try:
        sent = run_producers(
            url, rate=rate, count=count, seed=seed, token=target.token, data_dir=data_dir()
        )
    except KeyboardInterrupt:
        return
    click.echo(f"Sent {sent:,} simulated events.", err=True)


def run_with_tui(cli: CliContext, rate: float, count: int | None, seed: int | None) -> None:
    from notifycenter.commands.tui import run_app
    from notifycenter.config import Target
    from notifycenter.demo.runner import run_producers

    workdir = Path(tempfile.mkdtemp(prefix="notifycenter-demo-"))
    stop = threading.Event()

    async def producers(url: str) -> None:
        try:
            await asyncio.to_thread(
                run_producers, url, rate=rate, count=count, seed=seed, data_dir=workdir, stop=stop
            )
        finally:
            stop.set()

    target = Target(name="demo", server="http://127.0.0.1:0", token=None, source="default")
    try:
        run_app(
            cli,
            target,
            embedded_data_dir=workdir / "hub",
            state_dir=workdir,
            producers=producers,
            simulated=True,
        )
    finally:
        stop.set()
