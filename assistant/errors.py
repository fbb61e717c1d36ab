"""The root of the error tree."""
