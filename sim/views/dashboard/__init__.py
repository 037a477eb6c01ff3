"""`rongtong dashboard`: an interactive page for students (Solara), bound to 127.0.0.1.

session.py holds the logic (controls -> scenario -> paired run -> outcomes), views.py
the figures, app.py the Solara page and server.py the server; only the last two need
Solara.
"""

SCENARIO_ENV = "RONGTONG_DASHBOARD_SCENARIO"  # the file given to `rongtong dashboard --scenario`
