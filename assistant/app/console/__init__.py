"""The console's use cases: its users and their credentials (`users`), sign-in and sessions
(`signin`), what a signed-in user may see of their leaders (`leaders`), and rule changes with a
preview (`rules`). Every read goes through the store's scoping (`visible_leader(s)`); nothing
here calls a calendar provider.
"""
