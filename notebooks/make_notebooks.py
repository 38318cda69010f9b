"""Write the example notebooks (``01_quickstart.ipynb`` ... ``07_calibration.ipynb``) from the cells below.

The notebooks are generated so that they stay reviewable as plain Python and are always written without
outputs: edit this file, then run it (``.venv/bin/python notebooks/make_notebooks.py``) and commit both.
``tests/notebooks/test_notebook_hygiene.py`` checks the committed notebooks are exactly what this writes;
``tests/notebooks/test_notebooks.py`` executes them against the sandbox.

Conventions: each notebook opens with one markdown cell saying what question it answers; code cells stay
short (12 lines at most), because the work lives in the package; no ticker is typed in, they are discovered,
so the notebooks run on any day, on the sandbox or with credentials on demo or production, with no edits.
A code cell that draws a figure is tagged ``plot`` and the order form ``widget``; the tests look for them.

Example:
    $ .venv/bin/python notebooks/make_notebooks.py            # rewrites notebooks/*.ipynb
    $ .venv/bin/python notebooks/make_notebooks.py /tmp/nbs   # writes them elsewhere
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def md(text: str) -> nbformat.NotebookNode:
    return new_markdown_cell(text.strip("\n"))


def code(text: str, *tags: str) -> nbformat.NotebookNode:
    cell = new_code_cell(text.strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


# --------------------------------------------------------------------------------------------------
# 1. Quickstart

QUICKSTART = [
    md("""
# Quickstart: am I connected, what is my balance, and what does a Bitcoin 15-minute market cost right now?

`kalshi_nb.connect()` uses your Kalshi API key when one is configured (`KALSHI_API_KEY_ID` and
`KALSHI_PRIVATE_KEY_PATH`, see `.env.example`). Without one it starts the **local sandbox exchange** (fake
money, on 127.0.0.1) and says so in one information line. The cells are the same either way. Nothing here
places an order: the one order below is a dry run, which sends nothing.
"""),
    code("""
import kalshi_nb
from kalshi_nb import frames
from kalshi_nb.data import markets_df
from kalshi_nb.data.views import market_view

client = kalshi_nb.connect()  # your key if configured, else the local sandbox (fake money)
client  # the environment and host; the key id is shortened, the private key never shown
"""),
    md("""
## Balance

The balance is in integer cents, as the API sends it.
"""),
    code("""
balance = client.get_balance()
print(f"Balance: ${balance['balance'] / 100:,.2f}")
"""),
    md("""
## The original examples

KXBTC15M is the series *"BTC price up in next 15 mins?"*: one market per 15-minute window. Since March 2026
the API no longer sends integer-cent fields such as `yes_ask`: prices are `*_dollars` strings and counts
are `*_fp` strings.
"""),
    code("""
markets = client.get_markets(series_ticker="KXBTC15M", status="open")
for m in markets["markets"][:5]:
    print(m["ticker"], "| YES ask", m["yes_ask_dollars"], "| volume", m["volume_fp"])
"""),
    code("""
ticker = markets["markets"][0]["ticker"]  # discovered, never typed: a new one every 15 minutes
market_view(ticker)  # YES and NO bid/ask in cents and dollars, volume, time to close (Eastern time)
"""),
    md("""
`place_order(ticker, side, contracts, price_cents)` keeps the original interface and builds today's V2 order:
buying YES at 40¢ is a `bid` at `"0.4000"`. With `dry_run=True` it returns the exact request and sends
nothing.
"""),
    code("""
order = client.place_order(ticker, "yes", 10, 40, dry_run=True)  # buy 10 YES at 40c: nothing is sent
order["request"]
"""),
    md("""
## Markets as a DataFrame

`markets_df` follows every page and returns typed columns: prices as float dollars, counts as floats, times
as UTC datetimes, plus the derived `mid_dollars`, `spread_dollars` and `time_to_close`. A notebook shows
the columns a reader needs, with units (prices in cents, times in Eastern time, `time_to_close` in minutes
and seconds); the data underneath are unchanged. `kalshi_nb.full(df)` shows every column,
`kalshi_nb.set_display(compact=False)` turns this off, `set_display(timezone="UTC")` picks the zone.
"""),
    code("""
