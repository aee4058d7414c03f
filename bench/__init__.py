"""``make bench``: Tickwire under load, side by side with Colyseus (see bench/README.md)."""
