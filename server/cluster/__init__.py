"""Running Tickwire as a cluster of nodes that find each other through Redis.

- ``redis_link``: the Redis client, the key layout, failures as ``cluster_unavailable``.
- ``lua``: the scripts that make each directory and registry step atomic.
- ``directory_redis``: ``RedisDirectory``, the shared room directory and quick seats.
- ``listing_writer``: at most one listing write per room per second.
- ``listing_feed``: public listing changes over Pub/Sub, across Redis restarts.
- ``nodes``: ``NodeRegistry``, heartbeats, liveness, load, re-registration.
- ``reservations``: signed single-use seat reservations for redirects.
- ``workers``: the ``--workers N`` supervisor.
"""
