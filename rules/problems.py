"""A rule file's problems as the command line says them: each message an English template with
its values, so that it can be said in the operator's language (the template is the msgid of the
catalogue in `assistant/i18n/locale`).

pydantic's own messages are kept as pydantic words them ("Input should be greater than or equal
to 15"); the ones a rule file can meet are listed here as templates, and a template is used only
when it gives exactly pydantic's text, so a reworded pydantic stays correct, only untranslated.
"""

from __future__ import annotations

from typing import Any

from rules.errors import RuleProblem, RuleValueError

# pydantic's message per error type, in %-style: "Input should be greater than {gt}".
PYDANTIC_TEMPLATES = {
    "greater_than": "Input should be greater than %(gt)s",
    "greater_than_equal": "Input should be greater than or equal to %(ge)s",
    "less_than": "Input should be less than %(lt)s",
    "less_than_equal": "Input should be less than or equal to %(le)s",
    "literal_error": "Input should be %(expected)s",
    "string_type": "Input should be a valid string",
    "list_type": "Input should be a valid list",
    "tuple_type": "Input should be a valid tuple",
    "dict_type": "Input should be a valid dictionary",
    "model_type": "Input should be a valid dictionary or instance of %(class_name)s",
    "bool_type": "Input should be a valid boolean",
    "bool_parsing": "Input should be a valid boolean, unable to interpret input",
    "int_type": "Input should be a valid integer",
    "int_parsing": "Input should be a valid integer, unable to parse string as an integer",
    "int_from_float": "Input should be a valid integer, got a number with a fractional part",
    "float_type": "Input should be a valid number",
    "float_parsing": "Input should be a valid number, unable to parse string as a number",
    "finite_number": "Input should be a finite number",
}
UNKNOWN_SETTING = "unknown setting"
UNKNOWN_SETTING_CLOSE = "unknown setting; did you mean %(close)r?"
MISSING_SETTING = "is missing (the bundled defaults were changed?)"


def said_problem(
    where: str, key: str, said: RuleValueError, line: int | None, column: int | None
) -> RuleProblem:
    """A problem from one of our own checks."""
    return RuleProblem(where, key, said.template, line, column, said.values)


def validation_problem(
    item: Any, where: str, key: str, close: str | None, line: int | None, column: int | None
) -> RuleProblem:
    """A problem from one of pydantic's errors (`item` of `ValidationError.errors()`); `close` is
    a known setting's name near an unknown one."""
    kind = item["type"]
    context = dict(item.get("ctx") or {})
    error = context.get("error")
    if kind == "value_error" and isinstance(error, RuleValueError):
        return said_problem(where, key, error, line, column)
    if kind == "extra_forbidden":
        if close is None:
            return RuleProblem(where, key, UNKNOWN_SETTING, line, column)
        return RuleProblem(where, key, UNKNOWN_SETTING_CLOSE, line, column, {"close": close})
    if kind == "missing":
        return RuleProblem(where, key, MISSING_SETTING, line, column)
    message = str(item["msg"]).removeprefix("Value error, ")
    template = PYDANTIC_TEMPLATES.get(kind)
    if template is not None:
        values = {name: context[name] for name in context if name != "error"}
        try:
            if template % values == message:
                return RuleProblem(where, key, template, line, column, values)
        except (KeyError, TypeError, ValueError):
            pass
    return RuleProblem(where, key, message, line, column)


def yaml_error_position(error: Exception, text: str) -> tuple[int | None, int | None]:
    """Line and column (from 1) of a YAML error: the parser marks where; the reader, which
    refuses characters no YAML may hold, counts characters from the start."""
    mark = getattr(error, "problem_mark", None)
    if mark is not None:
        return mark.line + 1, mark.column + 1
    position = getattr(error, "position", None)
    if not isinstance(position, int):
        return None, None
    before = text[:position]
    return before.count("\n") + 1, position - before.rfind("\n")
