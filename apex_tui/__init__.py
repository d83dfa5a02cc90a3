"""Apex TUI: a trader's cockpit for Interactive Brokers in one terminal."""

__version__ = "0.1.0"