df = markets_df("KXBTC15M")
df
"""),
    code("""
df[["ticker", "mid_dollars", "spread_dollars", "time_to_close"]]  # your own columns, shown the same way
"""),
    code("""
frames.describe("markets").query("unit == 'USD'")  # the money columns, with their meaning
"""),
    md("""
Next: `02_exploring_a_series.ipynb` (events, filters, the strike ladder), `03_history.ipynb` (trades,
candles, settled windows), `04_order_ticket.ipynb` (placing orders safely), `05_portfolio.ipynb` (P&L).
"""),
]


# --------------------------------------------------------------------------------------------------
# 2. Exploring a series

EXPLORING = [
    md("""
# Exploring a series: what does it list, and where does the market think Bitcoin will be at the hour?

A *series* is a recurring question (KXBTC15M: up or down over 15 minutes; KXBTC: Bitcoin's price range at
the top of the hour), an *event* is one occurrence of it, and a *market* is one yes/no contract of an event.
This notebook lists them as DataFrames, filters them, and draws the **strike ladder**: the implied
probability of each price range of one event, the market's forecast. It only reads.
"""),
    code("""
import kalshi_nb
from kalshi_nb import plot_orderbook_depth, plot_strike_ladder
from kalshi_nb.data import events_df, markets_df, orderbook_df, series_df
from kalshi_nb.data.views import book_view

client = kalshi_nb.connect()
"""),
    md("""
## Series
"""),
    code("""
crypto = series_df(category="Crypto")
crypto[["ticker", "title", "frequency", "fee_type"]]
"""),
    md("""
## KXBTC15M: one event, and one market, per 15-minute window

The market's `floor_strike` is the target: BTC's price when the window opened.
"""),
    code("""
events_df("KXBTC15M").events[["event_ticker", "title", "sub_title", "strike_date"]]
"""),
    code("""
btc15 = markets_df("KXBTC15M")
btc15[["ticker", "floor_strike", "yes_bid_dollars", "yes_ask_dollars", "last_price_dollars", "volume_fp",
       "close_time", "time_to_close"]]
"""),
    md("""
## KXBTC: a ladder of price ranges

`with_markets=True` returns the events and, alongside, their markets with the event's columns.
"""),
    code("""
ladder = events_df("KXBTC", with_markets=True)
ladder.events[["event_ticker", "title", "strike_date", "mutually_exclusive"]]
"""),
    code("""
event = ladder.events.sort_values("strike_date")["event_ticker"].iloc[0]  # the next one to settle
markets = ladder.markets[ladder.markets["event_ticker"] == event]
markets[["ticker", "yes_sub_title", "strike_type", "floor_strike", "cap_strike", "yes_bid_dollars",
         "yes_ask_dollars", "mid_dollars"]]
"""),
    md("""
## Filters

API filters are keywords of the `*_df` helpers (`event=`, `status=`, `min_close_ts=`, ...); the rest is
pandas.
"""),
    code("""
same = markets_df(event=event)  # the API's own event filter gives the same markets
print(sorted(same["ticker"]) == sorted(markets["ticker"]))
"""),
    code("""
# the ranges the market gives at least a 5% chance, with a tight book
likely = markets[(markets["mid_dollars"] >= 0.05) & (markets["spread_dollars"] <= 0.05)]
likely[["yes_sub_title", "mid_dollars", "spread_dollars", "volume_fp"]]
"""),
    md("""
## The strike ladder

Each dot is a range's YES mid (its implied probability), the bar spans the YES bid to the ask.
"""),
    code(
        """
ax = plot_strike_ladder(markets)
""",
        "plot",
    ),
    md("""
## The order book of the likeliest range

YES bids in blue; the NO bids, shown as the YES asks they imply, in orange. First the ladder (each level's
size, the running total and a depth bar), then the depth chart, where the dashed line is the mid.
"""),
    code("""
top = markets.loc[markets["mid_dollars"].idxmax(), "ticker"]
book_view(top, depth=6)
"""),
    code(
        """
ax = plot_orderbook_depth(orderbook_df(top))
""",
        "plot",
    ),
]


# --------------------------------------------------------------------------------------------------
# 3. History

HISTORY = [
    md("""
