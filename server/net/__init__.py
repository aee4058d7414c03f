"""The network layer, by layer: Engine.IO driver (``engine``), Socket.IO server
(``socketio_server``), the inbound classifier (``inbound``), connections and their limits
(``connections``, ``addresses``), the input fast lane (``fastlane``), the encode-once fan-out
(``fanout``) and the rooms' dispatcher (``dispatcher``). Every private library access they need
is in ``shared.compat``.
"""
