"""Search-space files, for the tests: validation and the values a space can produce (stdlib only).

The format (the API's search-space.ts and sampler.ts are the canonical reader and sampler):

    {"lr": {"type": "loguniform", "low": 3e-4, "high": 3e-3},
     "schedule": {"type": "choice", "values": ["cosine", "linear", "constant"]},
     "n_layer": {"type": "int", "low": 1, "high": 4},
     "dropout": {"type": "uniform", "low": 0.0, "high": 0.2},
     "n_head": 4}

- choice: `values`, a non-empty array of scalars (string, number, boolean).
- uniform / loguniform: finite `low` < `high` (loguniform: low > 0); optional `points`
  (int >= 2) restricts the draw to that many evenly (loguniform: geometrically) spaced values.
- int: integers `low` <= `high`, inclusive, optional `step` (int >= 1) from low.
- a bare scalar: a constant.
Grid floats are rounded to 4 significant digits.
"""

import math


class SpaceError(ValueError):
    pass


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def validate_space(space):
    """Raise SpaceError listing every problem in a parsed search-space object."""
    if not isinstance(space, dict) or not space:
        raise SpaceError("a search space is a non-empty JSON object")
    problems = []
    for key, spec in space.items():
        if isinstance(spec, (str, bool)) or _is_number(spec):
            continue
        if not isinstance(spec, dict):
            problems.append(f"{key}: expected a scalar or a distribution object")
            continue
        kind = spec.get("type")
        allowed = {"choice": {"type", "values"}, "uniform": {"type", "low", "high", "points"},
                   "loguniform": {"type", "low", "high", "points"}, "int": {"type", "low", "high", "step"}}
        if kind not in allowed:
            problems.append(f"{key}: unknown type {kind!r} (choice, uniform, loguniform, int)")
            continue
        extra = set(spec) - allowed[kind]
        if extra:
            problems.append(f"{key}: unknown fields {sorted(extra)}")
        if kind == "choice":
            values = spec.get("values")
            if not isinstance(values, list) or not values:
                problems.append(f"{key}: values must be a non-empty array")
            elif not all(isinstance(v, (str, bool)) or _is_number(v) for v in values):
                problems.append(f"{key}: values must be scalars")
        elif kind in ("uniform", "loguniform"):
            low, high = spec.get("low"), spec.get("high")
            if not (_is_number(low) and _is_number(high) and low < high):
                problems.append(f"{key}: needs finite low < high")
            elif kind == "loguniform" and low <= 0:
                problems.append(f"{key}: loguniform needs low > 0")
            if "points" in spec and not (_is_int(spec["points"]) and spec["points"] >= 2):
                problems.append(f"{key}: points must be an integer >= 2")
        else:
            low, high = spec.get("low"), spec.get("high")
            if not (_is_int(low) and _is_int(high) and low <= high):
                problems.append(f"{key}: needs integers low <= high")
            if "step" in spec and not (_is_int(spec["step"]) and spec["step"] >= 1):
                problems.append(f"{key}: step must be an integer >= 1")
    if problems:
        raise SpaceError("invalid search space: " + "; ".join(problems))


def round_significant(value, digits=4):
    return float(f"{value:.{digits}g}")


def grid_values(spec):
    """Every value a distribution can produce, or None for a continuous range."""
    if not isinstance(spec, dict):
        return [spec]
    kind = spec["type"]
    if kind == "choice":
        return list(spec["values"])
    if kind == "int":
        return list(range(spec["low"], spec["high"] + 1, spec.get("step", 1)))
    if "points" not in spec:
        return None
    low, high, points = spec["low"], spec["high"], spec["points"]
    if kind == "uniform":
        return [round_significant(low + (high - low) * i / (points - 1)) for i in range(points)]
    ratio = math.log(high / low)
    return [round_significant(low * math.exp(ratio * i / (points - 1))) for i in range(points)]


def corner_values(spec):
    """The values that stress a config validator: every grid value, or both range ends."""
    values = grid_values(spec)
    if values is not None:
        return values
    return [spec["low"], spec["high"]]