# History: how did a Bitcoin 15-minute market trade, and how did the recent windows settle?

The trades and one-minute candlesticks of the last settled KXBTC15M window as DataFrames, its price history
(the YES bid-ask band, the trades, the volume), then the outcomes of the recent windows with the price path
inside each. Tables show times in Eastern time, as Kalshi labels its markets (the data stay UTC;
`kalshi_nb.set_display(timezone=...)` takes any IANA name); give the plots `tz="America/New_York"` for the
same. It only reads.
"""),
    code("""
import pandas as pd

import kalshi_nb
from kalshi_nb import plot_btc15m_overview, plot_price_history
from kalshi_nb.data import candles_df, markets_df, trades_df

client = kalshi_nb.connect()
"""),
    md("""
## The last settled window
"""),
    code("""
since = pd.Timestamp.now(tz="UTC") - pd.Timedelta(hours=6)
settled = markets_df("KXBTC15M", status="settled", min_settled_ts=since).sort_values("close_time")
last = settled.iloc[-1]
print(f"{last['ticker']} ({last['yes_sub_title']}) settled {last['result']!s}")
"""),
    code("""
trades = trades_df(last["ticker"])
trades[["created_time", "yes_price_dollars", "count_fp", "taker_outcome_side"]].head()
"""),
    code("""
candles = candles_df(last["ticker"], interval="1m", series="KXBTC15M")  # open to close, a row a minute
candles[["end_period_ts", "yes_bid_close_dollars", "yes_ask_close_dollars", "price_close_dollars",
         "volume_fp"]].tail()
"""),
    md("""
## Price history

The band is the YES bid-ask at each minute's close, the line the last traded price, the dots each trade
(blue: the taker bought YES, orange: NO), the bars underneath the volume. `kind="candles"` draws the traded
prices as candles instead.
"""),
    code(
        """
ax = plot_price_history(candles, trades=trades)
""",
        "plot",
    ),
    md("""
## How did the recent windows settle?
"""),
    code("""
settled["result"].astype(str).value_counts()
"""),
    code(
        """
recent = settled.tail(12)
paths = {t: candles_df(t, interval="1m", series="KXBTC15M") for t in recent["ticker"]}
axes = plot_btc15m_overview(recent, paths, windows=12)
""",
        "plot",
    ),
    md("""
Top: each window as a bar from open to close, up (blue) if it settled YES, down (orange) if NO. Bottom: the
YES price inside each window, minute by minute, coloured by how it settled; the market usually knows well
before the close.
"""),
]


# --------------------------------------------------------------------------------------------------
# 4. Order ticket

ORDER_TICKET = [
    md("""
# Order ticket: how do I preview, place and cancel an order without surprises?

> **⚠️ Warning: this notebook places orders.** On the local sandbox (what `kalshi_nb.connect()` uses
> without credentials) the money is fake and every cell runs as it is. **With credentials, nothing is
> placed:** each cell that could send an order first checks `CONFIRM_REAL_ORDERS`, which is `False`. Even
> then, production also needs `kalshi_nb.enable_live_trading()`, and any order above the spend cap ($100 by
> default) is refused.

The safe path: `preview_order` reads only and shows what an order would do; `place_order(preview,
confirm=True)` is the only call that writes, and the same preview placed twice is still one order.
"""),
    code("""
import kalshi_nb
from kalshi_nb import OrderTicket, cancel_order, open_orders_df, place_order, preview_order
from kalshi_nb.data import events_df
from kalshi_nb.data.views import market_view, position_view

client = kalshi_nb.connect()
CONFIRM_REAL_ORDERS = False  # True only if you mean to trade on demo or production
may_send = client.env == "sandbox" or CONFIRM_REAL_ORDERS  # "sandbox": the sandbox on this computer
print(f"{client.env}: orders from this notebook {'are' if may_send else 'are NOT'} sent")
"""),
    md("""
## Pick a market

The next Fed decision (series KXFEDDECISION), one market per outcome. They stay open for weeks, so an order
placed here does not close under us.
"""),
    code("""
