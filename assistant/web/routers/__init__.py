"""The confirm pages' routes, one module per group: proposals (/p, /ics, /all), ratings (/r),
pausing (/pause) and the health check. Each route parses its link, calls one use case, renders."""
