"""The web app behind the email's links (`agenda-regie web`): confirm pages (a shell).

May import app and everything below it; only the command line imports it. A GET only shows what a
link would do; only a POST changes anything, because mail scanners follow links. Laid out as the
FastAPI template: `app.create_app` wires, `deps` the dependencies, `pages` renders, `routers/` the
routes, one module per group.
"""
