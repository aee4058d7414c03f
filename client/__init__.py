"""Python client library for Tickwire servers: connect, join rooms, send input, mirror state."""

from client.answers import Joined, TickwireError
from client.connection import TickwireClient
from client.mirror import StateMirror

__all__ = ["Joined", "StateMirror", "TickwireClient", "TickwireError"]