fed = events_df("KXFEDDECISION", with_markets=True)
meeting = fed.events.sort_values("strike_date")["event_ticker"].iloc[0]
options = fed.markets[fed.markets["event_ticker"] == meeting]
options[["ticker", "yes_sub_title", "yes_bid_dollars", "yes_ask_dollars", "mid_dollars"]]
"""),
    md("""
## 1. Preview: reads only, sends nothing

Buy 5 YES of the likeliest outcome, 2¢ under the best bid: the order rests on the book instead of trading.
"""),
    code("""
choice = options.loc[options["mid_dollars"].idxmax()]
market_view(choice["ticker"])
"""),
    code("""
price = f"{max(choice['yes_bid_dollars'] - 0.02, 0.01):.2f}"
preview = preview_order(choice["ticker"], "yes", "buy", 5, price)
preview  # what you buy, the total with fees, P&L either way, warnings; the request itself under "details"
"""),
    md("""
## 2. Place it (guarded)
"""),
    code("""
placed = None
if may_send:
    placed = place_order(preview, confirm=True)  # the only call that writes
    display(placed)  # the receipt: order id, status, filled and resting counts
else:
    print("Nothing sent: set CONFIRM_REAL_ORDERS = True to place it")
"""),
    code("""
if placed is not None:  # placing the same preview again sends nothing and returns the same order
    print("one order:", place_order(preview, confirm=True) is placed)
open_orders_df(choice["ticker"])[["order_id", "outcome_side", "yes_price_dollars", "remaining_count_fp"]]
"""),
    md("""
## 3. Cancel

Cancelling only takes risk off, so it needs no preview.
"""),
    code("""
if placed is not None and placed.is_resting:
    cancel_order(placed)
print("open orders left:", len(open_orders_df(choice["ticker"])))
position_view(choice["ticker"])  # nothing filled, so nothing held
"""),
    md("""
## 4. The order ticket

The same flow as a form. **Preview** reads only; **Place** stays disabled until there is a preview of exactly
the current inputs, and *Dry run*, on by default, makes Place show the request instead of sending it. The
environment is always on show: production in red, with an extra confirmation box.
"""),
    code(
        """
ticket = OrderTicket(client, ticker=choice["ticker"])
ticket
""",
        "widget",
    ),
    code("""
# filling the form from code is the same as typing and clicking: Preview reads only,
# and with Dry run on, Place shows the request and sends nothing
ticket.count.value, ticket.price.value = "3", price
ticket.preview_button.click()
ticket.place_button.click()
print("placed by the ticket:", ticket.placed)
"""),
]


# --------------------------------------------------------------------------------------------------
# 5. Portfolio

PORTFOLIO = [
    md("""
# Portfolio: what do I hold, what did I trade, and how much have I made or lost?

Positions, fills, orders and settlements as DataFrames, then the P&L per market and series (`pnl_df`):
realised (settled or closed), fees, open positions at cost and at the mid, and the equity curve over time
(`plot_pnl`). A new sandbox account is empty, so on the
local sandbox the first cell makes a little history: three orders that trade at once, one that rests, and
two markets settled through the sandbox's control route (`POST /_sandbox/settle`, which works for the
sandbox `connect()` starts in this kernel and for one started with `python -m kalshi_nb.sandbox`). That cell
does nothing with credentials: on demo or production this notebook only reads.
"""),
    code("""
import time

import requests

import kalshi_nb
from kalshi_nb import place_order, plot_pnl, pnl_df, preview_order
from kalshi_nb.data import fills_df, markets_df, orders_df, positions_df, settlements_df
from kalshi_nb.data.views import position_view

client = kalshi_nb.connect()
"""),
    code("""
if client.env == "sandbox":  # the sandbox on this computer only: fake money, and it can settle markets
    ladder = markets_df("KXBTC")
    if (soonest := ladder["time_to_close"].min().total_seconds()) < 60:  # closing: trade the next hour's
        time.sleep(max(soonest, 0) + 2)
        ladder = markets_df("KXBTC")
    picks = ladder.nlargest(3, "mid_dollars")  # the three likeliest price ranges
    for ticker, ask in zip(picks["ticker"], picks["yes_ask_dollars"], strict=True):
        place_order(preview_order(ticker, "yes", "buy", 10, f"{ask:.2f}"), confirm=True)  # at the ask: trades
    place_order(preview_order(picks["ticker"].iloc[2], "no", "buy", 5, "0.02"), confirm=True)  # rests
    settle = client.api_base.removesuffix("/trade-api/v2") + "/_sandbox/settle"  # control routes, beside the API
    for ticker, result in zip(picks["ticker"].iloc[:2], ["yes", "no"], strict=True):
        requests.post(settle, json={"ticker": ticker, "result": result}, timeout=10).raise_for_status()
