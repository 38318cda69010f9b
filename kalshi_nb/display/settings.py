"""How kalshi_nb's frames show in a notebook (one switch, read by ``display.frames``, set by ``set_display``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class DisplaySettings:
    compact: bool = True  # tagged frames through the compact view; False: exactly as pandas shows them


settings = DisplaySettings()
