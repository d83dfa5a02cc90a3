"""Signals: TA-Lib-exact indicators, generators, regime classes, the SignalBook and engine."""
