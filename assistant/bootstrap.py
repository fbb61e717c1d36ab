"""One wiring of the services for the command line, the web app and the workers."""
