"""What the browser tests do to JupyterLab and read from the page, in one place.

- ``open_notebook``: open a notebook, await its kernel, run all cells (the shared recipe's race fix), hide
  the file browser (the ticket gets the laptop screen's full width) and wait for the ticket.
- ``run_cell``: add a cell at the end of the notebook and run it, as a user typing into a new cell does;
  it also flushes the kernel's queue (comm messages from earlier clicks are handled first).
- ``look``: one atomic snapshot of what the ticket shows, read from the rendered page (``innerText``, so
  nothing hidden, collapsed or ``display: none`` counts), and ``problems`` / ``assert_consistent``: the
  rules that no two visible messages may break (a real receipt under "DRY RUN", "Untick Dry run" with dry
  run off, an enabled Place next to a sentence saying why it cannot place, ...).
- ``shot``: the ticket scrolled to the top of the notebook, and a screenshot of the 1100x800 viewport (what
  the trader sees) as ``artifacts/ticket-<nn>-<state>.png``, with where the key boxes sit on screen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

# "Run all" clicked as soon as the toolbar says idle was lost in about 1 of 6 fresh kernels (shared
# recipe): await the notebook's session and kernel, then run the command.
RUN_ALL_WHEN_KERNEL_READY = """async () => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  await panel.context.ready;
  await panel.sessionContext.ready;
  await panel.sessionContext.session.kernel.info;
  if (!app.shell.leftCollapsed) { app.shell.collapseLeft(); }
  await app.commands.execute('notebook:run-all-cells');  // resolves once every cell has replied
  const errors = [];
  for (const cell of panel.content.widgets) {
    for (const out of (cell.model.outputs ? cell.model.outputs.toJSON() : [])) {
      if (out.output_type === 'error') { errors.push(`${out.ename}: ${out.evalue}`); }
    }
  }
  return errors;
}"""

# A new last cell with `code`, run; resolves when the kernel has replied (NotebookActions.run awaits it).
RUN_NEW_CELL = """async (code) => {
  const app = window.jupyterapp;
  const nb = app.shell.currentWidget.content;
  nb.activeCellIndex = nb.widgets.length - 1;
  await app.commands.execute('notebook:insert-cell-below');
  const cell = nb.activeCell;
  cell.model.sharedModel.setSource(code);
  await app.commands.execute('notebook:run-cell');
  return cell.model.outputs.toJSON();
}"""

# Everything the checks need, read in one go (the page cannot change between two reads of one snapshot).
LOOK = """() => {
  const roots = document.querySelectorAll('.kalshi-ticket');
  const root = roots[0];
  if (!root) { return {count: 0}; }
  const shown = (el) => !!el && el.checkVisibility({visibilityProperty: true});
  const one = (sel) => root.querySelector(sel);
  const texts = (sel) => [...root.querySelectorAll(sel)].filter(shown).map((el) => el.innerText.trim());
  const box = (sel) => {
    const el = [...root.querySelectorAll(sel)].find(shown);
    if (!el) { return null; }
    const r = el.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right};
  };
  const check = (sel) => {
    const wrap = one(sel);
    const input = wrap && wrap.querySelector("input[type='checkbox']");
    return input && shown(wrap) ? input.checked : null;
  };
  const place = one('button.kalshi-ticket-place-button');
  // a label or button whose text is wider than its box is cut off (ipywidgets ellipsis)
  const cut = [...root.querySelectorAll('.widget-label, .widget-label-basic, button, label')]
    .filter((el) => shown(el) && el.innerText.trim() && el.scrollWidth > el.clientWidth + 1)
    .map((el) => el.innerText.trim());
  const input = (sel) => { const el = root.querySelector(sel + ' input'); return el ? el.value : null; };
  // how far the ticket's content reaches past the right edge of its output area (cut off from view)
  const area = (root.closest('.jp-OutputArea-output') || root.parentElement).getBoundingClientRect();
  const right = Math.max(...[...root.querySelectorAll('*')].filter(shown).map((el) => el.getBoundingClientRect().right));
  const details = [...root.querySelectorAll('details.kalshi-preview-details')].filter(shown);
  return {
    count: roots.length,
    classes: [...root.classList],
    text: root.innerText,
    pageText: document.body.innerText,
    placeDisabled: place ? place.disabled : null,
    placeText: place ? place.innerText.trim() : null,
    placeTitle: place ? place.title : null,
    dryRun: check('.kalshi-ticket-dry-run'),
    confirm: check('.kalshi-ticket-confirm-live'),
    banner: texts('.kalshi-ticket-env-banner').join('\\n'),
    status: texts('.kalshi-ticket-status').join('\\n'),
    age: texts('.kalshi-ticket-age').join('\\n'),
    fieldErrors: texts('.kalshi-field-error').filter((t) => t),
    receipts: texts('.kalshi-receipt'),
    receiptClasses: [...root.querySelectorAll('.kalshi-receipt')].filter(shown).map((el) => [...el.classList]),
    previews: texts('.kalshi-preview'),
    decision: texts('.kalshi-decision').join('\\n'),
    dryRunBoxes: texts('.kalshi-dry-run'),
    orderRows: texts('.kalshi-order-row'),
    ordersPanel: texts('.kalshi-ticket-orders').join('\\n'),
    detailsOpen: details.map((d) => d.open),
    ticker: input('.kalshi-ticket-ticker'),
    price: input('.kalshi-ticket-price'),
    count_: input('.kalshi-ticket-count'),
    cutOff: cut,
    overflowX: Math.round(Math.max(right - area.right, right - window.innerWidth)),
    viewport: {width: window.innerWidth, height: window.innerHeight},
    boxes: {
      ticket: box('.kalshi-ticket'),
      decision: box('.kalshi-decision'),
      preview: box('.kalshi-preview'),
      receipt: box('.kalshi-receipt'),
      dryRunBox: box('.kalshi-dry-run'),
      place: box('button.kalshi-ticket-place-button'),
      fieldError: box('.kalshi-field-error'),
      price: box('.kalshi-ticket-price'),
      age: box('.kalshi-ticket-age'),
      orders: box('.kalshi-ticket-orders'),
    },
  };
}"""

CREATE = "/trade-api/v2/portfolio/events/orders"

# Exception class names and tracebacks have no place in what a trader reads.
_TRACEBACKISH = re.compile(r"Traceback|\b[A-Z][A-Za-z]*(Error|Exception)\b|File \"|\[GET |\[POST |\[DELETE ")
# Sentences that say Place cannot place: none may sit next to an enabled Place.
_BLOCKING = re.compile(
    r"preview again|click preview|preview first|above the spend cap|over the spend cap|"
    r"live trading (is )?not enabled|tick the confirm|tick .{0,20}confirm|not open for trading|"
    r"weekly trading pause|wait for it to finish",
    re.IGNORECASE,
)


@dataclass
class Seen:
    """One snapshot of the ticket as rendered (see ``LOOK`` for the fields)."""

    raw: dict[str, Any]
    phases: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.phases = [
            c.removeprefix("kalshi-phase-")
            for c in self.raw.get("classes", [])
            if c.startswith("kalshi-phase-")
        ]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.raw[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def phase(self) -> str:
        return self.phases[0] if len(self.phases) == 1 else f"<{'|'.join(self.phases) or 'none'}>"

    @property
    def place_enabled(self) -> bool:
        return self.raw.get("placeDisabled") is False

    def receipt_statuses(self) -> list[str]:
        statuses = []
        for classes in self.raw.get("receiptClasses", []):
            statuses += [
                c.removeprefix("kalshi-receipt-") for c in classes if c.startswith("kalshi-receipt-")
            ]
        return statuses


def open_notebook(page: Page, lab: dict, name: str) -> None:
    """Open ``name`` in JupyterLab, run all its cells once the kernel is ready, wait for the ticket."""
    # A workspace of its own: JupyterLab would otherwise reopen the other tests' notebooks next to this one.
    workspace = "w-" + Path(name).stem.replace("_", "-")
    page.goto(f"{lab['base']}/lab/workspaces/{workspace}/tree/{name}?reset&token={lab['token']}")
    page.wait_for_function(
        "() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session", timeout=60_000
    )
    errors = page.evaluate(RUN_ALL_WHEN_KERNEL_READY)
    assert not errors, f"{name} raised when run: {errors}"
    expect(page.locator(".kalshi-ticket")).to_be_visible(timeout=120_000)


def run_cell(page: Page, code: str) -> list[dict]:
    """Add a last cell with ``code`` and run it; returns its outputs (fails on an error output)."""
    outputs = page.evaluate(RUN_NEW_CELL, code)
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors, f"the cell {code!r} raised: {errors}"
    return outputs


def cell_text(outputs: list[dict]) -> str:
    """The plain text of a cell's outputs (results and streams)."""
    parts = []
    for o in outputs:
        if o.get("output_type") == "stream":
            parts.append("".join(o.get("text", "")))
        else:
            parts.append("".join((o.get("data") or {}).get("text/plain", "")))
    return "\n".join(parts)


