"""The steps of the fault report (bot/dialogs/report_fault.py wires them), by step group."""
