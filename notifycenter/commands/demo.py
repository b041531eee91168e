"""`notifycenter demo`: an embedded hub, simulated Meshery producers, and the notification center."""

from __future__ import annotations

import asyncio
import threading

import click

from notifycenter.commands.common import CliContext, pass_cli

PRODUCERS_CLOSE_SECONDS = 10.0


@click.command("demo")
@click.option(
    "--rate", type=float, default=2.0, show_default=True, help="Simulated events per second."
)
@click.option("--no-tui", is_flag=True, help="Only run the simulated producers, against --server.")
@click.option(
    "--server", "demo_server", help="With --no-tui: the hub to post to (default: the context's)."
)
@click.option(
    "--count", type=click.IntRange(0), help="Stop the producers after exactly this many events."
)
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
    from notifycenter.client.sync import call_hub
    from notifycenter.config import data_dir, resolve_target
    from notifycenter.demo.runner import run_producers

    # The demo's own --server beats the global one; a context's token never leaves its hub.
    target = resolve_target(server=server or cli.server, context=cli.context, token=cli.token)
    call_hub(target, lambda hub: hub.health())  # a dead hub fails now, with its own error
    click.echo(
        f"Posting simulated Meshery events to {target.server} at {rate:g}/s; Ctrl-C stops.",
        err=True,
    )
    try:
        sent = run_producers(
            target.server,
            rate=rate,
            count=count,
            seed=seed,
            token=target.token,
            data_dir=data_dir(),
            strict=True,
        )
    except KeyboardInterrupt:
        return
    click.echo(f"Sent {sent:,} simulated events.", err=True)


def run_with_tui(cli: CliContext, rate: float, count: int | None, seed: int | None) -> None:
    from notifycenter.commands.tui import run_app
    from notifycenter.config import Target
    from notifycenter.demo.runner import run_producers
    from notifycenter.demo.workdir import demo_folder

    stop, running = threading.Event(), threading.Lock()
    target = Target(name="demo", server="http://127.0.0.1:0", token=None, source="default")
    with demo_folder() as workdir:

        def produce(url: str) -> None:
            with running:  # held while the producers may write to the folder
                if not stop.is_set():
                    run_producers(
                        url, rate=rate, count=count, seed=seed, data_dir=workdir, stop=stop
                    )

        async def producers(url: str) -> None:
            try:
                await asyncio.to_thread(produce, url)
            finally:
                stop.set()

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
            # The producers' thread outlives the app's loop: let it close its spools first.
            if running.acquire(timeout=PRODUCERS_CLOSE_SECONDS):
                running.release()