def look(page: Page) -> Seen:
    return Seen(page.evaluate(LOOK))


def problems(seen: Seen, *, secrets: tuple[str, ...] = ()) -> list[str]:
    """Every rule the visible ticket breaks (empty: consistent). See the module docstring."""
    raw, text = seen.raw, seen.raw.get("text", "")
    found: list[str] = []
    if raw.get("count") != 1:
        found.append(f"{raw.get('count')} tickets on the page, expected exactly one (re-rendered?)")
        if not raw.get("count"):
            return found
    if len(seen.phases) != 1:
        found.append(f"the root carries {len(seen.phases)} kalshi-phase-* classes: {seen.phases}")
    if m := _TRACEBACKISH.search(text):
        found.append(f"traceback-like text on screen: {m.group(0)!r}")
    for secret in secrets:
        if secret and secret in raw.get("pageText", ""):
            found.append("a secret (the API key id or private key) is visible on the page")
    receipts = raw.get("receipts", [])
    if receipts and re.search(r"DRY RUN", text):
        found.append("'DRY RUN' is shown together with the receipt of a real order")
    if receipts and raw.get("dryRunBoxes"):
        found.append("a dry-run box is shown together with the receipt of a real order")
    if raw.get("dryRun") is False:
        for phrase in ("Untick Dry run", "Dry run is on", "nothing is sent on Place"):
            if phrase.lower() in text.lower():
                found.append(f"dry run is off but the ticket says {phrase!r}")
    if raw.get("dryRun") is True and re.search(r"Place sends this exact order", text):
        found.append("dry run is on but the ticket says Place sends the order")
    if re.search(r"live trading (is )?enabled", text, re.IGNORECASE) and re.search(
        r"live trading (is )?NOT enabled", text, re.IGNORECASE
    ):
        found.append("the ticket says live trading is both enabled and NOT enabled")
    if seen.place_enabled:
        if m := _BLOCKING.search(text):
            found.append(f"Place is enabled next to {m.group(0)!r}")
        if raw.get("fieldErrors"):
            found.append(f"Place is enabled while a field shows an error: {raw['fieldErrors']}")
        if seen.phase in ("stale", "editing", "placing", "placed", "refused"):
            found.append(f"Place is enabled in phase {seen.phase}")
    if seen.phase == "stale" and seen.place_enabled:
        found.append("Place is enabled for a stale preview")
    for receipt in receipts:
        words = {w for w in ("RESTING", "EXECUTED", "CANCELED", "CANCELLED") if w in receipt.upper()}
        if len(words) > 1:
            found.append(f"one receipt shows several states: {sorted(words)}")
    statuses = seen.receipt_statuses()
    for status, receipt in zip(statuses, receipts, strict=False):
        if status.upper().rstrip("D") not in receipt.upper().replace("CANCELLED", "CANCELED"):
            found.append(
                f"receipt class kalshi-receipt-{status} but its text does not say so: {receipt[:120]!r}"
            )
    # The status line, the receipt and the orders panel describe the same order: they must agree.
    status = raw.get("status", "").lower()
    for word in ("resting", "executed", "canceled"):
        if statuses and word in status and word not in statuses:
            found.append(f"the status says {word!r} but the receipt says {statuses}")
    mine = [row for row in raw.get("orderRows", []) if "this ticket" in row]
    if "resting" in statuses and not mine:
        found.append("the receipt says resting but the orders panel lists no order of this ticket")
    if statuses and "resting" not in statuses and mine:
        found.append(f"the receipt says {statuses} but the orders panel still lists the order as resting")
    number = r"\d[\d.]*(?:,\d{3})*"
    counts = {
        pair
        for part in [raw.get("status", ""), *receipts]
        for pattern in (rf"filled ({number}) of ({number})", rf"({number}) of ({number}) filled")
        for pair in re.findall(pattern, part)
    }
    if len(counts) > 1:
        found.append(f"the status and the receipt count the order's contracts differently: {sorted(counts)}")
    if any(raw.get("detailsOpen", [])):
        found.append("the preview details are open without being asked for")
    # The same sentence twice (an error shown twice over) outside the orders panel.
    # (The environment banner is repeated at the head of the preview on purpose: where the order would go.)
    panel = set(raw.get("ordersPanel", "").splitlines()) | set(raw.get("banner", "").splitlines())
    lines = [ln.strip() for ln in text.splitlines() if len(ln.strip()) >= 30 and ln.strip() not in panel]
    dupes = sorted({ln for ln in lines if lines.count(ln) > 1})
    if dupes:
        found.append(f"the same message is shown more than once: {dupes}")
    for message in [raw.get("status", ""), *raw.get("fieldErrors", [])]:
        if message and text.count(message) > 1:
            found.append(f"the message {message!r} is shown {text.count(message)} times")
    if raw.get("cutOff"):
        found.append(f"labels cut off: {raw['cutOff']}")
    if raw.get("overflowX", 0) > 4:  # a widget margin or two (2 px) is not content cut off
        found.append(f"the ticket reaches {raw['overflowX']} px past the right edge of its output area")
    return found


