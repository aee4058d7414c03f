"""``python -m bench.soak``: a long run with churning bots, timed bystanders and rotating
attackers against one server, reporting ticks on time, RSS over time and seats lost (issue 9).

Modules: ``run`` (the run), ``server`` (start or attach), ``workers`` (the processes),
``bystanders``, ``bots``, ``hostile`` and ``attacks`` (what the processes do), ``rawws`` (a
rule-breaking websocket client), ``report`` (figures and verdict).
"""
