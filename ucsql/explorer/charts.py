"""Small SVG pictures for the explorer, drawn on the server (no charting library to load).
Every label goes through Jinja's escaping in the templates: these functions return numbers and
strings, never markup."""

from __future__ import annotations

from collections import OrderedDict

PALETTE = ["#3b6ea5", "#e07b39", "#5aa469", "#c94c4c", "#8e6bb8", "#b8860b", "#4aa3a3",
           "#7f7f7f"]


def bars(rows: list[dict], label: str, value: str, width: int = 640) -> dict:
    """A horizontal bar chart: one bar per row."""
    top = max((r[value] for r in rows), default=0) or 1
    shown = [{"label": str(r[label]), "value": r[value], "y": 24 * i,
              "w": max(1, round((width - 220) * r[value] / top))} for i, r in enumerate(rows)]
    return {"bars": shown, "height": 24 * len(rows) + 8, "width": width}


def stacked_bars(rows: list[dict], x: str, series: str, value: str, height: int = 240) -> dict:
    """Vertical bars per ``x`` (e.g. month), stacked by ``series`` (e.g. catalog)."""
    columns: OrderedDict[str, dict[str, int]] = OrderedDict()
    names: list[str] = []
    for r in rows:
        columns.setdefault(str(r[x]), {})[str(r[series])] = r[value]
        if str(r[series]) not in names:
            names.append(str(r[series]))
    top = max((sum(c.values()) for c in columns.values()), default=0) or 1
    bar_width = 36
    out = []
    for i, (key, parts) in enumerate(columns.items()):
        y = height
        for name in names:
            n = parts.get(name, 0)
            if not n:
                continue
            h = max(1, round((height - 20) * n / top))
            y -= h
            out.append({"x": 40 + i * (bar_width + 8), "y": y, "h": h, "w": bar_width,
                        "color": PALETTE[names.index(name) % len(PALETTE)],
                        "title": f"{key} {name}: {n}"})
    labels = [{"x": 40 + i * (bar_width + 8) + bar_width // 2, "text": key}
              for i, key in enumerate(columns)]
    legend = [{"name": n, "color": PALETTE[i % len(PALETTE)]} for i, n in enumerate(names)]
    return {"rects": out, "labels": labels, "legend": legend, "height": height + 40,
            "width": max(320, 60 + len(columns) * (bar_width + 8)), "top": top}


def lineage_graph(rows: list[dict]) -> dict:
    """Datasets on the left, versions on the right, an edge for each (dataset, version)."""
    datasets = sorted({(r["dataset_name"], r["dataset_source"] or "") for r in rows})
    versions = sorted({r["version"] for r in rows})
    ds_y = {d: 30 + 40 * i for i, d in enumerate(datasets)}
    v_y = {v: 30 + 40 * i for i, v in enumerate(versions)}
    edges = [{"y1": ds_y[(r["dataset_name"], r["dataset_source"] or "")], "y2": v_y[r["version"]],
              "context": r["context"] or ""} for r in rows]
    return {"datasets": [{"name": d[0], "source": d[1], "y": y} for d, y in ds_y.items()],
            "versions": [{"version": v, "y": y} for v, y in v_y.items()], "edges": edges,
            "height": 40 * max(len(datasets), len(versions), 1) + 20}
