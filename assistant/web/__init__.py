"""The small web app behind the email's links (`agenda-regie web`): confirm pages (a shell).

A GET only shows what a link would do; only a POST changes anything, because mail scanners
follow links. Routes parse, call one use case in `acceptance`, and render `page.html.j2`.
"""
