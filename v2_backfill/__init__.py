"""v2-backfill: moves Property Sync's legacy messaging into the V2 per-property schema."""

__version__ = "0.1.0"
