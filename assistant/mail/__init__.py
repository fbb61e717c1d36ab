"""The weekly review by email (a shell): compose, attach, sign links, send over SMTP.

- `i18n`: the gettext catalogs (assistant/locale/<lang>/LC_MESSAGES/messages.po).
- `links`: signed, expiring links for accepting, declining and rating.
- `compose`: the HTML and plain-text email, and the `.ics` attachment (`ics`).
- `send`: SMTP delivery, one message per (leader, week), failures recorded and retried.
- `weekly`: the use case behind `agenda-regie send-review`.

The pure core never imports this package.
"""
