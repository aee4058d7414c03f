"""Python client library for Tickwire servers: connect, join rooms, send input, mirror state."""

from client.connection import Joined, TickwireClient, TickwireError
from client.mirror import StateMirror

__all__ = ["Joined", "StateMirror", "TickwireClient", "TickwireError"]
