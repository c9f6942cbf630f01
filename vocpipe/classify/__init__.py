"""Clause classifiers: sentiment + request, topics, and emerging-theme discovery."""