"""),
    md("""
## Positions

`position_fp` is the net position (positive: YES contracts, negative: NO). The API lists unsettled positions
unless asked for `settlement_status="all"`. `position_view(ticker)` shows one position with its value now.
"""),
    code("""
positions = positions_df(settlement_status="all")
positions
"""),
    code("""
open_positions = positions[positions["position_fp"] != 0]
position_view(open_positions["ticker"].iloc[0]) if len(open_positions) else "no open position"
"""),
    md("""
## Fills and orders
"""),
    code("""
fills = fills_df()
fills
"""),
    code("""
orders_df()
"""),
    md("""
## Settlements

What each settled market paid: `revenue_dollars` ($1 per winning contract), and the fees the exchange counts.
"""),
    code("""
settlements = settlements_df()
settlements[["ticker", "market_result", "yes_count_fp", "no_count_fp", "revenue_dollars", "fee_cost"]]
"""),
    md("""
## P&L per market and series

`pnl_df()` rebuilds the P&L from the fills and settlements: what each market cost, what closed positions
and settlements paid back (`realized_pnl_dollars`, before fees), the fees, and what is still open at cost
(`exposure_dollars`). `reported_pnl_dollars` is the exchange's own figure for a settled market (revenue
less the costs and fees its settlement reports): the two agree for a market held to settlement.
"""),
    code("""
pnl = pnl_df()
pnl[["ticker", "status", "position_fp", "exposure_dollars", "realized_pnl_dollars", "fees_dollars",
     "net_pnl_dollars", "reported_pnl_dollars"]]
"""),
    code("""
pnl_df("series")
"""),
    md("""
An open position is marked at its market's mid: YES contracts are worth the mid, NO contracts 1 - mid.
"""),
    code("""
held = pnl[pnl["position_fp"] != 0].set_index("ticker")
if len(held):
    mid = markets_df(tickers=list(held.index), status=None).set_index("ticker")["mid_dollars"]
    n = held["position_fp"]
    worth = (n.clip(lower=0) * mid + (-n).clip(lower=0) * (1 - mid)).sum()
    print(f"Open positions: worth ${worth:,.2f} at the mid, cost ${held['exposure_dollars'].sum():,.2f}")
print(f"Cash: ${client.get_balance()['balance'] / 100:,.2f}; "
      f"realized after fees: ${pnl['net_pnl_dollars'].sum():,.2f}")
"""),
    md("""
## Over time

The equity curve steps at each fill (its fee) and each settlement (what it paid less what the contracts
cost); the shaded area is what is still open, at cost. Below it, the net P&L of each market.
"""),
    code(
        """
plot_pnl(pnl_df("time"), tz="America/New_York").set_title("Realized P&L after fees");
""",
        "plot",
    ),
    code(
        """
plot_pnl(pnl).set_title("P&L per market (after fees)");
""",
        "plot",
    ),
]


# --------------------------------------------------------------------------------------------------
# 6. Live

LIVE = [
    md("""
# Live: how is the current Bitcoin 15-minute window moving, and where is my order in it?

> **⚠️ Warning: this notebook places one small order.** On the local sandbox (what `kalshi_nb.connect()` uses
> without credentials) the money is fake and every cell runs as it is. **With credentials, nothing is
> placed:** the cells that could send an order check `CONFIRM_REAL_ORDERS`, which is `False`.

`live_view()` opens Kalshi's WebSocket feed for the current KXBTC15M window and shows its order book, the
last trades, the YES price line and the time left, moving by themselves while you run other cells. A book
the feed cannot vouch for (a gap, a dropped connection) turns grey and says *stale*; it never looks current.
"""),
    code("""
import kalshi_nb
from kalshi_nb import live_view, place_order, preview_order

