"""Match history and leaderboard: a consumer of the event stream (``consumer.HistorySink``,
delivered to like any other sink), its store (``store``: SQLite or PostgreSQL) and its HTTP
API (``api``)."""
