"""The command line (`agenda-regie`): one module per command group, the outermost shell.

May import everything below it, including web (it serves it) and bootstrap; nothing imports it."""