client = kalshi_nb.connect()
CONFIRM_REAL_ORDERS = False  # True only if you mean to trade on demo or production
may_send = client.env == "sandbox" or CONFIRM_REAL_ORDERS  # "sandbox": the sandbox on this computer
print(f"{client.env}: orders from this notebook {'are' if may_send else 'are NOT'} sent")
"""),
    md("""
## Watch the window

The ladder has the YES asks (from the NO bids) above the YES bids, bars as deep as the contracts up to each
level. Below it, the feed's health: connected, the age of the last message, gaps found and recovered.
**Stop** ends it; so does `view.stop()`.
"""),
    code(
        """
view = live_view(client=client)  # the current KXBTC15M window; redrawn at most 4 times a second
view
""",
        "widget",
    ),
    md("""
The view runs on its own threads: this cell runs while it is live, and reads the same live book.
"""),
    code("""
ticker, feed = view.ticker, view.feed
if feed is not None:
    try:
        feed.wait_for(lambda f: f.book(ticker).valid, timeout=15)
    except TimeoutError:
        feed = None  # no live book: the cells below send nothing
if feed is not None:
    book = feed.book(ticker)
    print(f"{ticker}: YES bid {book.best_bid()}, ask {book.best_ask()} (live)")
else:
    print("No live feed here:", view.error or "not connected")
"""),
    md("""
## Place a small order (guarded)

One YES contract 2¢ under the best bid: it rests on the book, and the view marks its level "yours".
"""),
    code("""
placed = None
if may_send and feed is not None:
    price = f"{max(float(book.best_bid()) - 0.02, 0.01):.2f}"
    placed = place_order(preview_order(ticker, "yes", "buy", 1, price), confirm=True)
    feed.wait_for(lambda f: f.orders.get(placed.order_id, {}).get("status") == "resting", timeout=15)
    print(f"resting on the book: 1 YES at {price}")
else:
    print("Nothing sent: set CONFIRM_REAL_ORDERS = True to place it")
"""),
    md("""
## See it filled

Move the bid up across the spread, to 2¢ above the best ask (an amend is checked like a new order): it
trades at once, at the offer's price, even if the offer moved a little. The feed reports the order
executed, and the trade appears under *last trades*.
"""),
    code("""
if placed is not None:
    if feed.orders[placed.order_id].get("status") == "resting":  # a taker may have filled it already
        limit = f"{min(float(feed.book(ticker).best_ask()) + 0.02, 0.99):.2f}"
        client.amend_order(placed.order_id, ticker=ticker, side="yes", contracts=1, price_dollars=limit)
    feed.wait_for(lambda f: f.orders[placed.order_id].get("status") == "executed", timeout=15)
    order = feed.orders[placed.order_id]
    print(f"executed: {order.get('fill_count_fp')} filled for ${order.get('taker_fill_cost_dollars')}")
"""),
    code("""
feed.trades_df()[["created_time", "yes_price_dollars", "count_fp", "taker_side"]] if feed else "no feed"
"""),
    md("""
## Stop

The redraw thread ends and the view's feed closes; the view stays on the page, greyed, saying *stopped*.
"""),
    code("""
view.stop()
print(view, "| still running:", view.running)
"""),
]


# --------------------------------------------------------------------------------------------------
# 7. Calibration

CALIBRATION = [
    md("""
# Are KXBTC15M prices calibrated?

When a fifteen-minute Bitcoin window trades at 70c with ten minutes to go, does it settle YES 70% of the
time? This notebook syncs the settled windows of the last few days into a local store (Parquet files,
queried with DuckDB), takes the YES price 10, 5 and 1 minutes before each close (the last trade at or
before that instant), and compares it with how the windows settled: a reliability diagram with Wilson 95%
intervals and the count per bin, then the Brier score and its decomposition by time to close. It only
reads, and needs the store's extra (`pip install "kalshi_nb[store]"`: pyarrow and DuckDB). On the local
sandbox the windows are synthetic, priced from a latent BTC path by a deliberately overconfident market, so
there is something to find.
"""),
    code("""
import tempfile

import pandas as pd

import kalshi_nb
from kalshi_nb import calibration_summary, plot_calibration, prices_before_close, reliability_table

client = kalshi_nb.connect()
DAYS = 2  # how far back to study (96 windows a day; more days: a longer first sync)
"""),
    md("""
