"""``leadsim workshop``: open a room, print its links and code, and serve it."""

from __future__ import annotations

import argparse

from leadsim.dashboard.cli import add_server_arguments
from leadsim.workshop.limits import DEFAULT_SCENARIO, MAX_SEATS


def _schools(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_SEATS:
        raise argparse.ArgumentTypeError(f"{text} is out of range; allowed: 1 to {MAX_SEATS}")
    return value


def cmd_workshop(args: argparse.Namespace) -> int:
    """Serve a room until interrupted."""
    from leadsim.dashboard.server import free_port
    from leadsim.workshop.room import room_scenario
    from leadsim.workshop.server import serve

    room_scenario(args.scenario, args.schools)  # a bad scenario: one line (RoomError), no server
    port = free_port(args.host) if args.port == 0 else args.port
    serve(args.scenario, args.schools, args.host, port, log_level=args.log_level)
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``leadsim workshop`` on the main parser's subcommands."""
    parser = subparsers.add_parser(
        "workshop",
        help="open a workshop room: participants play the heads, the model the rest",
        description=(
            "Open a workshop room on the dashboard's server and print the facilitator's link, "
            "the join link and the room code. Participants join from a phone or laptop on the "
            "same network; nothing is fetched from or sent to the internet."
        ),
    )
    parser.add_argument(
        "scenario",
        nargs="?",
        default=DEFAULT_SCENARIO,
        help=f"a multi-school scenario, name or file (default {DEFAULT_SCENARIO})",
    )
    parser.add_argument(
        "--schools",
        type=_schools,
        default=None,
        help=f"seats: schools in the room (1 to {MAX_SEATS})",
    )
    add_server_arguments(parser, "the room's network")
    parser.set_defaults(func=cmd_workshop)
