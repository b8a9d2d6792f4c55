"""``leadsim dashboard``: serve the browser dashboard and print its address."""

from __future__ import annotations

import argparse


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is out of range; allowed: 0 to 65535")
    return value


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serve the dashboard until interrupted."""
    from leadsim.dashboard.server import free_port, serve

    port = free_port(args.host) if args.port == 0 else args.port
    serve(args.host, port, log_level=args.log_level)
    return 0


def add_server_arguments(parser: argparse.ArgumentParser, network: str) -> None:
    """``--port``, ``--host`` and ``--log-level``, as ``dashboard`` and ``workshop`` take them.

    ``network``: what listening on 0.0.0.0 serves (for the ``--host`` help).
    """
    parser.add_argument(
        "--port", type=_port, default=8765, help="TCP port (default 8765; 0 picks a free one)"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help=f"address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: {network})",
    )
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="server log level (default warning)",
    )


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``leadsim dashboard`` on the main parser's subcommands."""
    parser = subparsers.add_parser(
        "dashboard",
        help="serve the browser dashboard (offline; one model per visitor)",
        description=(
            "Serve the leadsim dashboard. For a classroom, use --host 0.0.0.0 and give the "
            "students this machine's address; nothing is fetched from or sent to the internet."
        ),
    )
    add_server_arguments(parser, "the network")
    parser.set_defaults(func=cmd_dashboard)
