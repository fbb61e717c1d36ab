"""Calendar accounts: provider-neutral sync into the title-free cache and write-back.

May import store, i18n, settings, core, connectors and rules; provider SDKs only here."""
