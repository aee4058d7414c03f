"""Domain events out to the event-driven world (shared/EVENTS.md): the types and the in-memory
log (``model``), the rooms' producer (``producer``), the SQLite outbox (``outbox``), the writer
and one delivery task per sink (``pipeline``, ``delivery``), the sinks (``sinks``), the SSE
stream (``stream``), all built from the configuration by ``service``."""