def assert_consistent(page: Page, step: str, *, secrets: tuple[str, ...] = ()) -> Seen:
    """Look, and fail with every broken rule and the visible text when the ticket contradicts itself."""
    seen = look(page)
    found = problems(seen, secrets=secrets)
    assert not found, (
        f"[{step}] " + "; ".join(found) + "\n--- visible ticket text ---\n" + seen.raw.get("text", "")
    )
    return seen


def in_view(seen: Seen, name: str) -> bool:
    """True when the box ``name`` (see LOOK's boxes) is shown entirely inside the viewport."""
    b = seen.raw["boxes"].get(name)
    vp = seen.raw["viewport"]
    return b is not None and b["top"] >= 0 and b["bottom"] <= vp["height"] and b["right"] <= vp["width"]


def top_of_ticket(page: Page) -> None:
    """Scroll the notebook so the ticket starts at the top of the notebook area (the best a trader can do)."""
    page.locator(".kalshi-ticket").evaluate("el => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(150)  # let the windowed notebook lay out the cells it brought into view


def shot(page: Page, shots: Path, nn: int, state: str, log: list[str]) -> Seen:
    """Screenshot the viewport with the ticket at the top as ``ticket-<nn>-<state>.png``; note the layout."""
    top_of_ticket(page)
    path = shots / f"ticket-{nn:02d}-{state}.png"
    page.screenshot(path=str(path))
    seen = look(page)
    where = {
        name: ("in view" if in_view(seen, name) else "below the fold" if box else None)
        for name, box in seen.raw["boxes"].items()
        if name != "ticket"
    }
    log.append(f"{path.name}: phase={seen.phase} " + ", ".join(f"{k} {v}" for k, v in where.items() if v))
    return seen


class Trader:
    """A test's hands and eyes on one ticket: numbered checks of the visible state, each with a screenshot."""

    def __init__(self, page: Page, shots: Path, *, first: int = 1, secrets: tuple[str, ...] = ()) -> None:
        self.page, self.shots, self.n, self.secrets = page, shots, first, secrets
        self.log: list[str] = []
        self.problems: list[str] = []
        self.texts: dict[str, str] = {}
        shots.mkdir(parents=True, exist_ok=True)

    def el(self, selector: str, **options: Any) -> Any:
        """A locator inside the (one) ticket (``options`` as for ``Locator.locator``: has_text=...)."""
        return self.page.locator(".kalshi-ticket").locator(selector, **options)

    @property
    def place(self) -> Any:
        return self.el("button.kalshi-ticket-place-button")

    @property
    def preview(self) -> Any:
        return self.el("button.kalshi-ticket-preview-button")

    def field(self, name: str) -> Any:
        return self.el(f".kalshi-ticket-{name} input")

    def tick(self, name: str) -> Any:
        return self.el(f".kalshi-ticket-{name} input[type='checkbox']")

    def phase(self, phase: str) -> None:
        """Wait until the root carries ``kalshi-phase-<phase>``."""
        expect(self.page.locator(f".kalshi-ticket.kalshi-phase-{phase}")).to_have_count(1)

    def check(self, state: str) -> Seen:
        """Screenshot ``ticket-<nn>-<state>.png`` and note every rule the visible ticket breaks.

        The problems are collected, not raised at once, so one run shows every contradiction with its
        screenshot; ``finish()`` fails the test with all of them.
        """
        seen = shot(self.page, self.shots, self.n, state, self.log)
        for problem in problems(seen, secrets=self.secrets):
            self.problems.append(f"ticket-{self.n:02d}-{state}: {problem}")
            self.texts.setdefault(f"ticket-{self.n:02d}-{state}", seen.raw.get("text", ""))
        self.n += 1
        return seen

    def notebook_shot(self, state: str) -> None:
        """Screenshot the notebook as it is scrolled now (the cells above the ticket: the notice, the code)."""
        self.page.screenshot(path=str(self.shots / f"ticket-{self.n:02d}-{state}.png"))
        self.log.append(f"ticket-{self.n:02d}-{state}.png: the notebook as opened")
        self.n += 1

    def soft(self, ok: bool, what: str) -> None:
        """Note a broken expectation about the display without stopping the run (``finish`` reports it)."""
        if not ok:
            self.problems.append(f"ticket-{self.n - 1:02d}: {what}")

    def finish(self, name: str) -> None:
        """Write the layout notes and the problems to ``artifacts/<name>``; fail if the ticket contradicted itself."""
        lines = [*self.log, "", *(self.problems or ["no contradictions seen"])]
        for shot_name, text in self.texts.items():
            lines += ["", f"--- visible text of {shot_name} ---", text]
        (self.shots / name).write_text("\n".join(lines) + "\n")
        assert not self.problems, "the ticket contradicted itself:\n" + "\n".join(self.problems)


# --- the sandbox side and the rest of the notebook -------------------------------------------------
def orders_in(sandbox: Any) -> list[tuple[str, str, str, str, str]]:
    """The sandbox's orders for the test key: (ticker, book side, YES price, count, status)."""
    return [
        (o["ticker"], o["book_side"], o["yes_price_dollars"], o["initial_count_fp"], o["status"])
        for o in sandbox.exchange.orders(sandbox.user_id)
    ]


def creates(sandbox: Any) -> int:
    """How many create-order requests reached the sandbox."""
    return len([r for r in sandbox.requests if r.method == "POST" and r.path == CREATE])


def secrets_of(sandbox: Any) -> tuple[str, ...]:
    """What must never show: the full key id, and a line of the private key's body."""
    pem = Path(sandbox.private_key_path).read_text().splitlines()
    return (sandbox.key_id, pem[1])


def notebook_outputs_are_calm(page: Page, sandbox: Any) -> None:
    """Besides the ticket, the notebook shows at most one line, naming the sandbox (a calm information line,
    or the older stderr log line), and nothing on the page gives away a secret."""
    outputs = page.locator(".jp-OutputArea-output")
    extra = []
    for i in range(outputs.count()):
        out = outputs.nth(i)
        if out.locator(".kalshi-ticket").count():
            continue
        text = out.inner_text().strip()
        if text:
            extra.append((out.get_attribute("data-mime-type"), text))
    assert len(extra) <= 1, f"the notebook printed more than the sandbox notice: {extra}"
    for mime, text in extra:
        lines = [line for line in text.splitlines() if line.strip()]
        origin = sandbox.url.split("/trade-api")[0]
        assert len(lines) == 1 and re.search("sandbox", text, re.IGNORECASE) and origin in text, (mime, text)
    body = page.locator("body").inner_text()
    for secret in secrets_of(sandbox):
        assert secret not in body, "a secret is visible on the page"