## Sync the settled windows into the store

`store.sync` fetches the markets and their trades through the client (live and historical tiers, inside
the rate limit) and writes only what the store does not have yet: run it again tomorrow and it fetches
just the new windows. The sandbox invents a new history each time it starts, so it gets a throwaway store.
"""),
    code("""
where = tempfile.mkdtemp(prefix="kalshi-study-") if client.env == "sandbox" else None  # None: data folder
store = kalshi_nb.open_store(where)
since = pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=DAYS)
store.sync("KXBTC15M", datasets=("markets", "trades"), since=since, client=client, progress=False)
"""),
    code("""
markets = store.df("markets", series="KXBTC15M", start=since)
settled = markets[markets["result"].isin(["yes", "no"])]
trades = store.df("trades", series="KXBTC15M", start=since)
print(f"{len(settled)} settled windows, {len(trades):,} trades")
store.describe()[["dataset", "rows", "files", "first", "last"]].head(3)
"""),
    md("""
The same files answer SQL through DuckDB: trades, contracts and the volume-weighted price per window.
"""),
    code("""
store.sql('''
    select m.ticker, any_value(m.result) as result, count(*) as trades,
           sum(t.count_fp) as contracts, sum(t.count_fp * t.yes_price_dollars) / sum(t.count_fp) as vwap
    from trades t join markets m using (ticker)
    group by m.ticker order by m.ticker desc limit 5
''')
"""),
    md("""
## The price before the close, against the outcome

One row per window and time before the close: the YES price then, and 1 if the window settled YES.
"""),
    code("""
prices = prices_before_close(trades, settled, minutes=(10, 5, 1))
table = reliability_table(prices, bins=10)
table.head()
"""),
    md("""
A calibrated market keeps to the diagonal. Points under it at high prices and above it at low ones mean
the market is overconfident: its favourites win less often than their price says, its long shots more.
The bars (right axis) count the windows in each bin.
"""),
    code(
        """
ax = plot_calibration(table)
ax.set_title(f"KXBTC15M: YES price against outcome ({len(settled)} windows)");
""",
        "plot",
    ),
    md("""
## Brier score and its decomposition

The Brier score is the mean squared gap between price and outcome (0 is perfect; always quoting 50c scores
0.25). Over the diagram's bins it splits as `reliability - resolution + uncertainty + within`:
*reliability* is the calibration error (lower is better), *resolution* how much the prices tell windows
apart (higher is better), *uncertainty* what the share of YES alone implies, and *within* the small rest
from prices differing inside a bin. Closer to the close the price knows more: resolution grows.
"""),
    code("""
summary = calibration_summary(prices)
summary.round(4)
"""),
    code(
        """
ax = summary.set_index("minutes_before")[["brier", "reliability", "resolution"]].plot.bar(figsize=(7, 3.5))
ax.set_xlabel("Minutes before the close")
ax.set_ylabel("Score")
ax.set_title("Brier score and its parts, by time to close");
""",
        "plot",
    ),
]


NOTEBOOKS = {
    "01_quickstart.ipynb": QUICKSTART,
    "02_exploring_a_series.ipynb": EXPLORING,
    "03_history.ipynb": HISTORY,
    "04_order_ticket.ipynb": ORDER_TICKET,
    "05_portfolio.ipynb": PORTFOLIO,
    "06_live.ipynb": LIVE,
    "07_calibration.ipynb": CALIBRATION,
}


def build(name: str) -> nbformat.NotebookNode:
    """One notebook, without outputs, with stable cell ids (so re-running this changes nothing)."""
    nb = new_notebook(cells=[nbformat.from_dict(dict(cell)) for cell in NOTEBOOKS[name]])
    stem = name.removesuffix(".ipynb")
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{stem[:2]}-{i:02d}"
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.validate(nb)
    return nb


def write_notebooks(out_dir: str | Path = HERE) -> list[Path]:
    """Write every notebook into ``out_dir``; return the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in NOTEBOOKS:
        path = out / name
        nbformat.write(build(name), path)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_notebooks(sys.argv[1] if len(sys.argv) > 1 else HERE):
        print(path)  # noqa: T201 - a script's report
