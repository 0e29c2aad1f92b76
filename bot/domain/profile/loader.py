"""Find, read and validate profiles, with errors that name the file, the key and the problem."""

from __future__ import annotations

import difflib
import json
import re
import tomllib
import types
from datetime import date, time
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.domain.profile.schema import ProblemPath, Profile, RuleError, Screening

PROFILES_DIR = Path(__file__).resolve().parents[3] / "profiles"
DEFAULT_PROFILE = "nasional"


class ProfileError(Exception):
    """A profile that cannot be used: one line per problem, each naming file and key."""

    def __init__(self, file: Path | str, problems: list[str]) -> None:
        self.file = str(file)
        self.problems = problems
        super().__init__("\n".join(f"{self.file}: {p}" for p in problems))


def list_profiles(directory: Path = PROFILES_DIR) -> list[tuple[str, Path]]:
    """Return (name, path) of every profile in `directory`, by name."""
    return sorted((p.stem, p) for p in directory.glob("*.toml") if p.is_file())


def resolve_profile(name_or_path: str | None, directory: Path = PROFILES_DIR) -> Path:
    """Return the file of a profile name (`nasional`) or path (`./my.toml`)."""
    name = name_or_path or DEFAULT_PROFILE
    if name.endswith(".toml") or "/" in name or "\\" in name:
        path = Path(name).expanduser()
        if not path.is_file():
            raise ProfileError(_display(path), ["no such profile file"])
        return path
    path = directory / f"{name}.toml"
    if not path.is_file():
        available = ", ".join(n for n, _ in list_profiles(directory)) or "none"
        raise ProfileError(
            _display(directory),
            [f'unknown profile "{name}"; available: {available} (or give a path to a .toml file)'],
        )
    return path


def load_profile(name_or_path: str | None = None, directory: Path = PROFILES_DIR) -> Profile:
    """Load and validate a profile: None means the national default."""
    path = resolve_profile(name_or_path, directory)
    shown = _display(path)
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise ProfileError(shown, [f"cannot read the file ({exc.strerror or exc})"]) from None
    except UnicodeDecodeError as exc:
        raise ProfileError(shown, [f"not UTF-8 text (byte {exc.start})"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(shown, [_toml_problem(exc)]) from None
    return parse_profile(data, shown, base=path.parent)


def parse_profile(
    data: dict[str, Any], file: Path | str = "<profile>", *, base: Path | None = None
) -> Profile:
    """Validate already-parsed profile data; `file` names it in errors.

    A `[screening] words = "kata.toml"` word list is read relative to `base` (the profile's
    folder; the working directory when None) and merged into `profile.screening`.
    """
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(file, format_errors(exc)) from None
    if profile.screening.words is None:
        return profile
    screening = load_word_list(profile.screening, base or Path.cwd())
    return profile.model_copy(update={"screening": screening})


def load_word_list(screening: Screening, base: Path) -> Screening:
    """Read the office's word list (`add` and `remove`) and merge it into `screening`."""
    assert screening.words is not None
    path = (base / screening.words).expanduser()
    shown = _display(path)
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise ProfileError(shown, [f"cannot read the word list ({exc.strerror or exc})"]) from None
    except UnicodeDecodeError as exc:
        raise ProfileError(shown, [f"not UTF-8 text (byte {exc.start})"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(shown, [_toml_problem(exc)]) from None
    unknown = sorted(set(data) - {"add", "remove"})
    if unknown:
        raise ProfileError(shown, [f"{key}: unknown key; allowed: add, remove" for key in unknown])
    try:
        listed = Screening.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(shown, format_errors(exc)) from None
    merged = {
        "words": screening.words,
        "add": [*screening.add, *listed.add],
        "remove": [*screening.remove, *listed.remove],
    }
    try:
        return Screening.model_validate(merged)
    except ValidationError as exc:
        raise ProfileError(shown, format_errors(exc)) from None


# --- error formatting ------------------------------------------------------------------------


def format_errors(exc: ValidationError) -> list[str]:
    """Turn pydantic's errors into `key.path: problem (got value)` lines."""
    lines: list[str] = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, RuleError):
            lines += [f"{key_path(loc + path)}: {message}" for path, message in cause.problems]
            continue
        if loc and loc[-1] == "[key]":
            loc = loc[:-1]
        lines.append(f"{key_path(loc)}: {_message(error, loc)}")
    return list(dict.fromkeys(lines))


def key_path(loc: ProblemPath) -> str:
    """Return a dotted key path: `units[2].code`, `end_to_end.channels.lapor`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else json.dumps(part)
            out += f".{name}" if out else name
    return out or "(top level)"


def _message(error: ErrorDetails, loc: ProblemPath) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    got = _got(error.get("input"))
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return "unknown key" + _suggest(loc)
    if kind in ("literal_error", "enum"):
        choices = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        return f"must be one of {choices}{got}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number{got}"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false{got}"
    if kind in ("string_type",):
        return f"must be a string in quotes{got}"
    if kind in ("list_type", "tuple_type"):
        return f"must be a list [...]{got}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a table{got}"
    if kind == "greater_than":
        return f"must be greater than {ctx.get('gt')}{got}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}{got}"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}{got}"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s){got}"
    if kind.startswith("time_"):
        return f'must be a time of day such as "08:00"{got}'
    if kind.startswith("date_"):
        return f"must be a date such as 2026-08-17{got}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{message[:1].lower()}{message[1:]}{got}"


def _got(value: Any) -> str:
    if isinstance(value, bool):
        return f" (got {str(value).lower()})"
    if isinstance(value, str):
        return f" (got {json.dumps(value, ensure_ascii=False)})"
    if isinstance(value, int | float | date | time):
        return f" (got {value})"
    if isinstance(value, dict):
        return " (got a table)"
    if isinstance(value, list):
        return " (got a list)"
    return ""


def _suggest(loc: ProblemPath) -> str:
    """Name the closest allowed key, or all of them when there are few."""
    model = _model_at(loc[:-1])
    if model is None or not loc or not isinstance(loc[-1], str):
        return ""
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(loc[-1], allowed, n=1)
    if close:
        return f' (did you mean "{close[0]}"?)'
    if len(allowed) <= 8:
        return f"; allowed: {', '.join(allowed)}"
    return ""


def _model_at(loc: ProblemPath) -> type[BaseModel] | None:
    """Follow a key path through the schema's annotations to the model it lands in."""
    current: Any = Profile
    for part in loc:
        current = _strip(current)
        origin = get_origin(current)
        if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(part, str):
            field = current.model_fields.get(part)
            if field is None:
                return None
            current = field.annotation
        elif origin in (list, tuple) and isinstance(part, int):
            current = get_args(current)[0]
        elif origin is dict:
            current = get_args(current)[1]
        else:
            return None
    current = _strip(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _strip(tp: Any) -> Any:
    """Remove Annotated and Optional wrappers from a type."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _toml_problem(exc: tomllib.TOMLDecodeError) -> str:
    match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
    reason = re.sub(r"\s*\(at .*\)$", "", str(exc))
    if match:
        return f"line {match[1]}, column {match[2]}: invalid TOML: {reason}"
    return f"invalid TOML: {reason}"


def _display(path: Path) -> str:
    """Show a path relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
