"""What a room allows: the bounds of rooms, seats, terms and messages, in one place.

A room is shared by a facilitator, up to twelve heads and a few dozen observers on
one laptop (often its own Wi-Fi hotspot), so nothing a visitor sends may make the
server allocate or compute without bound; anything outside these is refused in one
line. Importing this module loads nothing else (``leadsim --help`` stays quick).
"""

from __future__ import annotations

DEFAULT_SCENARIO = "learning_group"  # six schools whose heads meet in a learning group
MAX_ROOMS = 8  # rooms open at once on one server
MAX_SEATS = 12  # schools, and so seats, in a room
MAX_OBSERVERS = 60  # spectator pages per room (a projector, a few laptops)
MAX_TERMS = 40  # terms in a room
TERM_WEEKS = (1, 13)  # weeks per term: a week to a school term
DEFAULT_TERM_WEEKS = 4
TIMER_SECONDS = (10, 900)  # a term's timer, when set (0: no timer)
MAX_NAME = 24  # characters of a display name
MAX_MESSAGE_BYTES = 2048  # a decision or a control is a few dozen bytes
POLL_SECONDS = 20.0  # a page's long poll returns after this even if nothing changed
